"""Verification of an Open Badges 3.0 credential: its proof, its revocation status and its dates.

The verdict a person sees on the public verification page, with every reason in Bahasa Indonesia and
English. Order of precedence: a credential whose proof fails is ``tampered`` and nothing else in it is
believed; then ``revoked``, ``expired``, ``not_yet_valid``; ``unverifiable`` when the status list could
not be obtained or is not genuine (the credential may be fine, but nobody can say so now).
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from shared.credentials.linked_data import OB_V3P0, VC_V2
from shared.credentials.proof import check_proof
from shared.credentials.status import REVOCATION, bit_is_set, decode_list, read_entry

OPEN_BADGE_TYPES = {"OpenBadgeCredential", "AchievementCredential"}


class Verdict(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"
    TAMPERED = "tampered"
    EXPIRED = "expired"
    NOT_YET_VALID = "not_yet_valid"
    UNVERIFIABLE = "unverifiable"


_PRECEDENCE = (Verdict.TAMPERED, Verdict.REVOKED, Verdict.EXPIRED, Verdict.NOT_YET_VALID, Verdict.UNVERIFIABLE)


@dataclass(frozen=True)
class Finding:
    code: str
    message_id: str
    message_en: str
    # The verdict this finding leads to; None for a check that passed.
    verdict: Verdict | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "passed": self.verdict is None,
            "messages": {"id": self.message_id, "en": self.message_en},
        }


@dataclass(frozen=True)
class Verification:
    verdict: Verdict
    findings: tuple[Finding, ...]
    checked_at: datetime
    credential_id: str | None = None

    @property
    def reasons(self) -> tuple[Finding, ...]:
        """The findings that made the credential anything but valid."""
        return tuple(f for f in self.findings if f.verdict is not None)

    def as_dict(self) -> dict[str, Any]:
        return {
            "verdict": self.verdict.value,
            "credential_id": self.credential_id,
            "checked_at": self.checked_at.isoformat(),
            "checks": [f.as_dict() for f in self.findings],
        }


@dataclass(frozen=True)
class TrustedIssuer:
    """The issuer a verification is made for, and its keys by verification method URL."""

    id: str
    keys: Mapping[str, bytes] = field(default_factory=dict)

    def key(self, verification_method: str) -> bytes | None:
        return self.keys.get(verification_method)


# Returns the status list credential at a URL, or None when it cannot be had.
StatusListLoader = Callable[[str], dict[str, Any] | None]


def _issuer_id(document: dict[str, Any]) -> str | None:
    issuer = document.get("issuer")
    value = issuer.get("id") if isinstance(issuer, dict) else issuer
    return value if isinstance(value, str) else None


def _types(document: dict[str, Any]) -> set[str]:
    value = document.get("type")
    return set(value) if isinstance(value, list) else {value} if isinstance(value, str) else set()


def _moment(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _shape(credential: Any, issuer: TrustedIssuer) -> Finding | None:
    """Is this an Open Badges 3.0 credential of this issuer at all?"""
    if not isinstance(credential, dict):
        return Finding("not_a_credential", "Ini bukan kredensial.", "This is not a credential.", Verdict.TAMPERED)
    context = credential.get("@context")
    if not (isinstance(context, list) and context[:2] == [VC_V2, OB_V3P0]):
        return Finding(
            "wrong_context",
            "Konteks (@context) bukan VC 2.0 dan Open Badges 3.0.",
            "The @context is not VC 2.0 followed by Open Badges 3.0.",
            Verdict.TAMPERED,
        )
    if "VerifiableCredential" not in _types(credential) or not OPEN_BADGE_TYPES & _types(credential):
        return Finding(
            "wrong_type", "Jenis kredensial bukan OpenBadgeCredential.", "Not an OpenBadgeCredential.", Verdict.TAMPERED
        )
    if _issuer_id(credential) != issuer.id:
        return Finding(
            "other_issuer",
            f"Kredensial ini tidak diterbitkan oleh {issuer.id}.",
            f"This credential was not issued by {issuer.id}.",
            Verdict.TAMPERED,
        )
    return None


# Lists whose proof checked out, by content and keys: one list serves thousands of credentials, and its
# two canonicalizations are most of a verification's cost. Any change to the list is another key.
_GENUINE_LISTS: OrderedDict[str, bool] = OrderedDict()
_GENUINE_LISTS_MAX = 64
_GENUINE_LISTS_LOCK = threading.Lock()  # routes run on a thread pool


def _genuine_list(status_list: dict[str, Any], issuer: TrustedIssuer) -> bool:
    fingerprint = hashlib.sha256(
        json.dumps(
            [status_list, issuer.id, sorted((k, v.hex()) for k, v in issuer.keys.items())], sort_keys=True
        ).encode("utf-8")
    ).hexdigest()
    with _GENUINE_LISTS_LOCK:
        known = _GENUINE_LISTS.get(fingerprint)
        if known is not None:
            _GENUINE_LISTS.move_to_end(fingerprint)
            return known
    genuine = check_proof(status_list, issuer.key).valid
    with _GENUINE_LISTS_LOCK:
        _GENUINE_LISTS[fingerprint] = genuine
        while len(_GENUINE_LISTS) > _GENUINE_LISTS_MAX:
            _GENUINE_LISTS.popitem(last=False)
    return genuine


def _status(credential: dict[str, Any], issuer: TrustedIssuer, load: StatusListLoader, now: datetime) -> Finding:
    try:
        entry = read_entry(credential)
    except ValueError as exc:
        return Finding("status_malformed", f"Status tidak valid: {exc}", f"Invalid status: {exc}", Verdict.TAMPERED)
    if entry is None:
        return Finding(
            "no_status", "Kredensial tidak dapat dicabut (tanpa status).", "The credential has no revocation status."
        )
    unavailable = Finding(
        "status_unavailable",
        "Daftar status pencabutan tidak dapat diperiksa saat ini.",
        "The revocation list cannot be checked right now.",
        Verdict.UNVERIFIABLE,
    )
    status_list = load(entry.list_url)
    if not isinstance(status_list, dict):
        return unavailable
    subject = status_list.get("credentialSubject")
    if (
        not _genuine_list(status_list, issuer)
        or status_list.get("id") != entry.list_url
        or _issuer_id(status_list) != issuer.id
        or "BitstringStatusListCredential" not in _types(status_list)
        or not isinstance(subject, dict)
        or subject.get("statusPurpose") != REVOCATION
    ):
        return Finding(
            "status_list_not_genuine",
            "Daftar status pencabutan tidak sah; status kredensial tidak dapat dipastikan.",
            "The revocation list is not genuine; the credential's status cannot be established.",
            Verdict.UNVERIFIABLE,
        )
    until = _moment(status_list.get("validUntil"))
    if until is not None and until < now:
        return unavailable
    try:
        revoked = bit_is_set(decode_list(str(subject.get("encodedList", ""))), entry.index)
    except ValueError:
        return unavailable
    if revoked:
        return Finding(
            "revoked", "Kredensial ini telah dicabut oleh penerbit.", "The issuer revoked it.", Verdict.REVOKED
        )
    return Finding("not_revoked", "Kredensial tidak dicabut.", "The credential is not revoked.")


def _dates(credential: dict[str, Any], now: datetime) -> list[Finding]:
    valid_from, valid_until = _moment(credential.get("validFrom")), _moment(credential.get("validUntil"))
    if valid_from is None or ("validUntil" in credential and valid_until is None):
        return [
            Finding("bad_dates", "Tanggal berlaku tidak valid.", "The validity dates are invalid.", Verdict.TAMPERED)
        ]
    findings = []
    if valid_from > now:
        findings.append(
            Finding(
                "not_yet_valid",
                f"Kredensial baru berlaku mulai {valid_from.isoformat()}.",
                f"The credential is valid only from {valid_from.isoformat()}.",
                Verdict.NOT_YET_VALID,
            )
        )
    if valid_until is not None and valid_until < now:
        findings.append(
            Finding(
                "expired",
                f"Masa berlaku kredensial berakhir pada {valid_until.isoformat()}.",
                f"The credential expired on {valid_until.isoformat()}.",
                Verdict.EXPIRED,
            )
        )
    return findings or [Finding("in_validity_period", "Dalam masa berlaku.", "Within its validity period.")]


def verify_credential(
    credential: Any, *, issuer: TrustedIssuer, load_status_list: StatusListLoader, now: datetime | None = None
) -> Verification:
    now = now or datetime.now(UTC)
    credential_id = credential.get("id") if isinstance(credential, dict) else None
    shape = _shape(credential, issuer)
    if shape is not None:
        return Verification(Verdict.TAMPERED, (shape,), now, credential_id if isinstance(credential_id, str) else None)
    proof = check_proof(credential, issuer.key)
    proof_finding = Finding(proof.code, proof.message_id, proof.message_en, None if proof.valid else Verdict.TAMPERED)
    if not proof.valid:
        return Verification(Verdict.TAMPERED, (proof_finding,), now, credential_id)
    findings = (proof_finding, _status(credential, issuer, load_status_list, now), *_dates(credential, now))
    failed = {f.verdict for f in findings if f.verdict is not None}
    verdict = next((v for v in _PRECEDENCE if v in failed), Verdict.VALID)
    return Verification(verdict, findings, now, credential_id)
