"""Reading and writing topics directly with kafka-python, as an outside system would."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from kafka import KafkaConsumer, KafkaProducer, TopicPartition


@dataclass(frozen=True)
class Record:
    topic: str
    partition: int
    offset: int
    key: str | None
    headers: dict[str, str]
    value: bytes


def read_topic(bootstrap: str, topic: str, *, idle_s: float = 1.0) -> list[Record]:
    """Every record on the topic, from the beginning, without joining a consumer group."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:
            return []
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        end = consumer.end_offsets(tps)
        records: list[Record] = []
        deadline = time.monotonic() + 30
        while any(consumer.position(tp) < end[tp] for tp in tps) and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=int(idle_s * 1000)).values():
                records.extend(
                    Record(
                        r.topic,
                        r.partition,
                        r.offset,
                        r.key.decode() if r.key is not None else None,
                        {k: v.decode() for k, v in r.headers},
                        r.value,
                    )
                    for r in batch
                )
        return records
    finally:
        consumer.close()


def wait_for_records(
    bootstrap: str,
    topic: str,
    predicate: Callable[[Record], bool],
    *,
    count: int = 1,
    timeout_s: float = 30,
) -> list[Record]:
    """Poll the topic until at least ``count`` records match, then return the matches."""
    deadline = time.monotonic() + timeout_s
    matching: list[Record] = []
    while time.monotonic() < deadline:
        matching = [r for r in read_topic(bootstrap, topic) if predicate(r)]
        if len(matching) >= count:
            return matching
        time.sleep(0.5)
    raise AssertionError(f"expected {count} matching record(s) on {topic} within {timeout_s}s, saw {len(matching)}")


def publish_raw(bootstrap: str, topic: str, *, key: str | None, headers: dict[str, str], value: bytes) -> None:
    with KafkaProducer(bootstrap_servers=bootstrap) as producer:
        producer.send(
            topic,
            value=value,
            key=key.encode() if key is not None else None,
            headers=[(k, v.encode()) for k, v in headers.items()],
        ).get(timeout=30)
        producer.flush()
