"""List the dead letters of a topic, and replay one to its original topic once the cause is fixed.

    python scripts/dead_letters.py list needs.need-identified
    python scripts/dead_letters.py replay needs.need-identified --partition 0 --offset 3

Topics are named as in the contracts; KAFKA_NAMESPACE (as the services use it) is prefixed. A replayed
record keeps its key and event id, so a consumer that did apply it after all absorbs it (inbox).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass

from kafka import KafkaConsumer, KafkaProducer, TopicPartition

from shared.messaging.topics import Naming


@dataclass(frozen=True)
class DeadLetter:
    partition: int
    offset: int
    key: bytes | None
    headers: dict[str, str]
    value: bytes

    def summary(self) -> dict[str, object]:
        h = self.headers
        return {
            "partition": self.partition,
            "offset": self.offset,
            "key": self.key.decode(errors="replace") if self.key else None,
            "event_id": h.get("ce_id"),
            "type": h.get("ce_type"),
            "error": h.get("dlq_error"),
            "attempts": int(h.get("dlq_attempts", "0")),
            "original_topic": h.get("dlq_original_topic"),
            "original_partition": h.get("dlq_original_partition"),
            "original_offset": h.get("dlq_original_offset"),
            "consumer_group": h.get("dlq_consumer_group"),
            "failed_at": h.get("dlq_failed_at"),
        }


def read_dead_letters(bootstrap: str, topic: str) -> list[DeadLetter]:
    """Every record of ``<topic>.dlq``, read without a consumer group (listing commits nothing)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    try:
        tps = [TopicPartition(f"{topic}.dlq", p) for p in sorted(consumer.partitions_for_topic(f"{topic}.dlq") or [])]
        if not tps:
            return []
        consumer.assign(tps)
        consumer.seek_to_beginning(*tps)
        end = consumer.end_offsets(tps)
        found: list[DeadLetter] = []
        deadline = time.monotonic() + 60
        while any(consumer.position(tp) < end[tp] for tp in tps) and time.monotonic() < deadline:
            for batch in consumer.poll(timeout_ms=1000).values():
                found.extend(
                    DeadLetter(r.partition, r.offset, r.key, {k: v.decode() for k, v in r.headers}, r.value)
                    for r in batch
                )
        return sorted(found, key=lambda d: (d.partition, d.offset))
    finally:
        consumer.close()


def replay(bootstrap: str, letter: DeadLetter) -> str:
    """Publish the record again to its original topic, without the dlq_* headers; returns the topic."""
    original = letter.headers["dlq_original_topic"]
    headers = [(k, v.encode()) for k, v in letter.headers.items() if not k.startswith("dlq_")]
    with KafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True) as producer:
        producer.send(original, value=letter.value, key=letter.key, headers=headers).get(timeout=30)
    return original


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("action", choices=["list", "replay"])
    parser.add_argument("topic", help="source topic as in the contracts, e.g. needs.need-identified")
    parser.add_argument("--partition", type=int, default=0)
    parser.add_argument("--offset", type=int, help="offset of the dead letter to replay (see list)")
    args = parser.parse_args()
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    topic = Naming(os.environ.get("KAFKA_NAMESPACE", ""))(args.topic)
    letters = read_dead_letters(bootstrap, topic)
    if args.action == "list":
        for letter in letters:
            print(json.dumps(letter.summary(), ensure_ascii=False))
        print(f"{len(letters)} dead letter(s) on {topic}.dlq", file=sys.stderr)
        return 0
    chosen = [d for d in letters if d.partition == args.partition and d.offset == args.offset]
    if not chosen:
        print(f"no dead letter at {topic}.dlq[{args.partition}]@{args.offset}", file=sys.stderr)
        return 1
    print(f"replayed to {replay(bootstrap, chosen[0])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
