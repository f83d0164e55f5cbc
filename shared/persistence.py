"""The service's own MongoDB database (mongoengine alias = service name) and checks against it."""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

import mongoengine
from mongoengine import Document, EmbeddedDocument, IntField, StringField
from prometheus_client import CollectorRegistry, Counter
from pymongo import AsyncMongoClient
from pymongo.asynchronous.collection import AsyncCollection
from pymongo.errors import AutoReconnect, ConnectionFailure, ServerSelectionTimeoutError
from pymongo.monitoring import CommandFailedEvent, CommandListener, CommandStartedEvent, CommandSucceededEvent

from shared.domain.errors import NotFound
from shared.ferretdb import LookupReport, ensure_lookup_indexes, is_ferretdb
from shared.settings import ServiceSettings

log = logging.getLogger(__name__)

# Failures that mean "the database is not reachable right now", as opposed to a bad request.
DATABASE_UNAVAILABLE = (AutoReconnect, ConnectionFailure, ServerSelectionTimeoutError)


class DatabaseCommands(CommandListener):
    """Counts every command the service sends its database, by command and collection, and those that
    failed: what a request or an event costs in round trips, which is what FerretDB v1 charges by
    (README, bench e2e), visible in Prometheus. Called by pymongo on the thread that sent the command."""

    def __init__(self, service: str, registry: CollectorRegistry) -> None:
        self._service = service
        self.sent = Counter(
            "database_commands",
            "Commands sent to the service's database, by command and collection",
            ["service", "command", "collection"],
            registry=registry,
        )
        self.failures = Counter(
            "database_commands_failed",
            "Commands the database answered with an error or that got no answer, by command",
            ["service", "command"],
            registry=registry,
        )

    def started(self, event: CommandStartedEvent) -> None:
        target = event.command.get(event.command_name)
        collection = target if isinstance(target, str) else ""  # ping, hello, ... name no collection
        self.sent.labels(self._service, event.command_name, collection).inc()

    def succeeded(self, event: CommandSucceededEvent) -> None:
        pass

    def failed(self, event: CommandFailedEvent) -> None:
        self.failures.labels(self._service, event.command_name).inc()


def _client_options(settings: ServiceSettings, listeners: Sequence[CommandListener]) -> dict[str, Any]:
    return {
        "host": settings.mongodb_uri,
        "uuidRepresentation": "standard",
        "tz_aware": True,
        "serverSelectionTimeoutMS": settings.mongodb_timeout_ms,
        "connectTimeoutMS": settings.mongodb_timeout_ms,
        "socketTimeoutMS": settings.mongodb_socket_timeout_ms,
        "event_listeners": list(listeners),
    }


def connect_database(settings: ServiceSettings, listeners: Sequence[CommandListener] = ()) -> None:
    mongoengine.connect(db=settings.database_name, alias=settings.service_name, **_client_options(settings, listeners))


def disconnect_database(settings: ServiceSettings) -> None:
    mongoengine.disconnect(alias=settings.service_name)


# The hot reads' async clients, by mongoengine alias (see async_collection).
_ASYNC_CLIENTS: dict[str, AsyncMongoClient[dict[str, Any]]] = {}
# Reads in flight at once per process; more wait for a connection. A sync endpoint is bounded by the
# thread pool (40). FerretDB v1 holds a PostgreSQL connection per open cursor, from a pool of 50 by
# default, and wedges when it runs out (infra/local.sh): a burst of readers must not take it all.
ASYNC_READ_CONNECTIONS = 20


def open_async_reads(settings: ServiceSettings, listeners: Sequence[CommandListener] = ()) -> None:
    """An async client beside mongoengine's, for the hot reads (``async_collection``). It connects lazily,
    on the event loop of its first read: open it from the service's lifespan."""
    _ASYNC_CLIENTS[settings.service_name] = AsyncMongoClient(
        **_client_options(settings, listeners),
        connect=False,
        appname=f"{settings.service_name} reads",
        maxPoolSize=ASYNC_READ_CONNECTIONS,
    )


async def close_async_reads(settings: ServiceSettings) -> None:
    if (client := _ASYNC_CLIENTS.pop(settings.service_name, None)) is not None:
        await client.close()


def async_collection(doc_type: type[Document]) -> AsyncCollection[dict[str, Any]]:
    """``doc_type``'s collection through the async client, for a read on a hot path: awaited on the event
    loop, it skips the hop to a worker thread that a sync endpoint (mongoengine has no async API) pays on
    every request (about 0.3 ms here). pymongo's async client costs about twice the CPU of its sync one
    per operation, so this pays for routes of one read, not of several (README, bench http). Writes stay
    with mongoengine."""
    alias = doc_type._meta["db_alias"]
    return _ASYNC_CLIENTS[alias][mongoengine.get_db(alias).name][doc_type._get_collection_name()]


def ping_database(settings: ServiceSettings) -> None:
    mongoengine.get_db(alias=settings.service_name).command("ping")


def ensure_indexes(settings: ServiceSettings, documents: Iterable[type[Document]]) -> LookupReport:
    """Create indexes at start-up. Documents set ``auto_create_index: False`` so that an index kind the
    database lacks (FerretDB v1: TTL, partial, text) fails here, loudly, not on the first query.

    On FerretDB the same declarations also give the PostgreSQL indexes its lookups can use (see
    shared/ferretdb.py); the report says whether lookups are indexed. With
    ``ferretdb_lookup_indexes_required`` a start whose lookups are not indexed fails here."""
    documents = list(documents)
    for doc in documents:
        doc.ensure_indexes()
    report = ensure_lookup_indexes(
        documents,
        settings.ferretdb_postgresql_url.get_secret_value(),
        application=f"{settings.service_name} lookup indexes",
    )
    if report.created:
        log.info("lookup indexes created", extra={"fields": {"created": report.created, "seconds": report.seconds}})
    for warning in report.warnings:
        log.warning("lookups: %s", warning)
    for problem in report.problems:
        log.error("lookups are not indexed: %s", problem)
    if not report.indexed and settings.ferretdb_lookup_indexes_required:
        raise RuntimeError("lookups are not indexed (FERRETDB_LOOKUP_INDEXES_REQUIRED): " + "; ".join(report.problems))
    return report


def document_meta(alias: str, collection: str, *indexes: object) -> dict[str, object]:
    """mongoengine meta for a service's document: its own database, explicit indexes only."""
    return {"db_alias": alias, "collection": collection, "auto_create_index": False, "indexes": list(indexes)}


D = TypeVar("D", bound=Document)


def get_or_not_found(doc_type: type[D], key: str, what_id: str, what_en: str) -> D:
    """Load a document by primary key, or refuse naming what was missing, in both languages."""
    doc = doc_type.objects(pk=key).first()
    if doc is None:
        raise NotFound(what_id, what_en, key)
    return doc


_ABSENT = object()


class Stored:
    """A stored document as read-only attributes, each converted as mongoengine's ``_from_son`` would
    (``to_python``, or the field's default when absent) when asked for: what a response model reads from a
    page of documents on a hot read, without building each ``Document``, which took about four times as
    long for a seat (README, bench http). Fields only: no methods, no saving."""

    __slots__ = ("_doc_type", "_raw")

    def __init__(self, doc_type: type[Document], raw: dict[str, Any]) -> None:
        self._doc_type, self._raw = doc_type, raw

    def __getattr__(self, name: str) -> Any:
        field = self._doc_type._fields.get(name)
        if field is None:
            raise AttributeError(f"{self._doc_type.__name__} has no field {name!r}")
        value = self._raw.get(field.db_field, _ABSENT)
        if value is _ABSENT:
            return field.default() if callable(field.default) else field.default
        return value if value is None else field.to_python(value)


async def read_or_not_found(doc_type: type[D], key: str, what_id: str, what_en: str) -> D:
    """``get_or_not_found`` for an async endpoint: one read through the async client."""
    raw = await async_collection(doc_type).find_one({"_id": key})
    if raw is None:
        raise NotFound(what_id, what_en, key)
    return doc_type._from_son(raw)


def objects_in(queryset: Any, field: str, values: Iterable[Any]) -> list[Any]:
    """The documents of ``queryset`` whose ``field`` is one of ``values`` (mongoengine's ``__in``), asked
    in a shape each database answers from an index. MongoDB does so for ``$in``. FerretDB v1 does not
    push ``$in`` down to PostgreSQL: it reads and decodes every document of the collection (about
    0.15 ms each here), so there each value is its own equality lookup, which a lookup index answers
    (shared/ferretdb.py). For a few values: past about one per hundred documents, the scan is cheaper."""
    wanted = list(dict.fromkeys(values))
    if not wanted:
        return []
    if not is_ferretdb(queryset._document._get_db()):
        return list(queryset.filter(**{f"{field}__in": wanted}))
    found: dict[Any, Any] = {}
    for value in wanted:
        for doc in queryset.filter(**{field: value}):
            found.setdefault(doc.pk, doc)
    return list(found.values())


class CompetencyLevel(EmbeddedDocument):
    """One (competency, level) pair. Stored as a list, not a map: FerretDB v1 rejects keys with a dot,
    and competency codes such as M.05 have one."""

    code = StringField(required=True)
    level = IntField(required=True, min_value=1, max_value=5)


def levels_to_documents(levels: dict[str, int]) -> list[CompetencyLevel]:
    return [CompetencyLevel(code=c, level=lvl) for c, lvl in sorted(levels.items())]


def levels_from_documents(entries: Iterable[CompetencyLevel]) -> dict[str, int]:
    return {e.code: e.level for e in entries}


# FerretDB v1 holds one PostgreSQL connection per statement of a bulk write until the whole command
# ends, from a pool of 50: a bulk of 60 updates never finishes and stalls every client of the database.
BULK_STATEMENTS = 25


def bulk_write(collection: Any, operations: Sequence[Any]) -> int:
    """Unordered bulk writes, in commands small enough for FerretDB v1's connection pool; returns how
    many documents the updates matched."""
    matched = 0
    for start in range(0, len(operations), BULK_STATEMENTS):
        matched += collection.bulk_write(list(operations[start : start + BULK_STATEMENTS]), ordered=False).matched_count
    return matched
