"""Replaying a consumer's topic to prove a service's state is what its events say it is.

A replay rewinds the consumer's group to the earliest offsets and forgets its inbox entries, so every
event goes through the handler again; optionally the read models the consumer builds are dropped first
and rebuilt from the topic. A digest of the service's database before and after shows whether the state
changed: handlers must absorb a replay through their business keys, not only through the inbox.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from typing import Any

from kafka import TopicPartition
from kafka.admin import KafkaAdminClient, OffsetSpec
from pymongo.database import Database

from shared.messaging.lag import consumer_lag

INBOX_COLLECTION = "processed_events"
# Outbox bookkeeping says what is still to be published, which depends on the relay's timing, not on
# the state; and publishing is not part of a replay.
BOOKKEEPING_FIELDS = ("outbox", "outbox_pending", "outbox_batch", "outbox_batch_size")


def state_digest(db: Database[dict[str, Any]]) -> str:
    """SHA-256 of every document of every collection but the inbox, in a stable order."""
    digest = hashlib.sha256()
    for name in sorted(db.list_collection_names()):
        if name == INBOX_COLLECTION:
            continue
        for doc in sorted(db[name].find(), key=lambda d: str(d["_id"])):
            for field in BOOKKEEPING_FIELDS:
                doc.pop(field, None)
            digest.update(name.encode())
            digest.update(json.dumps(doc, sort_keys=True, default=str).encode())
    return digest.hexdigest()


class GroupActive(RuntimeError):
    pass


def rewind(bootstrap_servers: str, group: str, topics: Iterable[str]) -> int:
    """Move the group's committed offsets to the start of its topics; returns the records to re-read.
    The group must have no live member (stop the service first): Kafka refuses otherwise."""
    with KafkaAdminClient(bootstrap_servers=bootstrap_servers, client_id="replay") as admin:
        described = admin.describe_groups([group]).get(group, {})
        if described.get("members"):
            raise GroupActive(f"consumer group {group} still has members; stop the service before replaying")
        partitions = [
            TopicPartition(d["name"], p["partition_index"])
            for d in admin.describe_topics(sorted(set(topics)))
            for p in d["partitions"]
        ]
        admin.reset_group_offsets(group, dict.fromkeys(partitions, OffsetSpec.EARLIEST))
        return sum(p.lag for p in consumer_lag(admin, {group: [tp.topic for tp in partitions]}))


def forget(db: Database[dict[str, Any]], consumer: str) -> int:
    """Drop the consumer's inbox entries so a replay reaches its handler again."""
    return db[INBOX_COLLECTION].delete_many({"consumer": consumer}).deleted_count
