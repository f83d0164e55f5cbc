"""Revocation with W3C Bitstring Status List v1.0.

A credential carries a ``BitstringStatusListEntry`` (a list URL and an index); the list is itself a
signed credential whose ``encodedList`` is the GZIP-compressed bitstring, base64url without padding,
multibase prefix ``u``; bit 0 is the left-most bit of the first byte ("Bitstring Encoding"). The
VC 2.0 context defines every term used here, so no further context is needed.

Indexes: the spec says implementations SHOULD assign them randomly (``statusListIndex``), so that a
position says nothing about when a certificate was issued or how many there are. The n-th certificate of a list gets
``permuted_index(n, list_key)``, a keyed permutation of [0, LIST_LENGTH): distinct n never share an
index, and a sequence number needs only a counter. The caller stores, per list, its random key and the
next sequence number, and per credential the index it was given (so a repeated issue reuses it).
"""

from __future__ import annotations

import base64
import gzip
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any

from shared.credentials.linked_data import VC_V2
from shared.credentials.proof import xsd_datetime

# The minimum length of a list: 131,072 entries, 16 KB uncompressed ("Revocation Bitstring Length"),
# the herd a revoked certificate hides in.
LIST_LENGTH = 131_072
_INDEX_BITS = 17  # 2 ** 17 == LIST_LENGTH
_HALF_BITS = 9  # a balanced Feistel network over 18 bits, cycle-walked into 17
_ROUNDS = 4
REVOCATION = "revocation"
# A list's id goes into its URL as it is.
LIST_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")
# How long a verifier may cache the list before fetching it again (``ttl``, milliseconds).
LIST_TTL_MS = 300_000

assert 1 << _INDEX_BITS == LIST_LENGTH


class ListFull(Exception):
    """Every index of this list is taken; the caller starts a new list."""


def new_list_key() -> str:
    return secrets.token_hex(16)


@lru_cache(maxsize=64)
def _round_tables(list_key: str) -> tuple[tuple[int, ...], ...]:
    """The Feistel round functions of a list, tabulated: HMAC-SHA256(key, round || half) cut to 9 bits."""
    key = bytes.fromhex(list_key)
    half_mask = (1 << _HALF_BITS) - 1
    return tuple(
        tuple(
            int.from_bytes(hmac.new(key, bytes([number]) + half.to_bytes(2, "big"), hashlib.sha256).digest()[:2])
            & half_mask
            for half in range(1 << _HALF_BITS)
        )
        for number in range(_ROUNDS)
    )


def _feistel(tables: tuple[tuple[int, ...], ...], value: int) -> int:
    left, right = value >> _HALF_BITS, value & ((1 << _HALF_BITS) - 1)
    for table in tables:
        left, right = right, left ^ table[right]
    return (left << _HALF_BITS) | right


def permuted_index(sequence: int, list_key: str) -> int:
    """The status list index of the ``sequence``-th credential (0-based) of a list with this key."""
    if not 0 <= sequence < LIST_LENGTH:
        raise ListFull(f"a status list holds {LIST_LENGTH} credentials; sequence {sequence} is outside it")
    tables = _round_tables(list_key)
    # Cycle-walking: the 18-bit permutation restricted to values below 2**17 stays a permutation.
    value = _feistel(tables, sequence)
    while value >= LIST_LENGTH:
        value = _feistel(tables, value)
    return value


def encode_list(revoked: Iterable[int]) -> str:
    bits = bytearray(LIST_LENGTH // 8)
    for index in revoked:
        if not 0 <= index < LIST_LENGTH:
            raise ValueError(f"status list index {index} is outside 0..{LIST_LENGTH - 1}")
        bits[index // 8] |= 0x80 >> (index % 8)
    compressed = gzip.compress(bytes(bits), mtime=0)  # mtime 0: the same list encodes to the same text
    return "u" + base64.urlsafe_b64encode(compressed).decode("ascii").rstrip("=")


def decode_list(encoded: str) -> bytes:
    """The uncompressed bitstring; ValueError if it is not a valid list."""
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url ('u' prefix)")
    body = encoded[1:]
    try:
        bits = gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    except (OSError, ValueError, EOFError) as exc:
        raise ValueError(f"encodedList cannot be decoded: {exc}") from None
    if len(bits) < LIST_LENGTH // 8:
        raise ValueError("the status list is shorter than the 16 KB minimum")
    return bits


def bit_is_set(bits: bytes, index: int) -> bool:
    if not 0 <= index < len(bits) * 8:
        raise ValueError(f"status list index {index} is outside the list")
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def status_entry(list_url: str, index: int) -> dict[str, Any]:
    return {
        "id": f"{list_url}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": REVOCATION,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def status_list_credential(
    list_url: str, issuer_id: str, revoked: Iterable[int], valid_from: datetime
) -> dict[str, Any]:
    """The unsigned list credential (sign it with the issuer's key before publishing)."""
    return {
        "@context": [VC_V2],
        "id": list_url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer_id,
        "validFrom": xsd_datetime(valid_from),
        "credentialSubject": {
            "id": f"{list_url}#list",
            # A string, not a list: verifiers compare it as one (digitalbazaar vc-bitstring-status-list).
            "type": "BitstringStatusList",
            "statusPurpose": REVOCATION,
            "encodedList": encode_list(revoked),
            "ttl": LIST_TTL_MS,
        },
    }


@dataclass(frozen=True)
class StatusEntry:
    list_url: str
    index: int
    purpose: str


def read_entry(credential: dict[str, Any]) -> StatusEntry | None:
    """The credential's revocation entry, None if it has none; ValueError if it is malformed."""
    entries = credential.get("credentialStatus")
    if entries is None:
        return None
    for entry in entries if isinstance(entries, list) else [entries]:
        if not isinstance(entry, dict) or entry.get("type") != "BitstringStatusListEntry":
            continue
        if entry.get("statusPurpose") != REVOCATION:
            continue
        index, url = entry.get("statusListIndex"), entry.get("statusListCredential")
        if not (isinstance(index, str) and index.isdigit() and isinstance(url, str)):
            raise ValueError("the BitstringStatusListEntry has no valid statusListIndex or statusListCredential")
        return StatusEntry(url, int(index), REVOCATION)
    return None
