"""Transactional outbox embedded in each aggregate's document, relayed with a ledger of what went out.

FerretDB has neither multi-document transactions nor change streams, so a state change and the
events announcing it are written in ONE single-document write (atomic on MongoDB and FerretDB alike):
the new state and the outbox entries land together or not at all. Every write that adds entries stamps
the document with a fresh batch token (``outbox_batch``); a bulk write of many documents (``insert_all``)
shares one token.

The relay reads the pending documents (indexed ``outbox_pending``) through one cursor and publishes
their entries with acks=all, chunk by chunk. Once every entry of a chunk is acknowledged (or, refused
for good, dead-lettered) it records the chunk in the ledger, the ``outbox_published`` collection of the
same database: ONE small insert listing each document as read (token and id) and each event id. The
aggregates are cleared after the whole round has gone out, before the next round reads, because
FerretDB v1 rewrites a whole document, with every index on it, for each one it updates: clearing inside
the round cost three quarters of it. Where each guarantee comes from:

- never half-done: the single-document write above;
- at-least-once, never lost: an entry leaves its aggregate only through a clearing of a chunk the ledger
  lists, and a chunk is listed only after its acknowledgements. A crash between the acknowledgements
  and the record publishes the chunk again next round; a ledger entry is deleted only after its
  clearing, so a round reading in between still skips it. What goes out twice, consumers absorb by
  event id (their inbox);
- what the ledger lists is not sent again: a round skips every document it lists as read and every
  entry whose event id it lists (a round reading before a clearing: after a crash, or another
  replica's). A document written again after its round has a new token: the clearing, guarded by
  the old one, skips it, so the entries published from it are taken out of it before their ledger
  entry goes, and only its new entries go out next round;
- never cleared unpublished: the clearing matches each document by id AND the token it was read with,
  so entries added since (a new token) stay for the next round;
- per-key order: entries leave in the order the cursor read them, within a document in the order
  written, one chunk after another; the idempotent producer keeps per-partition (per-key) order;
- a poison entry never blocks: an entry Kafka refuses for a reason sending again cannot cure (too large,
  invalid) goes to its topic's dead-letter topic, or, when that refuses it too, to the service's
  ``outbox_dead_letters`` collection (``shared.messaging.dead_letters``), and counts as done.

FerretDB v1 applies an update as read, change in memory, write the whole document back, with nothing
to stop another update of the same document in between: of two at once, one is lost (the relay
clearing an outbox while a request wrote the aggregate undid the request's change). Within a process,
the updates of one document by ``commit`` and by the clearing are therefore taken one at a time (striped
locks by document id); across replicas that race remains (README, FerretDB notes). The ledger itself is
only ever inserted into and deleted from, never updated.
"""

from __future__ import annotations

import contextlib
import threading
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from mongoengine import BooleanField, DictField, Document, IntField, ListField, StringField
from pymongo.errors import BulkWriteError, DuplicateKeyError

from shared.domain.errors import ConcurrentUpdate
from shared.events import EventContract, EventPayload, EventRecord, build_record
from shared.ferretdb import is_ferretdb
from shared.logging import correlation_id_var

_STRIPES = [threading.Lock() for _ in range(64)]


@contextlib.contextmanager
def one_writer(coll: Any, ids: Sequence[Any]) -> Any:
    """Hold the locks of these documents' stripes (in order, so two holders never wait on each other)
    while FerretDB rewrites them; nothing on MongoDB, whose updates are atomic."""
    if not is_ferretdb(coll.database):
        yield
        return
    stripes = sorted({hash((coll.name, str(i))) % len(_STRIPES) for i in ids})
    with contextlib.ExitStack() as held:
        for stripe in stripes:
            held.enter_context(_STRIPES[stripe])
        yield


_BOOKKEEPING = ("outbox", "outbox_pending", "outbox_batch", "outbox_batch_size", "version")

# Wakes a worker (the relay after a commit, the notifications dispatcher after a recorded delivery) so it
# does not wait for its next poll. Safe to call from any thread.
Notify = Callable[[], None]


class OutboxDocument(Document):
    """Base of every aggregate document that announces its changes."""

    meta = {"abstract": True, "auto_create_index": False, "indexes": ["outbox_pending", "outbox_batch"]}

    outbox = ListField(DictField())
    # Indexed flag so the relay finds pending documents without scanning whole collections.
    outbox_pending = BooleanField(default=False)
    # Indexed: a bulk batch is flagged, streamed and cleared by its token.
    outbox_batch = StringField()
    outbox_batch_size = IntField()
    version = IntField(default=0)
    # Fields every write of this kind of document sets, whatever the document holds: a flag a reader
    # clears once it has taken the change in, so it finds what changed with one indexed equality
    # (training's seats, ``services.training.plan.seatbook``). Set in the same write as the state.
    written_marks: ClassVar[dict[str, Any]] = {}


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
    state = doc.to_mongo().to_dict() | type(doc).written_marks
    for name in _BOOKKEEPING:
        state.pop(name, None)
    batch = {"outbox_batch": uuid.uuid4().hex, "outbox_batch_size": 1} if entries else {}
    if doc.version == 0:
        state.update(outbox=entries, outbox_pending=bool(entries), version=1, **batch)
        try:
            coll.insert_one(state)
        except DuplicateKeyError:
            # Someone created it first: to the caller that is the same race as a stale update.
            raise ConcurrentUpdate(f"{type(doc).__name__} {doc.pk}") from None
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
            state.update(outbox_pending=True, **batch)
        with one_writer(coll, [doc.pk]):
            matched = coll.update_one({"_id": doc.pk, "version": doc.version}, update).matched_count
        if matched == 0:
            raise ConcurrentUpdate(f"{type(doc).__name__} {doc.pk}")
    doc.version += 1


T = TypeVar("T")


def retrying(action: Callable[[], T], attempts: int = 5) -> T:
    """Run a read-decide-write again when another writer got there first (optimistic concurrency)."""
    for _ in range(attempts - 1):
        try:
            return action()
        except ConcurrentUpdate:
            continue
    return action()


def insert_all(docs: Sequence[tuple[OutboxDocument, Sequence[EventRecord]]], *, marked: bool = True) -> int:
    """Insert many new documents, each with its events, in bulk under one batch token.

    Each document is still written whole with its own entries, so every state and its events stay
    together; the shared token lets the relay clear them all at once. The batch becomes visible to
    the relay (``outbox_pending``) only once every document is in, so the relay never clears by
    token a batch it saw half-inserted; a crash in between is repaired by the relay's sweep.
    ``marked=False`` leaves the ``written_marks`` out, for the one reader they are meant for when it
    inserts what it then takes in itself. Returns the number inserted.
    """
    if not docs:
        return 0
    coll = type(docs[0][0])._get_collection()
    marks = type(docs[0][0]).written_marks if marked else {}
    batch = uuid.uuid4().hex
    rows = []
    for doc, events in docs:
        state = doc.to_mongo().to_dict() | marks
        entries = [_entry(e) for e in events]
        state.update(outbox=entries, outbox_pending=False, version=1)
        if entries:
            state.update(outbox_batch=batch, outbox_batch_size=len(docs))
        rows.append(state)
        doc.version = 1
    inserted = len(rows)
    try:
        coll.insert_many(rows, ordered=False)
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if any(e.get("code") != 11000 for e in errors):
            raise
        # Created meanwhile by a single-document write, with fresher data: that one stands.
        inserted -= len(errors)
    coll.update_many({"outbox_batch": batch}, {"$set": {"outbox_pending": True}})
    return inserted
