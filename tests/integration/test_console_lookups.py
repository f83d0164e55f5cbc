"""The employee's and the supervisor's pages ask the services' databases only what an index answers.

At Medan scale a page is fast only if every read behind it is an equality FerretDB v1 pushes down to a
field with a lookup index (shared/ferretdb.py): ``$in``, ``$or``, ``$and`` or no filter at all read the
whole collection (README, FerretDB notes). This test renders the pages over the four real services and
records, with pymongo's command monitoring, every read and write filter the services send while they
answer; each is then explained by the database: on FerretDB it must be pushed down on a field that has a
lookup index, on MongoDB answered from an index. A page that starts asking for a team's seats with
``$or``, or a lookup index dropped from a document's meta, fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from pymongo import MongoClient, monitoring

from shared.messaging.relay import PUBLISHED
from tests.support.console import console_over, nurse_with_a_seat, sign_in
from tests.support.infra import Endpoints

EMPLOYEE_PAGES = ("/me/needs", "/me/seats", "/me/evaluations", "/inbox")
SUPERVISOR_PAGES = ("/team",)


class Filters(monitoring.CommandListener):
    """The filters of the commands sent to one namespace's databases while recording."""

    def __init__(self) -> None:
        self.namespace: str | None = None
        self.seen: list[tuple[str, str, dict[str, Any]]] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        if self.namespace is None or not event.database_name.startswith(f"{self.namespace}_"):
            return
        command, name = event.command, event.command_name
        collection = command.get(name)
        # The relay's ledger of what it just published (shared/messaging/relay.py): read every round by
        # collection name, and emptied by each clearing, so it holds a handful of documents at most.
        if collection == PUBLISHED:
            return
        if name == "find":
            shapes = [command.get("filter") or {}]
        elif name in ("count", "findAndModify"):
            shapes = [command.get("query") or {}]
        elif name == "aggregate":  # count_documents: a $match first
            first = (command.get("pipeline") or [{}])[0]
            shapes = [first.get("$match", {})]
        elif name in ("update", "delete"):
            shapes = [s.get("q", {}) for s in command.get("updates" if name == "update" else "deletes", [])]
        else:
            return
        self.seen += [(event.database_name, str(collection), dict(shape)) for shape in shapes]

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        """Only what was asked matters here."""

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        """Only what was asked matters here."""


# Registered at import: the services' clients, created later by the test, report to it (others stay silent).
FILTERS = Filters()
monitoring.register(FILTERS)


@pytest.fixture
def database(infra: Endpoints) -> Iterator[tuple[MongoClient[dict[str, Any]], bool]]:
    """The database and whether it is FerretDB (whose services then need its PostgreSQL for their indexes)."""
    client: MongoClient[dict[str, Any]] = MongoClient(infra.mongodb_uri)
    try:
        on_ferretdb = "ferretdbVersion" in client.admin.command("buildInfo")
        if on_ferretdb and not infra.postgresql_url:
            pytest.fail(
                "FerretDB without FERRETDB_POSTGRESQL_URL: the services create no lookup indexes", pytrace=False
            )
        yield client, on_ferretdb
    finally:
        client.close()


def pages_rendered(
    run_service: Any, admin: dict[str, str], namespace: str
) -> Iterator[tuple[str, str, dict[str, Any]]]:
    """Every filter the services sent while the employee's and the supervisor's pages were rendered."""
    with nurse_with_a_seat(run_service, admin) as services, console_over(services, fiscal_year=2027) as console:
        for person, pages in (("pegawai", EMPLOYEE_PAGES), ("atasan", SUPERVISOR_PAGES)):
            sign_in(console, person)
            FILTERS.namespace, FILTERS.seen = namespace, []
            try:
                for page in pages:
                    answer = console.get(page)
                    assert answer.status_code == 200, (page, answer.text)
            finally:
                FILTERS.namespace = None
            yield from FILTERS.seen


def test_the_employee_and_supervisor_pages_read_only_through_indexes(run_service, admin, namespace, database):
    client, on_ferretdb = database
    asked = list(pages_rendered(run_service, admin, namespace))
    collections = {(db, coll) for db, coll, _ in asked}
    # The pages did ask every service (a test that recorded nothing would prove nothing).
    assert {db.removeprefix(f"{namespace}_") for db, _ in collections} >= {"needs", "training", "evaluation"}
    scans = []
    for db, coll, shape in asked:
        explained = client[db].command("explain", {"find": coll, "filter": shape})
        if not on_ferretdb:  # MongoDB answers every equality shape from the indexes mongoengine declares
            plan = str(explained["queryPlanner"]["winningPlan"])
            if not any(stage in plan for stage in ("IXSCAN", "IDHACK", "EXPRESS")):
                scans.append((db, coll, shape, plan))
            continue
        # PostgreSQL's plan of FerretDB's statement names the index it reads; ours end in _lookup.
        plan = str(explained["queryPlanner"]["Plan"])
        if not (explained.get("filterPushdown") and re.search(r"'Index Name': '\w+_lookup'", plan)):
            scans.append((db, coll, shape, plan))
    assert not scans, "read the whole collection:\n" + "\n".join(map(str, scans))
