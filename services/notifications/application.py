"""Use cases of the notifications service: turn events into messages for the people concerned and into
calls to the systems that subscribed, and gather daily digests.

A consumer handler only records: inbox messages, e-mail and webhook deliveries, digest entries, each
keyed on (event, recipient, channel) (see documents.py). Sending is the dispatcher's job, so a slow or
failing channel never holds up the consumer or the other channels.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, timezone
from functools import cache
from typing import Any, TypeVar

from mongoengine import Document
from mongoengine.errors import NotUniqueError

from services.notifications import domain, templates
from services.notifications.documents import (
    DeliveryDocument,
    DigestDocument,
    DigestEntryDocument,
    MessageDocument,
    NeedToldDocument,
    PersonDocument,
    WebhookSubscriptionDocument,
)
from shared.events import EventContext, EventPayload, NeedIdentified
from shared.persistence import objects_in

P = TypeVar("P", bound=EventPayload)
WIB = timezone(timedelta(hours=7), "WIB")
DIGEST = "Digest"


def today_in_medan() -> date:
    return datetime.now(WIB).date()


def _insert_once(doc: Document) -> bool:
    """Insert keyed on (event, recipient, channel); False when it was recorded before (a redelivery)."""
    try:
        doc.save(force_insert=True)
    except NotUniqueError:
        return False
    return True


def preferences(person: PersonDocument | None) -> domain.Preferences:
    if person is None:
        return domain.UNKNOWN_PERSON
    return domain.Preferences(
        language=person.language,
        channels=frozenset(person.channels) | {domain.INBOX},  # always on, also for entries older than that rule
        email=person.email or None,
        digest=bool(person.digest),
    )


def language_of(nip: str) -> str:
    return preferences(PersonDocument.objects(id=nip).first()).language


@dataclass(frozen=True)
class DigestRun:
    day: date
    digests: int
    items: int


class NotificationService:
    def __init__(self, wake_dispatcher: Callable[[], None]) -> None:
        self.wake_dispatcher = wake_dispatcher

    def handler(self, render: Callable[[P], list[templates.Notice]]) -> Callable[[P, EventContext], None]:
        """A consumer handler: the event's notices to each person on their channels, and the event to
        every webhook subscribed to its type."""
        return self._handler(lambda event, _: render(event))

    def need_handler(self) -> Callable[[NeedIdentified, EventContext], None]:
        """NeedIdentified: told as new, as an update, or not at all (see need_notices)."""
        return self._handler(self.need_notices)

    def need_notices(self, e: NeedIdentified, ctx: EventContext) -> list[templates.Notice]:
        """A need announced again (a later NeedIdentified with the same id) is not news: when only its
        priority moved nobody is told again; when what its messages say changed, they are told it as an
        update. Idempotent: the decision is stored with the event that made it."""
        facts = templates.need_facts(e)
        told = NeedToldDocument.objects(id=e.need_id).first()
        first = NeedToldDocument(
            id=e.need_id, facts=facts, event_id=ctx.id, identified_at=e.identified_at, kind="new", previous={}
        )
        if told is None and _insert_once(first):
            return templates.need_identified(e)
        told = told or NeedToldDocument.objects(id=e.need_id).get()
        if told.event_id != ctx.id:
            if e.identified_at < told.identified_at:
                return []  # superseded by a later announcement already told
            kind, previous = domain.announcement(told.facts, facts), told.facts
            # Conditional on the decision we compared with; a concurrent one makes the consumer retry.
            if not NeedToldDocument.objects(id=e.need_id, event_id=told.event_id).update_one(
                set__facts=facts,
                set__event_id=ctx.id,
                set__identified_at=e.identified_at,
                set__kind=kind,
                set__previous=previous,
            ):
                raise RuntimeError(f"need {e.need_id} was told about concurrently; retrying")
            told.kind, told.previous = kind, previous
        if told.kind == "new":
            return templates.need_identified(e)
        return templates.need_updated(e, told.previous) if told.kind == "update" else []

    def _handler(
        self, render: Callable[[P, EventContext], list[templates.Notice]]
    ) -> Callable[[P, EventContext], None]:
        def handle(event: P, ctx: EventContext) -> None:
            # Resolved once per event: several notices may name the same unit's heads.
            heads_of = cache(lambda unit: [p.id for p in PersonDocument.objects(head_of_units=unit).only("id")])
            admins = cache(lambda: [p.id for p in PersonDocument.objects(bkpsdm_admin=True).only("id")])
            addressed = domain.resolve(render(event, ctx), heads_of, admins)
            people = {p.id: p for p in objects_in(PersonDocument.objects, "id", [a.nip for a in addressed])}
            now = datetime.now(UTC)
            for notice in addressed:
                self._record(notice, preferences(people.get(notice.nip)), ctx, now)
            self._record_webhooks(event, ctx, now)
            self.wake_dispatcher()

        return handle

    def _record(self, notice: domain.Addressed, prefs: domain.Preferences, ctx: EventContext, now: datetime) -> None:
        plan = domain.plan(prefs)
        both = _texts(notice.id, notice.en)
        if plan.inbox:
            _insert_once(_inbox(ctx.id, ctx.type, ctx.subject, notice.nip, notice.role, both, now))
        if plan.email:
            text = notice.text(prefs.language)
            _insert_once(_email(ctx.id, ctx.type, notice.nip, plan.email, prefs.language, text, now))
        if plan.digest:
            _insert_once(
                DigestEntryDocument(
                    id=templates.message_id(ctx.id, notice.nip, "digest"),
                    recipient_nip=notice.nip,
                    event_id=ctx.id,
                    event_type=ctx.type,
                    created_at=now,
                    **both,
                )
            )

    def _record_webhooks(self, event: EventPayload, ctx: EventContext, now: datetime) -> None:
        subscriptions = WebhookSubscriptionDocument.objects(event_types=ctx.type, active=True)
        if not subscriptions:
            return
        # CloudEvents HTTP binary mode: the attributes as ce-* headers, the payload as the body.
        headers = {
            "ce-specversion": "1.0",
            "ce-id": ctx.id,
            "ce-source": ctx.source,
            "ce-type": ctx.type,
            "ce-time": ctx.time.isoformat(),
            "ce-subject": ctx.subject,
        }
        body = event.model_dump_json()
        for sub in subscriptions:
            _insert_once(
                DeliveryDocument(
                    id=templates.message_id(ctx.id, sub.id, domain.WEBHOOK),
                    channel=domain.WEBHOOK,
                    event_id=ctx.id,
                    event_type=ctx.type,
                    subscription_id=sub.id,
                    url=sub.url,
                    headers=headers,
                    body=body,
                    status="pending",
                    next_attempt_at=now,
                    created_at=now,
                )
            )

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
            items = [domain.DigestItem(e.event_type, _text(e, "id"), _text(e, "en")) for e in pending]
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
            if _insert_once(candidate):
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
            both = _texts(_text(d, "id"), _text(d, "en"))
            _insert_once(_inbox(d.id, DIGEST, d.recipient_nip, d.recipient_nip, "digest", both, now))
        if domain.EMAIL in prefs.channels and prefs.email:
            text = _text(d, prefs.language)
            _insert_once(_email(d.id, DIGEST, d.recipient_nip, prefs.email, prefs.language, text, now))
        DigestEntryDocument.objects(id__in=d.entry_ids, included=False).update(set__included=True)


def _texts(id_: templates.Text, en: templates.Text) -> dict[str, str]:
    return {"title_id": id_.title, "body_id": id_.body, "title_en": en.title, "body_en": en.body}


def _inbox(
    key: str, event_type: str, subject: str, nip: str, role: str, texts: dict[str, str], now: datetime
) -> MessageDocument:
    return MessageDocument(
        id=templates.message_id(key, nip, domain.INBOX),
        recipient_nip=nip,
        channel=domain.INBOX,
        role=role,
        event_id=key,
        event_type=event_type,
        subject=subject,
        created_at=now,
        **texts,
    )


def _text(doc: Any, language: str) -> templates.Text:
    if language == "en":
        return templates.Text(doc.title_en, doc.body_en)
    return templates.Text(doc.title_id, doc.body_id)


def _email(
    key: str, event_type: str, nip: str, address: str, language: str, text: templates.Text, now: datetime
) -> DeliveryDocument:
    return DeliveryDocument(
        id=templates.message_id(key, nip, domain.EMAIL),
        channel=domain.EMAIL,
        event_id=key,
        event_type=event_type,
        recipient_nip=nip,
        address=address,
        language=language,
        subject=text.title,
        body=text.body,
        status="pending",
        next_attempt_at=now,
        created_at=now,
    )
