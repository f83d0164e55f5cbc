"""The bundled JSON-LD contexts are the published files, carry their licences, and nothing else loads."""

from __future__ import annotations

import hashlib

import pytest

from shared.credentials import linked_data
from shared.credentials.linked_data import BUNDLED, CONTEXTS_DIR, ContextNotBundled, UnsafeDocument, canonicalize

# From shared/reference/interop/README.md: the digest the VC Data Model 2.0 Recommendation publishes for
# its context, and that of 1EdTech's validator copy of the OB 3.0.3 context.
REFERENCE_SHA256 = {
    "https://www.w3.org/ns/credentials/v2": "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": (
        "3d34f4d4ef1bce691106e63798beb5e7b862ba841423f5ee1e53ab7ddf3bca84"
    ),
}
LICENCES = {
    "credentials-v2.jsonld": "LICENSE-W3C.md",
    "did-v1.jsonld": "LICENSE-W3C.md",
    "ob-v3p0-context-3.0.3.json": "LICENSE-Apache-2.0-1EdTech-validator.txt",
    "multikey-v1.jsonld": "LICENSE-BSD-3-Clause-multikey-context.txt",
}


def sha256(name: str) -> str:
    return hashlib.sha256((CONTEXTS_DIR / name).read_bytes()).hexdigest()


@pytest.mark.parametrize("url", sorted(REFERENCE_SHA256))
def test_the_reference_contexts_are_the_published_bytes(url):
    assert sha256(BUNDLED[url].file) == REFERENCE_SHA256[url]


@pytest.mark.parametrize("url", sorted(BUNDLED))
def test_every_bundled_context_matches_its_recorded_hash_and_has_a_licence(url):
    context = BUNDLED[url]
    assert sha256(context.file) == context.sha256
    assert (CONTEXTS_DIR / LICENCES[context.file]).stat().st_size > 0
    assert context.sha256 in (CONTEXTS_DIR / "README.md").read_text()


def test_an_unknown_context_url_is_refused_not_fetched():
    with pytest.raises(ContextNotBundled, match="not bundled"):
        linked_data.document_loader("https://evil.example/contexts/v1")
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://evil.example/contexts/v1"],
        "id": "urn:uuid:6f1a1c2e-1d5b-4a55-9b64-1b8b8d2a9f10",
        "type": ["VerifiableCredential"],
    }
    with pytest.raises(ContextNotBundled):
        canonicalize(credential)


def test_the_loader_hands_out_copies_that_cannot_corrupt_the_bundle():
    first = linked_data.document_loader("https://www.w3.org/ns/credentials/v2")
    first["document"]["@context"]["id"] = "@type"
    assert linked_data.document_loader("https://www.w3.org/ns/credentials/v2")["document"]["@context"]["id"] == "@id"


@pytest.mark.parametrize(
    ("change", "complaint"),
    [
        ({"nip": "199002202015032001"}, "not defined by the document's contexts: nip"),
        ({"id": "credentials/3527"}, "not an absolute IRI"),
        ({"type": ["VerifiableCredential", "Sertifikat"]}, "not defined"),
    ],
    ids=["undefined-property", "relative-id", "undefined-type"],
)
def test_content_the_contexts_do_not_define_is_refused_rather_than_left_unsigned(change, complaint):
    credential = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "id": "urn:uuid:6f1a1c2e-1d5b-4a55-9b64-1b8b8d2a9f10",
        "type": ["VerifiableCredential"],
        "issuer": "https://sertifikat.example/credentials/issuer",
        "credentialSubject": {"id": "urn:uuid:0c9b1bd5-4a0f-4a8e-8d6b-55b1c1c3d1a2"},
    }
    canonicalize(credential)
    with pytest.raises(UnsafeDocument, match=complaint):
        canonicalize(credential | change)
