"""State write + event publication: our outbox path against raw pymongo + aiokafka in the same run.

- raw publish:     N sends of the same records awaited together, no database (the relay's ceiling)
- raw bulk:        one insert_many of N documents, then N sends awaited together (the ceiling)
- raw per record:  insert_one + send-and-wait per event, the shape a request handler has
- outbox:          shared.messaging.outbox.commit() per aggregate (state and event in one write), then
                   the relay publishing and clearing what is pending (what a request handler does)
- outbox bulk:     insert_all() of the same aggregates under one batch token, then the relay (what a
                   bulk analysis or import does)

The relay's own rate (the writes excluded) is printed against raw publish: ``relay / raw publish`` is
the ratio issue 16 targets (at least 0.5). It is timed until every entry is acknowledged and recorded
in the relay's ledger (what a consumer waits for); ``+ clearing`` adds the rewrite of the aggregates'
outboxes that the relay does once the round is out, before its next round.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

from aiokafka import AIOKafkaProducer
from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry
from pymongo import MongoClient

from bench.common import clean_up, postgresql_url
from services.needs.documents import NeedDocument
from services.needs.settings import NeedsSettings
from shared.events import NEED_IDENTIFIED, build_record
from shared.messaging.outbox import commit, insert_all
from shared.messaging.relay import OutboxRelay
from shared.messaging.topics import Naming, ensure_topics
from shared.persistence import connect_database, disconnect_database, ensure_indexes
from tests.support.events import need_payload

NIP = "199002202015032001"


def _records(n: int) -> list[Any]:
    payload = need_payload()
    return [build_record(NEED_IDENTIFIED, payload, subject=NIP) for _ in range(n)]


async def _send_all(producer: AIOKafkaProducer, topic: str, records: list[Any]) -> None:
    """Send every record without waiting, then wait for all the acknowledgements together."""
    futures = [
        await producer.send(topic, r.value, key=r.key.encode(), headers=[(k, v.encode()) for k, v in r.headers.items()])
        for r in records
    ]
    await asyncio.gather(*futures)


async def _raw_publish(kafka: str, topic: str, n: int) -> float:
    records = _records(n)
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        started = time.perf_counter()
        await _send_all(producer, topic, records)
        return time.perf_counter() - started
    finally:
        await producer.stop()


async def _raw(kafka: str, mongo: str, db: str, topic: str, n: int, *, bulk: bool) -> float:
    records = _records(n)
    client: MongoClient[dict[str, Any]] = MongoClient(mongo)
    coll = client[db][f"raw_{'bulk' if bulk else 'single'}"]
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        started = time.perf_counter()
        docs = [{"_id": r.event_id, "gap": 2, "value": r.value.decode()} for r in records]
        if bulk:
            await asyncio.to_thread(coll.insert_many, docs)
            await _send_all(producer, topic, records)
        else:
            for doc, r in zip(docs, records, strict=True):
                await asyncio.to_thread(coll.insert_one, doc)
                await producer.send_and_wait(
                    topic, r.value, key=r.key.encode(), headers=[(k, v.encode()) for k, v in r.headers.items()]
                )
        return time.perf_counter() - started
    finally:
        await producer.stop()
        client.close()


def needs_relay(kafka: str, naming: Naming, batch_size: int) -> tuple[KafkaBroker, OutboxRelay]:
    """The broker and relay a needs service would run, for publishing what the benchmark wrote."""
    broker = KafkaBroker(kafka, acks="all", enable_idempotence=True)
    relay = OutboxRelay(
        broker,
        [NeedDocument],
        service="bench",
        naming=naming,
        registry=CollectorRegistry(),
        poll_interval_s=0.1,
        batch_size=batch_size,
    )
    return broker, relay


async def _outbox(kafka: str, naming: Naming, n: int, *, bulk: bool) -> tuple[float, float, float]:
    """Seconds for the writes and the relay (with its clearing) together, for the relay's publication
    alone, and for the relay with its clearing."""
    from datetime import UTC, datetime

    broker, relay = needs_relay(kafka, naming, batch_size=500)
    await broker.start()
    try:
        records = _records(n)
        now = datetime.now(UTC)
        started = time.perf_counter()

        def need(i: int) -> NeedDocument:
            return NeedDocument(
                id=f"{'bulk' if bulk else 'one'}-{i}",
                nip=NIP,
                unit_code="PKM-PADANGBULAN",
                competency_code="M.05",
                competency_name="Pelayanan Publik",
                gap=2,
                priority=3.0,
                source="competency_gap",
                fiscal_year=2027,
                status="open",
                identified_at=now,
                updated_at=now,
            )

        def write_all() -> None:
            if bulk:
                insert_all([(need(i), [record]) for i, record in enumerate(records)])
            else:
                for i, record in enumerate(records):
                    commit(need(i), [record])

        await asyncio.to_thread(write_all)
        relaying = time.perf_counter()
        published = 0
        while published < n and (round_ := await relay.publish_pending()):
            published += round_
        out = time.perf_counter()
        await asyncio.to_thread(relay.clear_published)
        ended = time.perf_counter()
        return ended - started, out - relaying, ended - relaying
    finally:
        await broker.stop()


async def run(kafka: str, mongo: str, n: int) -> dict[str, Any]:
    namespace = f"bench{uuid.uuid4().hex[:8]}"
    naming = Naming(namespace)
    topic = naming(NEED_IDENTIFIED.topic)
    ensure_topics(kafka, [topic], partitions=3, replication_factor=1, retention_ms=3_600_000)
    settings = NeedsSettings(
        mongodb_uri=mongo, mongodb_database=f"{namespace}_needs", ferretdb_postgresql_url=postgresql_url()
    )
    connect_database(settings)
    try:
        # As the needs service starts: its indexes, and on FerretDB the lookup indexes behind them.
        ensure_indexes(settings, [NeedDocument])
        raw_publish = await _raw_publish(kafka, topic, n)
        raw_bulk = await _raw(kafka, mongo, f"{namespace}_raw", topic, n, bulk=True)
        raw_single = await _raw(kafka, mongo, f"{namespace}_raw", topic, n, bulk=False)
        ours, relay, relay_cleared = await _outbox(kafka, naming, n, bulk=False)
        ours_bulk, relay_bulk, relay_bulk_cleared = await _outbox(kafka, naming, n, bulk=True)
    finally:
        disconnect_database(settings)
        clean_up(kafka, mongo, namespace)

    timings = {"raw_bulk": raw_bulk, "raw_per_record": raw_single, "outbox": ours, "outbox_bulk": ours_bulk}
    rate = {k: n / v for k, v in timings.items()}
    print(f"\nstate write + event publication, {n} events")
    print(f"{'path':<16}{'events/s':>12}{'vs raw bulk':>14}{'vs raw per record':>20}")
    for name, r in rate.items():
        print(f"{name:<16}{r:>12.0f}{r / rate['raw_bulk']:>14.2f}{r / rate['raw_per_record']:>20.2f}")
    relaying = {
        "raw_publish": n / raw_publish,
        "relay": n / relay,
        "relay + clearing": n / relay_cleared,
        "relay_bulk": n / relay_bulk,
        "relay_bulk + clearing": n / relay_bulk_cleared,
    }
    print(f"\npublication alone (what was written is pending), {n} events")
    print(f"{'path':<24}{'events/s':>12}{'vs raw publish':>16}")
    for name, r in relaying.items():
        print(f"{name:<24}{r:>12.0f}{r / relaying['raw_publish']:>16.3f}")
    return {
        "benchmark": "outbox",
        "events": n,
        "events_per_s": rate,
        "ratio_outbox_vs_raw_bulk": rate["outbox"] / rate["raw_bulk"],
        "ratio_outbox_vs_raw_per_record": rate["outbox"] / rate["raw_per_record"],
        "publication_events_per_s": relaying,
        "ratio_relay_vs_raw_publish": relaying["relay"] / relaying["raw_publish"],
        "ratio_relay_bulk_vs_raw_publish": relaying["relay_bulk"] / relaying["raw_publish"],
    }
