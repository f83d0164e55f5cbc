"""The evaluation service over the real broker and database: the four-level plan opened by a
completion, submissions by the right person only, the follow-up when training does not transfer,
reminders, analytics and the quarterly report."""

import csv
import io
import json
from datetime import date, timedelta

from shared.domain.clock import today as today_in_medan
from shared.events import (
    EVALUATION_DUE,
    EVALUATION_ESCALATED,
    EVALUATION_SUBMITTED,
    PROGRAM_COMPLETED,
    ProgramCompleted,
    build_record,
)
from shared.events.common import CompetencyTarget, DevelopmentForm
from shared.http.auth import Role
from tests.conftest import ADMIN_NIP, bearer
from tests.support.demo import HEAD, NURSE, UNIT, load_puskesmas
from tests.support.events import send
from tests.support.kafka import read_topic, wait_for_records
from tests.support.waiting import eventually

NURSE_2 = "199105152016042002"
NURSE_3 = "199208082017011003"
HEAD_HEADERS = bearer(HEAD, Role.SUPERVISOR, Role.UNIT_HEAD, unit=UNIT)
LIKERT = ("relevance", "content", "facilitator", "organisation", "overall")
BEHAVIOUR = ("applies", "frequency", "quality", "independence", "sharing")


def completion(
    enrolment_id,
    completed_on,
    *,
    nip=NURSE,
    program="P-PRIMA",
    pre=None,
    post=None,
    supervisor=HEAD,
    unit=UNIT,
    form=DevelopmentForm.TRAINING,
    host_code=None,
):
    payload = ProgramCompleted(
        enrolment_id=enrolment_id,
        nip=nip,
        unit_code=unit,
        supervisor_nip=supervisor,
        program_code=program,
        program_title="Pelatihan Pelayanan Prima",
        form=form,
        host_code=host_code,
        competencies=[CompetencyTarget(code="M.05", target_level=3)],
        jp=24,
        pre_score=pre,
        post_score=post,
        attendance_pct=100,
        started_on=completed_on - timedelta(days=3),
        completed_on=completed_on,
        certificate_number=f"C-{enrolment_id}",
    )
    return build_record(PROGRAM_COMPLETED, payload, subject=nip)


def plan_of(evaluation, admin, nip=NURSE, count=4):
    return eventually(
        lambda: (
            (r := evaluation.get("/evaluations", params={"nip": nip}, headers=admin).json())["total"] == count
            and {e["level"]: e for e in r["items"]}
        ),
        what=f"{count} evaluations for {nip}",
    )


def submit(evaluation, evaluation_id, headers, answers, **extra):
    return evaluation.post(
        f"/evaluations/{evaluation_id}/submission", json={"answers": answers, **extra}, headers=headers
    )


def published(infra, namespace, contract):
    """The distinct events on a topic: the relay may publish an event again (at-least-once), with the
    same ce_id, which consumers absorb."""
    records = read_topic(infra.kafka_bootstrap_servers, f"{namespace}.{contract.topic}")
    return [json.loads(r.value) for r in {r.headers["ce_id"]: r for r in records}.values()]


def test_a_completion_opens_four_evaluations_with_their_due_dates(run_service, admin, infra, namespace):
    with run_service("evaluation") as evaluation:
        record = completion("enr-a", date(2027, 3, 4), pre=55, post=82)
        send(infra, namespace, record)
        send(infra, namespace, record)  # redelivered: still one plan
        plan = plan_of(evaluation, admin)
        got = {lv: (e["evaluator_role"], e["evaluator_nip"], e["opens_on"], e["due_on"]) for lv, e in plan.items()}
        assert got == {
            1: ("participant", NURSE, "2027-03-04", "2027-03-11"),
            2: ("bkpsdm", None, "2027-03-04", "2027-03-04"),
            3: ("supervisor", HEAD, "2027-06-02", "2027-08-31"),  # 90 and 180 days after completion
            4: ("unit", None, "2027-08-31", "2028-03-03"),
        }
        # Level 2 comes from the test scores at once: raw gain 27, normalised 27 / 45 = 0.6
        learning = plan[2]
        assert (learning["status"], learning["score"], learning["outcome"]) == ("submitted", 60.0, "medium_gain")
        assert learning["measures"]["normalised_gain"] == 0.6
        assert [e["level"] for e in plan.values() if e["status"] == "open"] == [1, 3, 4]

    wait_for_records(infra.kafka_bootstrap_servers, f"{namespace}.{EVALUATION_SUBMITTED.topic}", lambda r: True)
    (body,) = published(infra, namespace, EVALUATION_SUBMITTED)
    assert (body["level"], body["outcome"], body["measures"]["raw_gain"]) == (2, "medium_gain", 27.0)


def test_level_3_only_from_the_supervisor_and_a_low_one_becomes_one_follow_up_need(
    run_service, admin, infra, namespace
):
    completed = today_in_medan() - timedelta(days=100)  # inside the 3-6 month window
    with run_service("needs") as needs, run_service("evaluation") as evaluation:
        load_puskesmas(needs, admin)
        send(infra, namespace, completion("enr-a", completed))
        send(infra, namespace, completion("enr-fresh", today_in_medan()))
        plan_of(evaluation, admin, count=8)
        l3 = evaluation.get("/evaluations/enr-a-L3", headers=admin).json()
        assert (l3["state"], l3["evaluator_nip"]) == ("due", HEAD)
        low = dict.fromkeys(BEHAVIOUR, 2) | {"barriers": ["lack_of_support", "lack_of_resources"]}

        for someone_else in (
            bearer(NURSE, Role.EMPLOYEE, unit=UNIT),
            bearer("198001012005011001", Role.SUPERVISOR, unit=UNIT),
            admin,
        ):
            refused = submit(evaluation, l3["evaluation_id"], someone_else, low)
            assert refused.status_code == 403, refused.text
            assert refused.json()["error"]["code"] == "not_evaluator"
        assert "atasan langsung" in refused.json()["error"]["messages"]["id"]

        too_early = submit(evaluation, "enr-fresh-L3", HEAD_HEADERS, low)
        assert (too_early.status_code, too_early.json()["error"]["code"]) == (409, "not_open_yet")
        no_barrier = submit(evaluation, l3["evaluation_id"], HEAD_HEADERS, dict.fromkeys(BEHAVIOUR, 2))
        assert no_barrier.status_code == 422 and "barriers" in no_barrier.json()["error"]["messages"]["en"]

        accepted = submit(evaluation, l3["evaluation_id"], HEAD_HEADERS, low)
        assert accepted.status_code == 200, accepted.text
        result = accepted.json()
        assert (result["score"], result["outcome"], result["struggling_to_apply"]) == (25.0, "struggling", True)
        again = submit(evaluation, l3["evaluation_id"], HEAD_HEADERS, low)
        assert again.status_code == 409

        follow_ups = eventually(
            lambda: needs.get("/needs", params={"nip": NURSE, "source": "evaluation_follow_up"}, headers=admin).json()[
                "items"
            ],
            what="follow-up need",
        )
        assert len(follow_ups) == 1
        # Lack of support and of resources are actions (supervisor, unit head): no training form.
        assert (follow_ups[0]["competency_code"], follow_ups[0]["recommended_form"]) == ("M.05", None)
        assert follow_ups[0]["required_level"] == 3  # the nurse's post (PERAWAT) requires M.05 at 3

    (event,) = [e for e in published(infra, namespace, EVALUATION_SUBMITTED) if e["level"] == 3]
    assert (event["evaluator_nip"], event["barriers"]) == (HEAD, ["lack_of_support", "lack_of_resources"])
    assert published(infra, namespace, EVALUATION_ESCALATED) == []


def test_struggling_again_after_the_follow_up_escalates_to_bkpsdm(run_service, admin, infra, namespace):
    today = today_in_medan()
    low = dict.fromkeys(BEHAVIOUR, 1) | {"barriers": ["own_ability"]}
    # Windows opening at once let the follow-up programme be judged today.
    with run_service("evaluation", BEHAVIOUR_OPENS_DAYS="0") as evaluation:
        send(infra, namespace, completion("enr-first", today - timedelta(days=120)))
        plan_of(evaluation, admin)
        assert submit(evaluation, "enr-first-L3", HEAD_HEADERS, low).status_code == 200
        send(infra, namespace, completion("enr-follow-up", today, program="P-COACHING"))
        plan_of(evaluation, admin, count=8)
        second = submit(evaluation, "enr-follow-up-L3", HEAD_HEADERS, low).json()
        assert (second["outcome"], second["escalated"]) == ("struggling", True)

    wait_for_records(
        infra.kafka_bootstrap_servers, f"{namespace}.{EVALUATION_ESCALATED.topic}", lambda r: r.key == NURSE
    )
    (body,) = published(infra, namespace, EVALUATION_ESCALATED)
    assert (body["evaluation_id"], body["earlier_evaluation_ids"]) == ("enr-follow-up-L3", ["enr-first-L3"])


def test_overdue_evaluations_are_listed_and_reminded_once(run_service, admin, infra, namespace):
    today = today_in_medan()  # reminders are never sent as of a day still to come
    as_of = {"as_of": today.isoformat()}
    with run_service("evaluation") as evaluation:
        # No test scores: level 2 waits for BKPSDM to enter them.
        send(infra, namespace, completion("enr-a", today - timedelta(days=16)))
        plan_of(evaluation, admin)

        def overdue(headers, **params):
            query = {"state": "overdue", **as_of, **params}
            return evaluation.get("/monitoring/evaluations", params=query, headers=headers).json()["items"]

        assert [(e["level"], e["state"]) for e in overdue(admin)] == [(2, "overdue"), (1, "overdue")]
        assert [e["level"] for e in overdue(HEAD_HEADERS)] == [2, 1]  # the unit head: their unit
        assert [e["level"] for e in overdue(bearer(NURSE, Role.EMPLOYEE, unit=UNIT))] == [1]  # hers to answer
        assert overdue(admin, unit_code="OTHER-UNIT") == []

        rates = evaluation.get("/monitoring/response-rates", params={"by": "level", **as_of}, headers=admin).json()
        assert rates == [{"group": "L1", "asked": 1, "submitted": 0, "overdue": 1, "due": 0, "response_rate": 0.0}]

        first = evaluation.post("/monitoring/reminders", json=as_of, headers=admin)
        assert first.json() == {"due": 0, "overdue": 2}
        assert evaluation.post("/monitoring/reminders", json=as_of, headers=admin).json() == {"due": 0, "overdue": 0}
        refused = evaluation.post("/monitoring/reminders", json=as_of, headers=HEAD_HEADERS)
        assert refused.status_code == 403

    wait_for_records(infra.kafka_bootstrap_servers, f"{namespace}.{EVALUATION_DUE.topic}", lambda r: True, count=2)
    sent = sorted((b["level"], b["kind"], b["evaluator_role"]) for b in published(infra, namespace, EVALUATION_DUE))
    assert sent == [(1, "overdue", "participant"), (2, "overdue", "bkpsdm")]


def test_analytics_and_the_quarterly_report_can_be_recomputed_by_hand(run_service, admin, infra, namespace):
    completed = today_in_medan() - timedelta(days=100)
    people = {  # nip: (pre, post, reaction answer, behaviour answer)
        NURSE: (50, 80, 5, 4),  # raw 30, normalised 30/50 = 0.6;  L1 100; L3 75 applied
        NURSE_2: (60, 90, 4, 2),  # raw 30, normalised 30/40 = 0.75; L1 75;  L3 25 struggling
        NURSE_3: (80, 85, 2, 5),  # raw 5,  normalised 5/20 = 0.25;  L1 25;  L3 100 applied
    }
    with run_service("evaluation", BAR_MIN_RESPONSES="1") as evaluation:
        for nip, (pre, post, *_) in people.items():
            send(infra, namespace, completion(f"enr-{nip}", completed, nip=nip, pre=pre, post=post))
        send(infra, namespace, completion("enr-weak", completed, nip=HEAD, program="P-LEMAH", pre=70, post=72))
        for nip, (_, _, reaction, behaviour) in people.items():
            plan_of(evaluation, admin, nip=nip)
            mine = bearer(nip, Role.EMPLOYEE, unit=UNIT)
            assert submit(evaluation, f"enr-{nip}-L1", mine, dict.fromkeys(LIKERT, reaction)).status_code == 200
            answers = dict.fromkeys(BEHAVIOUR, behaviour) | ({"barriers": ["own_ability"]} if behaviour < 3 else {})
            assert submit(evaluation, f"enr-{nip}-L3", HEAD_HEADERS, answers).status_code == 200
        plan_of(evaluation, admin, nip=HEAD)
        head = bearer(HEAD, Role.EMPLOYEE, unit=UNIT)
        assert submit(evaluation, "enr-weak-L1", head, dict.fromkeys(LIKERT, 1)).status_code == 200

        rows = evaluation.get("/analytics/effectiveness", params={"by": "program"}, headers=admin).json()
        weak, prima = rows  # sorted by programme code
        assert prima["group"] == "P-PRIMA"
        assert (prima["l1_count"], prima["l1_mean_satisfaction"]) == (3, round((100 + 75 + 25) / 3, 4))
        assert (prima["l2_count"], prima["l2_mean_raw_gain"]) == (3, round((30 + 30 + 5) / 3, 4))
        assert prima["l2_mean_normalised_gain"] == round((0.6 + 0.75 + 0.25) / 3, 4)
        assert (prima["l3_count"], prima["l3_applied"], prima["l3_transfer_rate"]) == (3, 2, round(2 / 3, 4))
        assert prima["flags"] == []
        # P-LEMAH: L1 0 < 60, normalised gain 2/30 = 0.0667 < 0.3
        assert (weak["group"], weak["l1_mean_satisfaction"], weak["l2_mean_normalised_gain"]) == ("P-LEMAH", 0, 0.0667)
        assert [f["code"] for f in weak["flags"]] == ["low_satisfaction", "low_learning_gain"]

        by_period = evaluation.get("/analytics/effectiveness", params={"by": "period"}, headers=admin).json()
        quarter = f"{completed.year}-Q{(completed.month - 1) // 3 + 1}"
        assert [(r["group"], r["l1_count"]) for r in by_period] == [(quarter, 4)]

        today = today_in_medan()
        period = {"year": today.year, "quarter": (today.month - 1) // 3 + 1}
        report = evaluation.get("/reports/quarterly", params=period, headers=admin).json()
        assert report["flagged_programs"] == ["P-LEMAH"]
        assert (report["transfer"]["struggling"], report["transfer"]["barriers"]["own_ability"]) == (1, 1)
        csv_text = evaluation.get("/reports/quarterly", params={**period, "format": "csv"}, headers=admin).text
        assert f"effectiveness_by_program,P-PRIMA,l3_transfer_rate,{round(2 / 3, 4)}" in csv_text
        page = evaluation.get("/reports/quarterly", params={**period, "format": "html"}, headers=admin)
        assert page.headers["content-type"].startswith("text/html") and "P-LEMAH" in page.text
        assert page.headers["x-content-type-options"] == "nosniff"
        assert page.headers["content-security-policy"].startswith("default-src 'none'; style-src 'unsafe-inline'")
        assert evaluation.get("/reports/quarterly", params=period, headers=HEAD_HEADERS).status_code == 403


def test_the_unit_head_reports_unit_indicators_before_and_after(run_service, admin, infra, namespace):
    with run_service("evaluation") as evaluation:
        send(infra, namespace, completion("enr-a", today_in_medan() - timedelta(days=200)))
        plan_of(evaluation, admin)
        listed = evaluation.get("/evaluations", headers=HEAD_HEADERS).json()["items"]
        assert sorted(e["level"] for e in listed) == [3, 4]  # as supervisor (L3) and as unit head (L4)

        given = {"skm_u6_before": 3.0, "skm_u6_after": 3.3, "skm_u7_before": 3.2, "skm_u7_after": 3.2}
        queue = {"code": "antrian_harian", "before": 120, "after": 90, "higher_is_better": False}
        other_head = bearer("198001012005011001", Role.UNIT_HEAD, unit="PKM-LAIN")
        assert submit(evaluation, "enr-a-L4", other_head, given, indicators=[queue]).status_code == 403
        half = submit(evaluation, "enr-a-L4", HEAD_HEADERS, {"skm_u6_before": 3.0})
        assert half.status_code == 422 and "skm_u6" in half.json()["error"]["messages"]["en"]

        result = submit(evaluation, "enr-a-L4", HEAD_HEADERS, given, indicators=[queue]).json()
        # U6 3.0 -> 3.3 = +10 %, U7 unchanged = 0 %, queue 120 -> 90 (lower is better) = +25 %
        assert result["measures"] == {
            "change_pct_skm_u6": 10.0,
            "change_pct_skm_u7": 0.0,
            "change_pct_antrian_harian": 25.0,
            "mean_change_pct": round(35 / 3, 2),
        }
        assert (result["score"], result["outcome"]) == (round(2 / 3 * 100, 2), "improved")


def test_the_unit_head_sees_what_they_stand_in_for_and_bkpsdm_gives_an_evaluation_to_a_new_supervisor(
    run_service, admin, infra, namespace
):
    moved, successor = "198001012005011001", "198502022010012002"
    completed = today_in_medan() - timedelta(days=100)  # level 3 is open
    with run_service("evaluation") as evaluation:
        send(infra, namespace, completion("enr-none", completed, supervisor=None))
        send(infra, namespace, completion("enr-moved", completed, nip=NURSE_2, supervisor=moved))
        plan_of(evaluation, admin)
        plan_of(evaluation, admin, nip=NURSE_2)

        # No supervisor on record: the unit head stands in, so the level-3 evaluation is on their list.
        listed = evaluation.get("/evaluations", params={"nip": NURSE}, headers=HEAD_HEADERS).json()["items"]
        assert sorted((e["level"], e["evaluator_role"]) for e in listed) == [(3, "supervisor"), (4, "unit")]

        # The named supervisor moved: BKPSDM does not answer for them, it names the successor.
        low = dict.fromkeys(BEHAVIOUR, 4)
        assert submit(evaluation, "enr-moved-L3", admin, low).status_code == 403
        change = {"evaluator_nip": successor, "reason": "Atasan lama mutasi ke OPD lain"}
        assert (
            evaluation.put("/evaluations/enr-moved-L3/evaluator", json=change, headers=HEAD_HEADERS).status_code == 403
        )
        # The shared NIP rule: a birth month of 13 is refused naming that part, not only a wrong pattern.
        month_13 = change | {"evaluator_nip": "198513022010012002"}
        wrong = evaluation.put("/evaluations/enr-moved-L3/evaluator", json=month_13, headers=admin)
        assert (wrong.status_code, wrong.json()["error"]["code"]) == (422, "invalid_nip.birth_date")
        given = evaluation.put("/evaluations/enr-moved-L3/evaluator", json=change, headers=admin)
        assert given.status_code == 200, given.text
        (entry,) = given.json()["history"]
        assert (entry["action"], entry["by"], entry["from_nip"], entry["to_nip"], entry["reason"]) == (
            "evaluator_changed",
            ADMIN_NIP,
            moved,
            successor,
            "Atasan lama mutasi ke OPD lain",
        )
        assert submit(evaluation, "enr-moved-L3", bearer(moved, Role.SUPERVISOR, unit=UNIT), low).status_code == 403
        answered = submit(evaluation, "enr-moved-L3", bearer(successor, Role.SUPERVISOR, unit=UNIT), low)
        assert answered.status_code == 200, answered.text
        again = evaluation.put("/evaluations/enr-moved-L3/evaluator", json=change, headers=admin)
        assert (again.status_code, again.json()["error"]["code"]) == (409, "not_reassignable")

        # Reminders on demand as of a day still to come would mark evaluations reminded before their time.
        tomorrow = (today_in_medan() + timedelta(days=1)).isoformat()
        future = evaluation.post("/monitoring/reminders", json={"as_of": tomorrow}, headers=admin)
        assert (future.status_code, future.json()["error"]["code"]) == (422, "as_of_in_future")
        assert "hari ini" in future.json()["error"]["messages"]["id"]
        assert "later than today" in future.json()["error"]["messages"]["en"]

    # The successor was told at once that the evaluation awaits them.
    wait_for_records(infra.kafka_bootstrap_servers, f"{namespace}.{EVALUATION_DUE.topic}", lambda r: r.key == NURSE_2)
    (due,) = [b for b in published(infra, namespace, EVALUATION_DUE) if b["nip"] == NURSE_2]
    assert (due["evaluator_nip"], due["kind"], due["level"]) == (successor, "due", 3)


def test_bkpsdm_names_a_supervisor_for_an_evaluation_that_had_none_on_record(run_service, admin, infra, namespace):
    named = "198502022010012002"
    with run_service("evaluation") as evaluation:
        send(infra, namespace, completion("enr-none", today_in_medan() - timedelta(days=100), supervisor=None))
        plan_of(evaluation, admin)
        change = {"evaluator_nip": named, "reason": "Atasan belum tercatat di SIASN"}
        given = evaluation.put("/evaluations/enr-none-L3/evaluator", json=change, headers=admin)
        assert given.status_code == 200, given.text
        (entry,) = given.json()["history"]
        assert (entry["from_nip"], entry["to_nip"]) == (None, named)
        assert given.json()["evaluator_nip"] == named


def test_a_unit_code_that_looks_like_a_formula_comes_out_of_the_quarterly_csv_as_text(
    run_service, admin, infra, namespace
):
    hostile = '=HYPERLINK("http://evil.example","Klik")'
    with run_service("evaluation") as evaluation:
        # Completed a week ago: the reaction evaluation falls due today, in this quarter.
        send(infra, namespace, completion("enr-csv", today_in_medan() - timedelta(days=7), unit=hostile))
        plan_of(evaluation, admin)
        today = today_in_medan()
        period = {"year": today.year, "quarter": (today.month - 1) // 3 + 1, "format": "csv"}
        text = evaluation.get("/reports/quarterly", params=period, headers=admin).text
    by_unit = [r for r in csv.DictReader(io.StringIO(text)) if r["bagian"] == "response_by_unit"]
    assert {r["kelompok"] for r in by_unit} == {"'" + hostile}
    assert {r["ukuran"]: r["nilai"] for r in by_unit}["asked"] == "1"
