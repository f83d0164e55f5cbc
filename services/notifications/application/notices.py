"""Events become notices: for each event, who must know or act, on which channels, in which language
(``templates`` words them, ``domain`` addresses them); and the event itself for every webhook subscribed
to its type. A consumer only records (see ``records``); sending is the dispatcher's job, so a slow or
failing channel never holds up the consumer or the other channels."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

from services.notifications import domain, templates
from services.notifications.application.directory import People
from services.notifications.application.records import (
    email_delivery,
    inbox_message,
    insert_once,
    texts,
)
from services.notifications.application.webhooks import Subscriber
from services.notifications.documents import (
    DeliveryDocument,
    DigestEntryDocument,
    NeedToldDocument,
)
from services.notifications.domain import DeliveryStatus
from shared.events import EventContext, EventPayload, NeedIdentified
from shared.messaging.outbox import Notify

P = TypeVar("P", bound=EventPayload)


class Notices:
    def __init__(
        self, wake_dispatcher: Notify, people: People, subscribers: Callable[[str], tuple[Subscriber, ...]]
    ) -> None:
        self.wake_dispatcher = wake_dispatcher
        self.people = people
        self.subscribers = subscribers  # Webhooks.subscribers: an event type's subscriptions, cached

    def handler(self, render: Callable[[P], list[domain.Notice]]) -> Callable[[P, EventContext], None]:
        """A consumer handler: the event's notices to each person on their channels, and the event to
        every webhook subscribed to its type."""
        return self._handler(lambda event, _: render(event))

    def need_handler(self) -> Callable[[NeedIdentified, EventContext], None]:
        """NeedIdentified: told as new, as an update, or not at all (see need_notices)."""
        return self._handler(self.need_notices)

    def need_notices(self, e: NeedIdentified, ctx: EventContext) -> list[domain.Notice]:
        """A need announced again (a later NeedIdentified with the same id) is not news: when only its
        priority moved nobody is told again; when what its messages say changed, they are told it as an
        update. Idempotent: the decision is stored with the event that made it."""
        facts = templates.need_facts(e)
        first = NeedToldDocument(
            id=e.need_id, facts=facts, event_id=ctx.id, identified_at=e.identified_at, kind="new", previous={}
        )
        # Most needs are announced once: the insert alone decides it; only one told before is read.
        if insert_once(first):
            return templates.need_identified(e)
        told = NeedToldDocument.objects(id=e.need_id).get()
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

    def _handler(self, render: Callable[[P, EventContext], list[domain.Notice]]) -> Callable[[P, EventContext], None]:
        def handle(event: P, ctx: EventContext) -> None:
            # The directory through the reference cache (People): no round trip once it is warm.
            addressed = domain.resolve(render(event, ctx), self.people.heads_of, self.people.admins)
            prefs = self.people.preferences_of(a.nip for a in addressed)
            now = datetime.now(UTC)
            to_send = [self._record(notice, prefs[notice.nip], ctx, now) for notice in addressed]
            # Only a delivery to send wakes the dispatcher (each wake is a read per channel); an inbox
            # message is stored, not sent, and retries are due on the dispatcher's own interval.
            if self._record_webhooks(event, ctx, now) or any(to_send):
                self.wake_dispatcher()

        return handle

    def _record(self, notice: domain.Addressed, prefs: domain.Preferences, ctx: EventContext, now: datetime) -> bool:
        """Records the notice on the person's channels; True when an e-mail is to be sent."""
        plan = domain.plan(prefs)
        both = texts(notice.id, notice.en)
        if plan.inbox:
            insert_once(inbox_message(ctx.id, ctx.type, ctx.subject, notice.nip, notice.role, both, now))
        if plan.email:
            text = notice.text(prefs.language)
            insert_once(email_delivery(ctx.id, ctx.type, notice.nip, plan.email, prefs.language, text, now))
        if plan.digest:
            insert_once(
                DigestEntryDocument(
                    id=domain.message_id(ctx.id, notice.nip, "digest"),
                    recipient_nip=notice.nip,
                    event_id=ctx.id,
                    event_type=ctx.type,
                    created_at=now,
                    **both,
                )
            )
        return bool(plan.email)

    def _record_webhooks(self, event: EventPayload, ctx: EventContext, now: datetime) -> bool:
        """The event for each subscription to its type; True when there is any."""
        subscribers = self.subscribers(ctx.type)
        if not subscribers:
            return False
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
        for sub in subscribers:
            insert_once(
                DeliveryDocument(
                    id=domain.message_id(ctx.id, sub.subscription_id, domain.WEBHOOK),
                    channel=domain.WEBHOOK,
                    event_id=ctx.id,
                    event_type=ctx.type,
                    subscription_id=sub.subscription_id,
                    url=sub.url,
                    headers=headers,
                    body=body,
                    status=DeliveryStatus.PENDING,
                    next_attempt_at=now,
                    created_at=now,
                )
            )
        return True
