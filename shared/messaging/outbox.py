"""Transactional outbox embedded in each aggregate's document.

FerretDB has neither multi-document transactions nor change streams, so a state change and the
events announcing it are written in ONE single-document write (atomic on MongoDB and FerretDB alike):
the new state and the outbox entries land together or not at all. A relay then publishes pending
entries with acks=all and only afterwards removes them. A crash between publish and removal publishes
an entry again, which consumers absorb by event id: at-least-once, never lost, never half-done.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from faststream.kafka import KafkaBroker
from mongoengine import BooleanField, DictField, Document, IntField, ListField
from prometheus_client import CollectorRegistry, Counter

from shared.events import EventContract, EventPayload, EventRecord, build_record
from shared.http.errors import ApiError
from shared.logging import correlation_id_var
from shared.messaging.topics import Naming

log = logging.getLogger(__name__)

_BOOKKEEPING = ("outbox", "outbox_pending", "version")


class ConcurrentUpdate(ApiError):
    """The document changed since it was read; reload and apply the change again (HTTP 409)."""

    def __init__(self, what: str) -> None:
        super().__init__(
            409,
            "concurrent_update",
            "Data sedang diubah oleh permintaan lain; coba lagi.",
            f"{what} was changed by another request at the same time; try again.",
        )


class OutboxDocument(Document):
    """Base of every aggregate document that announces its changes."""

    meta = {"abstract": True, "auto_create_index": False, "indexes": ["outbox_pending"]}

    outbox = ListField(DictField())
    # Indexed flag so the relay finds pending documents without scanning whole collections.
    outbox_pending = BooleanField(default=False)
    version = IntField(default=0)


def new_event(contract: EventContract[Any], payload: EventPayload, *, subject: str) -> EventRecord:
    """An event caused by the request or event being handled now: it carries the same correlation id."""
    return build_record(contract, payload, subject=subject, correlation_id=correlation_id_var.get())


def _entry(record: EventRecord) -> dict[str, Any]:
    return {
        "event_id": record.event_id,
        "topic": record.topic,
        "key": record.key,
        "headers": record.headers,
        "value": record.value.decode(),
        "recorded_at": datetime.now(UTC),
    }


def commit(doc: OutboxDocument, events: Sequence[EventRecord] = ()) -> None:
    """Write ``doc``'s state and append ``events`` to its outbox in one atomic write.

    A new document (version 0) is inserted; an existing one is updated only if nobody else changed it
    since it was read (optimistic concurrency on ``version``), else ConcurrentUpdate.
    """
    coll = type(doc)._get_collection()
    entries = [_entry(e) for e in events]
    state = doc.to_mongo().to_dict()
    for name in _BOOKKEEPING:
        state.pop(name, None)
    if doc.version == 0:
        state.update(outbox=entries, outbox_pending=bool(entries), version=1)
        coll.insert_one(state)
    else:
        state.pop("_id")
        absent = {
            f.db_field: ""
            for f in doc._fields.values()
            if f.db_field not in state and f.db_field not in (*_BOOKKEEPING, "_id")
        }
        update: dict[str, Any] = {"$set": state, "$inc": {"version": 1}}
        if absent:
            update["$unset"] = absent
        if entries:
            update["$push"] = {"outbox": {"$each": entries}}
            state["outbox_pending"] = True
        if coll.update_one({"_id": doc.pk, "version": doc.version}, update).matched_count == 0:
            raise ConcurrentUpdate(f"{type(doc).__name__} {doc.pk}")
    doc.version += 1


class OutboxRelay:
    """Publishes pending outbox entries of the given document types, oldest document first."""

    def __init__(
        self,
        broker: KafkaBroker,
        documents: Sequence[type[OutboxDocument]],
        *,
        service: str,
        naming: Naming,
        registry: CollectorRegistry,
        poll_interval_s: float,
        batch_size: int,
    ) -> None:
        self._broker = broker
        self._documents = documents
        self._poll_interval_s = poll_interval_s
        self._batch_size = batch_size
        self._wake = asyncio.Event()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._published = Counter(
            "outbox_events_published_total",
            "Outbox entries published to Kafka",
            ["service", "topic"],
            registry=registry,
        )
        self._failures = Counter(
            "outbox_relay_failures_total",
            "Relay rounds that failed (Kafka or database unreachable)",
            ["service"],
            registry=registry,
        )
        self._service = service
        self._naming = naming

    def notify(self) -> None:
        """Wake the relay now instead of at the next poll; safe to call from worker threads."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    async def run(self) -> None:
        self._loop = asyncio.get_running_loop()
        while True:
            try:
                published = await self.run_once()
            except asyncio.CancelledError:
                raise
            except Exception:
                self._failures.labels(self._service).inc()
                log.exception("outbox relay round failed; retrying")
                published = 0
            if published == 0:
                self._wake.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=self._poll_interval_s)

    async def run_once(self) -> int:
        """One pass over every document type; returns how many entries were published."""
        total = 0
        for doc_type in self._documents:
            coll = doc_type._get_collection()
            pending = await asyncio.to_thread(self._pending, coll)
            if not pending:
                continue
            # Sent in order without waiting for each acknowledgement (the idempotent producer keeps
            # per-partition order), then awaited together: all must be acknowledged before any clean-up.
            entries = [e for doc in pending for e in doc.get("outbox", [])]
            acks = [
                await self._broker.publish(
                    e["value"].encode(),
                    self._naming(e["topic"]),
                    key=e["key"].encode(),
                    headers=e["headers"],
                    no_confirm=True,
                )
                for e in entries
            ]
            await asyncio.gather(*acks)
            for e in entries:
                self._published.labels(self._service, e["topic"]).inc()
            await asyncio.to_thread(self._clear, coll, pending)
            total += len(entries)
        return total

    def _pending(self, coll: Any) -> list[dict[str, Any]]:
        return list(coll.find({"outbox_pending": True}, {"outbox": 1, "version": 1}).limit(self._batch_size))

    @staticmethod
    def _clear(coll: Any, published: list[dict[str, Any]]) -> None:
        """Remove the published entries from their documents.

        One write per document in the usual case (nothing changed since the read). A batched $or
        update measured slower on FerretDB v1, which evaluates $or in Go over the whole collection.
        """
        for doc in published:
            if coll.update_one(
                {"_id": doc["_id"], "version": doc["version"]}, {"$set": {"outbox": [], "outbox_pending": False}}
            ).matched_count:
                continue
            # commit() appended entries meanwhile: remove exactly the entries published ($pullAll of the
            # entries read; FerretDB v1 ignores $pull with a condition); the flag stays up while any remain.
            coll.update_one({"_id": doc["_id"]}, {"$pullAll": {"outbox": doc["outbox"]}})
            coll.update_one({"_id": doc["_id"], "outbox.0": {"$exists": False}}, {"$set": {"outbox_pending": False}})
