"""List the dead letters of a topic, and replay one to its original topic once the cause is fixed.

    python scripts/dead_letters.py list needs.need-identified
    python scripts/dead_letters.py replay needs.need-identified --partition 0 --offset 3
    python scripts/dead_letters.py outbox needs
    python scripts/dead_letters.py replay-outbox needs <event id>

Topics are named as in the contracts; KAFKA_NAMESPACE (as the services use it) is prefixed. A replayed
record keeps its key and event id, so a consumer that did apply it after all absorbs it (inbox).

``outbox``/``replay-outbox`` read the service's ``outbox_dead_letters`` collection (MONGODB_URI, and
MONGODB_DATABASE or the service's name): events its outbox relay could not publish even to the
dead-letter topic, in practice records larger than Kafka accepts. Raise the topic's max.message.bytes
(or fix the producer) first; a replayed entry leaves the collection only once Kafka acknowledged it.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from dataclasses import dataclass
from typing import Any

from kafka import KafkaConsumer, KafkaProducer, TopicPartition
from kafka.errors import KafkaError
from pymongo import MongoClient

from shared.events.contracts import dead_letter_topic
from shared.messaging.dead_letters import OUTBOX_DEAD_LETTERS
from shared.messaging.topics import Naming

# Above Kafka's default record limit, so an entry that was too large can go once the topic allows it.
REPLAY_MAX_REQUEST_BYTES = 64 * 1024 * 1024


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
            "outbox_service": h.get("dlq_outbox_service"),
            "failed_at": h.get("dlq_failed_at"),
        }


def read_dead_letters(bootstrap: str, topic: str) -> list[DeadLetter]:
    """Every record of ``<topic>.dlq``, read without a consumer group (listing commits nothing)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False, group_id=None)
    try:
        dlq = dead_letter_topic(topic)
        tps = [TopicPartition(dlq, p) for p in sorted(consumer.partitions_for_topic(dlq) or [])]
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


def send(bootstrap: str, topic: str, *, key: bytes | None, headers: dict[str, str], value: bytes) -> None:
    """Publish once, acknowledged by every in-sync replica; the dlq_* headers stay behind."""
    kept = [(k, v.encode()) for k, v in headers.items() if not k.startswith("dlq_")]
    with KafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, max_request_size=REPLAY_MAX_REQUEST_BYTES
    ) as producer:
        producer.send(topic, value=value, key=key, headers=kept).get(timeout=30)


def replay(bootstrap: str, letter: DeadLetter) -> str:
    """Publish the record again to its original topic, without the dlq_* headers; returns the topic."""
    original = letter.headers["dlq_original_topic"]
    send(bootstrap, original, key=letter.key, headers=letter.headers, value=letter.value)
    return original


def outbox_letters(database: Any) -> list[dict[str, Any]]:
    return list(database[OUTBOX_DEAD_LETTERS].find({}).sort([("failed_at", 1), ("_id", 1)]))


def outbox_summary(letter: dict[str, Any]) -> dict[str, object]:
    return {
        "event_id": letter["_id"],
        "type": letter["headers"].get("ce_type"),
        "topic": letter["topic"],
        "key": letter.get("key"),
        "bytes": len(letter["value"].encode()),
        "error": letter["error"],
        "dead_letter_error": letter["dead_letter_error"],
        "failed_at": letter["failed_at"].isoformat(),
    }


def replay_outbox(bootstrap: str, database: Any, letter: dict[str, Any]) -> str:
    """Publish the entry to the topic it was for; only then remove it from the collection."""
    key = letter["key"].encode() if letter.get("key") is not None else None
    send(bootstrap, letter["topic"], key=key, headers=letter["headers"], value=letter["value"].encode())
    database[OUTBOX_DEAD_LETTERS].delete_one({"_id": letter["_id"]})
    return str(letter["topic"])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    actions = parser.add_subparsers(dest="action", required=True)
    for name, what in (("list", "list a topic's dead letters"), ("replay", "send one back to its topic")):
        action = actions.add_parser(name, help=what)
        action.add_argument("topic", help="source topic as in the contracts, e.g. needs.need-identified")
        action.add_argument("--partition", type=int, default=0)
        action.add_argument("--offset", type=int, help="offset of the dead letter to replay (see list)")
    actions.add_parser("outbox", help="list what a service's relay could not publish").add_argument("service")
    replay_one = actions.add_parser("replay-outbox", help="publish one of those to its topic")
    replay_one.add_argument("service")
    replay_one.add_argument("event_id")
    args = parser.parse_args()
    bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    if args.action in ("outbox", "replay-outbox"):
        client: MongoClient[dict[str, Any]] = MongoClient(
            os.environ.get("MONGODB_URI", "mongodb://127.0.0.1:27017"), tz_aware=True
        )
        try:
            return outbox_command(args, bootstrap, client[os.environ.get("MONGODB_DATABASE") or args.service])
        finally:
            client.close()
    topic = Naming(os.environ.get("KAFKA_NAMESPACE", ""))(args.topic)
    letters = read_dead_letters(bootstrap, topic)
    if args.action == "list":
        for letter in letters:
            print(json.dumps(letter.summary(), ensure_ascii=False))
        print(f"{len(letters)} dead letter(s) on {dead_letter_topic(topic)}", file=sys.stderr)
        return 0
    chosen = [d for d in letters if d.partition == args.partition and d.offset == args.offset]
    if not chosen:
        print(f"no dead letter at {dead_letter_topic(topic)}[{args.partition}]@{args.offset}", file=sys.stderr)
        return 1
    print(f"replayed to {replay(bootstrap, chosen[0])}")
    return 0


def outbox_command(args: argparse.Namespace, bootstrap: str, database: Any) -> int:
    letters = outbox_letters(database)
    if args.action == "outbox":
        for letter in letters:
            print(json.dumps(outbox_summary(letter), ensure_ascii=False))
        print(f"{len(letters)} outbox dead letter(s) in {database.name}.{OUTBOX_DEAD_LETTERS}", file=sys.stderr)
        return 0
    chosen = [d for d in letters if d["_id"] == args.event_id]
    if not chosen:
        print(f"no outbox dead letter {args.event_id} in {database.name}", file=sys.stderr)
        return 1
    try:
        print(f"replayed to {replay_outbox(bootstrap, database, chosen[0])}")
    except KafkaError as exc:
        refusal = f"{type(exc).__name__}: {exc}"
        print(f"Kafka refused it again ({refusal}); it stays in {OUTBOX_DEAD_LETTERS}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
