"""The daily digest: one message per person and day of every notice waiting for them, for those who chose
it (unit heads and BKPSDM, mostly). Recorded once per person and day, so the daily job and an admin may
both run it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime

from services.notifications import domain
from services.notifications.application.records import (
    email_delivery,
    inbox_message,
    insert_once,
    preferences,
    text_of,
    texts,
)
from services.notifications.documents import DigestDocument, DigestEntryDocument, PersonDocument
from shared.messaging.outbox import Notify

DIGEST = "Digest"


@dataclass(frozen=True)
class DigestRun:
    day: date
    digests: int
    items: int


class Digests:
    def __init__(self, wake_dispatcher: Notify) -> None:
        self.wake_dispatcher = wake_dispatcher

    def run_digests(self, day: date) -> DigestRun:
        """One digest per person with notices waiting and day, of everything since their previous one.
        Whoever has entries waiting gets them, also someone who switched the digest off since (their
        new notices come one by one; these would otherwise never be told). Safe to run again (the
        periodic job and an admin may both run it): a day's digest is recorded once."""
        digests = items = 0
        waiting = sorted(set(DigestEntryDocument.objects(included=False).scalar("recipient_nip")))
        people = {p.id: p for p in PersonDocument.objects(id__in=waiting)}
        for nip in waiting:
            recorded = self._digest_for(nip, preferences(people.get(nip)), day)
            if recorded is not None:
                digests += 1
                items += len(recorded.entry_ids)
        if digests:
            self.wake_dispatcher()
        return DigestRun(day, digests, items)

    def _digest_for(self, nip: str, prefs: domain.Preferences, day: date) -> DigestDocument | None:
        """The digest recorded now, or None when there was nothing new or the day's digest exists."""
        digest_id = f"digest-{day.isoformat()}-{nip}"
        pending = list(DigestEntryDocument.objects(recipient_nip=nip, included=False).order_by("created_at"))
        # Entries claimed by a digest recorded before a crash stopped it from marking them belong to it.
        for earlier_id in {e.digest_id for e in pending if e.digest_id and e.digest_id != digest_id}:
            earlier = DigestDocument.objects(id=earlier_id).first()
            if earlier is not None:
                self._complete(earlier, prefs)
                pending = [e for e in pending if e.id not in set(earlier.entry_ids)]
        existing = DigestDocument.objects(id=digest_id).first()
        if existing is None:
            if not pending:
                return None
            # Claimed first, so a crash before the digest is recorded leaves them to be claimed again.
            DigestEntryDocument.objects(id__in=[e.id for e in pending]).update(set__digest_id=digest_id)
            items = [domain.DigestItem(e.event_type, text_of(e, "id"), text_of(e, "en")) for e in pending]
            made = domain.digest(day, items)
            candidate = DigestDocument(
                id=digest_id,
                recipient_nip=nip,
                day=day.isoformat(),
                entry_ids=[e.id for e in pending],
                title_id=made.id.title,
                body_id=made.id.body,
                title_en=made.en.title,
                body_en=made.en.body,
                created_at=datetime.now(UTC),
            )
            # A concurrent run may have recorded this day's digest first; theirs stands, and entries
            # only we claimed stay unincluded for the next day.
            if insert_once(candidate):
                self._complete(candidate, prefs)
                return candidate
            existing = DigestDocument.objects(id=digest_id).first()
        # Recorded before (by an earlier or concurrent run): finish what a crash may have left undone.
        self._complete(existing, prefs)
        return None

    def _complete(self, d: DigestDocument, prefs: domain.Preferences) -> None:
        """Deliver a recorded digest (idempotent: keyed on the digest) and mark its entries included."""
        now = datetime.now(UTC)
        if domain.INBOX in prefs.channels:
            both = texts(text_of(d, "id"), text_of(d, "en"))
            insert_once(inbox_message(d.id, DIGEST, d.recipient_nip, d.recipient_nip, "digest", both, now))
        if domain.EMAIL in prefs.channels and prefs.email:
            text = text_of(d, prefs.language)
            insert_once(email_delivery(d.id, DIGEST, d.recipient_nip, prefs.email, prefs.language, text, now))
        DigestEntryDocument.objects(id__in=d.entry_ids, included=False).update(set__included=True)
