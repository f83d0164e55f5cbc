"""A follow-up's remedy end to end, over the real broker and database: the evaluation's finding (published
as the evaluation service does), the needs service's follow-up need and its NeedIdentified, the training
planner's placement."""

import json
from datetime import UTC, date, datetime

from shared.domain import clock
from shared.events import EVALUATION_SUBMITTED, NEED_IDENTIFIED, EvaluationSubmitted, TransferBarrier, build_record
from tests.support.demo import HEAD, NURSE, UNIT, load_puskesmas, program_body, schedule
from tests.support.events import planned_needs, send
from tests.support.kafka import wait_for_records
from tests.support.waiting import eventually


def struggling(evaluation_id, nip, program_code, *barriers):
    payload = EvaluationSubmitted(
        evaluation_id=evaluation_id,
        enrolment_id=f"enr-{evaluation_id}",
        program_code=program_code,
        nip=nip,
        unit_code=UNIT,
        level=3,
        score=35.0,
        outcome="struggling",
        struggling_to_apply=True,
        barriers=list(barriers),
        competency_codes=["M.05"],
        submitted_at=datetime(2027, 1, 3, tzinfo=UTC),
    )
    return build_record(EVALUATION_SUBMITTED, payload, subject=nip)


def decided(training, admin, nip):
    """The planner's view of a person's follow-up need, once it is decided (not open any more)."""
    return eventually(
        lambda: [n for n in planned_needs(training, admin, nip=nip)["items"] if n["status"] != "open"],
        what=f"a decision on {nip}'s follow-up",
    )[0]


def test_each_follow_up_gets_its_remedy_at_its_positions_level(run_service, admin, infra, namespace):
    with run_service("needs") as needs, run_service("training") as training:
        load_puskesmas(needs, admin)  # the nurse's post requires M.05 at level 3; so does her head's
        catalogue = {
            # The cheapest of all, but a classroom course: wrong form for someone who needs coaching.
            "KELAS-PRIMA": program_body({"M.05": 3}, cost_per_participant=0),
            # Coaching, but only up to level 1: wrong level for a level-3 post.
            "COACH-DASAR": program_body({"M.05": 1}, form="coaching", cost_per_participant=100_000),
            "COACH-PRIMA": program_body({"M.05": 3}, form="coaching", cost_per_participant=1_000_000),
            "PEL-PRIMA": program_body({"M.05": 3}, cost_per_participant=500_000),
        }
        for code, body in catalogue.items():
            assert training.put(f"/programs/{code}", json=body, headers=admin).status_code == 200
        for code in catalogue:
            schedule(training, admin, f"{code}-1", code)

        # own_ability -> coaching (the lack of resources is an action for the unit head, not training).
        send(infra, namespace, struggling("nurse-L3", NURSE, "PEL-PRIMA", "own_ability", "lack_of_resources"))
        nurse = decided(training, admin, NURSE)
        assert (nurse["status"], nurse["batch_code"]) == ("placed", "COACH-PRIMA-1")
        assert (nurse["required_level"], nurse["recommended_form"]) == (3, "coaching")
        assert "covers M.05 up to level 3 (3 needed)" in nurse["explanation_en"]
        assert "of the form coaching, mentoring" in nurse["explanation_en"]

        # content_mismatch -> any form, never the programme that did not fit (though it is the cheapest).
        send(infra, namespace, struggling("head-L3", HEAD, "KELAS-PRIMA", TransferBarrier.CONTENT_MISMATCH))
        head = decided(training, admin, HEAD)
        assert (head["status"], head["batch_code"], head["program_code"]) == ("placed", "PEL-PRIMA-1", "KELAS-PRIMA")
        assert "other than KELAS-PRIMA" in head["explanation_en"]

        # lack_of_resources only: no training at all.
        send(infra, namespace, struggling("nurse-L3-2", NURSE, "COACH-PRIMA", TransferBarrier.LACK_OF_RESOURCES))
        only_action = eventually(
            lambda: [
                n for n in planned_needs(training, admin, nip=NURSE)["items"] if n["need_id"].endswith("-FU-nurse-L3-2")
            ],
            what="the resources-only follow-up",
        )[0]
        assert (only_action["status"], only_action["batch_code"]) == ("action_only", None)
        run = training.post("/plans/2027/run", headers=admin).json()
        assert run["new_seats"] == 0
        seats = training.get("/enrolments", params={"nip": NURSE}, headers=admin).json()["items"]
        assert [s["batch_code"] for s in seats] == ["COACH-PRIMA-1"]

    announced = wait_for_records(
        infra.kafka_bootstrap_servers,
        f"{namespace}.{NEED_IDENTIFIED.topic}",
        lambda r: r.key == NURSE and json.loads(r.value)["need_id"].endswith("-FU-nurse-L3"),
    )
    event = json.loads(announced[0].value)
    assert (event["required_level"], event["recommended_form"], event["program_code"]) == (3, "coaching", "PEL-PRIMA")
    assert (event["barriers"], event["employment_type"]) == (["own_ability", "lack_of_resources"], "PNS")


def test_a_struggling_level_3_with_own_ability_and_lack_of_resources_gets_coaching_and_an_action(
    run_service, admin, infra, namespace, monkeypatch
):
    """Issue 14's done-when, through the three services: the supervisor's level 3 (barriers own ability
    and lack of resources) becomes a coaching placement at the post's level and an action for the head."""
    from tests.integration.test_evaluation_service import BEHAVIOUR, HEAD_HEADERS, completion, plan_of, submit

    monkeypatch.setattr(clock, "now", lambda: datetime(2027, 1, 3, 10, tzinfo=clock.WIB))
    with (
        run_service("needs") as needs,
        run_service("training") as training,
        run_service("evaluation", BEHAVIOUR_OPENS_DAYS="0") as evaluation,
    ):
        load_puskesmas(needs, admin)
        for code, body in {
            "KELAS-PRIMA": program_body({"M.05": 3}, cost_per_participant=0),
            "COACH-PRIMA": program_body({"M.05": 3}, form="coaching", cost_per_participant=1_000_000),
        }.items():
            assert training.put(f"/programs/{code}", json=body, headers=admin).status_code == 200
            schedule(training, admin, f"{code}-1", code)
        send(infra, namespace, completion("enr-nurse", date(2027, 1, 2), nip=NURSE, program="PEL-PRIMA"))
        plan_of(evaluation, admin, nip=NURSE)
        answers = dict.fromkeys(BEHAVIOUR, 2) | {"barriers": ["own_ability", "lack_of_resources"]}
        assert submit(evaluation, "enr-nurse-L3", HEAD_HEADERS, answers).status_code == 200

        nurse = decided(training, admin, NURSE)
        assert (nurse["status"], nurse["batch_code"], nurse["required_level"]) == ("placed", "COACH-PRIMA-1", 3)
        (action,) = eventually(
            lambda: evaluation.get("/actions", params={"unit_code": UNIT}, headers=admin).json()["items"],
            what="the action for the unit head",
        )
        assert (action["barrier"], action["owner_role"], action["nip"]) == ("lack_of_resources", "unit", NURSE)
