"""The audit layer of every service's HTTP edge, over a trail that records in memory (no database here;
tests/integration/test_privacy.py reads the entries back from FerretDB)."""

import asyncio
import threading

import pytest
from fastapi import APIRouter
from fastapi.testclient import TestClient
from pymongo.errors import BulkWriteError

from shared.audit.trail import AuditTrail, GroupCommit
from shared.domain.identity import Role
from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from tests.conftest import ADMIN_NIP, bearer
from tests.support.metrics import sample

NURSE = "199002202015032001"


class MemoryTrail(AuditTrail):
    def __init__(self, fail: bool = False) -> None:
        super().__init__("edge", document=None)  # type: ignore[arg-type]
        self.fail = fail
        self.groups: list[list[dict]] = []

    def record_many(self, entries):
        if self.fail:
            raise ConnectionError("database gone")
        self.groups.append(entries)


def client_over(trail: AuditTrail) -> TestClient:
    runtime = ServiceRuntime(
        ServiceSettings(service_name="edge", http_port=1), produces=[], documents=[], outbox_documents=[]
    )
    runtime.audit = trail
    router = APIRouter()

    @router.get("/employees/{nip}")
    def employee(nip: str):
        return {"nip": nip, "name": "Siti"}

    @router.get("/units")
    def units():
        return {"items": [{"code": "DINKES"}]}

    @router.post("/employees/{nip}/notes")
    def note(nip: str):
        return {"nip": nip}

    runtime.started = True
    return TestClient(runtime.create_app(title="edge", description="test", routers=[router]))


def test_a_read_naming_a_person_is_answered_only_after_its_entry_names_the_caller_and_the_person():
    trail = MemoryTrail()
    client = client_over(trail)
    answer = client.get(f"/employees/{NURSE}", headers=bearer(ADMIN_NIP, Role.BKPSDM_ADMIN, unit="BKPSDM"))
    assert answer.status_code == 200 and answer.json() == {"nip": NURSE, "name": "Siti"}
    [[entry]] = trail.groups
    assert (entry["actor_nip"], entry["subject_nips"], entry["action"], entry["status"]) == (
        ADMIN_NIP,
        [NURSE],
        "read",
        200,
    )
    assert entry["route"] == "/employees/{nip}" and entry["correlation_id"] == answer.headers["x-correlation-id"]


def test_an_answer_naming_nobody_leaves_no_entry():
    trail = MemoryTrail()
    answer = client_over(trail).get("/units", headers=bearer(ADMIN_NIP, Role.BKPSDM_ADMIN, unit="BKPSDM"))
    assert answer.status_code == 200 and answer.json() == {"items": [{"code": "DINKES"}]}
    assert trail.groups == []


def test_a_read_that_cannot_be_recorded_gets_503_in_indonesian_and_no_data_while_a_change_is_counted():
    client = client_over(MemoryTrail(fail=True))
    refused = client.get(f"/employees/{NURSE}", headers=bearer(ADMIN_NIP, Role.BKPSDM_ADMIN, unit="BKPSDM"))
    assert refused.status_code == 503 and "Siti" not in refused.text
    assert refused.json()["error"]["code"] == "audit_unavailable"
    assert refused.json()["error"]["message"].startswith("Akses ke data pribadi tidak dapat dicatat")
    changed = client.post(f"/employees/{NURSE}/notes", headers=bearer(ADMIN_NIP, Role.BKPSDM_ADMIN, unit="BKPSDM"))
    assert changed.status_code == 200  # it has happened; refusing the answer would not undo it
    metrics = client.get("/metrics").text
    assert sample(metrics, "audit_write_failures_total", service="edge", action="read") == 1
    assert sample(metrics, "audit_write_failures_total", service="edge", action="change") == 1


def test_entries_arriving_while_a_write_is_under_way_go_together_in_the_next_one():
    release = threading.Event()

    class SlowTrail(MemoryTrail):
        def record_many(self, entries):
            release.wait(5)
            return super().record_many(entries)

    trail = SlowTrail()
    commit = GroupCommit(trail)

    async def scenario():
        first = asyncio.create_task(commit.write({"_id": "0"}))
        await asyncio.sleep(0.05)  # the first write is now in the database's hands
        rest = [asyncio.create_task(commit.write({"_id": str(i)})) for i in range(1, 11)]
        await asyncio.sleep(0.05)
        release.set()
        await asyncio.gather(first, *rest)

    asyncio.run(scenario())
    assert [[e["_id"] for e in group] for group in trail.groups] == [["0"], [str(i) for i in range(1, 11)]]


def test_when_an_ordered_insert_fails_part_way_only_the_entries_after_the_written_ones_are_refused():
    class PartialTrail(MemoryTrail):
        def record_many(self, entries):
            raise BulkWriteError({"nInserted": 2, "writeErrors": [{"index": 2, "code": 11000, "errmsg": "dup"}]})

    commit = GroupCommit(PartialTrail())

    async def scenario():
        return await asyncio.gather(*(commit.write({"_id": str(i)}) for i in range(4)), return_exceptions=True)

    outcomes = asyncio.run(scenario())
    assert outcomes[:2] == [None, None]
    assert all(isinstance(o, BulkWriteError) for o in outcomes[2:])


@pytest.mark.parametrize("path", ["/health/live", "/metrics"])
def test_operations_routes_never_reach_the_trail(path):
    trail = MemoryTrail(fail=True)
    assert client_over(trail).get(path).status_code == 200
