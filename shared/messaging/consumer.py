"""Idempotent, at-least-once event consumers.

Where the guarantees come from:
- At-least-once: the subscriber uses AckPolicy.NACK_ON_ERROR, so the offset is committed only after
  ``consume`` returns; an exception seeks back and the record is delivered again.
- One effect per event: ``Inbox`` skips event ids this consumer already applied, and every handler
  keys its writes on the event (deterministic ids, state guards), which covers a crash between the
  handler's write and the inbox mark.
- No stall behind a poison record: a record that is not a valid event, or whose handler keeps failing
  for reasons other than an unreachable database, goes to the topic's dead-letter topic with the error
  and its original coordinates, then is acknowledged.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from aiokafka import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from faststream.message import StreamMessage
from mongoengine import DateTimeField, Document, StringField
from mongoengine.errors import NotUniqueError
from prometheus_client import CollectorRegistry, Counter, Histogram

from shared.events import EventContext, EventContract, EventPayload, InvalidEvent, read_context, read_payload
from shared.logging import log_context
from shared.messaging.dead_letters import dead_letter_headers
from shared.messaging.topics import Naming
from shared.persistence import DATABASE_UNAVAILABLE

log = logging.getLogger(__name__)

P = TypeVar("P", bound=EventPayload)
Handler = Callable[[P, EventContext], None]


class ProcessedEvent(Document):
    """Inbox of event ids a consumer has applied. ``_id`` is ``<consumer>:<event id>``."""

    meta = {"abstract": True, "auto_create_index": False}

    id = StringField(primary_key=True)
    consumer = StringField(required=True)
    event_type = StringField(required=True)
    processed_at = DateTimeField(required=True)


def processed_event_document(alias: str) -> type[ProcessedEvent]:
    """The inbox collection inside the given service's database."""
    meta = {"db_alias": alias, "collection": "processed_events", "auto_create_index": False}
    return type(f"ProcessedEvent_{alias}", (ProcessedEvent,), {"meta": meta})


@dataclass
class Inbox:
    document: type[ProcessedEvent]

    def seen(self, consumer: str, event_id: str) -> bool:
        return self.document.objects(id=f"{consumer}:{event_id}").count() > 0

    def mark(self, consumer: str, ctx: EventContext) -> None:
        # A concurrent redelivery may get there first; the effect is keyed on the event anyway.
        with suppress(NotUniqueError):
            self.document(
                id=f"{consumer}:{ctx.id}", consumer=consumer, event_type=ctx.type, processed_at=datetime.now(UTC)
            ).save(force_insert=True)


class ConsumerMetrics:
    def __init__(self, registry: CollectorRegistry) -> None:
        self.outcomes = Counter(
            "events_consumed_total",
            "Events handled by outcome: applied, duplicate, dead_lettered, retried",
            ["service", "consumer", "event_type", "outcome"],
            registry=registry,
        )
        self.latency = Histogram(
            "event_handler_duration_seconds",
            "Time to apply one event (inbox check, handler and inbox mark), successful attempts only",
            ["service", "consumer", "event_type"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=registry,
        )


@dataclass
class EventConsumer(Generic[P]):
    """One subscription: a contract, a named consumer (its Kafka group) and a handler."""

    contract: EventContract[P]
    name: str
    handler: Handler[P]


async def _raw_body(msg: StreamMessage[Any]) -> bytes:
    return msg.body


class ConsumerRuntime:
    """Registers subscriptions on a broker and runs them with the guarantees in the module docstring."""

    def __init__(
        self,
        broker: KafkaBroker,
        inbox: Inbox,
        *,
        service: str,
        naming: Naming,
        registry: CollectorRegistry,
        max_attempts: int,
        retry_backoff_s: float,
    ) -> None:
        self.broker = broker
        self.inbox = inbox
        self.service = service
        self.naming = naming
        self.metrics = ConsumerMetrics(registry)
        self.max_attempts = max_attempts
        self.retry_backoff_s = retry_backoff_s
        # Kafka group id -> the topic it reads, for lag monitoring and replays.
        self.groups: dict[str, str] = {}

    def subscribe(self, consumer: EventConsumer[Any]) -> None:
        contract = consumer.contract
        group_id = self.naming(f"{self.service}.{consumer.name}")
        self.groups[group_id] = self.naming(contract.topic)

        @self.broker.subscriber(
            self.naming(contract.topic),
            group_id=group_id,
            auto_offset_reset="earliest",
            ack_policy=AckPolicy.NACK_ON_ERROR,
            # Bodies are validated here, against the contract; FastStream's own JSON decoding would fail
            # on a malformed record before this code could dead-letter it.
            decoder=_raw_body,
            title=f"{group_id}:{contract.name}",
            description=f"{self.service} consumes {contract.name}",
        )
        async def consume(msg: KafkaMessage) -> None:
            await self.handle(consumer, msg)

    async def handle(self, consumer: EventConsumer[Any], msg: KafkaMessage) -> None:
        contract = consumer.contract
        try:
            ctx = read_context(contract, msg.headers)
            payload = read_payload(contract, msg.body)
        except InvalidEvent as exc:
            await self.dead_letter(consumer, msg, reason=str(exc), attempts=0)
            return
        with log_context(correlation_id=ctx.correlation_id, event_id=ctx.id):
            for attempt in range(1, self.max_attempts + 1):
                try:
                    started = time.perf_counter()
                    outcome = await asyncio.to_thread(self._apply, consumer, ctx, payload)
                    self.metrics.latency.labels(self.service, consumer.name, contract.name).observe(
                        time.perf_counter() - started
                    )
                    self._count(consumer, outcome)
                    return
                except DATABASE_UNAVAILABLE:
                    if attempt == self.max_attempts:
                        # Not the record's fault: leave it uncommitted so it comes back once the
                        # database is reachable (NACK_ON_ERROR seeks back to it).
                        self._count(consumer, "retried")
                        log.warning("database unavailable; the event will be delivered again")
                        raise
                except Exception as exc:
                    if attempt == self.max_attempts:
                        log.exception("handler failed %d times; dead-lettering", attempt)
                        await self.dead_letter(consumer, msg, reason=f"{type(exc).__name__}: {exc}", attempts=attempt)
                        return
                await asyncio.sleep(self.retry_backoff_s * 2 ** (attempt - 1))

    def _apply(self, consumer: EventConsumer[Any], ctx: EventContext, payload: EventPayload) -> str:
        if self.inbox.seen(consumer.name, ctx.id):
            return "duplicate"
        consumer.handler(payload, ctx)
        self.inbox.mark(consumer.name, ctx)
        return "applied"

    async def dead_letter(self, consumer: EventConsumer[Any], msg: KafkaMessage, *, reason: str, attempts: int) -> None:
        record: ConsumerRecord[bytes, bytes] = msg.raw_message
        headers = dead_letter_headers(
            msg.headers,
            reason=reason,
            attempts=attempts,
            original_topic=record.topic,
            original_partition=str(record.partition),
            original_offset=str(record.offset),
            consumer_group=self.naming(f"{self.service}.{consumer.name}"),
        )
        await self.broker.publish(
            msg.body, self.naming(consumer.contract.dead_letter_topic), key=record.key, headers=headers
        )
        self._count(consumer, "dead_lettered")
        log.error(
            "event dead-lettered", extra={"fields": {"reason": reason, "topic": record.topic, "offset": record.offset}}
        )

    def _count(self, consumer: EventConsumer[Any], outcome: str) -> None:
        self.metrics.outcomes.labels(self.service, consumer.name, consumer.contract.name, outcome).inc()
