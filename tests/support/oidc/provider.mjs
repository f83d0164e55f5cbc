// A real OpenID Provider for the tests: panva's oidc-provider (OpenID Certified), pinned in
// package-lock.json, with one confidential client (authorization code, PKCE S256 required) and a few demo
// accounts whose claims name the NIP, roles, unit and institution the way the city's IdP is set up to.
//
// Started by tests/support/oidc.py. Settings come from the environment:
//   OIDC_PORT           loopback port to listen on (required)
//   OIDC_CLIENT_ID      default "bkpsdm-console"
//   OIDC_CLIENT_SECRET  default "console-test-secret-0123456789abcdef"
//   OIDC_REDIRECT_URIS  comma-separated, default "http://127.0.0.1/auth/callback"; the client is a
//                       native-type client, so a loopback redirect URI matches on any port (RFC 8252
//                       section 7.3): a test registers the path, whatever free port its console took.
//   OIDC_RESOURCE       the resource indicator (RFC 8707) of the four services, default
//                       "urn:bkpsdm-medan:services"; a client that asks for it gets a JWT access token
//   OIDC_AUDIENCE       that token's audience, the services' JWT_AUDIENCE, default "bkpsdm-medan"
// Sign-in is a plain HTML form (account and password) that a browser or an HTTP client can post;
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

import Provider, { errors } from 'oidc-provider';

const port = Number(process.env.OIDC_PORT);
if (!Number.isInteger(port) || port <= 0) {
  console.error('OIDC_PORT must be the port to listen on');
  process.exit(2);
}
const issuer = `http://127.0.0.1:${port}`;
const clientId = process.env.OIDC_CLIENT_ID ?? 'bkpsdm-console';
const clientSecret = process.env.OIDC_CLIENT_SECRET ?? 'console-test-secret-0123456789abcdef';
const redirectUris = (process.env.OIDC_REDIRECT_URIS ?? 'http://127.0.0.1/auth/callback').split(',');
const servicesResource = process.env.OIDC_RESOURCE ?? 'urn:bkpsdm-medan:services';
const servicesAudience = process.env.OIDC_AUDIENCE ?? 'bkpsdm-medan';

// The demo people of the tests; the password is the same for all.
const PASSWORD = 'rahasia';
const ACCOUNTS = {
  pegawai: { nip: '199001012015031001', roles: ['employee'], unit: 'DISKOMINFO', name: 'Andi Pegawai' },
  atasan: { nip: '198505052010011002', roles: ['employee', 'supervisor'], unit: 'DISKOMINFO', name: 'Budi Atasan' },
  kepala: { nip: '197703032000031003', roles: ['employee', 'unit_head'], unit: 'DISKOMINFO', name: 'Citra Kepala' },
  bkpsdm: { nip: '197805122003121002', roles: ['employee', 'bkpsdm_admin'], unit: 'BKPSDM', name: 'Dewi BKPSDM' },
  mitra: { nip: 'mitra-usu-01', roles: ['partner'], institution: 'USU', name: 'Eka Mitra USU' },
  // Holds a role the services do not know: the console must refuse the sign-in.
  asing: { nip: '199202022019021004', roles: ['superuser'], unit: 'DISKOMINFO', name: 'Fajar Asing' },
  // Has no NIP claim at all: the console must refuse the sign-in.
  tanpanip: { roles: ['employee'], unit: 'DISKOMINFO', name: 'Gita Tanpa NIP' },
};

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const signingKey = { ...privateKey.export({ format: 'jwk' }), kid: randomBytes(8).toString('hex'), use: 'sig', alg: 'RS256' };

const configuration = {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      application_type: 'native',
      redirect_uris: redirectUris,
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_basic',
    },
  ],
  jwks: { keys: [signingKey] },
  cookies: { keys: [randomBytes(32).toString('hex')] },
  pkce: { required: () => true },
  scopes: ['openid', 'profile'],
  claims: { openid: ['sub'], profile: ['name', 'nip', 'roles', 'unit', 'institution'] },
  // The claims go into the ID token itself, where the console reads them.
  conformIdTokenClaims: false,
  features: {
    devInteractions: { enabled: false },
    // The services are one resource server: asked for by its indicator (at the authorization and the
    // token endpoint, RFC 8707), the access token is a JWT signed RS256 with the provider's key, for the
    // services' audience. Asked for nothing, it stays the opaque token of the userinfo endpoint.
    resourceIndicators: {
      enabled: true,
      async getResourceServerInfo(_ctx, resourceIndicator) {
        if (resourceIndicator !== servicesResource) throw new errors.InvalidTarget();
        return {
          scope: '',
          audience: servicesAudience,
          accessTokenTTL: 60 * 60,
          accessTokenFormat: 'jwt',
          jwt: { sign: { alg: 'RS256' } },
        };
      },
    },
  },
  // What the services read from a token (shared/http/auth.py): the roles, the unit, a partner's
  // institution; each present only when the account has it.
  async extraTokenClaims(_ctx, token) {
    const { roles, unit, institution } = ACCOUNTS[token.accountId] ?? {};
    return { roles, unit, institution };
  },
  formats: {
    customizers: {
      // The city's IdP makes the access token's subject the NIP, as the services expect of `sub`.
      async jwt(_ctx, token, { payload }) {
        const nip = ACCOUNTS[token.accountId]?.nip;
        if (nip !== undefined) payload.sub = nip;
      },
    },
  },
  interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(_ctx, id) {
    const account = ACCOUNTS[id];
    if (!account) return undefined;
    return {
      accountId: id,
      async claims() {
        const { nip, ...rest } = account;
        return nip === undefined ? { sub: id, ...rest } : { sub: id, nip, ...rest };
      },
    };
  },
};

const provider = new Provider(issuer, configuration);

const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

function loginPage(uid, error) {
  const options = Object.entries(ACCOUNTS)
    .map(([id, a]) => `<option value="${escape(id)}">${escape(a.name)} (${escape(id)})</option>`)
    .join('');
  return `<!doctype html>
<html lang="id"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Masuk - IdP uji</title></head>
<body><main><h1>Masuk ke IdP uji</h1>
${error ? `<p role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<p><label for="login">Akun</label> <select id="login" name="login">${options}</select></p>
<p><label for="password">Kata sandi</label> <input id="password" name="password" type="password" autocomplete="current-password"></p>
<p><button type="submit">Masuk</button></p>
</form></main></body></html>`;
}

async function readForm(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function interaction(req, res) {
  const details = await provider.interactionDetails(req, res);
  const { uid, prompt } = details;
  if (req.method === 'GET' && prompt.name === 'consent') {
    // First-party client: grant what it asked for, as the city's IdP does for its own applications.
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId: details.session.accountId, clientId: details.params.client_id });
    if (prompt.details.missingOIDCScope) grant.addOIDCScope(prompt.details.missingOIDCScope.join(' '));
    if (prompt.details.missingOIDCClaims) grant.addOIDCClaims(prompt.details.missingOIDCClaims);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    return;
  }
  if (req.method === 'GET' && prompt.name === 'login') {
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(loginPage(uid));
    return;
  }
  if (req.method === 'POST' && req.url.endsWith('/login')) {
    const form = await readForm(req);
    const login = form.get('login');
    if (!(login in ACCOUNTS) || form.get('password') !== PASSWORD) {
      res.writeHead(401, { 'content-type': 'text/html; charset=utf-8' });
      res.end(loginPage(uid, 'Akun atau kata sandi salah.'));
      return;
    }
    await provider.interactionFinished(req, res, { login: { accountId: login } }, { mergeWithLastSubmission: false });
    return;
  }
  res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
  res.end(`unexpected interaction: ${req.method} ${prompt.name}`);
}

const handle = provider.callback();
createServer((req, res) => {
  if (req.url.startsWith('/interaction/')) {
    interaction(req, res).catch((err) => {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(String(err));
    });
    return;
  }
  handle(req, res);
}).listen(port, '127.0.0.1', () => console.log(`oidc-provider listening on ${issuer}`));
