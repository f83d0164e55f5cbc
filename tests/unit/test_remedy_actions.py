"""Remedy actions: which barriers open one, for whom, due when; the guarded closing; the figures BKPSDM
reads; the owner's notice and the contracts of the two new events."""

import json
from datetime import UTC, date, datetime

import jsonschema
import pytest

from services.evaluation import actions, reports
from services.notifications import templates
from services.notifications.domain import Person, UnitHeads
from shared.domain.errors import Conflict, Invalid
from shared.domain.identity import Principal, Role
from shared.events import (
    REMEDY_ACTION_CLOSED,
    REMEDY_ACTION_OPENED,
    ActionStatus,
    AdoptionItemOpened,
    EvaluatorRole,
    RemedyActionClosed,
    RemedyActionOpened,
    TransferBarrier,
)

NURSE, HEAD, OTHER = "199002202015032001", "197505102000031002", "198001012005011001"
UNIT = "PKM-PADANGBULAN"
B = TransferBarrier


def test_only_the_barriers_training_does_not_remove_open_actions_each_for_its_owner():
    planned = actions.planned_actions(
        [B.OWN_ABILITY, B.LACK_OF_RESOURCES, B.CONTENT_MISMATCH, B.NO_OPPORTUNITY, B.LACK_OF_SUPPORT],
        HEAD,
        date(2027, 9, 1),
        30,
    )
    assert [(p.barrier, p.owner_role, p.owner_nip, p.due_on) for p in planned] == [
        # the unit head provides the means: the role, whoever holds it
        (B.LACK_OF_RESOURCES, EvaluatorRole.UNIT, None, date(2027, 10, 1)),  # 1 September + 30 days
        # the supervisor assigns the work and backs the employee in it
        (B.NO_OPPORTUNITY, EvaluatorRole.SUPERVISOR, HEAD, date(2027, 10, 1)),
        (B.LACK_OF_SUPPORT, EvaluatorRole.SUPERVISOR, HEAD, date(2027, 10, 1)),
    ]
    # own ability, content mismatch and a transfer go back to training: no action
    assert actions.planned_actions([B.OWN_ABILITY, B.TRANSFER_OR_PROMOTION], HEAD, date(2027, 9, 1), 30) == []
    # a barrier given twice is one action
    assert len(actions.planned_actions([B.LACK_OF_SUPPORT, B.LACK_OF_SUPPORT], HEAD, date(2027, 9, 1), 30)) == 1


def test_the_owner_is_the_named_supervisor_else_the_unit_head_never_the_participant():
    head = Principal(HEAD, frozenset({Role.SUPERVISOR, Role.UNIT_HEAD}), UNIT)
    other = Principal(OTHER, frozenset({Role.SUPERVISOR}), UNIT)
    nurse_as_head = Principal(NURSE, frozenset({Role.UNIT_HEAD}), UNIT)
    assert actions.is_owner("supervisor", OTHER, UNIT, NURSE, other)
    assert not actions.is_owner("supervisor", OTHER, UNIT, NURSE, head)  # a named supervisor owns it alone
    assert actions.is_owner("supervisor", None, UNIT, NURSE, head)  # none on record: the unit head stands in
    assert actions.is_owner("unit", None, UNIT, NURSE, head)
    assert not actions.is_owner("unit", None, "OTHER-UNIT", NURSE, head)
    assert not actions.is_owner("unit", None, UNIT, NURSE, nurse_as_head)  # never one's own action


def test_an_action_closes_once_done_with_a_note_or_dropped_with_a_reason():
    actions.close("open", ActionStatus.DONE, "Timbangan bayi disediakan")
    actions.close("open", ActionStatus.DROPPED, "Pegawai pindah unit")
    with pytest.raises(Invalid) as blank:
        actions.close("open", ActionStatus.DROPPED, "   ")
    assert "reason" in blank.value.message_en
    for closed in ("done", "dropped"):
        with pytest.raises(Conflict):
            actions.close(closed, ActionStatus.DONE, "again")
    with pytest.raises(Invalid):
        actions.close("open", ActionStatus.OPEN, "reopen")


def test_the_summary_counts_by_hand():
    today = date(2027, 10, 10)
    rows = [
        (UNIT, "open", date(2027, 10, 1)),  # overdue
        (UNIT, "open", date(2027, 10, 31)),
        (UNIT, "done", date(2027, 10, 1)),
        (UNIT, "dropped", date(2027, 10, 1)),
        ("UPT-B", "done", date(2027, 10, 1)),
    ]
    assert actions.summary(rows, today) == [
        # done rate = done / (done + dropped + overdue) = 1 / 3
        {"group": UNIT, "open": 2, "overdue": 1, "done": 1, "dropped": 1, "done_rate": 0.3333},
        {"group": "UPT-B", "open": 0, "overdue": 0, "done": 1, "dropped": 0, "done_rate": 1.0},
    ]
    assert not actions.overdue("open", date(2027, 10, 10), today)  # due today is not late yet
    assert not actions.overdue("done", date(2027, 10, 1), today)


def test_the_quarterly_report_lists_the_actions_in_csv_and_html():
    row = {"group": UNIT, "open": 2, "overdue": 1, "done": 1, "dropped": 1, "done_rate": 0.3333}
    report = {
        "period": "2027-Q4",
        "from": "2027-10-01",
        "to": "2027-12-31",
        "as_of": "2027-10-10",
        "response_by_level": [],
        "response_by_unit": [],
        "effectiveness_by_program": [],
        "flagged_programs": [],
        "actions_by_unit": [row],
        "actions_by_barrier": [row | {"group": "lack_of_resources"}],
        "transfer": {"struggling": 0, "escalated": 0, "barriers": {}},
    }
    rows = list(reports.csv_rows(report))
    assert ["2027-Q4", "actions_by_unit", UNIT, "overdue", 1] in rows
    assert ["2027-Q4", "actions_by_barrier", "lack_of_resources", "done", 1] in rows
    page = reports.to_html(report)
    assert "Aksi tindak lanjut per unit kerja" in page and "terbuka / open" in page


def opened(**overrides):
    fields = {
        "action_id": "enr-1-L3-lack_of_resources",
        "evaluation_id": "enr-1-L3",
        "program_code": "PRIMA",
        "nip": NURSE,
        "unit_code": UNIT,
        "barrier": "lack_of_resources",
        "owner_role": "unit",
        "owner_nip": None,
        "due_on": date(2027, 10, 1),
        "opened_at": datetime(2027, 9, 1, 3, tzinfo=UTC),
    }
    return RemedyActionOpened(**(fields | overrides))


def test_the_owner_is_told_what_to_do_by_when_in_both_languages():
    (to_unit,) = templates.remedy_action_opened(opened())
    assert (to_unit.to, to_unit.role) == (UnitHeads(UNIT), "unit_head")
    assert "sediakan sarana" in to_unit.id.body and "01-10-2027" in to_unit.id.body
    assert "provide the means" in to_unit.en.body and "2027-10-01" in to_unit.en.body
    (to_supervisor,) = templates.remedy_action_opened(
        opened(barrier="no_opportunity_to_apply", owner_role="supervisor", owner_nip=HEAD)
    )
    assert to_supervisor.to == Person(HEAD) and "assign work that applies" in to_supervisor.en.body
    # no supervisor on record: the unit head stands in
    (stand_in,) = templates.remedy_action_opened(opened(barrier="lack_of_support", owner_role="supervisor"))
    assert stand_in.to == UnitHeads(UNIT)


def test_the_action_events_validate_against_their_json_schemas():
    closed = RemedyActionClosed(
        action_id="enr-1-L3-lack_of_resources",
        evaluation_id="enr-1-L3",
        nip=NURSE,
        unit_code=UNIT,
        barrier="lack_of_resources",
        owner_role="unit",
        status="done",
        note="Timbangan disediakan",
        closed_by=HEAD,
        closed_at=datetime(2027, 9, 20, tzinfo=UTC),
    )
    for contract, payload in ((REMEDY_ACTION_OPENED, opened()), (REMEDY_ACTION_CLOSED, closed)):
        jsonschema.validate(json.loads(payload.model_dump_json()), contract.json_schema())
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(
            json.loads(opened().model_dump_json()) | {"status": "x", "barrier": "own"},
            REMEDY_ACTION_OPENED.json_schema(),
        )


# --- Adoption items ---------------------------------------------------------------------------------


def test_a_practice_is_due_after_the_visit_and_within_a_year():
    visited = date(2027, 3, 11)
    actions.check_practices(visited, [date(2027, 3, 12), date(2028, 3, 10)])  # 365 days after: the last day
    for wrong in (date(2027, 3, 11), date(2028, 3, 11)):
        with pytest.raises(Invalid):
            actions.check_practices(visited, [wrong])


def test_the_epp_falls_6_to_12_months_after_the_programme_and_milestones_before_it():
    done = date(2027, 3, 11)
    actions.check_change_project(done, [date(2027, 4, 10)], date(2027, 9, 7))  # 180 days after
    actions.check_change_project(done, [date(2028, 3, 10)], date(2028, 3, 10))  # 365 days, milestone on it
    for milestones, epp in (
        ([date(2027, 4, 10)], date(2027, 9, 6)),  # 179 days: too early
        ([date(2027, 4, 10)], date(2028, 3, 11)),  # 366 days: too late
        ([date(2027, 10, 1)], date(2027, 9, 7)),  # a milestone after the EPP
        ([date(2027, 3, 11)], date(2027, 9, 7)),  # a milestone on the last day of training
    ):
        with pytest.raises(Invalid):
            actions.check_change_project(done, milestones, epp)


def test_leadership_programmes_are_known_by_their_code():
    prefixes = ("PKA", "PKP", "PKN")
    assert actions.leads_to_change_project("PKP-2027-1", prefixes)
    assert actions.leads_to_change_project("pkn-ii", prefixes)
    assert not actions.leads_to_change_project("PRIMA", prefixes)


def test_level_4_counts_practices_adopted_and_steps_confirmed():
    assert actions.adoption_measures([("practice", "done"), ("practice", "open"), ("practice", "dropped")]) == {
        "practices_reported": 3,
        "practices_adopted": 1,
    }
    assert actions.adoption_measures([("milestone", "done"), ("milestone", "done"), ("epp", "open")]) == {
        "change_steps": 3,
        "change_steps_confirmed": 2,
    }
    assert actions.adoption_measures([]) == {}


def test_a_practice_reaches_the_home_unit_head_and_a_step_the_supervisor():
    fields = {
        "item_id": "enr-pb-practice-1",
        "kind": "practice",
        "enrolment_id": "enr-pb",
        "program_code": "PB-DIGITAL",
        "host_code": "KOTA-CONTOH",
        "nip": NURSE,
        "unit_code": UNIT,
        "title": "Antrean daring",
        "plan": "Pasang antrean daring di loket KIA",
        "owner_role": "unit",
        "due_on": date(2027, 6, 9),
        "opened_at": datetime(2027, 3, 12, tzinfo=UTC),
    }
    (practice,) = templates.adoption_item_opened(AdoptionItemOpened(**fields))
    assert practice.to == UnitHeads(UNIT) and "loket KIA" in practice.id.body and "09-06-2027" in practice.id.body
    (step,) = templates.adoption_item_opened(
        AdoptionItemOpened(**fields | {"kind": "milestone", "owner_role": "supervisor", "owner_nip": HEAD})
    )
    assert step.to == Person(HEAD) and "Confirm it once" in step.en.body
