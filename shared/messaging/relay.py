"""The outbox relay: publishes what ``commit`` and ``insert_all`` wrote, records it in a ledger, clears it
afterwards. The guarantees and where each comes from: ``shared.messaging.outbox``."""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from aiokafka.errors import UnknownTopicOrPartitionError
from faststream.kafka import KafkaBroker
from prometheus_client import CollectorRegistry, Counter
from pymongo import UpdateMany, UpdateOne

from shared.events.contracts import dead_letter_topic
from shared.messaging.dead_letters import (
    MAX_ERROR_CHARS,
    PERMANENT_PUBLISH_ERRORS,
    OutboxDeadLetter,
    dead_letter_headers,
)
from shared.messaging.outbox import OutboxDocument, one_writer
from shared.messaging.topics import Naming
from shared.persistence import bulk_write

log = logging.getLogger(__name__)

# The ledger of what the relay published and has not yet cleared, in the aggregates' database.
PUBLISHED = "outbox_published"


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
        idle_poll_max_s: float | None = None,
        sweep_interval_s: float = 600.0,
        linger_s: float = 0.0,
        dead_letters: type[OutboxDeadLetter] | None = None,
    ) -> None:
        """``dead_letters``: where an entry even its dead-letter topic refuses is kept (the service's
        ``outbox_dead_letters``); without it such an entry fails its round, and every round after.
        ``linger_s``: how long a wake-up waits before reading, so that the commits of requests arriving
        together go out in one round (one publish, one clearing) rather than one round each.
        ``idle_poll_max_s``: the longest wait between rounds that find nothing (None: ``poll_interval_s``).
        Each idle round doubles the wait, up to it; a round that publishes, or fails, goes back to
        ``poll_interval_s``. This process's commits wake the relay at once whatever the wait, so only
        entries it was not told of (another replica's, left by a crash) wait longer. An idle round costs
        three queries per document type: at Medan scale the idle services sent 44.6 commands a second,
        most of them relay rounds, and 7.8 with the backoff (README, Operations)."""
        self._broker = broker
        self._documents = documents
        self._poll_interval_s = poll_interval_s
        self._idle_poll_max_s = max(poll_interval_s, idle_poll_max_s or poll_interval_s)
        self._linger_s = linger_s
        self._batch_size = batch_size
        self._sweep_interval_s = sweep_interval_s
        self._wake = asyncio.Event()
        self._stopping = False
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
        self._dead_lettered = Counter(
            "outbox_dead_letters_total",
            "Outbox entries Kafka refused for good, set aside on the dead-letter topic or collection",
            ["service", "topic", "destination"],
            registry=registry,
        )
        self._dead_letters = dead_letters
        self._service = service
        self._naming = naming

    def notify(self) -> None:
        """Wake the relay now instead of at the next poll; safe to call from worker threads."""
        if self._loop is not None:
            self._loop.call_soon_threadsafe(self._wake.set)

    def stop(self) -> None:
        """Finish the round in flight, then return from ``run``. Cancelling instead could interrupt a
        round between publishing and clearing, and the final round at shutdown would publish again."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Rounds of publication, each followed by the clearing of what it published. The clearing waits
        for the publication, not the other way round; and the next round reads only once the clearing
        is done, so it never reads again, only to skip them, documents not yet cleared (reading is
        FerretDB v1's other large cost: README, The relay alone)."""
        self._loop = asyncio.get_running_loop()
        self._stopping = False
        next_sweep = 0.0
        wait_s = self._poll_interval_s
        while not self._stopping:
            # Cleared before the round, not after: a commit notifying during the round (whose entries the
            # round's cursor may have missed) ends the wait below at once. A round reads all that is
            # pending, so without one the relay waits for the next poll.
            self._wake.clear()
            busy = True  # a failed round is tried again at the poll interval, not backed off
            try:
                if time.monotonic() >= next_sweep:
                    await asyncio.to_thread(self.sweep)
                    next_sweep = time.monotonic() + self._sweep_interval_s
                busy = await self.run_once() > 0
            except asyncio.CancelledError:
                raise
            except Exception:
                self._failures.labels(self._service).inc()
                log.exception("outbox relay round failed; retrying")
            wait_s = self._poll_interval_s if busy else min(wait_s * 2, self._idle_poll_max_s)
            if not self._stopping:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wake.wait(), timeout=wait_s)
                    if self._linger_s and not self._stopping:
                        await asyncio.sleep(self._linger_s)

    def sweep(self) -> int:
        """Flag entries left unflagged by an insert_all that died between its two steps. Only entries
        older than a minute: a younger batch may still be being inserted."""
        settled = datetime.now(UTC) - timedelta(seconds=60)
        repaired = 0
        for doc_type in self._documents:
            repaired += (
                doc_type._get_collection()
                .update_many(
                    {"outbox_pending": False, "outbox.0.recorded_at": {"$lt": settled}},
                    {"$set": {"outbox_pending": True}},
                )
                .modified_count
            )
        if repaired:
            log.warning("flagged %d outbox batches left unflagged by an interrupted bulk write", repaired)
        return repaired

    async def run_once(self) -> int:
        """One round: publish everything pending, then clear it; returns how many entries were published
        (``run`` repeats it; shutdown runs one more)."""
        published = await self.publish_pending()
        await asyncio.to_thread(self.clear_published)
        return published

    async def publish_pending(self) -> int:
        """One pass over every document type: every entry pending and not yet recorded as published goes
        out, chunk by chunk, each chunk recorded in the ledger once acknowledged. Returns how many."""
        total = 0
        for doc_type in self._documents:
            total += await self._stream(doc_type._get_collection())
        return total

    async def _stream(self, coll: Any) -> int:
        """Read the pending documents through one cursor (bounded memory, one indexed lookup), skipping
        what the ledger holds, and publish in chunks of ``batch_size`` entries in the order read (per
        key, as the producer keeps per-partition order)."""
        published_docs, events = await asyncio.to_thread(self._recorded, coll)
        loop = asyncio.get_running_loop()
        chunks: asyncio.Queue[tuple[list[tuple[str, Any]], list[dict[str, Any]]] | None] = asyncio.Queue(maxsize=2)
        stop = threading.Event()

        def put(item: tuple[list[tuple[str, Any]], list[dict[str, Any]]] | None) -> bool:
            future = asyncio.run_coroutine_threadsafe(chunks.put(item), loop)
            while True:
                try:
                    future.result(timeout=0.5)
                    return True
                except concurrent.futures.TimeoutError:
                    if stop.is_set():  # the publishing side gave up: stop reading
                        future.cancel()
                        return False

        def read() -> None:
            # The end marker goes out whatever happens, so the publishing side never waits forever;
            # a read error is re-raised there. The cursor is closed explicitly when reading stops early:
            # FerretDB holds a database connection for every open cursor.
            read_docs: list[tuple[str, Any]] = []
            entries: list[dict[str, Any]] = []
            fields = {"outbox": 1, "outbox_batch": 1}
            try:
                with coll.find({"outbox_pending": True}, fields) as cursor:
                    for doc in cursor.batch_size(self._batch_size):
                        token = doc.get("outbox_batch") or ""
                        if (token, doc["_id"]) in published_docs:
                            continue
                        read_docs.append((token, doc["_id"]))
                        # Entries published under an earlier token of a document written again before
                        # its clearing: already out, not sent again.
                        entries.extend(e for e in doc.get("outbox", []) if e["event_id"] not in events)
                        if len(entries) >= self._batch_size:
                            if not put((read_docs, entries)):
                                return
                            read_docs, entries = [], []
                if read_docs and not put((read_docs, entries)):
                    return
            finally:
                put(None)

        reader = asyncio.create_task(asyncio.to_thread(read))
        published = 0
        try:
            while (chunk := await chunks.get()) is not None:
                read_docs, entries = chunk
                await self._publish(entries)
                await asyncio.to_thread(self._record, coll, read_docs, entries)
                published += len(entries)
        finally:
            stop.set()
            await reader  # re-raises a read error: what was not recorded goes out again next round
        return published

    @staticmethod
    def _recorded(coll: Any) -> tuple[set[tuple[str, Any]], set[str]]:
        """What the ledger holds as published and not yet cleared: the documents, each as read (batch
        token and id: the same document written again since has a new token), and the event ids."""
        docs: set[tuple[str, Any]] = set()
        events: set[str] = set()
        for round_ in coll.database[PUBLISHED].find({"collection": coll.name}, {"batches": 1, "events": 1}):
            docs.update((b["token"], doc_id) for b in round_["batches"] for doc_id in b["ids"])
            events.update(round_["events"])
        return docs, events

    @staticmethod
    def _record(coll: Any, read_docs: list[tuple[str, Any]], entries: list[dict[str, Any]]) -> None:
        """One small insert for a whole chunk, instead of a rewrite of every document in it."""
        batches: dict[str, list[Any]] = {}
        for token, doc_id in read_docs:
            batches.setdefault(token, []).append(doc_id)
        coll.database[PUBLISHED].insert_one(
            {
                "_id": uuid.uuid4().hex,
                "collection": coll.name,
                # Sub-documents, not pairs: FerretDB v1 stores no nested arrays.
                "batches": [{"token": token, "ids": ids} for token, ids in batches.items()],
                "events": [e["event_id"] for e in entries],
                "recorded_at": datetime.now(UTC),
            }
        )

    def clear_published(self) -> int:
        """Empty the outboxes the ledger lists, then drop those ledger entries; returns how many
        documents' outboxes it tried to clear. A ledger entry goes only after its clearing, so a
        round reading meanwhile still skips what it lists."""
        cleared = 0
        for doc_type in self._documents:
            coll = doc_type._get_collection()
            ledger = coll.database[PUBLISHED]
            for round_ in list(ledger.find({"collection": coll.name}, {"batches": 1, "events": 1})):
                batches = [(b["token"], b["ids"]) for b in round_["batches"]]
                ids = [i for _, ids in batches for i in ids]
                if self._clear(coll, batches) < len(ids):
                    # Some were written again since (a new token): once the ledger forgets their published
                    # entries, the next round would send those again, so they leave the outbox first.
                    self._drop_entries(coll, ids, set(round_["events"]))
                ledger.delete_one({"_id": round_["_id"]})
                cleared += sum(len(ids) for _, ids in batches)
        return cleared

    async def _publish(self, entries: list[dict[str, Any]]) -> None:
        """Send in order without waiting for each acknowledgement (the idempotent producer keeps
        per-partition order), then wait for all: nothing is cleared before every one is acknowledged
        or, refused for good, dead-lettered. Any other failure fails the round before anything is
        dead-lettered; the next round sends the batch again (consumers absorb what went out twice)."""
        sent: list[tuple[dict[str, Any], Any]] = []
        refused: list[tuple[dict[str, Any], BaseException]] = []
        for e in entries:
            try:
                ack = await self._broker.publish(
                    e["value"].encode(),
                    self._naming(e["topic"]),
                    key=e["key"].encode(),
                    headers=e["headers"],
                    no_confirm=True,
                )
            except Exception as exc:  # refused before sending, e.g. larger than the producer's max_request_size
                if not await self._refused_for_good(exc):
                    raise
                refused.append((e, exc))
            else:
                sent.append((e, ack))
        results = await asyncio.gather(*(ack for _, ack in sent), return_exceptions=True)
        for (e, _), result in zip(sent, results, strict=True):
            if isinstance(result, BaseException):
                if not await self._refused_for_good(result):
                    raise result
                refused.append((e, result))
        for e, reason in refused:
            await self._dead_letter(e, reason)
        for (e, _), result in zip(sent, results, strict=True):
            if not isinstance(result, BaseException):
                self._published.labels(self._service, e["topic"]).inc()

    async def _refused_for_good(self, exc: BaseException) -> bool:
        if isinstance(exc, PERMANENT_PUBLISH_ERRORS):
            return True
        # An unreachable broker reports every topic as unknown: only a broker that answers is believed.
        return isinstance(exc, UnknownTopicOrPartitionError) and await self._broker.ping(timeout=5)

    async def _dead_letter(self, entry: dict[str, Any], exc: BaseException) -> None:
        """To the topic's dead-letter topic, with the consumers' dlq_* headers; if that refuses it too
        (too large for any topic), to the dead-letter collection. Both are keyed on the event, so a
        round that fails after this and runs again adds a copy a replay absorbs, never a lost entry."""
        topic = self._naming(entry["topic"])
        reason = f"{type(exc).__name__}: {exc}"
        headers = dead_letter_headers(
            entry["headers"], reason=reason, attempts=1, original_topic=topic, outbox_service=self._service
        )
        try:
            await self._broker.publish(
                entry["value"].encode(), dead_letter_topic(topic), key=entry["key"].encode(), headers=headers
            )
            destination = "topic"
        except Exception as dlq_exc:
            if self._dead_letters is None or not await self._refused_for_good(dlq_exc):
                raise
            letter = {
                "_id": entry["event_id"],
                "service": self._service,
                "topic": topic,
                "key": entry["key"],
                "headers": headers,
                "value": entry["value"],
                "error": reason[:MAX_ERROR_CHARS],
                "dead_letter_error": f"{type(dlq_exc).__name__}: {dlq_exc}"[:MAX_ERROR_CHARS],
                "failed_at": datetime.now(UTC),
            }
            collection = self._dead_letters._get_collection()
            await asyncio.to_thread(collection.replace_one, {"_id": letter["_id"]}, letter, upsert=True)
            destination = "collection"
        self._dead_lettered.labels(self._service, entry["topic"], destination).inc()
        log.error(
            "outbox entry refused by Kafka; dead-lettered",
            extra={"fields": {"event_id": entry["event_id"], "topic": topic, "to": destination, "reason": reason}},
        )

    @staticmethod
    def _drop_entries(coll: Any, ids: list[Any], events: set[str]) -> None:
        """Remove the given published entries from the documents that still hold them, each guarded by
        the token it carries now, keeping the entries written since (they go out next round)."""
        with one_writer(coll, ids):
            for doc_id in ids:
                doc = coll.find_one({"_id": doc_id}, {"outbox": 1, "outbox_batch": 1})
                outbox = (doc or {}).get("outbox", [])
                kept = [e for e in outbox if e["event_id"] not in events]
                if len(kept) < len(outbox):
                    guard = {"_id": doc_id, "outbox_batch": doc.get("outbox_batch")}
                    coll.update_one(guard, {"$set": {"outbox": kept}})

    @staticmethod
    def _clear(coll: Any, batches: list[tuple[str, list[Any]]]) -> int:
        """Empty the outboxes of the documents just published, in bulk: one statement per batch, sent in
        commands of ``BULK_STATEMENTS`` (FerretDB v1 stalls on larger ones). The token is the guard: a
        document that received entries after the relay read it carries a new token and keeps its outbox
        (``_drop_entries`` then takes out what was published). Returns how many documents matched. By
        id too, never by token alone: a document of a bulk batch flagged after the read must not be
        cleared unpublished. A single document is matched by ``_id`` (indexed on FerretDB), a bulk batch
        by its token (indexed; the ``$in`` on ids is then applied only to what the token matched)."""
        done = {
            "$set": {"outbox": [], "outbox_pending": False},
            "$unset": {"outbox_batch": "", "outbox_batch_size": ""},
        }
        operations = [
            UpdateOne({"_id": ids[0], "outbox_batch": token}, done)
            if len(ids) == 1
            else UpdateMany({"outbox_batch": token, "_id": {"$in": ids}}, done)
            for token, ids in batches
            if ids
        ]
        with one_writer(coll, [i for _, ids in batches for i in ids]):
            return bulk_write(coll, operations)
