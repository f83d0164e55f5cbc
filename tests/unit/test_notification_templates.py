from datetime import UTC, datetime

from services.notifications import templates
from shared.events import EvaluationSubmitted, NeedIdentified, NeedSource


def test_a_need_reaches_the_employee_and_the_supervisor_in_both_languages():
    event = NeedIdentified(
        need_id="n1",
        nip="199002202015032001",
        unit_code="PKM-PADANGBULAN",
        supervisor_nip="197911232006041003",
        competency_code="M.05",
        competency_name="Pelayanan Publik",
        required_level=3,
        assessed_level=1,
        gap=2,
        priority=3.0,
        priority_parts={},
        source=NeedSource.COMPETENCY_GAP,
        fiscal_year=2027,
        identified_at=datetime(2027, 2, 10, tzinfo=UTC),
    )
    employee, supervisor = templates.need_identified(event)
    assert (employee.recipient_nip, employee.role) == ("199002202015032001", "employee")
    assert (supervisor.recipient_nip, supervisor.role) == ("197911232006041003", "supervisor")
    assert "Pelayanan Publik" in employee.id.title and "level 1 -> 3" in employee.id.body
    assert employee.en.title == "Development need: Pelayanan Publik"
    assert "NIP 199002202015032001" in supervisor.en.body


def test_a_unit_level_need_has_no_personal_recipient():
    event = NeedIdentified(
        need_id="n2",
        nip=None,
        unit_code="DISDUKCAPIL",
        competency_code="M.05",
        competency_name="Pelayanan Publik",
        gap=0,
        priority=1.0,
        priority_parts={},
        source=NeedSource.PUBLIC_SATISFACTION,
        fiscal_year=2027,
        identified_at=datetime(2027, 2, 10, tzinfo=UTC),
    )
    assert templates.need_identified(event) == []


def test_an_evaluation_receipt_states_the_score():
    event = EvaluationSubmitted(
        evaluation_id="e1",
        enrolment_id="enr-1",
        program_code="PEL-PRIMA-2027",
        nip="199002202015032001",
        unit_code="PKM-PADANGBULAN",
        level=1,
        score=75.0,
        outcome="satisfied",
        submitted_at=datetime(2027, 3, 5, tzinfo=UTC),
    )
    (notice,) = templates.evaluation_submitted(event)
    assert "75/100" in notice.id.body and "75/100" in notice.en.body


def test_one_message_id_per_event_recipient_and_channel():
    a = templates.message_id("evt-1", "199002202015032001", "inbox")
    assert a == templates.message_id("evt-1", "199002202015032001", "inbox")
    assert a != templates.message_id("evt-1", "197911232006041003", "inbox")
    assert a != templates.message_id("evt-2", "199002202015032001", "inbox")
    assert a != templates.message_id("evt-1", "199002202015032001", "email")
