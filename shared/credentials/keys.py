"""The issuer's Ed25519 key: from a 32-byte seed in settings, and its Multikey form.

A Multikey ``publicKeyMultibase`` is ``z`` + base58btc(0xed 0x01 + the 32-byte public key)
(W3C Controlled Identifiers 1.0 §2.2.2; VC DI EdDSA §2.1.1).

``python -m shared.credentials.keys`` prints a new seed for ``CREDENTIALS_SIGNING_KEY_SEED`` and the
public key that goes with it.
"""

from __future__ import annotations

import argparse
import secrets
from dataclasses import dataclass

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

ED25519_MULTICODEC = b"\xed\x01"
SEED_BYTES = 32


class BadKey(ValueError):
    pass


def parse_seed(text: str) -> bytes:
    """A seed as 64 hex digits (what ``generate_seed`` prints)."""
    try:
        seed = bytes.fromhex(text.strip())
    except ValueError:
        raise BadKey("the signing key seed must be hexadecimal (64 digits)") from None
    if len(seed) != SEED_BYTES:
        raise BadKey(f"the signing key seed must be {SEED_BYTES} bytes (64 hex digits), not {len(seed)}")
    return seed


def generate_seed() -> str:
    return secrets.token_bytes(SEED_BYTES).hex()


def encode_multikey(public_key: bytes) -> str:
    return "z" + base58.b58encode(ED25519_MULTICODEC + public_key).decode("ascii")


def decode_multikey(multibase: str) -> bytes:
    """The raw 32-byte Ed25519 public key of a ``publicKeyMultibase``; BadKey for anything else."""
    if not multibase.startswith("z"):
        raise BadKey("publicKeyMultibase must be base58btc ('z' prefix)")
    try:
        raw = base58.b58decode(multibase[1:])
    except ValueError:
        raise BadKey("publicKeyMultibase is not valid base58") from None
    if raw[:2] != ED25519_MULTICODEC or len(raw) != 2 + 32:
        raise BadKey("publicKeyMultibase is not an Ed25519 public key")
    return raw[2:]


def encode_signature(signature: bytes) -> str:
    """A proofValue: base58btc multibase of the 64-byte signature."""
    return "z" + base58.b58encode(signature).decode("ascii")


def decode_signature(proof_value: str) -> bytes:
    if not proof_value.startswith("z"):
        raise BadKey("proofValue must be base58btc ('z' prefix)")
    try:
        return base58.b58decode(proof_value[1:])
    except ValueError:
        raise BadKey("proofValue is not valid base58") from None


def verify_signature(public_key: bytes, signature: bytes, data: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(public_key).verify(signature, data)
    except (InvalidSignature, ValueError):
        return False
    return True


@dataclass(frozen=True)
class SigningKey:
    seed: bytes

    @classmethod
    def from_seed_hex(cls, text: str) -> SigningKey:
        return cls(parse_seed(text))

    @property
    def _private(self) -> Ed25519PrivateKey:
        return Ed25519PrivateKey.from_private_bytes(self.seed)

    @property
    def public_key(self) -> bytes:
        return self._private.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)

    @property
    def public_multikey(self) -> str:
        return encode_multikey(self.public_key)

    def sign(self, data: bytes) -> bytes:
        return self._private.sign(data)

    def __repr__(self) -> str:  # never print the seed (logs, tracebacks)
        return f"SigningKey(public={self.public_multikey})"


def main() -> None:
    parser = argparse.ArgumentParser(description="Generate an Ed25519 seed for CREDENTIALS_SIGNING_KEY_SEED.")
    parser.parse_args()
    seed = generate_seed()
    print(f"CREDENTIALS_SIGNING_KEY_SEED={seed}")
    print(f"# public key (publicKeyMultibase): {SigningKey.from_seed_hex(seed).public_multikey}")
    print("# Keep the seed in the secret store; publish nothing but the public key.")


if __name__ == "__main__":
    main()
