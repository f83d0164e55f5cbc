"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (W3C VC Data Integrity EdDSA 1.0, §3.3).

Signing: canonicalize the document without its proof (RDFC-1.0) and the proof options without
``proofValue`` but with the document's ``@context``; the Ed25519 signature is over
SHA-256(canonical proof options) followed by SHA-256(canonical document), written as base58btc
multibase. This reproduces 1EdTech's published test vector (tests/unit/test_credential_proof.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from shared.credentials.keys import BadKey, SigningKey, decode_signature, encode_signature, verify_signature
from shared.credentials.linked_data import ContextNotBundled, UnsafeDocument, canonicalize

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
PROOF_PURPOSE = "assertionMethod"


def xsd_datetime(moment: datetime) -> str:
    """UTC to the second, as the VC data model writes dates (``2027-03-01T03:00:00Z``)."""
    if moment.tzinfo is None:
        raise ValueError("a credential date needs a time zone")
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def hash_data(unsecured: dict[str, Any], proof_options: dict[str, Any]) -> bytes:
    """What is signed: SHA-256 of the canonical proof options, then of the canonical document."""
    config = {"@context": unsecured["@context"], **{k: v for k, v in proof_options.items() if k != "proofValue"}}
    proof_hash = hashlib.sha256(canonicalize(config).encode("utf-8")).digest()
    document_hash = hashlib.sha256(canonicalize(unsecured).encode("utf-8")).digest()
    return proof_hash + document_hash


def sign(document: dict[str, Any], key: SigningKey, verification_method: str, created: datetime) -> dict[str, Any]:
    """The document with one ``eddsa-rdfc-2022`` proof (as a list: the OB 3.0 schema wants an array)."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": xsd_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": PROOF_PURPOSE,
    }
    signature = key.sign(hash_data(unsecured, options))
    return {**unsecured, "proof": [{**options, "proofValue": encode_signature(signature)}]}


@dataclass(frozen=True)
class ProofCheck:
    valid: bool
    code: str
    message_id: str
    message_en: str
    verification_method: str | None = None


# Looks up the public key (32 raw bytes) a verification method id stands for; None when unknown.
KeyResolver = Callable[[str], bytes | None]


def check_proof(document: dict[str, Any], resolve_key: KeyResolver) -> ProofCheck:
    """Is there a proof of ours (eddsa-rdfc-2022, assertionMethod, a known key) that verifies?"""
    proofs = document.get("proof")
    if isinstance(proofs, dict):
        proofs = [proofs]
    if not isinstance(proofs, list) or not proofs:
        return ProofCheck(False, "no_proof", "Dokumen tidak memiliki tanda tangan.", "The document has no proof.")
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    failure = ProofCheck(
        False,
        "unsupported_proof",
        f"Tanda tangan bukan {PROOF_TYPE} {CRYPTOSUITE} untuk {PROOF_PURPOSE}.",
        f"The proof is not a {PROOF_TYPE} {CRYPTOSUITE} for {PROOF_PURPOSE}.",
    )
    for proof in proofs:
        if not isinstance(proof, dict) or (proof.get("type"), proof.get("cryptosuite"), proof.get("proofPurpose")) != (
            PROOF_TYPE,
            CRYPTOSUITE,
            PROOF_PURPOSE,
        ):
            continue
        method = proof.get("verificationMethod")
        public_key = resolve_key(method) if isinstance(method, str) else None
        if public_key is None:
            failure = ProofCheck(
                False,
                "unknown_key",
                "Tanda tangan dibuat dengan kunci yang tidak dikenal penerbit.",
                "The proof was made with a key the issuer does not list.",
                method if isinstance(method, str) else None,
            )
            continue
        try:
            data = hash_data(unsecured, proof)
            signature = decode_signature(str(proof.get("proofValue", "")))
        except (UnsafeDocument, ContextNotBundled) as exc:
            return ProofCheck(
                False, "malformed", f"Dokumen tidak dapat diperiksa: {exc}", f"The document cannot be checked: {exc}"
            )
        except BadKey:
            signature = b""
        if verify_signature(public_key, signature, data):
            return ProofCheck(True, "proof_valid", "Tanda tangan sah.", "The proof is valid.", method)
        failure = ProofCheck(
            False,
            "signature_mismatch",
            "Isi dokumen tidak cocok dengan tanda tangannya: dokumen telah diubah.",
            "The content does not match its signature: the document was altered.",
            method,
        )
    return failure
