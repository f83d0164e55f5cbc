"""The inbox: the event ids each consumer has applied, asked and written a batch at a time.

One question per batch ("which of these has this consumer applied?") and the batch's marks in bulk
commands of ``BULK_STATEMENTS`` (FerretDB v1's limit, shared/persistence.py). On MongoDB the question
is one ``_id $in``, answered from the ``_id`` index. FerretDB v1 does not push ``$in`` down: it reads
and decodes every document of the collection, while each ``_id`` equality is answered from its lookup
index (shared/ferretdb.py). There the inbox asks one ``$in`` only while it is small enough for that scan
to be the cheaper of the two, and one lookup per event id beyond.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from mongoengine import DateTimeField, Document, StringField
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError

from shared.events import EventContext
from shared.ferretdb import is_ferretdb
from shared.persistence import BULK_STATEMENTS

# Measured on FerretDB 1.24 with the lookup indexes (2026-12-02, 2 cores under load): at 10,000 inbox
# documents one `_id $in` of 50 ids took 1.5 s (0.15 ms a document scanned), 50 `_id` lookups 0.12 s
# (2.4 ms each); at 1,000 documents the `$in` took 0.12-0.18 s and the lookups 0.28-0.42 s. One `$in`
# is cheaper while the inbox holds fewer than this many documents per id asked.
SCAN_DOCUMENTS_PER_LOOKUP = 16
# A count of a small inbox is taken again after this long (other replicas and replays change it).
COUNT_TTL_S = 60.0
DUPLICATE_KEY = 11000


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


def inbox_key(consumer: str, event_id: str) -> str:
    return f"{consumer}:{event_id}"


def scan_is_cheaper(inbox_size: int, asked: int) -> bool:
    """Whether one ``$in`` (a scan of the inbox on FerretDB v1) costs less than ``asked`` lookups."""
    return inbox_size < SCAN_DOCUMENTS_PER_LOOKUP * asked


@dataclass
class Inbox:
    document: type[ProcessedEvent]
    # The most event ids one question asks (CONSUMER_BATCH_MAX). The inbox is counted up to the size
    # past which lookups are cheaper even for such a batch, and never again once it got there (it only
    # grows, but for replays).
    largest_batch: int = 100
    _size: int | None = field(default=None, init=False)
    _counted_at: float = field(default=0.0, init=False)

    def collection(self) -> Collection[dict[str, Any]]:
        return self.document._get_collection()

    def applied(self, consumer: str, event_ids: Sequence[str]) -> set[str]:
        """Which of ``event_ids`` this consumer has applied, asked in one query where that is cheapest."""
        keys = {inbox_key(consumer, event_id): event_id for event_id in event_ids}
        if not keys:
            return set()
        collection = self.collection()
        if self._one_query(collection, len(keys)):
            rows = list(collection.find({"_id": {"$in": list(keys)}}, {"_id": 1}))
        else:
            rows = [row for key in keys if (row := collection.find_one({"_id": key}, {"_id": 1}))]
        return {keys[row["_id"]] for row in rows}

    def _one_query(self, collection: Collection[dict[str, Any]], asked: int) -> bool:
        if asked == 1:
            return False  # one equality is answered from an index on both databases
        if not is_ferretdb(collection.database):
            return True
        now = time.monotonic()
        limit = SCAN_DOCUMENTS_PER_LOOKUP * self.largest_batch
        stale = self._size is not None and self._size < limit and now - self._counted_at > COUNT_TTL_S
        if self._size is None or stale:
            # A count is a scan on FerretDB too: bounded by the limit, and taken only while the inbox is small.
            self._size = collection.count_documents({}, limit=limit)
            self._counted_at = now
        return scan_is_cheaper(self._size, asked)

    def mark_all(self, consumer: str, applied: Sequence[EventContext]) -> None:
        """Record the events as applied, in bulk commands FerretDB v1 can take. Unordered: the marks do not
        depend on each other, and one already there (a concurrent redelivery got there first; the
        effect is keyed on the event anyway) must not keep the others out."""
        now = datetime.now(UTC)
        rows = [
            {"_id": inbox_key(consumer, ctx.id), "consumer": consumer, "event_type": ctx.type, "processed_at": now}
            for ctx in applied
        ]
        for start in range(0, len(rows), BULK_STATEMENTS):
            try:
                self.collection().insert_many(rows[start : start + BULK_STATEMENTS], ordered=False)
            except BulkWriteError as exc:
                if any(e.get("code") != DUPLICATE_KEY for e in exc.details.get("writeErrors", [])):
                    raise
                if exc.details.get("writeConcernErrors"):
                    raise
        if self._size is not None:
            self._size += len(rows)
