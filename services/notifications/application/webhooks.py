"""Other systems subscribed to event types: each event is pushed to them as a signed CloudEvents webhook
(recorded by ``notices``, sent by the dispatcher); BKPSDM subscribes, ends a subscription, and replays
a delivery that ran out of attempts.

Which subscriptions take an event type is read for every event consumed and changes rarely, so it is
read through the process's reference cache (shared/cache.py): this process's subscribe and end forget
it at once; another replica's are seen within REFERENCE_CACHE_TTL_S. A delivery recorded meanwhile for a
subscription ended elsewhere is not sent: the sender reads the subscription again (delivery.py).
"""

from __future__ import annotations

import secrets
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import urlsplit

from services.notifications import domain
from services.notifications.destinations import DestinationPolicy
from services.notifications.documents import DeliveryDocument, WebhookSubscriptionDocument
from services.notifications.domain import DeliveryStatus
from shared.cache import ReferenceCache
from shared.domain.errors import Conflict, Invalid
from shared.events import ALL_CONTRACTS
from shared.messaging.outbox import Notify
from shared.persistence import get_or_not_found

EVENT_TYPES = tuple(c.type for c in ALL_CONTRACTS)
SUBSCRIPTIONS = "notifications.webhooks"


@dataclass(frozen=True)
class Subscriber:
    subscription_id: str
    url: str


class Webhooks:
    def __init__(
        self,
        *,
        wake_dispatcher: Notify,
        require_https: bool,
        destinations: DestinationPolicy,
        cache: ReferenceCache,
    ) -> None:
        self.wake_dispatcher = wake_dispatcher
        self.require_https = require_https  # production: a subscriber's URL is https only
        self.destinations = destinations  # production: only hosts on the public internet
        self.cache = cache

    def subscribers(self, event_type: str) -> tuple[Subscriber, ...]:
        """The active subscriptions to ``event_type`` (cached, see the module's note)."""

        def load() -> tuple[Subscriber, ...]:
            found = WebhookSubscriptionDocument.objects(event_types=event_type, active=True).only("id", "url")
            return tuple(Subscriber(s.id, s.url) for s in found)

        return self.cache.get(SUBSCRIPTIONS, event_type, load)

    def subscribe(
        self, *, url: str, event_types: list[str], description: str | None, secret: str | None, by: str
    ) -> WebhookSubscriptionDocument:
        parts = urlsplit(url)
        schemes = ("https",) if self.require_https else ("http", "https")
        if parts.scheme not in schemes or not parts.hostname:
            raise Invalid(
                "invalid_url",
                f"URL webhook harus memakai {' atau '.join(schemes)}.",
                f"A webhook URL must use {' or '.join(schemes)}.",
            )
        self.destinations.check(url)  # UnsafeDestination (invalid, unsafe_url) when it points inside the network
        unknown = sorted(set(event_types) - set(EVENT_TYPES))
        if unknown:
            raise Invalid(
                "unknown_event_type",
                f"Jenis event tidak dikenal: {', '.join(unknown)}. Yang dikenal: {', '.join(EVENT_TYPES)}.",
                f"Unknown event types: {', '.join(unknown)}. Known: {', '.join(EVENT_TYPES)}.",
            )
        sub = WebhookSubscriptionDocument(
            id=str(uuid.uuid4()),
            url=url,
            secret=secret or secrets.token_urlsafe(32),
            event_types=sorted(set(event_types)),
            description=description,
            created_by=by,
            created_at=datetime.now(UTC),
        )
        sub.save(force_insert=True)
        self.cache.invalidate(SUBSCRIPTIONS)
        return sub

    def end(self, subscription_id: str) -> WebhookSubscriptionDocument:
        """End a subscription; its pending deliveries are dropped (dead, so they can still be seen)."""
        sub = get_or_not_found(
            WebhookSubscriptionDocument, subscription_id, "Langganan webhook", "Webhook subscription"
        )
        WebhookSubscriptionDocument.objects(id=sub.id).update_one(set__active=False)
        self.cache.invalidate(SUBSCRIPTIONS)
        DeliveryDocument.objects(subscription_id=sub.id, status=DeliveryStatus.PENDING).update(
            set__status=DeliveryStatus.DEAD, set__dead_at=datetime.now(UTC)
        )
        sub.reload()
        return sub

    def replay(self, delivery_id: str) -> DeliveryDocument:
        """Try a dead delivery again, with a fresh retry budget."""
        d = get_or_not_found(DeliveryDocument, delivery_id, "Pengiriman", "Delivery")
        if d.channel == domain.WEBHOOK and not WebhookSubscriptionDocument.objects(id=d.subscription_id, active=True):
            raise Conflict(
                "subscription_inactive",
                "Langganan webhook ini sudah diakhiri.",
                "This webhook subscription was ended.",
            )
        # Conditional on the dead state, so two replays at once revive it once.
        revived = DeliveryDocument.objects(id=d.id, status=DeliveryStatus.DEAD).update_one(
            set__status=DeliveryStatus.PENDING,
            set__attempts=0,
            set__next_attempt_at=datetime.now(UTC),
            inc__replays=1,
        )
        if not revived:
            raise Conflict(
                "not_dead",
                f"Hanya pengiriman berstatus dead yang dapat diulang; status saat ini: {d.status}.",
                f"Only a dead delivery can be replayed; its status is {d.status}.",
            )
        self.wake_dispatcher()
        d.reload()
        return d
