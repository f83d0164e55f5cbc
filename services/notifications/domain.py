"""Pure rules of the notifications service: who hears what on which channel, in which language, how
often a failing delivery is retried, how a webhook is signed and how a digest reads. No I/O."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from shared.domain.nip import nip_problem

INBOX, EMAIL, WEBHOOK = "inbox", "email", "webhook"
# Learning records for the configured LRS: one delivery per xAPI statement, keyed by the statement id.
XAPI = "xapi"
CHANNELS = (EMAIL, WEBHOOK, XAPI)


class DeliveryStatus(StrEnum):
    PENDING = "pending"  # waiting for its next attempt
    DELIVERED = "delivered"
    DEAD = "dead"  # out of attempts, or its subscription ended; replayable


PERSONAL_CHANNELS = (INBOX, EMAIL)
LANGUAGES = ("id", "en")
_NAMESPACE = uuid.UUID("6f1d1a8e-3c0b-4a59-9a53-5b3c1f0e7d21")


@dataclass(frozen=True)
class Text:
    title: str
    body: str


@dataclass(frozen=True)
class Person:
    nip: str


@dataclass(frozen=True)
class UnitHeads:
    """Whoever the directory names head of the unit: events carry unit codes, not people."""

    unit_code: str


@dataclass(frozen=True)
class BkpsdmAdmins:
    """The BKPSDM administrators named in the directory."""


Audience = Person | UnitHeads | BkpsdmAdmins


@dataclass(frozen=True)
class Notice:
    to: Audience
    role: str  # why they hear about it: employee, supervisor, unit_head, bkpsdm
    id: Text
    en: Text


def message_id(event_id: str, recipient_nip: str, channel: str) -> str:
    """Exactly one message per (event, recipient, channel), however often the event is delivered."""
    return str(uuid.uuid5(_NAMESPACE, f"{event_id}|{recipient_nip}|{channel}"))


@dataclass(frozen=True)
class Preferences:
    """What the directory knows of a person. Someone not in it gets the inbox, in Bahasa Indonesia."""

    language: str = "id"
    channels: frozenset[str] = frozenset({INBOX})
    email: str | None = None
    digest: bool = False


UNKNOWN_PERSON = Preferences()


@dataclass(frozen=True)
class Addressed:
    nip: str
    role: str
    id: Text
    en: Text

    def text(self, language: str) -> Text:
        return self.en if language == "en" else self.id


def resolve(
    notices: Sequence[Notice], heads_of: Callable[[str], Sequence[str]], bkpsdm_admins: Callable[[], Sequence[str]]
) -> list[Addressed]:
    """Turn audiences into people. Someone reached for two reasons (a supervisor who also heads the unit)
    gets one message: the first notice, which templates order from the most direct reason."""

    def people(to: Audience) -> Sequence[str]:
        if isinstance(to, Person):
            return [to.nip]
        if isinstance(to, UnitHeads):
            return heads_of(to.unit_code)
        assert isinstance(to, BkpsdmAdmins)
        return bkpsdm_admins()

    out: dict[str, Addressed] = {}
    for notice in notices:
        for nip in people(notice.to):
            out.setdefault(nip, Addressed(nip, notice.role, notice.id, notice.en))
    return list(out.values())


def announcement(told: Mapping[str, object] | None, facts: Mapping[str, object]) -> str:
    """How a NeedIdentified is told: new the first time; an update when what its messages say changed
    (the JP shortfall, the levels, the form...); not at all when only its priority moved."""
    if told is None:
        return "new"
    return "none" if dict(told) == dict(facts) else "update"


@dataclass(frozen=True)
class Plan:
    """Where one person's notice goes: the inbox, an e-mail address, or the person's next digest."""

    inbox: bool
    email: str | None
    digest: bool


def plan(prefs: Preferences) -> Plan:
    # A digest replaces the message per event on every channel: that is what choosing it means.
    if prefs.digest:
        return Plan(inbox=False, email=None, digest=True)
    email = prefs.email if EMAIL in prefs.channels and prefs.email else None
    return Plan(inbox=INBOX in prefs.channels, email=email, digest=False)


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int
    backoff_s: float
    backoff_max_s: float

    def delay_after(self, attempts: int) -> timedelta | None:
        """Wait before the next attempt after ``attempts`` failed ones; None: give up (dead)."""
        if attempts >= self.max_attempts:
            return None
        return self.backoff(attempts)

    def backoff(self, attempts: int) -> timedelta:
        """The doubling wait after ``attempts`` failed attempts, capped (the exponent too, so it never overflows)."""
        return timedelta(seconds=min(self.backoff_max_s, self.backoff_s * 2 ** min(attempts - 1, 30)))


def sign(secret: str, timestamp: str, body: bytes) -> str:
    """HMAC-SHA256 over ``<timestamp>.<body>``: the timestamp is signed too, so a receiver that rejects
    old timestamps cannot be fed a captured request again."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def signature_valid(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


@dataclass(frozen=True)
class PersonRecord:
    nip: str
    name: str | None = None
    email: str | None = None
    language: str = "id"
    channels: tuple[str, ...] = (INBOX,)
    digest: bool = False
    unit_code: str | None = None
    head_of_units: tuple[str, ...] = ()
    bkpsdm_admin: bool = False


@dataclass(frozen=True)
class Problem:
    field: str
    message_id: str
    message_en: str


def check_person(p: PersonRecord) -> list[Problem]:
    problems: list[Problem] = []
    # The same structural rule as the needs service (Perka BKN 22/2007): a birth month of 13 is refused here too.
    if (wrong := nip_problem(p.nip)) is not None:
        problems.append(Problem("nip", wrong.message_id, wrong.message_en))
    if p.language not in LANGUAGES:
        problems.append(Problem("language", "Bahasa harus id atau en.", "The language must be id or en."))
    unknown = sorted(set(p.channels) - set(PERSONAL_CHANNELS))
    if unknown:
        problems.append(
            Problem(
                "channels",
                f"Kanal tidak dikenal: {', '.join(unknown)} (pilih inbox, email).",
                f"Unknown channels: {', '.join(unknown)} (choose inbox, email).",
            )
        )
    if INBOX not in p.channels:
        # The inbox is always on: without it a person would miss even the reminders they must act on.
        problems.append(
            Problem(
                "channels",
                "Kanal inbox selalu aktif; sertakan inbox (dan email bila perlu).",
                "The inbox channel is always on; include inbox (and email if wanted).",
            )
        )
    if p.email is not None and not _looks_like_email(p.email):
        problems.append(Problem("email", "Alamat e-mail tidak valid.", "The e-mail address is not valid."))
    if EMAIL in p.channels and not p.email:
        problems.append(
            Problem("email", "Kanal email memerlukan alamat e-mail.", "The email channel needs an e-mail address.")
        )
    if p.digest and not (p.head_of_units or p.bkpsdm_admin):
        problems.append(
            Problem(
                "digest",
                "Ringkasan harian hanya untuk kepala unit dan admin BKPSDM.",
                "The daily digest is only for unit heads and BKPSDM administrators.",
            )
        )
    return problems


def _looks_like_email(value: str) -> bool:
    local, at, domain = value.partition("@")
    return bool(at and local and "." in domain and not any(c.isspace() for c in value))


@dataclass(frozen=True)
class DigestItem:
    event_type: str
    id: Text
    en: Text


@dataclass(frozen=True)
class Digest:
    id: Text
    en: Text
    count: int


def digest(day: date, items: Iterable[DigestItem]) -> Digest:
    """One message listing what happened, each item keeping its own what-to-do-and-by-when."""
    listed = list(items)
    lines_id = "\n\n".join(f"{n}. {i.id.title}\n{i.id.body}" for n, i in enumerate(listed, 1))
    lines_en = "\n\n".join(f"{n}. {i.en.title}\n{i.en.body}" for n, i in enumerate(listed, 1))
    return Digest(
        Text(
            f"Ringkasan harian {day:%d-%m-%Y}: {len(listed)} pemberitahuan",
            f"Berikut {len(listed)} pemberitahuan sejak ringkasan sebelumnya. Tindak lanjuti masing-masing "
            f"sesuai tenggat yang disebutkan.\n\n{lines_id}",
        ),
        Text(
            f"Daily digest {day:%Y-%m-%d}: {len(listed)} notifications",
            f"Here are {len(listed)} notifications since the previous digest. Act on each by the date it "
            f"names.\n\n{lines_en}",
        ),
        len(listed),
    )
