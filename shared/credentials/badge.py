"""An ``OpenBadgeCredential`` (Open Badges 3.0 on the VC 2.0 data model) for one completed programme.

Pure: plain inputs in, a JSON-LD document out (unsigned; ``CredentialService.issue`` signs it). Where
each fact goes, so that any OB 3.0 wallet or verifier reads it without extensions:

| fact | property |
|---|---|
| programme | ``credentialSubject.achievement``: ``name``, ``humanCode``, ``description``, ``criteria`` |
| form of development | ``achievement.tag`` (its Indonesian name) |
| competencies, levels | ``achievement.alignment[]``: ``targetCode``, ``targetName``, ``targetDescription`` (level) |
| JP | ``achievement.creditsAvailable`` and ``credentialSubject.creditsEarned`` (1 JP = 45 minutes) |
| provider | ``achievement.creator`` (a Profile) |
| person | ``credentialSubject.identifier[]``: the NIP hashed with a salt, plus the name only where allowed |
| activity dates | ``activityStartDate``, ``activityEndDate`` (midnight WIB) |
| post-test score | ``credentialSubject.result[]`` against ``achievement.resultDescription[]`` (a raw score 0-100) |
| certificate number | ``credentialSubject.licenseNumber`` |
| revocation | ``credentialStatus`` (a ``BitstringStatusListEntry``) |

Every ``type`` is a list and nothing outside the two contexts is used: the strict OB 3.0 JSON Schema
asks for the first, and a term the contexts do not define would not be signed (see ``linked_data``).
"""

from __future__ import annotations

import hashlib
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from shared.credentials.issuer import CredentialUrls, IssuerIdentity
from shared.credentials.linked_data import CREDENTIAL_CONTEXT
from shared.credentials.proof import xsd_datetime
from shared.credentials.status import LIST_LENGTH, status_entry
from shared.domain.nip import nip_problem

WIB = timezone(timedelta(hours=7), "WIB")
NIP_IDENTITY_TYPE = "ext:NIP"
_PROVIDER_NAMESPACE = uuid.UUID("5f0c2a57-3b1e-4d51-9a7e-6c1c0b8e4d21")

# The forms of development (PerLAN 10/2018) by their code in shared.events.common.DevelopmentForm.
FORM_LABELS: dict[str, tuple[str, str]] = {
    "training": ("Pelatihan klasikal", "Classroom training"),
    "course": ("Kursus", "Course"),
    "seminar": ("Seminar", "Seminar"),
    "workshop": ("Lokakarya", "Workshop"),
    "e_learning": ("E-learning", "E-learning"),
    "coaching": ("Coaching", "Coaching"),
    "mentoring": ("Mentoring", "Mentoring"),
    "internship": ("Magang", "Internship"),
    "exchange": ("Pertukaran pegawai", "Staff exchange"),
    "benchmarking_visit": ("Patok banding", "Benchmarking visit"),
    "detasering": ("Detasering", "Secondment (detasering)"),
    "self_study": ("Belajar mandiri", "Self-study"),
    "community_of_practice": ("Komunitas belajar", "Community of practice"),
    "refresher": ("Pelatihan penyegaran", "Refresher training"),
}


class InvalidCredentialInput(ValueError):
    def __init__(self, message_id: str, message_en: str) -> None:
        super().__init__(message_en)
        self.message_id = message_id
        self.message_en = message_en


@dataclass(frozen=True)
class Competency:
    code: str
    level: int
    name: str | None = None


@dataclass(frozen=True)
class Programme:
    code: str
    title: str
    form: str
    jp: int
    provider: str
    competencies: Sequence[Competency] = ()
    description: str | None = None
    # What a participant had to do, as stated to participants (attendance, post-test).
    criteria: str | None = None
    passing_score: float | None = None


@dataclass(frozen=True)
class Recipient:
    nip: str
    # Random per credential (``new_salt``), kept with the credential: the same NIP then hashes differently
    # on every certificate, so certificates cannot be linked to each other or looked up by NIP.
    salt: str
    # Only where the person allows their name on the credential; None keeps it out.
    name: str | None = None


@dataclass(frozen=True)
class Award:
    """One completion, as the training service knows it."""

    credential_id: str
    certificate_number: str
    programme: Programme
    recipient: Recipient
    started_on: date
    completed_on: date
    valid_from: datetime
    post_score: float | None = None
    valid_until: datetime | None = None
    # When the certificate was first awarded; a re-issue (corrected data, a new key) keeps it while
    # ``valid_from`` moves on. Defaults to ``valid_from``.
    awarded_at: datetime | None = None


def new_salt() -> str:
    return secrets.token_hex(16)


def new_credential_id() -> str:
    return str(uuid.uuid4())


def hash_identity(value: str, salt: str) -> str:
    """OB 3.0 IdentityHash: ``sha256$`` + hex SHA-256 of the value with the salt appended."""
    return "sha256$" + hashlib.sha256((value + salt).encode("utf-8")).hexdigest()


def identity_matches(identity: dict[str, Any], value: str) -> bool:
    """Does this IdentityObject stand for ``value`` (e.g. a NIP typed in at a verification desk)?"""
    if identity.get("hashed"):
        return bool(identity.get("identityHash") == hash_identity(value, str(identity.get("salt", ""))))
    return bool(identity.get("identityHash") == value)


def _midnight_wib(day: date) -> str:
    return datetime.combine(day, time(0), WIB).isoformat()


def _check(award: Award, status_index: int) -> None:
    p = award.programme
    problems: list[tuple[str, str]] = []
    if (wrong := nip_problem(award.recipient.nip)) is not None:
        problems.append((wrong.message_id, wrong.message_en))
    if len(award.recipient.salt) < 16:
        problems.append(("Salt NIP terlalu pendek (minimal 16 karakter).", "The NIP salt is too short (16+)."))
    if p.form not in FORM_LABELS:
        problems.append((f"Bentuk pengembangan {p.form!r} tidak dikenal.", f"Unknown form of development {p.form!r}."))
    if p.jp < 0:
        problems.append(("JP tidak boleh negatif.", "JP cannot be negative."))
    if award.completed_on < award.started_on:
        problems.append(("Tanggal selesai sebelum tanggal mulai.", "The end date is before the start date."))
    if award.post_score is not None and not 0 <= award.post_score <= 100:
        problems.append(("Nilai post-test harus 0-100.", "The post-test score must be 0-100."))
    if award.valid_until is not None and award.valid_until <= award.valid_from:
        problems.append(("Masa berlaku berakhir sebelum dimulai.", "validUntil is not after validFrom."))
    if not 0 <= status_index < LIST_LENGTH:
        problems.append(("Indeks daftar status di luar daftar.", f"The status index is outside 0..{LIST_LENGTH - 1}."))
    if any(not 1 <= c.level <= 5 for c in p.competencies):
        problems.append(("Level kompetensi harus 1-5.", "Competency levels are 1-5 (PermenPANRB 38/2017)."))
    if problems:
        raise InvalidCredentialInput(" ".join(i for i, _ in problems), " ".join(e for _, e in problems))


def _score(value: float) -> str:
    return f"{value:g}"


def _achievement(award: Award, urls: CredentialUrls) -> dict[str, Any]:
    p = award.programme
    form_id, _ = FORM_LABELS[p.form]
    achievement_id = urls.achievement(p.code)
    criteria = p.criteria or (
        f"Mengikuti {form_id.lower()} {p.title} sampai selesai dan memenuhi kriteria kelulusan "
        "yang ditetapkan penyelenggara."
    )
    achievement: dict[str, Any] = {
        "id": achievement_id,
        "type": ["Achievement"],
        "achievementType": "CertificateOfCompletion",
        "name": p.title,
        "humanCode": p.code,
        "description": p.description or f"{form_id} {p.title}, {p.jp} JP, diselenggarakan oleh {p.provider}.",
        "criteria": {"narrative": criteria},
        "creditsAvailable": p.jp,
        "tag": [form_id],
        "inLanguage": "id",
        "creator": {
            "id": f"urn:uuid:{uuid.uuid5(_PROVIDER_NAMESPACE, p.provider)}",
            "type": ["Profile"],
            "name": p.provider,
        },
    }
    if p.competencies:
        achievement["alignment"] = [
            {
                "type": ["Alignment"],
                "targetType": "ceasn:Competency",
                "targetCode": c.code,
                "targetName": f"{c.code} {c.name}" if c.name else c.code,
                "targetDescription": f"Level {c.level} (PermenPANRB 38/2017)",
                "targetFramework": "Standar Kompetensi Jabatan ASN (PermenPANRB 38/2017)",
                "targetUrl": urls.competency(c.code),
            }
            for c in p.competencies
        ]
    if award.post_score is not None:
        description: dict[str, Any] = {
            "id": f"{achievement_id}#post-test",
            "type": ["ResultDescription"],
            "name": "Nilai post-test",
            "resultType": "RawScore",
            "valueMin": "0",
            "valueMax": "100",
        }
        if p.passing_score is not None:
            description["requiredValue"] = _score(p.passing_score)
        achievement["resultDescription"] = [description]
    return achievement


def build_credential(
    award: Award,
    *,
    urls: CredentialUrls,
    issuer: IssuerIdentity,
    status_list_id: str,
    status_index: int,
) -> dict[str, Any]:
    """The unsigned OpenBadgeCredential; InvalidCredentialInput (id/en) when an input is wrong."""
    _check(award, status_index)
    p, person = award.programme, award.recipient
    form_id, _ = FORM_LABELS[p.form]
    identifiers: list[dict[str, Any]] = [
        {
            "type": "IdentityObject",
            "hashed": True,
            "identityHash": hash_identity(person.nip, person.salt),
            "identityType": NIP_IDENTITY_TYPE,
            "salt": person.salt,
        }
    ]
    subject: dict[str, Any] = {"type": ["AchievementSubject"]}
    if person.name:
        identifiers.append(
            {"type": "IdentityObject", "hashed": False, "identityHash": person.name, "identityType": "name"}
        )
        subject["name"] = person.name
    achievement = _achievement(award, urls)
    subject |= {
        "identifier": identifiers,
        "achievement": achievement,
        "activityStartDate": _midnight_wib(award.started_on),
        "activityEndDate": _midnight_wib(award.completed_on),
        "creditsEarned": p.jp,
        "licenseNumber": award.certificate_number,
    }
    if award.post_score is not None:
        subject["result"] = [
            {
                "type": ["Result"],
                "resultDescription": achievement["resultDescription"][0]["id"],
                "value": _score(award.post_score),
            }
        ]
    credential: dict[str, Any] = {
        "@context": list(CREDENTIAL_CONTEXT),
        "id": urls.credential(award.credential_id),
        "type": ["VerifiableCredential", "OpenBadgeCredential"],
        "name": f"Sertifikat {form_id} {p.title}",
        "description": f"Sertifikat elektronik nomor {award.certificate_number} dari {issuer.name}.",
        "issuer": issuer.profile(urls.issuer),
        "validFrom": xsd_datetime(award.valid_from),
        "awardedDate": xsd_datetime(award.awarded_at or award.valid_from),
        "credentialSubject": subject,
        "credentialStatus": status_entry(urls.status_list(status_list_id), status_index),
    }
    if award.valid_until is not None:
        credential["validUntil"] = xsd_datetime(award.valid_until)
    return credential
