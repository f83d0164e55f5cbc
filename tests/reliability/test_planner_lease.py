"""A training replica SIGKILLed in the middle of a planning run (issue 12): the planning lease lasted 300 s,
was never renewed and stayed with the dead holder, so planning stopped for up to five minutes (the
restarted service was refused 27 times with ``plan_running``). Now the lease is short, renewed while a
run works, and another replica plans again about one lease after the holder died."""

from __future__ import annotations

import threading
import time
from contextlib import suppress
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from pymongo import MongoClient

from shared.http.auth import Role
from tests.conftest import ADMIN_NIP, bearer
from tests.support.demo import program_body
from tests.support.waiting import eventually

# A run long enough to outlive two leases even on an idle machine. Its writes dominate: 1,000 seats and
# a decision for every other need, about 1.2 ms each here. 9,000 needs took 11.5 s on 4 Dec, inside two
# leases, once the planner kept its seats between runs (3,000 had, with a 10 s lease, before). The lease
# is short so that two of them stay well inside the run however fast the machine.
LEASE_S = 8
NEEDS = 20_000
BATCHES = 20


def seed(url: str, admin: dict[str, str], db) -> None:
    """A programme with 20 batches of 50 in one phase, and 20,000 open needs it covers, written straight
    into the planner's collection (as if NeedIdentified had arrived for each)."""
    with httpx.Client(base_url=url, headers=admin, timeout=60) as client:
        assert client.put("/programs/PRIMA", json=program_body({"M.05": 3})).status_code == 200
        phase = {"fiscal_year": 2027, "title": "Tahap 1", "starts_on": "2027-03-01", "ends_on": "2027-06-30"}
        assert client.put("/phases/T1-2027", json=phase | {"budget": 1e12}).status_code == 200
        for i in range(BATCHES):
            batch = {"phase_code": "T1-2027", "program_code": "PRIMA", "capacity": 50}
            dates = {"starts_on": f"2027-04-{1 + i % 20:02d}", "ends_on": f"2027-04-{3 + i % 20:02d}"}
            assert client.put(f"/batches/PRIMA-{i:02d}", json=batch | dates).status_code == 200
    t0 = datetime(2027, 1, 2, tzinfo=UTC)
    db["needs"].insert_many(
        [
            {
                "_id": f"need-{n:05d}",
                "fiscal_year": 2027,
                "nip": f"1990010120150{n:05d}",
                "unit_code": f"PKM-{n % 40:02d}",
                "competency_code": "M.05",
                "required_level": 3,
                "priority": 1 + (n % 50) / 10,
                "source": "assessment_centre",
                "identified_at": t0 + timedelta(seconds=n),
                "status": "open",
            }
            for n in range(NEEDS)
        ]
    )


@pytest.mark.timeout(900)  # two planning runs of 20,000 needs on a shared CI machine
def test_a_replica_killed_mid_run_holds_planning_up_for_at_most_one_lease(private_infra, rns, start):
    env = {"PLANNER_LEASE_S": str(LEASE_S), "PLANNER_ENABLED": "false", "PLANNER_AS_OF": "2027-01-04"}
    first, second = start("training", **env), start("training", **env)
    admin = bearer(ADMIN_NIP, Role.BKPSDM_ADMIN, unit="BKPSDM")
    db = MongoClient(private_infra.mongodb_uri)[f"{rns}_training"]
    seed(first.url, admin, db)

    def plan(replica) -> httpx.Response:
        return httpx.post(f"{replica.url}/plans/2027/run", headers=admin, timeout=600)

    def plan_until_killed() -> None:
        with suppress(httpx.RemoteProtocolError):  # the SIGKILL below cuts this answer off
            plan(first)

    threading.Thread(target=plan_until_killed, daemon=True).start()
    taken = eventually(
        lambda: (d := db["plan_leases"].find_one({"_id": "2027"})) and d.get("holder") and d, what="a run"
    )
    began = time.monotonic()

    # While the first replica works, for longer than two leases, the second is refused: the heartbeat
    # keeps the lease the first's (unrenewed, it would have run out after one).
    while time.monotonic() - began < 2 * LEASE_S:
        refused = plan(second)
        assert refused.status_code == 409 and refused.json()["error"]["code"] == "plan_running", refused.text
        time.sleep(0.5)
    lease = db["plan_leases"].find_one({"_id": "2027"})
    assert lease["holder"] == taken["holder"] and lease["until"] > taken["until"], "the lease was not renewed"
    assert not (lease.get("last_run") or {}).get("placed"), "the run ended before the kill; seed more needs"

    first.kill()  # SIGKILL: no release, no more heartbeats
    killed = time.monotonic()
    left = (
        db["plan_leases"].find_one({"_id": "2027"})["until"].replace(tzinfo=UTC) - datetime.now(UTC)
    ).total_seconds()
    answers: list[httpx.Response] = []

    def keep_asking() -> None:
        while not answers or answers[-1].status_code == 409:
            answers.append(plan(second))  # blocks for the whole run once it starts
            time.sleep(0.2)

    threading.Thread(target=keep_asking, daemon=True).start()
    eventually(
        lambda: (d := db["plan_leases"].find_one({"_id": "2027"})) and d.get("holder") not in (None, taken["holder"]),
        timeout_s=LEASE_S + 20,
        what="another replica taking the lease",
    )
    waited = time.monotonic() - killed
    print(f"the next run started {waited:.1f} s after the SIGKILL; lease {LEASE_S} s, {left:.1f} s of it left")  # noqa: T201
    assert waited <= LEASE_S + 3
    answer = eventually(lambda: answers and answers[-1].status_code != 409 and answers[-1], timeout_s=600, what="run")
    assert answer.status_code == 200, answer.text
    ended = time.monotonic() - killed
    print(f"{len(answers) - 1} refusals while the dead lease lasted; the run ended {ended:.1f} s after the kill")  # noqa: T201
    summary = answer.json()
    assert summary["placed"] + summary["waitlisted"] >= 1
    # Every seat the batches hold was given once, whatever the killed run had written.
    assert db["enrolments"].count_documents({}) == BATCHES * 50
