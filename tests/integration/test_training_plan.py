"""The phased plan over the real broker and database: needs become seats in batches, or wait with a
reason; cancellations re-plan; attendance and scores decide completion; one ProgramCompleted each."""

import csv
import dataclasses
import io
import json
from datetime import UTC, datetime, timedelta

import pytest

from services.training.plan.lease import PlanLease, PlanRunning
from shared.events import ENROLMENT_CHANGED, PROGRAM_COMPLETED
from shared.http.auth import Role
from tests.conftest import bearer
from tests.support.demo import HEAD, NURSE, UNIT, program_body, schedule
from tests.support.events import enrolments, need_event, need_resolved, planned_needs, send
from tests.support.kafka import read_topic, wait_for_records
from tests.support.waiting import eventually

MIDWIFE = "199105112016042002"
CLERK = "199207072017011003"


def seat_of(training, admin, nip):
    return eventually(lambda: enrolments(training, admin, nip=nip)["items"], what=f"a seat for {nip}")[0]


def need_status(training, admin, nip, status):
    return eventually(
        lambda: (n := planned_needs(training, admin, nip=nip)["items"]) and n[0]["status"] == status and n[0],
        what=f"need of {nip} {status}",
    )


def events_of(infra, namespace, contract, nip):
    records = read_topic(infra.kafka_bootstrap_servers, f"{namespace}.{contract.topic}")
    return [json.loads(r.value) for r in records if r.key == nip]


def test_a_need_becomes_a_confirmed_place_in_the_batch_that_covers_it(run_service, admin, infra, namespace):
    with run_service("training") as training:
        training.put("/programs/PRIMA", json=program_body({"M.05": 3}), headers=admin)
        training.put("/programs/LEAD", json=program_body({"M.01": 3}, title="Kepemimpinan"), headers=admin)
        schedule(training, admin, "LEAD-1", "LEAD")
        schedule(training, admin, "PRIMA-1", "PRIMA", location="BPSDM Sumut, Medan")

        send(infra, namespace, need_event())
        seat = seat_of(training, admin, NURSE)
        assert (seat["enrolment_id"], seat["status"]) == (f"PRIMA-1:{NURSE}", "proposed")
        assert "covers M.05 up to level 3" in seat["explanation_en"]
        assert need_status(training, admin, NURSE, "placed")["batch_code"] == "PRIMA-1"

        # Another employee may not accept the nurse's seat; the nurse may.
        stranger = bearer(CLERK, Role.EMPLOYEE, unit="DISDUKCAPIL")
        assert training.post(f"/enrolments/{seat['enrolment_id']}/confirm", headers=stranger).status_code == 403
        nurse = bearer(NURSE, Role.EMPLOYEE, unit=UNIT)
        confirmed = training.post(f"/enrolments/{seat['enrolment_id']}/confirm", headers=nurse).json()
        assert confirmed["status"] == "confirmed"
        assert [h["status"] for h in confirmed["history"]] == ["proposed", "confirmed"]
        again = training.post(f"/enrolments/{seat['enrolment_id']}/confirm", headers=nurse)
        assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"

    changes = wait_for_records(
        infra.kafka_bootstrap_servers, f"{namespace}.{ENROLMENT_CHANGED.topic}", lambda r: r.key == NURSE, count=2
    )

    bodies = sorted((json.loads(r.value) for r in changes), key=lambda b: b["changed_at"])
    assert [(b["previous_status"], b["status"]) for b in bodies] == [(None, "proposed"), ("proposed", "confirmed")]
    assert bodies[0]["batch_code"] == "PRIMA-1" and bodies[0]["location"] == "BPSDM Sumut, Medan"
    assert bodies[0]["supervisor_nip"] == HEAD and bodies[0]["starts_on"] == "2027-03-08"


def test_needs_wait_for_capacity_and_for_budget_each_with_its_reason(run_service, admin, infra, namespace):
    with run_service("training") as training:
        training.put("/programs/PRIMA", json=program_body({"M.05": 3}), headers=admin)
        training.put("/programs/KOM", json=program_body({"M.03": 2}, cost_per_participant=3_000_000), headers=admin)
        schedule(training, admin, "PRIMA-1", "PRIMA", capacity=1)
        schedule(training, admin, "KOM-1", "KOM", phase="T2-2027", budget=2_000_000)

        send(infra, namespace, need_event(priority=5.0))
        assert seat_of(training, admin, NURSE)["batch_code"] == "PRIMA-1"
        send(infra, namespace, need_event(nip=MIDWIFE, priority=2.0))
        send(infra, namespace, need_event(nip=CLERK, competency="M.03", required=2))

        full = need_status(training, admin, MIDWIFE, "waitlisted")
        assert (full["reason_code"], full["explanation_en"]) == ("capacity", "Batch PRIMA-1 is full.")
        poor = need_status(training, admin, CLERK, "waitlisted")
        assert poor["reason_code"] == "budget"
        assert poor["explanation"] == "Anggaran tahap angkatan KOM-1 tidak cukup untuk satu peserta lagi."

        report = training.get("/reports/plan", params={"fiscal_year": 2027}, headers=admin).json()
        phases = {p["phase_code"]: p for p in report["phases"]}
        assert (phases["T1-2027"]["places"], phases["T1-2027"]["places_taken"]) == (1, 1)
        assert phases["T1-2027"]["budget_committed"] == 2_500_000
        assert (phases["T2-2027"]["places_taken"], phases["T2-2027"]["budget_left"]) == (0, 2_000_000)
        assert report["waitlist_by_unit"] == [
            {"unit_code": UNIT, "waitlisted": 2, "by_reason": {"budget": 1, "capacity": 1}}
        ]
        # The waitlist filtered by its reason (the console's planner page).
        short_of_money = planned_needs(training, admin, status="waitlisted", reason_code="budget")["items"]
        assert [n["nip"] for n in short_of_money] == [CLERK]

        # More money for the phase: the next run places the clerk.
        schedule(training, admin, "KOM-1", "KOM", phase="T2-2027", budget=5_000_000)
        assert seat_of(training, admin, CLERK)["batch_code"] == "KOM-1"


def test_cancelling_a_batch_withdraws_its_seats_and_re_plans_them(run_service, admin, infra, namespace):
    with run_service("training") as training:
        training.put("/programs/PRIMA", json=program_body({"M.05": 3}), headers=admin)
        schedule(training, admin, "PRIMA-1", "PRIMA")
        send(infra, namespace, need_event())
        assert seat_of(training, admin, NURSE)["batch_code"] == "PRIMA-1"
        schedule(training, admin, "PRIMA-2", "PRIMA", starts_on="2027-05-03", ends_on="2027-05-06")

        result = training.post("/batches/PRIMA-1/cancel", json={"reason": "Narasumber berhalangan"}, headers=admin)
        assert result.status_code == 200, result.text
        assert result.json()["withdrawn"] == 1 and result.json()["replan"]["placed"] == 1
        seats = {e["batch_code"]: e for e in enrolments(training, admin, nip=NURSE)["items"]}
        assert seats["PRIMA-1"]["status"] == "withdrawn"
        assert seats["PRIMA-1"]["reason"] == "Angkatan PRIMA-1 dibatalkan: Narasumber berhalangan"
        assert seats["PRIMA-2"]["status"] == "proposed"
        assert need_status(training, admin, NURSE, "placed")["batch_code"] == "PRIMA-2"

        # Running the planner again, or cancelling again, changes nothing.
        rerun = training.post("/plans/2027/run", headers=admin).json()
        assert (rerun["placed"], rerun["new_seats"], rerun["needs_updated"]) == (0, 0, 0)
        assert training.post("/batches/PRIMA-1/cancel", json={"reason": "x"}, headers=admin).json()["withdrawn"] == 0
        assert enrolments(training, admin, nip=NURSE)["total"] == 2

    statuses = [(b["batch_code"], b["status"]) for b in events_of(infra, namespace, ENROLMENT_CHANGED, NURSE)]
    assert sorted(statuses) == [("PRIMA-1", "proposed"), ("PRIMA-1", "withdrawn"), ("PRIMA-2", "proposed")]


def test_attendance_and_scores_decide_completion_and_each_completer_is_announced_once(
    run_service, admin, infra, namespace
):
    with run_service("training") as training:
        training.put("/programs/PRIMA", json=program_body({"M.05": 3}), headers=admin)  # 90 % and 70 to pass
        schedule(training, admin, "PRIMA-1", "PRIMA", sessions=4)
        for nip in (NURSE, MIDWIFE, CLERK):
            send(infra, namespace, need_event(nip=nip))
        seats = {nip: seat_of(training, admin, nip)["enrolment_id"] for nip in (NURSE, MIDWIFE, CLERK)}
        for nip in (NURSE, MIDWIFE):
            assert training.post(f"/enrolments/{seats[nip]}/confirm", headers=admin).status_code == 200

        stranger = training.put("/batches/PRIMA-1/sessions/1/attendance", json={"present": [CLERK]}, headers=admin)
        assert stranger.status_code == 422 and CLERK in stranger.json()["error"]["messages"]["en"]  # not confirmed
        for session, present in [(1, [NURSE, MIDWIFE]), (2, [NURSE, MIDWIFE]), (3, [NURSE]), (4, [NURSE])]:
            marked = training.put(
                f"/batches/PRIMA-1/sessions/{session}/attendance", json={"present": present}, headers=admin
            )
            assert marked.status_code == 200, marked.text
        for nip in (NURSE, MIDWIFE):
            training.put(f"/enrolments/{seats[nip]}/scores", json={"pre_score": 55, "post_score": 82}, headers=admin)

        closed = training.post("/batches/PRIMA-1/completion", json={"completed_on": "2027-03-11"}, headers=admin)
        assert closed.json()["seats"] == {"completed": 1, "failed": 1, "withdrawn": 1}
        midwife = training.get(f"/enrolments/{seats[MIDWIFE]}", headers=admin).json()
        assert (midwife["status"], midwife["attendance_pct"]) == ("failed", 50.0)
        assert midwife["reason_en"] == "Attendance 50% is below the minimum 90%."
        clerk = training.get(f"/enrolments/{seats[CLERK]}", headers=admin).json()
        assert clerk["reason_en"] == "Not confirmed before the batch closed."

        first = training.get(f"/enrolments/{seats[NURSE]}", headers=admin).json()
        again = training.post(f"/enrolments/{seats[NURSE]}/completion", headers=admin).json()
        assert first["status"] == again["status"] == "completed"
        assert first["certificate_number"] == again["certificate_number"]
        training.post("/batches/PRIMA-1/completion", headers=admin)

        report = training.get("/reports/jp-per-unit", params={"fiscal_year": 2027}, headers=admin).json()
        assert report["rows"] == [
            {"unit_code": UNIT, "completions": 1, "employees": 1, "jp_delivered": 24, "jp_per_employee": 24.0}
        ]
        realised = training.get("/reports/realisation", params={"fiscal_year": 2027, "format": "csv"}, headers=admin)
        assert realised.headers["content-type"].startswith("text/csv")
        assert "PRIMA-1" in realised.text and ",33.3," in realised.text  # 1 of 3 planned seats completed

    wait_for_records(infra.kafka_bootstrap_servers, f"{namespace}.{PROGRAM_COMPLETED.topic}", lambda r: r.key == NURSE)
    completed = events_of(infra, namespace, PROGRAM_COMPLETED, NURSE)
    assert len(completed) == 1
    assert completed[0]["batch_code"] == "PRIMA-1" and completed[0]["attendance_pct"] == 100.0
    assert (completed[0]["pre_score"], completed[0]["post_score"], completed[0]["jp"]) == (55.0, 82.0, 24)
    assert events_of(infra, namespace, PROGRAM_COMPLETED, MIDWIFE) == []


def test_an_internship_needs_a_learning_agreement_to_start_and_a_final_report_to_complete(
    run_service, admin, infra, namespace
):
    with run_service("training") as training:
        body = program_body({"M.05": 3}, form="internship", passing_score=None, delivery_mode="on_the_job")
        training.put("/programs/MAGANG-SBY", json=body | {"host_region": "Kota Surabaya"}, headers=admin)
        schedule(training, admin, "MAGANG-SBY-1", "MAGANG-SBY", sessions=2, host_agency="DPMPTSP Kota Surabaya")
        send(infra, namespace, need_event())
        seat = seat_of(training, admin, NURSE)["enrolment_id"]
        training.post(f"/enrolments/{seat}/confirm", headers=admin)

        early = training.put("/batches/MAGANG-SBY-1/sessions/1/attendance", json={"present": [NURSE]}, headers=admin)
        assert early.status_code == 409 and early.json()["error"]["code"] == "no_learning_agreement"
        agreement = {
            "host_agency": "DPMPTSP Kota Surabaya",
            "objectives": ["Menerapkan layanan perizinan daring", "Menyusun SOP pelayanan"],
            "mentor": "Kepala Bidang Pelayanan",
            "agreed_on": "2027-03-01",
        }
        assert training.put(f"/enrolments/{seat}/learning-agreement", json=agreement, headers=admin).status_code == 200
        for session in (1, 2):
            training.put(
                f"/batches/MAGANG-SBY-1/sessions/{session}/attendance", json={"present": [NURSE]}, headers=admin
            )

        nurse = bearer(NURSE, Role.EMPLOYEE, unit=UNIT)
        # Without the final report the internship is not complete: attempt it on a copy of the rules.
        report = {
            "summary": "Mempelajari alur perizinan daring dan menyusun rencana penerapan.",
            "submitted_on": "2027-03-12",
        }
        assert training.put(f"/enrolments/{seat}/final-report", json=report, headers=nurse).status_code == 200
        done = training.post(f"/enrolments/{seat}/completion", headers=admin).json()
        assert done["status"] == "completed", done
        assert done["host_agency"] == "DPMPTSP Kota Surabaya"
        assert done["learning_agreement"]["mentor"] == "Kepala Bidang Pelayanan"


def test_an_internship_without_its_final_report_fails_with_that_reason(run_service, admin, infra, namespace):
    with run_service("training") as training:
        body = program_body({"M.05": 3}, form="internship", passing_score=None)
        training.put("/programs/MAGANG", json=body, headers=admin)
        schedule(training, admin, "MAGANG-1", "MAGANG", sessions=1)
        send(infra, namespace, need_event())
        seat = seat_of(training, admin, NURSE)["enrolment_id"]
        training.post(f"/enrolments/{seat}/confirm", headers=admin)
        agreement = {
            "host_agency": "Pemkot Bandung",
            "objectives": ["x"],
            "mentor": "Mentor",
            "agreed_on": "2027-03-01",
        }
        training.put(f"/enrolments/{seat}/learning-agreement", json=agreement, headers=admin)
        training.put("/batches/MAGANG-1/sessions/1/attendance", json={"present": [NURSE]}, headers=admin)
        failed = training.post(f"/enrolments/{seat}/completion", headers=admin).json()
        assert (failed["status"], failed["reason_en"]) == ("failed", "The final report has not been submitted.")


def test_a_need_met_meanwhile_gives_its_proposed_seat_to_the_next_in_line(run_service, admin, infra, namespace):
    with run_service("training") as training:
        training.put("/programs/PRIMA", json=program_body({"M.05": 3}), headers=admin)
        schedule(training, admin, "PRIMA-1", "PRIMA", capacity=1)
        send(infra, namespace, need_event(priority=5.0))
        assert seat_of(training, admin, NURSE)["status"] == "proposed"
        send(infra, namespace, need_event(nip=MIDWIFE, priority=1.0))
        assert need_status(training, admin, MIDWIFE, "waitlisted")["reason_code"] == "capacity"

        resolved = need_resolved()
        send(infra, namespace, resolved)
        send(infra, namespace, resolved, ce_id="the-same-resolution-again")  # past the inbox: still one effect
        assert seat_of(training, admin, MIDWIFE)["batch_code"] == "PRIMA-1"
        nurse = training.get(f"/enrolments/PRIMA-1:{NURSE}", headers=admin).json()
        assert (nurse["status"], nurse["reason_en"]) == ("withdrawn", "This development need has been met.")
        assert need_status(training, admin, NURSE, "resolved")["batch_code"] == "PRIMA-1"
        assert training.post("/plans/2027/run", headers=admin).json()["considered"] == 0

        # Found lacking again later: the need is open again and waits for a seat.
        send(infra, namespace, need_event(priority=5.0), ce_id="announced-again")
        assert need_status(training, admin, NURSE, "waitlisted")["reason_code"] == "seat_before"


def test_a_resolution_read_before_its_need_and_an_old_announcement_replayed_leave_it_resolved(
    run_service, admin, infra, namespace
):
    with run_service("training") as training:
        training.put("/programs/PRIMA", json=program_body({"M.05": 3}), headers=admin)
        schedule(training, admin, "PRIMA-1", "PRIMA")
        announced = need_event()  # made first ...
        send(infra, namespace, need_resolved())  # ... but the resolution is read first
        send(infra, namespace, announced)
        resolved = need_status(training, admin, NURSE, "resolved")
        assert training.post("/plans/2027/run", headers=admin).json()["considered"] == 0
        assert enrolments(training, admin, nip=NURSE)["total"] == 0
        assert resolved["need_id"] == "2027-199002202015032001-M.05"


def test_a_batch_that_has_started_takes_nobody_new(run_service, admin, infra, namespace):
    with run_service("training", PLANNER_AS_OF="2027-03-08") as training:
        training.put("/programs/PRIMA", json=program_body({"M.05": 3}), headers=admin)
        schedule(training, admin, "PRIMA-1", "PRIMA")  # starts 2027-03-08: today, in this plan
        send(infra, namespace, need_event())
        waiting = need_status(training, admin, NURSE, "waitlisted")
        assert waiting["reason_code"] == "no_batch"
        assert (
            waiting["explanation_en"]
            == "Fitting programmes exist but none of their batches this year is still to start."
        )


def test_codes_that_look_like_formulas_come_out_of_the_csv_reports_as_text(run_service, admin, infra, namespace):
    # A code may start with '-' (the code pattern allows it) and other systems' unit codes are free text.
    with run_service("training") as training:
        training.put("/programs/-PRIMA", json=program_body({"M.05": 3}), headers=admin)
        schedule(training, admin, "-PRIMA-1", "-PRIMA", sessions=1)
        hostile_unit = '=HYPERLINK("http://evil.example","Klik")'
        record = need_event()
        payload = json.loads(record.value) | {"unit_code": hostile_unit}
        send(infra, namespace, dataclasses.replace(record, value=json.dumps(payload).encode()))
        seat = seat_of(training, admin, NURSE)["enrolment_id"]
        assert training.post(f"/enrolments/{seat}/confirm", headers=admin).status_code == 200
        training.put("/batches/-PRIMA-1/sessions/1/attendance", json={"present": [NURSE]}, headers=admin)
        training.put(f"/enrolments/{seat}/scores", json={"pre_score": 55, "post_score": 82}, headers=admin)
        closed = training.post("/batches/-PRIMA-1/completion", json={"completed_on": "2027-03-11"}, headers=admin)
        assert closed.json()["seats"] == {"completed": 1}, closed.text

        params = {"fiscal_year": 2027, "format": "csv"}
        realised = training.get("/reports/realisation", params=params, headers=admin).text
        (row,) = csv.DictReader(io.StringIO(realised))
        assert (row["batch_code"], row["program_code"], row["completed"]) == ("'-PRIMA-1", "'-PRIMA", "1")
        delivered = training.get("/reports/jp-per-unit", params=params, headers=admin).text
        (row,) = csv.DictReader(io.StringIO(delivered))
        assert (row["unit_code"], row["jp_delivered"]) == ("'" + hostile_unit, "24")


def test_the_planning_lease_is_renewed_while_held_and_free_one_lease_after_its_holder_stopped(run_service):
    """Issue 12: the lease lasted 300 s, unrenewed, and stayed with a holder that died. Two replicas on
    the real database, each with a clock the test moves."""
    now = [datetime(2027, 3, 1, 8, 0, tzinfo=UTC)]

    def clock():
        return now[0]

    def later(seconds):
        now[0] += timedelta(seconds=seconds)

    with run_service("training", PLANNER_ENABLED="false"):
        first, second = PlanLease(lease_s=20, clock=clock), PlanLease(lease_s=20, clock=clock)
        first.acquire(2027)
        for _ in range(5):  # a run of 50 s, renewed as it goes: nobody else takes the year
            later(10)
            assert first.renew(2027)
            with pytest.raises(PlanRunning):
                second.acquire(2027)
        # The holder dies (no more renewals, no release): the year is free one lease after its last renewal.
        later(19)
        with pytest.raises(PlanRunning):
            second.acquire(2027)
        later(1)
        second.acquire(2027)
        assert not first.renew(2027)  # the old holder, were it only slow, learns that it lost the lease
        second.release(2027, {"placed": 0})
        first.acquire(2027)  # released: free at once
