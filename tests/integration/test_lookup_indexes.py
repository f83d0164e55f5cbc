"""Lookups answered from indexes on the real database (shared/ferretdb.py).

On FerretDB the services create, at start-up, a PostgreSQL index for each field of the indexes their
documents declare, matching the SQL FerretDB sends; these tests read PostgreSQL's catalog and FerretDB's
own plans to show that every declared index has one, that a second start builds nothing, that lookups
by _id, by an indexed field and a version-guarded update are answered from them, and that an index lost
or replaced is rebuilt. On MongoDB the same tests check that nothing extra happens and that MongoDB's
own indexes answer the same lookups.
"""

from __future__ import annotations

from collections.abc import Iterator
from importlib import import_module
from typing import Any

import psycopg
import pytest
from mongoengine import DateField, DateTimeField, Document
from pydantic import SecretStr
from pymongo import MongoClient

from services.needs.documents import EmployeeDocument
from services.needs.settings import NeedsSettings
from shared.ferretdb import LookupReport, index_name, lookup_fields
from shared.persistence import connect_database, disconnect_database, ensure_indexes, objects_in
from shared.settings import ServiceSettings
from tests.support.infra import Endpoints
from tests.support.metrics import sample
from tests.support.processes import SERVICES
from tests.support.waiting import eventually

SETTINGS = {
    "needs": "services.needs.settings:NeedsSettings",
    "training": "services.training.settings:TrainingSettings",
    "evaluation": "services.evaluation.settings:EvaluationSettings",
    "notifications": "services.notifications.settings:NotificationsSettings",
}


@pytest.fixture(scope="module")
def on_ferretdb(infra: Endpoints) -> bool:
    client: MongoClient[dict[str, Any]] = MongoClient(infra.mongodb_uri)
    try:
        found = "ferretdbVersion" in client.admin.command("buildInfo")
    finally:
        client.close()
    if found and not infra.postgresql_url:
        pytest.fail(
            "the database is FerretDB but FERRETDB_POSTGRESQL_URL is not set: point it at the PostgreSQL database "
            "FerretDB stores into (infra/local.sh: postgres://ferretdb@127.0.0.1:54329/ferretdb)",
            pytrace=False,
        )
    return found


@pytest.fixture
def pg(infra: Endpoints, on_ferretdb: bool) -> Iterator[psycopg.Connection[Any] | None]:
    if not on_ferretdb:
        yield None
        return
    with psycopg.connect(infra.postgresql_url, autocommit=True) as conn:
        yield conn


def settings_of(service: str, infra: Endpoints, database: str, **overrides: Any) -> ServiceSettings:
    module, name = SETTINGS[service].split(":")
    values = {"mongodb_uri": infra.mongodb_uri, "mongodb_database": database} | overrides
    settings: ServiceSettings = getattr(import_module(module), name)(
        ferretdb_postgresql_url=infra.postgresql_url, **values
    )
    return settings


def documents_of(service: str, settings: ServiceSettings) -> list[type[Document]]:
    """Exactly what the service's start-up indexes: its runtime's documents (nothing connects yet)."""
    app = import_module(f"services.{service}.main").create_app(settings)
    return list(app.state.runtime.documents)


def start(settings: ServiceSettings, documents: list[type[Document]]) -> LookupReport:
    connect_database(settings)
    try:
        return ensure_indexes(settings, documents)
    finally:
        disconnect_database(settings)


def tables(pg: psycopg.Connection[Any], schema: str) -> dict[str, str]:
    """Collection -> table, from FerretDB's own metadata (not from the code under test)."""
    rows = pg.execute(f"SELECT _jsonb->>'_id', _jsonb->>'table' FROM \"{schema}\"._ferretdb_database_metadata")
    return dict(rows.fetchall())


def lookup_indexes(pg: psycopg.Connection[Any], schema: str) -> dict[str, tuple[str, str, bool]]:
    """Our indexes in the schema: name -> (table, definition, valid)."""
    rows = pg.execute(
        "SELECT c.relname, t.relname, pg_get_indexdef(c.oid), i.indisvalid FROM pg_index i "
        "JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_class t ON t.oid = i.indrelid "
        "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = %s AND c.relname LIKE '%%\\_lookup'",
        [schema],
    )
    return {name: (table, definition, valid) for name, table, definition, valid in rows.fetchall()}


def test_every_index_the_services_declare_gets_a_lookup_index_and_a_second_start_builds_none(infra, namespace, pg):
    for service in SERVICES:
        database = f"{namespace}_{service}"
        settings = settings_of(service, infra, database)
        documents = documents_of(service, settings)
        first, again = start(settings, documents), start(settings, documents)
        assert first.indexed and again.indexed, (first.problems, again.problems)
        if pg is None:  # MongoDB: its own indexes serve; nothing else is created
            assert first.backend == again.backend == "mongodb" and not first.created
            continue
        assert first.backend == "ferretdb-postgresql"
        assert again.created == [], f"{service}: a second start rebuilt {again.created}"
        table_of, ours = tables(pg, database), lookup_indexes(pg, database)
        expected = set()
        for doc in documents:
            table = table_of[doc._get_collection_name()]
            types = {f.db_field: f for f in doc._fields.values()}
            declared = {f for spec in doc._meta["index_specs"] for f, _ in spec["fields"]}
            # every declared field FerretDB can push down (not a date), and _id, has exactly one
            for field in {"_id"} | {f for f in declared if not isinstance(types.get(f), DateField | DateTimeField)}:
                name = index_name(table, field)
                assert name in ours, f"{service}: no lookup index for {doc.__name__}.{field}"
                assert ours[name][0] == table and ours[name][2], (name, ours[name])
                assert f"USING gin (((_jsonb -> '{field}'::text)) jsonb_path_ops)" in ours[name][1], ours[name][1]
                expected.add(name)
        assert set(ours) == expected, f"{service}: unexpected {set(ours) - expected}"
        assert len(ours) == len(first.created) == sum(len(lookup_fields(d)) for d in documents)


EMPLOYEES = 3000


@pytest.fixture
def employees(infra: Endpoints, namespace: str) -> Iterator[tuple[NeedsSettings, Any]]:
    """3,000 employees in the needs service's collection, its indexes created as at start-up."""
    settings = NeedsSettings(
        mongodb_uri=infra.mongodb_uri,
        mongodb_database=f"{namespace}_needs",
        ferretdb_postgresql_url=infra.postgresql_url,
    )
    connect_database(settings)
    try:
        report = ensure_indexes(settings, [EmployeeDocument])
        assert report.indexed, report.problems
        coll = EmployeeDocument._get_collection()
        coll.insert_many(
            [
                {"_id": f"19900101201501{i:04d}", "name": f"Pegawai {i}", "unit_code": f"U{i % 60:03d}"}
                | {"position_code": "STAF", "employment_type": "PNS", "version": 1}
                for i in range(EMPLOYEES)
            ]
        )
        yield settings, coll
    finally:
        disconnect_database(settings)


def test_lookups_by_id_by_an_indexed_field_and_a_guarded_update_are_answered_from_the_index(employees, on_ferretdb):
    _, coll = employees
    nip = "199001012015011234"
    assert coll.find_one({"_id": nip})["name"] == "Pegawai 1234"
    assert coll.count_documents({"unit_code": "U007"}) == EMPLOYEES // 60
    assert coll.update_one({"_id": nip, "version": 1}, {"$set": {"version": 2}}).matched_count == 1
    assert coll.update_one({"_id": nip, "version": 1}, {"$set": {"version": 3}}).matched_count == 0

    db = coll.database
    if not on_ferretdb:
        for shape in ({"_id": nip}, {"unit_code": "U007"}, {"_id": nip, "version": 2}):
            plan = str(db.command("explain", {"find": coll.name, "filter": shape})["queryPlanner"]["winningPlan"])
            assert "IXSCAN" in plan or "IDHACK" in plan or "EXPRESS" in plan, (shape, plan)
        return
    for shape, field in (
        ({"_id": nip}, "_id"),
        ({"unit_code": "U007"}, "unit_code"),
        ({"_id": nip, "version": 2}, "_id"),
    ):
        explained = db.command("explain", {"find": coll.name, "filter": shape})
        plan = explained["queryPlanner"]["Plan"]
        table = plan.get("Relation Name") or plan["Plans"][0]["Relation Name"]
        assert f"'Index Name': '{index_name(table, field)}'" in str(plan), (shape, plan)
    # What FerretDB v1 does not push down stays a scan, whatever the indexes: an $in list is one.
    explained = db.command("explain", {"find": coll.name, "filter": {"_id": {"$in": [nip]}}})
    assert explained["filterPushdown"] is False and explained["queryPlanner"]["Plan"]["Node Type"] == "Seq Scan"


def test_objects_in_answers_what_an_in_list_does(employees):
    # On FerretDB as equality lookups (each answered by a lookup index; the $in list is a scan, above).
    nips = ["199001012015010007", "199001012015010067", "199001012015010042", "199001012015010007"]
    nips.append("199001012015019999")  # nobody
    found = objects_in(EmployeeDocument.objects(unit_code="U007").only("name"), "pk", nips)
    expected = EmployeeDocument.objects(pk__in=nips, unit_code="U007").only("name")
    assert sorted(e.pk for e in found) == sorted(e.pk for e in expected) == nips[:2]
    assert {e.name for e in found} == {"Pegawai 7", "Pegawai 67"} and {e.unit_code for e in found} == {None}
    assert objects_in(EmployeeDocument.objects, "pk", []) == []


def test_a_lookup_index_dropped_or_replaced_behind_the_services_back_is_rebuilt_at_the_next_start(employees, pg):
    settings, coll = employees
    if pg is None:
        assert ensure_indexes(settings, [EmployeeDocument]).backend == "mongodb"
        return
    schema = coll.database.name
    table = tables(pg, schema)[coll.name]
    by_id, by_unit = index_name(table, "_id"), index_name(table, "unit_code")
    pg.execute(f'DROP INDEX "{schema}"."{by_id}"')
    # the same name over an index that cannot serve @> (a btree, as FerretDB's own)
    pg.execute(f'DROP INDEX "{schema}"."{by_unit}"')
    pg.execute(f'CREATE INDEX "{by_unit}" ON "{schema}"."{table}" ((_jsonb -> \'unit_code\'))')

    report = ensure_indexes(settings, [EmployeeDocument])

    assert report.indexed, report.problems
    assert sorted(report.created) == sorted([f"{schema}.{by_id}", f"{schema}.{by_unit}"])
    ours = lookup_indexes(pg, schema)
    assert "USING gin" in ours[by_unit][1] and ours[by_id][2]


def test_without_the_postgresql_database_the_report_says_lookups_are_not_indexed(employees, infra, pg):
    settings, _ = employees
    other_db = infra.postgresql_url.rsplit("/", 1)[0] + "/postgres" if pg is not None else ""
    for url, reason in (("", "FERRETDB_POSTGRESQL_URL is not set"), (other_db, "must name the database FerretDB")):
        report = ensure_indexes(
            settings.model_copy(update={"ferretdb_postgresql_url": SecretStr(url)}), [EmployeeDocument]
        )
        if pg is None:
            assert report.indexed and report.backend == "mongodb"
            continue
        assert not report.indexed
        assert any(reason in problem for problem in report.problems), report.problems


def test_a_service_reports_on_metrics_whether_its_lookups_are_indexed_and_can_refuse_to_serve(
    run_service, on_ferretdb, namespace, admin
):
    with run_service("notifications") as svc:
        assert sample(svc.get("/metrics").text, "database_lookups_indexed", service="notifications") == 1
    with run_service("notifications", FERRETDB_POSTGRESQL_URL="") as svc:
        assert sample(svc.get("/metrics").text, "database_lookups_indexed", service="notifications") == (
            0 if on_ferretdb else 1
        )
    if on_ferretdb:
        # Required but not possible: the process stays up and says why, and serves nothing.
        required = {"FERRETDB_POSTGRESQL_URL": "", "FERRETDB_LOOKUP_INDEXES_REQUIRED": "true"}
        with run_service("notifications", ready=False, **required) as svc:
            started = eventually(
                lambda: (c := svc.get("/health/ready").json()["checks"]["started"]).startswith("not yet") and c,
                what="the refusal on /health/ready",
            )
            assert "FERRETDB_POSTGRESQL_URL is not set" in started
            refused = svc.get("/webhooks", headers=admin)
            assert (refused.status_code, refused.json()["error"]["code"]) == (503, "starting")
    # A refused start leaves nothing behind: the next one, on another database, starts.
    with run_service("notifications", MONGODB_DATABASE=f"{namespace}_again") as svc:
        assert sample(svc.get("/metrics").text, "database_lookups_indexed", service="notifications") == 1
