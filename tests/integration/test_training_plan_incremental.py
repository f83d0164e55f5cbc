"""The incremental planner over the real broker and database: a run decides only the needs that arrived,
and a change of the plan (here a seat given up) makes the next one reconsider the needs that wait."""

from tests.integration.test_training_plan import CLERK, MIDWIFE, NURSE, need_status, seat_of
from tests.support.demo import program_body, schedule
from tests.support.events import need_event, send


def test_a_run_decides_only_what_arrived_until_the_plan_changes(run_service, admin, infra, namespace):
    with run_service("training") as training:
        training.put("/programs/PRIMA", json=program_body({"M.05": 3}), headers=admin)
        schedule(training, admin, "PRIMA-1", "PRIMA", capacity=1)
        send(infra, namespace, need_event(priority=5.0))
        assert seat_of(training, admin, NURSE)["batch_code"] == "PRIMA-1"
        send(infra, namespace, need_event(nip=MIDWIFE, priority=2.0))
        send(infra, namespace, need_event(nip=CLERK, priority=1.0))
        assert need_status(training, admin, MIDWIFE, "waitlisted")["reason_code"] == "capacity"
        assert need_status(training, admin, CLERK, "waitlisted")["reason_code"] == "capacity"

        # Nothing arrived and nothing changed: the run reads no need and writes nothing.
        rerun = training.post("/plans/2027/run", headers=admin).json()
        assert (rerun["mode"], rerun["considered"], rerun["needs_updated"]) == ("incremental", 0, 0)

        # The nurse gives her seat up: a change of the plan, so the waiting needs are decided again and
        # the first in line takes it.
        given_up = training.post(f"/enrolments/PRIMA-1:{NURSE}/withdraw", json={"reason": "Cuti"}, headers=admin)
        assert given_up.status_code == 200, given_up.text
        assert seat_of(training, admin, MIDWIFE)["batch_code"] == "PRIMA-1"
        assert need_status(training, admin, CLERK, "waitlisted")["reason_code"] == "capacity"
        after = training.post("/plans/2027/run", headers=admin).json()
        assert (after["mode"], after["considered"]) == ("incremental", 0)
