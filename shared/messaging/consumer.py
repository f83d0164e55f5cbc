"""Idempotent, at-least-once event consumers, taking records in batches.

Where the guarantees come from:
- At-least-once: each subscription is a FastStream batch subscriber with AckPolicy.NACK_ON_ERROR. The
  batch's offsets are committed only after ``handle_batch`` returns, that is after every record's
  handler writes, the batch's inbox marks and its dead letters; an exception seeks every partition of
  the batch back to its first record, and the whole batch is delivered again.
- Order: a batch holds each partition's records in offset order, and they are applied one after the
  other, so the records of one key (one partition) are applied in the order they were produced.
- One effect per event: ``Inbox`` skips event ids this consumer already applied (asked once for the
  batch), a second record of the same event id within the batch is skipped too, and every handler keys
  its writes on the event (deterministic ids, state guards), which covers a crash or an outage between
  the handler's write and the batch's inbox marks.
- No stall behind a poison record: a record that is not a valid event, or whose handler keeps failing
  for reasons other than an unreachable database, goes alone to the topic's dead-letter topic with the
  error and its original coordinates; the rest of the batch is applied and committed with it.
- A database outage is nobody's record's fault: once a record's attempts are used up on it, nothing of
  the batch is committed, and the batch comes back when the database is reachable.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, Literal, Protocol, TypeVar, overload

from aiokafka import ConsumerRecord
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from faststream.message import StreamMessage
from prometheus_client import CollectorRegistry, Counter, Histogram

from shared.events import EventContext, EventContract, EventPayload, InvalidEvent, read_context, read_payload
from shared.logging import log_context
from shared.messaging.dead_letters import dead_letter_headers
from shared.messaging.topics import Naming
from shared.persistence import DATABASE_UNAVAILABLE

log = logging.getLogger(__name__)

P = TypeVar("P", bound=EventPayload)
T = TypeVar("T")
Handler = Callable[[P, EventContext], None]


class InboxStore(Protocol):
    """What the runtime asks of the inbox (shared.messaging.inbox.Inbox)."""

    def applied(self, consumer: str, event_ids: Sequence[str]) -> set[str]: ...

    def mark_all(self, consumer: str, applied: Sequence[EventContext]) -> None: ...


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
            "Time to apply one event's handler, its retries included; events that were applied only (the "
            "batch's inbox question and marks are shared, see event_batch_size)",
            ["service", "consumer", "event_type"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
            registry=registry,
        )
        self.batch_size = Histogram(
            "event_batch_size",
            "Records per batch taken from Kafka",
            ["service", "consumer"],
            buckets=(1, 2, 5, 10, 25, 50, 100, 250, 500, 1000),
            registry=registry,
        )


@dataclass
class EventConsumer(Generic[P]):
    """One subscription: a contract, a named consumer (its Kafka group) and a handler."""

    contract: EventContract[P]
    name: str
    handler: Handler[P]


@dataclass(frozen=True)
class Poison:
    """Why a record is set aside for the dead-letter topic, after how many attempts of its handler."""

    reason: str
    attempts: int


async def _raw_bodies(msg: StreamMessage[Any]) -> Any:
    return msg.body


class ConsumerRuntime:
    """Registers subscriptions on a broker and runs them with the guarantees in the module docstring."""

    def __init__(
        self,
        broker: KafkaBroker,
        inbox: InboxStore,
        *,
        service: str,
        naming: Naming,
        registry: CollectorRegistry,
        max_attempts: int,
        retry_backoff_s: float,
        batch_max: int,
        batch_timeout_ms: int,
    ) -> None:
        self.broker = broker
        self.inbox = inbox
        self.service = service
        self.naming = naming
        self.metrics = ConsumerMetrics(registry)
        self.max_attempts = max_attempts
        self.retry_backoff_s = retry_backoff_s
        self.batch_max = batch_max
        self.batch_timeout_ms = batch_timeout_ms
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
            # getmany: whatever is fetched, up to max_records, in each partition's order; a nack seeks every
            # partition of the batch back to its first record (faststream.kafka.message).
            batch=True,
            max_records=self.batch_max,
            batch_timeout_ms=self.batch_timeout_ms,
            # Bodies are validated here, against the contract; FastStream's own JSON decoding would fail
            # on a malformed record before this code could dead-letter it.
            decoder=_raw_bodies,
            title=f"{group_id}:{contract.name}",
            description=f"{self.service} consumes {contract.name}",
        )
        async def consume(msg: KafkaMessage) -> None:
            records = msg.raw_message if isinstance(msg.raw_message, tuple) else (msg.raw_message,)
            await self.handle_batch(consumer, records, msg.batch_headers or [msg.headers])

    async def handle_batch(
        self,
        consumer: EventConsumer[Any],
        records: Sequence[ConsumerRecord[Any, Any]],
        headers: Sequence[dict[str, str]],
    ) -> None:
        """Apply one batch (``headers`` decoded alongside the records). Returns once everything that must
        precede the commit of its offsets is done; raises when nothing of it may be committed."""
        self.metrics.batch_size.labels(self.service, consumer.name).observe(len(records))
        contract = consumer.contract
        events: list[tuple[int, EventContext, EventPayload]] = []
        poison: dict[int, Poison] = {}
        for index, (record, record_headers) in enumerate(zip(records, headers, strict=True)):
            try:
                ctx = read_context(contract, record_headers)
                events.append((index, ctx, read_payload(contract, record.value or b"")))
            except InvalidEvent as exc:
                poison[index] = Poison(str(exc), attempts=0)
        # One question for the whole batch; a later copy of an event id within the batch is a duplicate too.
        ids = [ctx.id for _, ctx, _ in events]
        done = await self._attempts(consumer, lambda: self.inbox.applied(consumer.name, ids))
        applied: list[EventContext] = []
        for index, ctx, payload in events:
            if ctx.id in done:
                self._count(consumer, "duplicate")
                continue
            with log_context(correlation_id=ctx.correlation_id, event_id=ctx.id):
                outcome = await self._apply(consumer, ctx, payload)
            if isinstance(outcome, Poison):
                poison[index] = outcome
            else:
                done.add(ctx.id)
                applied.append(ctx)
        await self._attempts(consumer, lambda: self.inbox.mark_all(consumer.name, applied))
        for _ in applied:
            self._count(consumer, "applied")
        for index in sorted(poison):
            await self.dead_letter(consumer, records[index], headers[index], poison[index])

    async def _apply(self, consumer: EventConsumer[Any], ctx: EventContext, payload: EventPayload) -> Poison | None:
        started = time.perf_counter()
        outcome = await self._attempts(consumer, lambda: consumer.handler(payload, ctx), may_be_poison=True)
        if not isinstance(outcome, Poison):
            self.metrics.latency.labels(self.service, consumer.name, consumer.contract.name).observe(
                time.perf_counter() - started
            )
        return outcome

    @overload
    async def _attempts(self, consumer: EventConsumer[Any], step: Callable[[], T]) -> T: ...

    @overload
    async def _attempts(
        self, consumer: EventConsumer[Any], step: Callable[[], T], *, may_be_poison: Literal[True]
    ) -> T | Poison: ...

    async def _attempts(
        self, consumer: EventConsumer[Any], step: Callable[[], T], *, may_be_poison: bool = False
    ) -> T | Poison:
        """Run ``step`` in a worker thread, retried with a doubling backoff. An unreachable database that
        outlasts the attempts is raised: it is not the record's fault, so nothing of the batch is committed
        and the batch comes back once the database answers (NACK_ON_ERROR seeks back to it). Any other
        failure of a handler (``may_be_poison``) that outlasts them makes the record poison."""
        for attempt in range(1, self.max_attempts + 1):
            try:
                return await asyncio.to_thread(step)
            except DATABASE_UNAVAILABLE:
                if attempt == self.max_attempts:
                    self._count(consumer, "retried")
                    log.warning("database unavailable; the batch will be delivered again")
                    raise
            except Exception as exc:
                if not may_be_poison:
                    raise
                if attempt == self.max_attempts:
                    log.exception("handler failed %d times; dead-lettering", attempt)
                    return Poison(f"{type(exc).__name__}: {exc}", attempt)
            await asyncio.sleep(self.retry_backoff_s * 2 ** (attempt - 1))
        raise AssertionError("max_attempts is at least 1")

    async def dead_letter(
        self, consumer: EventConsumer[Any], record: ConsumerRecord[Any, Any], headers: dict[str, str], poison: Poison
    ) -> None:
        dlq_headers = dead_letter_headers(
            headers,
            reason=poison.reason,
            attempts=poison.attempts,
            original_topic=record.topic,
            original_partition=str(record.partition),
            original_offset=str(record.offset),
            consumer_group=self.naming(f"{self.service}.{consumer.name}"),
        )
        await self.broker.publish(
            record.value or b"", self.naming(consumer.contract.dead_letter_topic), key=record.key, headers=dlq_headers
        )
        self._count(consumer, "dead_lettered")
        log.error(
            "event dead-lettered",
            extra={"fields": {"reason": poison.reason, "topic": record.topic, "offset": record.offset}},
        )

    def _count(self, consumer: EventConsumer[Any], outcome: str) -> None:
        self.metrics.outcomes.labels(self.service, consumer.name, consumer.contract.name, outcome).inc()
