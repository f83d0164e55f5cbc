"""Needs from completions (the JP ledger), evaluations (follow-ups), surveys (SKM) and performance (SKP),
over the real broker and database."""

import json
from datetime import UTC, date, datetime

from shared.events import (
    EVALUATION_SUBMITTED,
    NEED_IDENTIFIED,
    PROGRAM_COMPLETED,
    EvaluationSubmitted,
    ProgramCompleted,
    TransferBarrier,
    build_record,
)
from shared.events.common import CompetencyTarget, DevelopmentForm
from shared.http.auth import Role
from tests.conftest import bearer
from tests.support.demo import HEAD, NURSE, UNIT, assess, load_puskesmas
from tests.support.events import send
from tests.support.kafka import wait_for_records
from tests.support.waiting import eventually


def completion(enrolment_id, jp, completed_on=date(2027, 3, 4)):
    payload = ProgramCompleted(
        enrolment_id=enrolment_id,
        nip=NURSE,
        unit_code=UNIT,
        program_code=f"P-{enrolment_id}",
        program_title="Pelatihan",
        form=DevelopmentForm.TRAINING,
        competencies=[CompetencyTarget(code="M.05", target_level=3)],
        jp=jp,
        attendance_pct=100,
        started_on=completed_on,
        completed_on=completed_on,
        certificate_number=f"C-{enrolment_id}",
    )
    return build_record(PROGRAM_COMPLETED, payload, subject=NURSE)


def ledger(needs, admin):
    return needs.get(f"/jp-ledgers/{NURSE}", params={"fiscal_year": 2027}, headers=admin).json()


def jp_need(needs, admin):
    response = needs.get(f"/needs/2027-{NURSE}-JP", headers=admin)
    return response.json() if response.status_code == 200 else None


def test_a_jp_ledger_crossing_20_resolves_the_shortfall_need(run_service, admin, infra, namespace):
    with run_service("needs") as needs:
        load_puskesmas(needs, admin)
        first = completion("enr-a", 12)
        send(infra, namespace, first)
        send(infra, namespace, first)  # redelivered: booked once
        eventually(lambda: ledger(needs, admin)["total_jp"] == 12, what="12 JP booked")

        counts = needs.post("/analysis/jp-shortfall", json={"fiscal_year": 2027}, headers=admin).json()
        assert counts == {"checked": 2, "below_minimum": 2}  # the nurse (12 JP) and her head (0 JP)
        need = jp_need(needs, admin)
        # 8 short of 20 at a front-line puskesmas: 8 / 20 x 2.0 x 1.5 = 1.2
        assert (need["status"], need["source"], need["priority"]) == ("open", "jp_shortfall", 1.2)
        assert need["priority_parts"]["jp_earned"] == 12.0

        send(infra, namespace, completion("enr-b", 10))
        eventually(lambda: jp_need(needs, admin)["status"] == "resolved", what="JP need resolved at 22 JP")
        book = ledger(needs, admin)
        assert (book["total_jp"], book["shortfall_jp"]) == (22, 0)
        assert sorted(e["enrolment_id"] for e in book["entries"]) == ["enr-a", "enr-b"]

    announced = wait_for_records(
        infra.kafka_bootstrap_servers, f"{namespace}.{NEED_IDENTIFIED.topic}", lambda r: r.key == NURSE
    )
    assert [json.loads(r.value)["source"] for r in announced] == ["jp_shortfall"]


def test_a_struggle_only_actions_remedy_becomes_one_follow_up_need_with_no_training_form(
    run_service, admin, infra, namespace
):
    payload = EvaluationSubmitted(
        evaluation_id="enr-a-L3",
        enrolment_id="enr-a",
        program_code="PEL-PRIMA",
        nip=NURSE,
        unit_code=UNIT,
        level=3,
        score=35.0,
        outcome="struggling",
        struggling_to_apply=True,
        barriers=[TransferBarrier.LACK_OF_SUPPORT, TransferBarrier.LACK_OF_RESOURCES],
        competency_codes=["M.05"],
        submitted_at=datetime(2027, 7, 1, tzinfo=UTC),
    )
    record = build_record(EVALUATION_SUBMITTED, payload, subject=NURSE)
    with run_service("needs") as needs:
        load_puskesmas(needs, admin)
        send(infra, namespace, record)
        send(infra, namespace, record)
        follow_ups = eventually(
            lambda: needs.get("/needs", params={"nip": NURSE}, headers=admin).json()["items"], what="follow-up need"
        )
        assert len(follow_ups) == 1
        (need,) = follow_ups
        # Lack of support and of resources are actions of the supervisor and unit head, not training.
        assert (need["source"], need["competency_code"], need["recommended_form"]) == (
            "evaluation_follow_up",
            "M.05",
            None,
        )
        assert "kurang dukungan tim/atasan" in need["reason"] and "Bukan diatasi dengan pelatihan" in need["reason"]
    (announced,) = wait_for_records(
        infra.kafka_bootstrap_servers, f"{namespace}.{NEED_IDENTIFIED.topic}", lambda r: r.key == NURSE
    )
    event = json.loads(announced.value)
    assert (event["recommended_form"], event["required_level"], event["program_code"]) == (None, 3, "PEL-PRIMA")
    assert event["barriers"] == ["lack_of_support", "lack_of_resources"]


def test_a_survey_in_band_c_raises_a_unit_need_and_a_better_one_resolves_it(run_service, admin):
    with run_service("needs") as needs:
        load_puskesmas(needs, admin)
        weak = {f"U{i}": 3.2 for i in range(1, 10)} | {"U7": 2.8}  # U7 = 70 -> band C
        result = needs.post(
            f"/units/{UNIT}/skm", json={"fiscal_year": 2027, "respondents": 120, "nrr": weak}, headers=admin
        )
        assert result.status_code == 201, result.text
        body = result.json()
        assert body["element_scores"]["U7"] == 70.0 and body["band"] == "B"
        assert sorted(n["competency_code"] for n in body["needs"]) == ["M.01", "M.03"]
        assert all(n["nip"] is None and n["unit_code"] == UNIT for n in body["needs"])

        better = dict.fromkeys(weak, 3.3)
        assert (
            needs.post(
                f"/units/{UNIT}/skm", json={"fiscal_year": 2027, "respondents": 130, "nrr": better}, headers=admin
            ).json()["needs"]
            == []
        )
        open_needs = needs.get("/needs", params={"unit_code": UNIT, "status": "open"}, headers=admin).json()
        assert open_needs["total"] == 0

        # The head of the unit enters its survey too (PermenPANRB 14/2017: the unit surveys its own
        # service); not another unit's, and no one below a unit head.
        head = bearer(HEAD, Role.UNIT_HEAD, unit=UNIT)
        survey = {"fiscal_year": 2027, "respondents": 90, "nrr": better}
        entered = needs.post(f"/units/{UNIT}/skm", json=survey, headers=head)
        assert entered.status_code == 201, entered.text
        assert (entered.json()["respondents"], entered.json()["band"]) == (90, "B")
        assert needs.post("/units/DINKES/skm", json=survey, headers=head).status_code == 403
        nurse = bearer(NURSE, Role.EMPLOYEE, unit=UNIT)
        assert needs.post(f"/units/{UNIT}/skm", json=survey, headers=nurse).status_code == 403

        incomplete = needs.post(
            f"/units/{UNIT}/skm", json={"fiscal_year": 2027, "respondents": 1, "nrr": {"U1": 3}}, headers=admin
        )
        assert incomplete.status_code == 422


def test_a_performance_gap_raises_the_priority_of_the_employees_needs(run_service, admin):
    with run_service("needs") as needs:
        load_puskesmas(needs, admin)
        assess(needs, admin, 1)
        rescored = needs.post(
            "/performance", json={"nip": NURSE, "fiscal_year": 2027, "target": 100, "realisation": 60}, headers=admin
        )
        assert rescored.status_code == 201
        (need,) = rescored.json()
        # (gap 2 x 1.0 + 40 x 0.1 / 10) x 1.5 = 3.6
        assert need["priority"] == 3.6 and need["priority_parts"]["performance_gap"] == 40.0


def test_reports_download_as_json_and_csv_for_bkpsdm_and_the_unit_head(run_service, admin, infra, namespace):
    from shared.http.auth import Role
    from tests.conftest import bearer
    from tests.support.demo import HEAD

    with run_service("needs") as needs:
        load_puskesmas(needs, admin)
        assess(needs, admin, 1)
        send(infra, namespace, completion("enr-a", 12))
        eventually(lambda: ledger(needs, admin)["total_jp"] == 12, what="12 JP booked")

        recap = needs.get(
            "/reports/needs-recap", params={"fiscal_year": 2027, "by": "competency"}, headers=admin
        ).json()
        assert recap["rows"] == [
            {
                "competency": "M.05",
                "name": "Pelayanan Publik",
                "needs": 1,
                "open": 1,
                "resolved": 0,
                "employees": 1,
                "mean_priority": 3.0,
            }
        ]
        csv_text = needs.get("/reports/needs-recap", params={"fiscal_year": 2027, "format": "csv"}, headers=admin)
        assert csv_text.headers["content-type"].startswith("text/csv")
        assert csv_text.text.splitlines()[1] == f"{UNIT},Puskesmas Padang Bulan,1,1,0,1,3.0"

        head = bearer(HEAD, Role.UNIT_HEAD, unit=UNIT)
        compliance = needs.get(
            "/reports/jp-compliance", params={"fiscal_year": 2027, "unit_code": UNIT}, headers=head
        ).json()
        by_nip = {r["nip"]: r for r in compliance["rows"]}
        assert (by_nip[NURSE]["jp_earned"], by_nip[NURSE]["jp_shortfall"]) == (12, 8)
        assert compliance["units"] == [
            {"unit_code": UNIT, "employees": 2, "compliant": 0, "compliance_pct": 0.0, "mean_jp": 6.0}
        ]
        other_unit = needs.get(
            "/reports/jp-compliance", params={"fiscal_year": 2027, "unit_code": "DINKES"}, headers=head
        )
        assert other_unit.status_code == 403
