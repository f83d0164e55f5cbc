"""Indexed lookups on FerretDB v1 on PostgreSQL: the indexes its SQL can use, created and checked at start-up.

FerretDB 1.24 keeps a MongoDB database as a PostgreSQL schema of the same name and each collection as a
table with one ``jsonb`` column, ``_jsonb``. It pushes an equality on a top-level field down to PostgreSQL
as ``SELECT _jsonb FROM <schema>.<table> WHERE _jsonb->$1 @> $2`` (key and JSON value bound as parameters;
``internal/backends/postgresql/query.go``, ``prepareWhereClause``). The btree indexes it creates for
``createIndexes`` are on ``(_jsonb -> 'field')`` and serve only ``=``, which it uses for nothing but the
``_id`` of the row it rewrites after a read; ``@>`` (containment, so that a value also matches inside an
array, as in MongoDB) is served only by a GIN index. So every find, count, update or delete scanned its
whole table.

For ``_id`` and each top-level, non-date field of the indexes our documents declare, this module adds a
GIN index ``USING gin ((_jsonb -> 'field') jsonb_path_ops)``: the same expression, with an operator class
that serves ``@>``. PostgreSQL matches it once the key is a constant, which it is in a custom plan (pgx
prepares each statement; PostgreSQL's ``plan_cache_mode=auto`` keeps custom plans while they are much
cheaper than the generic one, and ``force_custom_plan``, set on the database by ``infra/local.sh``, always).

What this relies on in FerretDB, checked at every start so that an upgrade that changes it shows at once
(``database_lookups_indexed`` 0, an error in the log, and with ``FERRETDB_LOOKUP_INDEXES_REQUIRED`` a
refused start):

- ``explain`` of a ``find`` returns PostgreSQL's plan of the statement FerretDB would run (``EXPLAIN
  (VERBOSE, FORMAT JSON)``), which names the schema and table of the collection;
- the condition of an equality is ``(_jsonb -> '<field>'::text) @> <value>``: a probe per collection
  compares it with the index's expression as PostgreSQL prints it;
- PostgreSQL's planner answers FerretDB's statement for each field from its index (checked with
  sequential scans disabled, so the answer does not depend on how many documents the table holds).

What FerretDB v1 does not push down stays a scan of every document (or of every document the pushed
part matched), which it decodes one by one: ``$in``, ``$or``, ``$gt``/``$lt``, ``$exists``, null, array
and sub-document values, dotted paths, no filter at all; ``$ne`` goes down as a negation no index serves.
It sorts and skips in memory after fetching what the filter matched. Fields of date type get no index:
they are declared for ranges and sorting, which FerretDB does not push down.
On MongoDB none of this applies; the indexes mongoengine declares serve every shape.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import time
import weakref
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any

from mongoengine import DateField, DateTimeField, Document
from pymongo import MongoClient
from pymongo.database import Database
from pymongo.errors import CollectionInvalid

log = logging.getLogger(__name__)

# The probe value of the explain checks; nothing is ever stored under it.
PROBE = "__lookup_index_probe__"
# Below this size an index is built in one short statement (a write lock on the table for milliseconds);
# above it CONCURRENTLY, which never blocks writes but waits for every older transaction in the database.
CONCURRENT_BUILD_BYTES = 8 * 2**20
LOCK_WAIT_S = 120.0


@dataclass(frozen=True)
class LookupIndex:
    database: str
    collection: str
    field: str
    schema: str = ""
    table: str = ""

    @property
    def name(self) -> str:
        return index_name(self.table, self.field)


@dataclass
class LookupReport:
    """What start-up found and did. ``indexed`` is what ``database_lookups_indexed`` reports."""

    backend: str  # mongodb | ferretdb-postgresql | ferretdb (another backend, or not known)
    indexes: list[LookupIndex] = field(default_factory=list)
    created: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def indexed(self) -> bool:
        return self.backend == "mongodb" or (self.backend == "ferretdb-postgresql" and not self.problems)


def lookup_fields(doc: type[Document]) -> list[str]:
    """``_id`` and the top-level, non-date fields of the indexes ``doc`` declares, each once."""
    types = {f.db_field: f for f in doc._fields.values()}
    fields = ["_id"]
    for spec in doc._meta.get("index_specs") or []:
        for name, _direction in spec["fields"]:
            # FerretDB's embedded build never pushes a dotted path down; dates are kept for ranges.
            if "." in name or isinstance(types.get(name), DateField | DateTimeField):
                continue
            if name not in fields:
                fields.append(name)
    return fields


def index_name(table: str, field_name: str) -> str:
    """Deterministic and unique per (table, field) within the schema, at most 63 characters; the
    ``_lookup`` suffix never meets FerretDB's own index names (they end in ``_idx``)."""
    digest = hashlib.sha1(f"{table}\0{field_name}".encode()).hexdigest()[:8]
    slug = re.sub(r"[^a-z0-9]+", "_", field_name.lower()).strip("_")[:16] or "id"
    return f"{table[:30]}_{slug}_{digest}_lookup"


# --- reading plans (pure) ----------------------------------------------------------------------------------


def _nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from _nodes(child)


@dataclass(frozen=True)
class Probe:
    """What FerretDB's explain of ``find {<field>: PROBE}`` says it would send to PostgreSQL."""

    schema: str
    table: str
    conditions: tuple[str, ...]


def read_probe(query_planner: dict[str, Any]) -> Probe | None:
    """The table and conditions of FerretDB's explain, or None when it is not a PostgreSQL plan."""
    plan = query_planner.get("Plan")
    if not isinstance(plan, dict):
        return None
    schema = table = ""
    conditions: list[str] = []
    for node in _nodes(plan):
        if "Relation Name" in node:
            schema, table = node.get("Schema", ""), node["Relation Name"]
        conditions += [node[k] for k in ("Filter", "Recheck Cond", "Index Cond") if k in node]
    return Probe(schema, table, tuple(conditions)) if table else None


def expression(field_name: str) -> str:
    """The indexed expression as PostgreSQL prints it (pg_get_indexdef, EXPLAIN)."""
    return "(_jsonb -> '" + field_name.replace("'", "''") + "'::text)"


def pushed_down_as_indexed(probe: Probe, field_name: str) -> bool:
    """Whether FerretDB's condition for an equality on ``field_name`` is the expression our index serves."""
    wanted = f"{expression(field_name)} @> "
    qualifier = re.compile(rf'(?<![\w"]){re.escape(probe.table)}\.|"{re.escape(probe.table)}"\.')
    return any(wanted in qualifier.sub("", condition) for condition in probe.conditions)


def uses_index(plan: list[dict[str, Any]] | dict[str, Any], name: str) -> bool:
    """Whether a PostgreSQL JSON plan (EXPLAIN (FORMAT JSON)) scans the index ``name``."""
    root = plan[0]["Plan"] if isinstance(plan, list) else plan.get("Plan", plan)
    return any(node.get("Index Name") == name for node in _nodes(root))


# --- the start-up step ---------------------------------------------------------------------------------------


_FERRETDB: weakref.WeakKeyDictionary[MongoClient[Any], bool] = weakref.WeakKeyDictionary()


def is_ferretdb(db: Database[Any]) -> bool:
    """FerretDB answers buildInfo with its own extensions (``ferretdbVersion``); MongoDB does not. Asked
    once per client."""
    client = db.client
    if client not in _FERRETDB:
        _FERRETDB[client] = "ferretdbVersion" in client.admin.command("buildInfo")
    return _FERRETDB[client]


def ensure_lookup_indexes(
    documents: Iterable[type[Document]], postgresql_url: str, *, application: str = "lookup-indexes"
) -> LookupReport:
    """Create the lookup indexes FerretDB's SQL can use and check that it uses them (idempotent: an index
    that exists and serves is left alone). Never raises for the database's sake: what stops the lookups
    from being indexed is in ``problems``."""
    started = time.monotonic()
    by_db: dict[str, tuple[Database[Any], list[type[Document]]]] = {}
    for doc in documents:
        db = doc._get_db()
        by_db.setdefault(db.name, (db, []))[1].append(doc)
    if not by_db:
        return LookupReport("mongodb")
    first_db = next(iter(by_db.values()))[0]
    if not is_ferretdb(first_db):
        return LookupReport("mongodb")
    report = LookupReport("ferretdb-postgresql")
    for db, docs in by_db.values():
        _locate(db, docs, report)
    if report.backend == "ferretdb-postgresql" and not report.problems:
        if not postgresql_url:
            report.problems.append(
                "FERRETDB_POSTGRESQL_URL is not set: the lookup indexes cannot be created or checked, and "
                "every lookup scans its whole collection"
            )
        else:
            _with_postgresql(postgresql_url, application, report)
    report.seconds = time.monotonic() - started
    return report


def _locate(db: Database[Any], docs: Sequence[type[Document]], report: LookupReport) -> None:
    """Find each collection's table through FerretDB's own explain, and check the SQL shape of an
    equality on ``_id`` there (the probe)."""
    existing = set(db.list_collection_names())
    for doc in docs:
        collection = doc._get_collection_name()
        if collection not in existing:
            # FerretDB creates the table (and its _id index) with the collection; a collection with no
            # declared index would otherwise appear only at its first insert.
            with suppress(CollectionInvalid):  # another replica created it first
                db.create_collection(collection)
            existing.add(collection)
        explained = db.command("explain", {"find": collection, "filter": {"_id": PROBE}})
        probe = read_probe(explained.get("queryPlanner", {}))
        if probe is None:
            report.backend = "ferretdb"
            report.problems.append(
                f"FerretDB's explain of {db.name}.{collection} is not a PostgreSQL plan: the backend is not "
                "PostgreSQL, and every lookup scans its whole collection"
            )
            return
        if not pushed_down_as_indexed(probe, "_id"):
            report.problems.append(
                f"FerretDB no longer sends an equality as `(_jsonb -> 'field') @> value` "
                f"({db.name}.{collection}: {' / '.join(probe.conditions) or 'no condition'}); "
                "the lookup indexes cannot serve it"
            )
            return  # the shape is FerretDB's, the same for every collection
        for name in lookup_fields(doc):
            report.indexes.append(LookupIndex(db.name, collection, name, probe.schema, probe.table))


def _with_postgresql(url: str, application: str, report: LookupReport) -> None:
    import psycopg  # only FerretDB deployments reach here

    try:
        with psycopg.connect(url, autocommit=True, connect_timeout=10, application_name=application) as pg:
            mode = pg.execute("SHOW plan_cache_mode").fetchone()
            if mode is None or mode[0] != "force_custom_plan":
                report.warnings.append(
                    f"plan_cache_mode is {mode[0] if mode else 'unknown'}: a prepared lookup may switch to a "
                    "generic plan, which no index serves, until its table is analysed again; set "
                    "`ALTER DATABASE <db> SET plan_cache_mode = force_custom_plan` (infra/local.sh does)"
                )
            for schema in sorted({i.schema for i in report.indexes}):
                with _schema_lock(pg, schema):
                    _ensure_schema(pg, schema, [i for i in report.indexes if i.schema == schema], report)
    except (psycopg.Error, TimeoutError) as exc:
        report.problems.append(f"PostgreSQL under FerretDB ({_without_password(url)}): {exc}".strip())


@contextmanager
def _schema_lock(pg: Any, schema: str) -> Iterator[None]:
    """One process at a time builds a schema's indexes (replicas start together). A session advisory
    lock, tried rather than waited for: a statement waiting for it would hold a snapshot, which a
    CREATE INDEX CONCURRENTLY in the process holding the lock would wait for in turn."""
    key = f"asn-competency lookup indexes {schema}"
    deadline = time.monotonic() + LOCK_WAIT_S
    while not pg.execute("SELECT pg_try_advisory_lock(hashtextextended(%s, 0))", [key]).fetchone()[0]:
        if time.monotonic() > deadline:
            raise TimeoutError(f"another process has held the lock {key!r} for {LOCK_WAIT_S:.0f} s")
        time.sleep(0.2)
    try:
        yield
    finally:
        pg.execute("SELECT pg_advisory_unlock(hashtextextended(%s, 0))", [key])


def _ensure_schema(pg: Any, schema: str, indexes: list[LookupIndex], report: LookupReport) -> None:
    """Keep what serves, build what is missing or does not serve; a handful of statements per schema
    when nothing is to be built (the common start)."""
    from psycopg import sql

    tables = dict(
        pg.execute(
            "SELECT c.relname, pg_relation_size(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = ANY(%s)",
            [schema, sorted({i.table for i in indexes})],
        ).fetchall()
    )
    for index in (i for i in indexes if i.table not in tables):
        report.problems.append(
            f"no table {schema}.{index.table} (collection {index.database}.{index.collection}) in this PostgreSQL "
            "database: FERRETDB_POSTGRESQL_URL must name the database FerretDB stores into"
        )
    indexes = [i for i in indexes if i.table in tables]
    existing = {
        name
        for (name,) in pg.execute(
            "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "WHERE n.nspname = %s AND c.relname = ANY(%s)",
            [schema, [i.name for i in indexes]],
        ).fetchall()
    }
    serving = _serving(pg, [i for i in indexes if i.name in existing])
    to_build = [i for i in indexes if i.name not in serving]
    for index in (i for i in to_build if i.name in existing):
        # an interrupted concurrent build (left invalid) or another definition under our name
        pg.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(sql.Identifier(schema, index.name)))
    small = [i for i in to_build if tables[i.table] <= CONCURRENT_BUILD_BYTES]
    if small:
        started = time.monotonic()
        with pg.transaction():
            for index in small:
                pg.execute(_create(index, concurrently=False))
        report.created += [f"{schema}.{i.name}" for i in small]
        log.debug("built %d lookup indexes in %.2f s", len(small), time.monotonic() - started)
    for index in (i for i in to_build if tables[i.table] > CONCURRENT_BUILD_BYTES):
        log.info(
            "building lookup index %s on %s.%s (%d MB) ...", index.name, schema, index.table, tables[index.table] >> 20
        )
        started = time.monotonic()
        pg.execute(_create(index, concurrently=True))
        report.created.append(f"{schema}.{index.name} ({time.monotonic() - started:.1f} s)")
    built = _serving(pg, to_build)
    for index in (i for i in to_build if i.name not in built):
        report.problems.append(
            f"PostgreSQL does not use {index.name} for FerretDB's lookup on {index.collection}.{index.field}"
        )


def _create(index: LookupIndex, *, concurrently: bool) -> Any:
    from psycopg import sql

    return sql.SQL("CREATE INDEX {}{} ON {} USING gin ((_jsonb -> {}) jsonb_path_ops) WITH (fastupdate = off)").format(
        sql.SQL("CONCURRENTLY " if concurrently else ""),
        sql.Identifier(index.name),
        sql.Identifier(index.schema, index.table),
        sql.Literal(index.field),
    )


def _serving(pg: Any, indexes: list[LookupIndex]) -> set[str]:
    """The names among ``indexes`` that PostgreSQL scans for FerretDB's statement of an equality on
    their field (``SELECT _jsonb FROM t WHERE _jsonb->$1 @> $2``), planned with sequential scans
    disabled so that the answer does not depend on a table's size: all of them in one EXPLAIN."""
    from psycopg import sql

    if not indexes:
        return set()
    branch = sql.SQL("(SELECT _jsonb FROM {} WHERE _jsonb->%s @> %s)")
    statement = sql.SQL("EXPLAIN (FORMAT JSON) ") + sql.SQL(" UNION ALL ").join(
        branch.format(sql.Identifier(i.schema, i.table)) for i in indexes
    )
    params = [value for i in indexes for value in (i.field, json.dumps(PROBE))]
    with pg.transaction():
        pg.execute("SET LOCAL enable_seqscan = off")
        plan = pg.execute(statement, params).fetchone()[0]
    return {i.name for i in indexes if uses_index(plan, i.name)}


def _without_password(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)
