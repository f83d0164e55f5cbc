"""The planner's book of seats on the real database: an incremental run reads only the seats written since
the run before it, each change written through ``commit`` reaches the next run's decisions, and a run of
another replica in between makes the next one read every seat again."""

from datetime import date

from services.training.catalogue.programmes import Programmes
from services.training.certificates.issuing import Issuer
from services.training.documents import EnrolmentDocument
from services.training.plan import planner
from services.training.plan.lease import PlanLease
from services.training.plan.run import PlanRunner
from services.training.plan.seatbook import UNSEEN, clear_marks
from services.training.seats.enrolments import Enrolments
from shared.cache import ReferenceCache
from shared.credentials import CredentialService, CredentialSettings
from shared.messaging.outbox import commit
from tests.integration.test_training_plan import MIDWIFE, need_status, seat_of
from tests.support.demo import NURSE, program_body, schedule
from tests.support.events import need_event, send

SEAT = f"PRIMA-1:{NURSE}"


def another_replica() -> PlanRunner:
    """A second training process's runner, on the same database, with a lease of its own."""
    enrolments = Enrolments(
        notify=lambda: None,
        replan=lambda _: None,
        issuer=Issuer(CredentialService(CredentialSettings(environment="development"))),
        programmes=Programmes(ReferenceCache(ttl_s=60, max_entries=100, service="training")),
    )
    return PlanRunner(
        policy=planner.Policy(),
        enrolments=enrolments,
        notify=lambda: None,
        lease=PlanLease(),
        as_of=lambda: date(2027, 1, 1),
    )


def plan(training, admin):
    response = training.post("/plans/2027/run", headers=admin)
    assert response.status_code == 200, response.text
    return response.json()


def test_a_run_reads_the_seats_written_since_the_last_and_all_after_another_replicas_run(
    run_service, admin, infra, namespace
):
    with run_service("training", PLANNER_ENABLED="false") as training:
        training.put("/programs/PRIMA", json=program_body({"M.05": 3}), headers=admin)
        schedule(training, admin, "PRIMA-1", "PRIMA")
        send(infra, namespace, need_event())
        need_status(training, admin, NURSE, "open")

        first = plan(training, admin)  # the first run of this process reads every seat of the year
        assert (first["placed"], first["seats_read_all"]) == (1, True)
        assert (plan(training, admin)["seats_read"], plan(training, admin)["seats_read_all"]) == (0, False)

        # The nurse accepts her seat: that write marks it, the next run reads it, the one after does not.
        confirmed = training.post(f"/enrolments/{SEAT}/confirm", headers=admin)
        assert confirmed.status_code == 200, confirmed.text
        assert plan(training, admin)["seats_read"] == 1
        assert plan(training, admin)["seats_read"] == 0

        # Another replica plans the year meanwhile (and clears what it read): this process's book may have
        # missed a change, so its next run reads every seat again.
        assert another_replica().run(2027, "planner")["seats_read_all"]
        again = plan(training, admin)
        assert (again["seats_read"], again["seats_read_all"]) == (1, True)


def test_a_seat_changed_between_runs_is_what_the_next_run_plans_with(run_service, admin, infra, namespace):
    """Budget for two seats; after the first, her seat's cost is corrected to the whole budget by a write of
    the service: the next incremental run must count it, and leave the midwife waiting for budget."""
    with run_service("training", PLANNER_ENABLED="false") as training:
        training.put("/programs/PRIMA", json=program_body({"M.05": 3}), headers=admin)
        schedule(training, admin, "PRIMA-1", "PRIMA", budget=5_000_000)
        send(infra, namespace, need_event())
        need_status(training, admin, NURSE, "open")
        assert plan(training, admin)["placed"] == 1

        seat = EnrolmentDocument.objects(id=SEAT).first()
        seat.cost = 5_000_000
        commit(seat)

        send(infra, namespace, need_event(nip=MIDWIFE))
        need_status(training, admin, MIDWIFE, "open")
        run = plan(training, admin)
        assert need_status(training, admin, MIDWIFE, "waitlisted")["reason_code"] == "budget"
        assert (run["mode"], run["seats_read_all"], run["seats_read"]) == ("incremental", False, 1)
        assert seat_of(training, admin, NURSE)["batch_code"] == "PRIMA-1"


def test_a_seat_written_while_the_run_read_it_stays_marked_for_the_next(run_service, admin, infra, namespace):
    with run_service("training", PLANNER_ENABLED="false") as training:
        training.put("/programs/PRIMA", json=program_body({"M.05": 3}), headers=admin)
        schedule(training, admin, "PRIMA-1", "PRIMA")
        send(infra, namespace, need_event())
        need_status(training, admin, NURSE, "open")
        plan(training, admin)
        assert training.post(f"/enrolments/{SEAT}/confirm", headers=admin).status_code == 200

        seats = EnrolmentDocument._get_collection()
        as_read = seats.find_one({"_id": SEAT} | UNSEEN)
        assert as_read is not None  # the confirmation marked it
        seat = EnrolmentDocument.objects(id=SEAT).first()
        seat.explanation = "Dikoreksi"
        commit(seat)  # written again after the run read it

        assert clear_marks([as_read]) == 0
        assert seats.find_one({"_id": SEAT})["planner_seen"] is False
        later = plan(training, admin)
        assert later["seats_read"] == 1
        assert seats.find_one({"_id": SEAT})["planner_seen"] is True
