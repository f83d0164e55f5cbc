from datetime import UTC, date, datetime

from services.notifications import domain, templates
from services.notifications.domain import Person, UnitHeads
from shared.events import (
    CertificateRevoked,
    EnrolmentChanged,
    EvaluationSubmitted,
    NeedIdentified,
    NeedSource,
    ProgramCompleted,
)
from tests.support.events import need_payload


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
    # The reason, in both languages.
    reason = "SKM 2026: U6 Kompetensi Pelaksana bernilai 62 (mutu C)."
    (explained,) = templates.need_identified(event.model_copy(update={"reason": reason}))
    assert f"Dasar: {reason}" in explained.id.body
    assert f'Basis: the unit\'s public satisfaction survey (SKM) ("{reason}").' in explained.en.body


def completed(**changes):
    fields = {
        "enrolment_id": "enr-1",
        "nip": PARTICIPANT,
        "unit_code": "PKM-PADANGBULAN",
        "program_code": "PRIMA",
        "program_title": "Pelatihan Pelayanan Prima",
        "form": "training",
        "competencies": [{"code": "M.05", "target_level": 3}],
        "jp": 30,
        "attendance_pct": 95,
        "started_on": date(2027, 3, 8),
        "completed_on": date(2027, 3, 11),
        "certificate_number": "BKPSDM/2027/001",
    }
    return ProgramCompleted(**(fields | changes))


CERTIFICATE_PAGE = "https://pelatihan.bkpsdm.example.go.id/credentials/8a1f0b52-3c4d-4e6f-9a0b-1c2d3e4f5a6b"


def test_a_completion_promises_no_deadline_the_notifications_service_does_not_know():
    (notice,) = templates.program_completed(completed())
    assert "7 hari" not in notice.id.body and "7 days" not in notice.en.body
    assert "when it appears under Evaluations" in notice.en.body and "batas waktunya" in notice.id.body
    assert "diperiksa" not in notice.id.body  # an event from before certificates were signed has no page


def test_the_completion_message_gives_the_certificate_verification_page():
    url = CERTIFICATE_PAGE
    (notice,) = templates.program_completed(completed(certificate_url=url))
    assert notice.id.body.endswith(f"diperiksa keasliannya oleh siapa saja di: {url}")
    assert notice.en.body.endswith(f"genuine at: {url}")


def test_a_revoked_certificate_is_told_to_its_holder_with_the_reason_and_the_page():
    url = CERTIFICATE_PAGE
    facts = completed().model_dump(include={"enrolment_id", "nip", "unit_code", "program_code", "program_title"})
    event = CertificateRevoked(
        **facts,
        certificate_number="BKPSDM-MDN/2027/5E1A2B3C",
        certificate_url=url,
        reason="Diterbitkan untuk angkatan yang salah.",
        revoked_by=ADMIN,
        revoked_at=datetime(2027, 4, 1, 9, tzinfo=UTC),
    )
    (notice,) = templates.certificate_revoked(event)
    assert notice.to == Person(PARTICIPANT)
    assert notice.id.title == "Sertifikat BKPSDM-MDN/2027/5E1A2B3C dicabut"
    assert "Alasan: Diterbitkan untuk angkatan yang salah. " in notice.id.body and notice.id.body.endswith(url)
    assert "Reason: Diterbitkan untuk angkatan yang salah. " in notice.en.body and notice.en.body.endswith(url)


PARTICIPANT, SUPERVISOR, ADMIN = "199002202015032001", "197911232006041003", "197805122003121002"


def submitted(level, evaluator_nip, score=75.0, **measures):
    return EvaluationSubmitted(
        evaluation_id=f"e-L{level}",
        enrolment_id="enr-1",
        program_code="PEL-PRIMA-2027",
        nip=PARTICIPANT,
        unit_code="PKM-PADANGBULAN",
        level=level,
        evaluator_nip=evaluator_nip,
        score=score,
        outcome="x",
        submitted_at=datetime(2027, 3, 5, tzinfo=UTC),
        measures=measures,
    )


def test_an_evaluation_receipt_goes_to_whoever_submitted_it():
    (own,) = templates.evaluation_submitted(submitted(1, PARTICIPANT))
    assert own.to == Person(PARTICIPANT) and "75/100" in own.id.body and "75/100" in own.en.body
    assert "reaction" in own.en.title

    # The supervisor's level-3 judgement: a receipt to the supervisor, nothing to the participant.
    (receipt,) = templates.evaluation_submitted(submitted(3, SUPERVISOR, score=25.0))
    assert (receipt.to, receipt.role) == (Person(SUPERVISOR), "evaluator")
    assert f"employee NIP {PARTICIPANT}" in receipt.en.body and "behaviour" in receipt.en.title

    # Level 2 entered by BKPSDM: BKPSDM's receipt, and the participant hears of their own learning gain.
    admin_receipt, gain = templates.evaluation_submitted(submitted(2, ADMIN, 60.0, pre_score=55.0, post_score=82.0))
    assert admin_receipt.to == Person(ADMIN)
    assert gain.to == Person(PARTICIPANT) and "Pre-test 55, post-test 82" in gain.en.body
    assert "nilai pre-test 55".lower() in gain.id.body.lower()
    # From the completion's own test scores nobody submitted: only the participant is told.
    (only,) = templates.evaluation_submitted(submitted(2, None, 60.0))
    assert only.to == Person(PARTICIPANT) and "learning gain" in only.en.body


def test_one_message_id_per_event_recipient_and_channel():
    a = domain.message_id("evt-1", "199002202015032001", "inbox")
    assert a == domain.message_id("evt-1", "199002202015032001", "inbox")
    assert a != domain.message_id("evt-1", "197911232006041003", "inbox")
    assert a != domain.message_id("evt-2", "199002202015032001", "inbox")
    assert a != domain.message_id("evt-1", "199002202015032001", "email")


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


def test_a_need_announced_again_is_told_as_an_update_or_not_at_all():
    first = need_payload(source="jp_shortfall", priority_parts={"jp_shortfall": 12, "jp_minimum": 20})
    facts = templates.need_facts(first)
    assert domain.announcement(None, facts) == "new"
    # Only the priority moved: nothing new for the people concerned.
    moved = first.model_copy(update={"priority": 9.0})
    assert domain.announcement(facts, templates.need_facts(moved)) == "none"
    # The shortfall shrank: an update, saying what changed, to the same people.
    smaller = first.model_copy(update={"priority_parts": {"jp_shortfall": 4, "jp_minimum": 20}})
    assert domain.announcement(facts, templates.need_facts(smaller)) == "update"
    updates = templates.need_updated(smaller, facts)
    assert [n.to for n in updates] == [n.to for n in templates.need_identified(smaller)]
    employee = updates[0]
    assert employee.id.title.startswith("Pembaruan: ") and employee.en.title.startswith("Update: ")
    assert "The JP shortfall changed from 12 to 4 JP." in employee.en.body
    assert "Kekurangan JP Anda berubah dari 12 menjadi 4 JP." in employee.id.body
