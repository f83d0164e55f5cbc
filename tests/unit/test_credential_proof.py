"""eddsa-rdfc-2022 reproduces 1EdTech's published test vector byte for byte.

Source: Open Badges 3.0 Implementation Guide, "Linked Data Proof Test Vector for Open Badges 3.0"
(openbadges-specification, ob_v3p0/impl/linked-data-proof-ob.html). Equal hashes prove that our
canonicalization (pyld URDNA2015 over the bundled contexts) is the one the rest of the world computes.
"""

from __future__ import annotations

import copy
import hashlib
from datetime import UTC, datetime

from shared.credentials import proof
from shared.credentials.keys import SigningKey, decode_multikey, decode_signature, encode_multikey
from shared.credentials.linked_data import canonicalize

VECTOR_SEED = "6241a409e6707bb640a0140a8a32bc3d193c33a661747284d6adfa4ed4180be4"
VECTOR_PUBLIC_KEY = "4bdeafde2ea8beefadd8c699b5c7e0704cf51154d52e17b20b71337ca04cc5a5"
VECTOR_MULTIKEY = "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
VECTOR_DOCUMENT_HASH = "87f65a76d40146205e3b3e06cb0fbd153f97f9ce70372390f52566bb7f9e0773"
VECTOR_PROOF_HASH = "d34009cea0dbc1ca941e09dc01c8c9d3e3ce3c5b853f67ee44698dcea10f5d19"
VECTOR_SIGNATURE = (
    "f7a017acf7d27983267ec362657c0fb08e955549f49dac5bf36a03c4f2c3a4f1"
    "e3738a6c5ecd7ffba7135cb9cd754e6196f4b73082ea8df8e703c8ecd4333503"
)
VECTOR_PROOF_VALUE = "z5x9aCBYovW3CQCbKdNyhEm7ffYSw1YpEdPywQJoNbzDD2gkzQDKJ1sYKJaWvqZtkMtSbz35HcbgXVEDYHxCzgkCr"
VECTOR_METHOD = f"https://example.edu/issuers/565049#{VECTOR_MULTIKEY}"
VECTOR_CREATED = datetime(2010, 1, 1, 19, 23, 24, tzinfo=UTC)

VECTOR_CREDENTIAL = {
    "@context": [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ],
    "id": "http://example.com/credentials/3527",
    "type": ["VerifiableCredential", "OpenBadgeCredential"],
    "issuer": {
        "id": "https://example.edu/issuers/565049",
        "type": ["Profile"],
        "url": "https://www.imsglobal.org",
        "name": "Example Corp",
    },
    "validFrom": "2010-01-01T00:00:00Z",
    "name": "Teamwork Badge",
    "credentialSubject": {
        "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
        "type": ["AchievementSubject"],
        "achievement": {
            "id": "https://example.com/achievements/21st-century-skills/teamwork",
            "type": ["Achievement"],
            "criteria": {
                "narrative": "Team members are nominated for this badge by their peers and recognized upon review "
                "by Example Corp management."
            },
            "description": "This badge recognizes the development of the capacity to collaborate within a group "
            "environment.",
            "name": "Teamwork",
        },
    },
}
VECTOR_PROOF_OPTIONS = {
    "type": "DataIntegrityProof",
    "created": "2010-01-01T19:23:24Z",
    "verificationMethod": VECTOR_METHOD,
    "cryptosuite": "eddsa-rdfc-2022",
    "proofPurpose": "assertionMethod",
}


def vector_key() -> SigningKey:
    return SigningKey.from_seed_hex(VECTOR_SEED)


def test_the_vector_document_canonicalizes_to_the_published_hash():
    assert hashlib.sha256(canonicalize(VECTOR_CREDENTIAL).encode()).hexdigest() == VECTOR_DOCUMENT_HASH


def test_the_vector_proof_options_canonicalize_to_the_published_hash():
    config = {"@context": VECTOR_CREDENTIAL["@context"], **VECTOR_PROOF_OPTIONS}
    assert hashlib.sha256(canonicalize(config).encode()).hexdigest() == VECTOR_PROOF_HASH


def test_the_data_signed_is_the_proof_hash_then_the_document_hash():
    assert proof.hash_data(VECTOR_CREDENTIAL, VECTOR_PROOF_OPTIONS).hex() == VECTOR_PROOF_HASH + VECTOR_DOCUMENT_HASH


def test_the_vector_seed_gives_the_vector_key_in_multikey_form():
    key = vector_key()
    assert key.public_key.hex() == VECTOR_PUBLIC_KEY
    assert key.public_multikey == VECTOR_MULTIKEY
    assert decode_multikey(VECTOR_MULTIKEY).hex() == VECTOR_PUBLIC_KEY
    assert encode_multikey(bytes.fromhex(VECTOR_PUBLIC_KEY)) == VECTOR_MULTIKEY


def test_signing_the_vector_gives_the_published_signature_and_proof_value():
    signed = proof.sign(VECTOR_CREDENTIAL, vector_key(), VECTOR_METHOD, VECTOR_CREATED)
    (made,) = signed["proof"]
    assert made["proofValue"] == VECTOR_PROOF_VALUE
    assert decode_signature(made["proofValue"]).hex() == VECTOR_SIGNATURE
    assert {k: v for k, v in made.items() if k != "proofValue"} == VECTOR_PROOF_OPTIONS


def test_the_published_signed_vector_verifies_and_any_change_breaks_it():
    published = {**VECTOR_CREDENTIAL, "proof": {**VECTOR_PROOF_OPTIONS, "proofValue": VECTOR_PROOF_VALUE}}
    keys = {VECTOR_METHOD: bytes.fromhex(VECTOR_PUBLIC_KEY)}
    assert proof.check_proof(published, keys.get).valid

    renamed = copy.deepcopy(published)
    renamed["credentialSubject"]["achievement"]["name"] = "Leadership"
    result = proof.check_proof(renamed, keys.get)
    assert (result.valid, result.code) == (False, "signature_mismatch")

    later = copy.deepcopy(published)
    later["proof"]["created"] = "2011-01-01T19:23:24Z"  # the proof options are signed too
    assert not proof.check_proof(later, keys.get).valid


def test_a_proof_by_a_key_the_issuer_does_not_list_is_refused():
    published = {**VECTOR_CREDENTIAL, "proof": {**VECTOR_PROOF_OPTIONS, "proofValue": VECTOR_PROOF_VALUE}}
    result = proof.check_proof(published, lambda method: None)
    assert (result.valid, result.code) == (False, "unknown_key")
