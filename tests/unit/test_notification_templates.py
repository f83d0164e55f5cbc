from datetime import UTC, date, datetime

from services.notifications import templates
from services.notifications.templates import Person, UnitHeads
from shared.events import EnrolmentChanged, EvaluationSubmitted, NeedIdentified, NeedSource


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
    employee, supervisor, head = templates.need_identified(event)
    assert (employee.to, employee.role) == (Person("199002202015032001"), "employee")
    assert (supervisor.to, supervisor.role) == (Person("197911232006041003"), "supervisor")
    assert (head.to, head.role) == (UnitHeads("PKM-PADANGBULAN"), "unit_head")
    assert "Pelayanan Publik" in employee.id.title and "level 1 -> 3" in employee.id.body
    assert employee.en.title == "Development need: Pelayanan Publik"
    assert "NIP 199002202015032001" in supervisor.en.body


def test_a_unit_level_need_goes_to_the_unit_head_alone():
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
    (notice,) = templates.need_identified(event)
    assert (notice.to, notice.role) == (UnitHeads("DISDUKCAPIL"), "unit_head")
    assert "sebelum akhir tahun anggaran 2027" in notice.id.body


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


def test_a_jp_shortfall_and_a_follow_up_read_as_what_they_are():
    base = {
        "unit_code": "PKM-PADANGBULAN",
        "fiscal_year": 2027,
        "gap": 0,
        "identified_at": datetime(2027, 7, 1, tzinfo=UTC),
    }
    jp = NeedIdentified(
        need_id="j",
        nip="199002202015032001",
        competency_code="JP",
        competency_name="Pengembangan kompetensi minimal per tahun (JP)",
        priority=1.2,
        priority_parts={"jp_shortfall": 8.0, "jp_minimum": 20.0},
        source=NeedSource.JP_SHORTFALL,
        **base,
    )
    notice, _ = templates.need_identified(jp)
    assert "pemenuhan minimal 20 JP pengembangan kompetensi (kurang 8 JP)" in notice.id.body
    assert "the yearly minimum of 20 JP of development (8 JP short)" in notice.en.body

    follow_up = NeedIdentified(
        need_id="f",
        nip="199002202015032001",
        competency_code="M.05",
        competency_name="Pelayanan Publik",
        priority=3.0,
        priority_parts={},
        source=NeedSource.EVALUATION_FOLLOW_UP,
        recommended_form="mentoring",
        **base,
    )
    notice, _ = templates.need_identified(follow_up)
    assert "tindak lanjut pelatihan M.05 Pelayanan Publik" in notice.id.body
    assert "Bentuk pengembangan yang disarankan: mentoring." in notice.id.body
    assert "Recommended form of development: mentoring." in notice.en.body


def enrolment(status, previous, **extra):
    fields = {
        "enrolment_id": "PRIMA-1:199002202015032001",
        "nip": "199002202015032001",
        "unit_code": "PKM-PADANGBULAN",
        "supervisor_nip": "197911232006041003",
        "need_ids": ["n1"],
        "program_code": "PRIMA",
        "program_title": "Pelatihan Pelayanan Prima",
        "form": "training",
        "batch_code": "PRIMA-1",
        "phase_code": "T1",
        "starts_on": date(2027, 3, 8),
        "ends_on": date(2027, 3, 11),
        "location": "BPSDM Sumut",
        "status": status,
        "previous_status": previous,
        "changed_at": datetime(2027, 2, 20, tzinfo=UTC),
    }
    return EnrolmentChanged(**(fields | extra))


def test_a_proposed_seat_tells_the_employee_where_when_and_by_when_to_confirm():
    employee, supervisor = templates.enrolment_changed(enrolment("proposed", None))
    assert employee.id.title == "Usulan kursi pelatihan: Pelatihan Pelayanan Prima"
    assert "08-03-2027 s.d. 11-03-2027 di BPSDM Sumut" in employee.id.body
    assert "paling lambat 01-03-2027" in employee.id.body  # a week before the batch starts
    assert "Confirm under Training by 2027-03-01" in employee.en.body
    assert supervisor.to == Person("197911232006041003")
    assert supervisor.id.body.startswith("Pegawai NIP 199002202015032001 diusulkan mengikuti")


def test_a_withdrawal_carries_its_reason_and_starting_to_attend_is_not_announced():
    employee, supervisor = templates.enrolment_changed(
        enrolment("withdrawn", "proposed", reason="Angkatan dibatalkan", reason_en="Batch cancelled")
    )
    assert "Alasan: Angkatan dibatalkan" in employee.id.body and "Reason: Batch cancelled" in supervisor.en.body
    assert templates.enrolment_changed(enrolment("attending", "confirmed")) == []
    assert templates.enrolment_changed(enrolment("completed", "attending")) == []
