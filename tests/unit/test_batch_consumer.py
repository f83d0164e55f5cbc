"""The batch rules of the consumer runtime: what a batch applies, skips, dead-letters and when it may not be
committed. The inbox and the broker are stand-ins here; tests/integration/test_batch_consumers.py runs the
same rules over the real broker and database."""

import asyncio
from collections.abc import Sequence

import pytest
from aiokafka import ConsumerRecord
from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry
from pymongo.errors import AutoReconnect

from shared.events import NEED_IDENTIFIED, EventContext
from shared.messaging.consumer import ConsumerRuntime, EventConsumer
from shared.messaging.topics import Naming
from tests.support.events import need_event

NURSES = [f"19900220201503200{i}" for i in range(1, 6)]


class Inbox:
    def __init__(self, applied: Sequence[str] = ()) -> None:
        self.ids = set(applied)
        self.questions: list[list[str]] = []
        self.marked: list[str] = []
        self.down = False

    def applied(self, consumer: str, event_ids: Sequence[str]) -> set[str]:
        self.questions.append(list(event_ids))
        return self.ids & set(event_ids)

    def mark_all(self, consumer: str, applied: Sequence[EventContext]) -> None:
        if self.down:
            raise AutoReconnect("database gone")
        self.marked += [ctx.id for ctx in applied]
        self.ids |= {ctx.id for ctx in applied}


class Broker(KafkaBroker):
    def __init__(self) -> None:
        super().__init__()
        self.dead: list[tuple[str, bytes, dict[str, str]]] = []

    async def publish(self, message, topic="", *, key=None, headers=None, **_):  # type: ignore[override]
        self.dead.append((topic, message, headers))


def record(offset: int, nip: str, *, ce_id: str | None = None, value: bytes | None = None):
    event = need_event(nip=nip)
    headers = event.headers | {"ce_id": ce_id or f"event-{offset}"}
    raw = ConsumerRecord(
        topic=f"ns.{NEED_IDENTIFIED.topic}", partition=0, offset=offset, timestamp=0, timestamp_type=0,
        key=nip.encode(), value=value if value is not None else event.value, checksum=None,
        serialized_key_size=18, serialized_value_size=1, headers=[(k, v.encode()) for k, v in headers.items()],
    )  # fmt: skip
    return raw, headers


def batch(*records):
    return [r for r, _ in records], [h for _, h in records]


class Handler:
    """Applies needs in the order it is given them; fails for the NIPs it is told to."""

    def __init__(self, poison: str = "", outage: str = "") -> None:
        self.calls: list[str] = []
        self.poison, self.outage = poison, outage

    def __call__(self, payload, ctx: EventContext) -> None:
        self.calls.append(payload.nip)
        if payload.nip == self.poison:
            raise ValueError("no such batch")
        if payload.nip == self.outage:
            raise AutoReconnect("database gone")


def runtime(inbox: Inbox, broker: Broker) -> ConsumerRuntime:
    return ConsumerRuntime(
        broker,
        inbox,
        service="training",
        naming=Naming("ns"),
        registry=CollectorRegistry(),
        max_attempts=3,
        retry_backoff_s=0,
        batch_max=100,
        batch_timeout_ms=10,
    )


def run(inbox: Inbox, broker: Broker, handler: Handler, records, headers) -> None:
    consumer = EventConsumer(NEED_IDENTIFIED, "place-needs", handler)
    asyncio.run(runtime(inbox, broker).handle_batch(consumer, records, headers))


def test_a_poison_record_in_the_middle_is_dead_lettered_alone_and_the_rest_applied_in_order():
    inbox, broker, handler = Inbox(), Broker(), Handler(poison=NURSES[1])
    run(inbox, broker, handler, *batch(*(record(i, nip) for i, nip in enumerate(NURSES[:3]))))
    # The poison record was tried three times (retries), and the records after it still ran, in order.
    assert handler.calls == [NURSES[0], NURSES[1], NURSES[1], NURSES[1], NURSES[2]]
    assert inbox.marked == ["event-0", "event-2"]
    ((topic, _value, headers),) = broker.dead
    assert topic == f"ns.{NEED_IDENTIFIED.dead_letter_topic}"
    assert (headers["dlq_original_offset"], headers["dlq_attempts"]) == ("1", "3")
    assert headers["dlq_error"] == "ValueError: no such batch"


def test_a_malformed_record_is_dead_lettered_without_running_any_handler_on_it():
    inbox, broker, handler = Inbox(), Broker(), Handler()
    run(
        inbox,
        broker,
        handler,
        *batch(record(0, NURSES[0]), record(1, NURSES[1], value=b"{not json"), record(2, NURSES[2])),
    )
    assert handler.calls == [NURSES[0], NURSES[2]]
    ((_topic, value, headers),) = broker.dead
    assert value == b"{not json" and headers["dlq_attempts"] == "0"


def test_one_question_per_batch_and_one_effect_per_event_id_within_it():
    inbox, broker, handler = Inbox(applied=["event-0"]), Broker(), Handler()
    records = batch(record(0, NURSES[0]), record(1, NURSES[1]), record(2, NURSES[1], ce_id="event-1"))
    run(inbox, broker, handler, *records)
    assert handler.calls == [NURSES[1]]  # event-0 was applied before; the second event-1 is the same event
    assert inbox.questions == [["event-0", "event-1", "event-1"]]
    assert inbox.marked == ["event-1"]
    assert broker.dead == []


def test_an_outage_commits_nothing_and_the_redelivered_batch_applies_once():
    inbox, broker = Inbox(), Broker()
    records = batch(*(record(i, nip) for i, nip in enumerate(NURSES[:3])))
    with pytest.raises(AutoReconnect):
        run(inbox, broker, Handler(outage=NURSES[1]), *records)
    assert inbox.marked == [] and broker.dead == []  # nothing recorded, so the batch comes back whole

    again = Handler()
    run(inbox, broker, again, *records)
    assert again.calls == NURSES[:3]
    assert inbox.marked == ["event-0", "event-1", "event-2"]
    run(inbox, broker, again, *records)  # delivered once more after its commit: no effect
    assert again.calls == NURSES[:3]


def test_an_outage_while_marking_the_batch_dead_letters_nothing_yet():
    inbox, broker = Inbox(), Broker()
    inbox.down = True
    records = batch(record(0, NURSES[0]), record(1, NURSES[1], value=b"{not json"))
    with pytest.raises(AutoReconnect):
        run(inbox, broker, Handler(), *records)
    assert broker.dead == []  # dead letters follow the marks, so a redelivery does not set them aside twice
