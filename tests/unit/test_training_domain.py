from datetime import date

import pytest

from services.training import domain
from services.training.domain import CompletionReport, ProgramOffer
from shared.domain.errors import Forbidden, Invalid, InvalidTransition
from shared.domain.identity import Principal, Role


def offer(code, competencies, *, cost=1_000_000.0, min_attendance=80.0, passing=None, jp=24):
    return ProgramOffer(code, code.title(), "training", competencies, jp, cost, min_attendance, passing)


def report(attendance, post, pre=50.0, **placement):
    return CompletionReport(attendance, pre, post, **placement)


def test_a_participant_below_the_attendance_minimum_does_not_complete():
    verdict = domain.judge_completion(offer("P", {"M.05": 3}, min_attendance=90, passing=70), report(85, 90))
    assert not verdict.completed
    assert verdict.reasons_en == ("Attendance 85% is below the minimum 90%.",)


def test_a_participant_below_the_passing_score_does_not_complete():
    verdict = domain.judge_completion(offer("P", {"M.05": 3}, passing=70), report(100, 69.5))
    assert not verdict.completed
    assert "69.5" in verdict.reasons_id[0]


def test_meeting_attendance_and_score_completes():
    assert domain.judge_completion(offer("P", {"M.05": 3}, min_attendance=90, passing=70), report(90, 70)).completed
    assert domain.judge_completion(offer("COACH", {"M.07": 3}), report(80, None)).completed


def test_the_certificate_number_is_stable_for_an_enrolment():
    first = domain.certificate_number("enr-2027-1-M.05", date(2027, 3, 4))
    assert first == domain.certificate_number("enr-2027-1-M.05", date(2027, 3, 4))
    assert first.startswith("BKPSDM-MDN/2027/")
    assert first != domain.certificate_number("enr-2027-2-M.05", date(2027, 3, 4))


def test_seminars_and_workshops_convert_days_to_jp_after_lan():
    assert domain.program_jp("seminar", jp=None, days=3, international=False) == 12  # 4 JP a day
    assert domain.program_jp("seminar", jp=None, days=3, international=True) == 18  # 6 JP a day
    assert domain.program_jp("workshop", jp=None, days=2, international=False) == 10  # 5 JP a day
    assert domain.program_jp("workshop", jp=None, days=2, international=True) == 14  # 7 JP a day


def test_a_training_abroad_earns_a_fifth_more_and_other_forms_state_their_jp():
    assert domain.program_jp("training", jp=40, days=5, international=True) == 48
    assert domain.program_jp("training", jp=40, days=5, international=False) == 40
    assert domain.program_jp("internship", jp=40, days=None, international=True) == 40
    with pytest.raises(Invalid, match="days"):
        domain.program_jp("seminar", jp=None, days=None, international=False)
    with pytest.raises(Invalid, match="JP"):
        domain.program_jp("coaching", jp=None, days=None, international=False)
    assert domain.is_classical("workshop") and not domain.is_classical("benchmarking_visit")


def test_a_curriculum_version_is_reviewed_before_it_is_approved():
    status = domain.CurriculumStatus
    assert domain.CURRICULUM_LIFECYCLE.next("submit", status.DRAFT) == status.IN_REVIEW
    assert domain.CURRICULUM_LIFECYCLE.next("return", status.IN_REVIEW) == status.DRAFT
    assert domain.CURRICULUM_LIFECYCLE.next("approve", status.IN_REVIEW) == status.APPROVED
    assert domain.CURRICULUM_LIFECYCLE.next("retire", status.APPROVED) == status.RETIRED
    with pytest.raises(InvalidTransition) as err:
        domain.CURRICULUM_LIFECYCLE.next("approve", status.DRAFT)
    assert err.value.message_en == "A curriculum version that is draft cannot be approved."


def test_a_programme_on_a_partner_curriculum_waits_for_an_approved_version():
    assert domain.ready_to_run(False, [])
    assert not domain.ready_to_run(True, ["draft", "in_review"])
    assert domain.ready_to_run(True, ["retired", "approved"])


def test_an_internship_completes_only_with_a_learning_agreement_and_a_final_report():
    internship = ProgramOffer("MAGANG", "Magang", "internship", {"M.05": 3}, 40, 0, 80, None)
    verdict = domain.judge_completion(internship, report(100, None, has_learning_agreement=True))
    assert not verdict.completed
    assert verdict.reasons_en == ("The final report has not been submitted.",)
    both = report(100, None, has_learning_agreement=True, has_final_report=True)
    assert domain.judge_completion(internship, both).completed


def test_a_seat_moves_only_along_its_lifecycle():
    status = domain.EnrolmentStatus
    assert domain.ENROLMENT_LIFECYCLE.next("confirm", status.PROPOSED) == status.CONFIRMED
    assert domain.ENROLMENT_LIFECYCLE.next("withdraw", status.ATTENDING) == status.WITHDRAWN
    with pytest.raises(InvalidTransition) as refused:
        domain.ENROLMENT_LIFECYCLE.next("confirm", status.COMPLETED)
    assert refused.value.message_en == "An enrolment that is completed cannot be confirmed."
    assert "tidak dapat dikonfirmasi" in refused.value.message_id


def test_attendance_is_the_share_of_sessions_attended():
    assert domain.attendance_pct(5, 6) == 83.3
    assert domain.attendance_pct(0, 0) == 0.0


def test_a_batch_must_lie_inside_its_phase():
    with pytest.raises(Invalid, match="within its phase"):
        domain.check_window(date(2027, 3, 1), date(2027, 3, 5), within=(date(2027, 3, 2), date(2027, 6, 30)))
    with pytest.raises(Invalid, match="fiscal year 2027"):
        domain.check_window(date(2027, 12, 1), date(2028, 1, 5), fiscal_year=2027)


def test_a_benchmarking_visit_needs_a_registered_host_and_other_forms_none():
    domain.check_host_for("benchmarking_visit", "KOTA-CONTOH", registered=True)
    domain.check_host_for("training", None, registered=False)
    for host, registered in ((None, False), ("KOTA-LAIN", False)):
        with pytest.raises(Invalid) as refused:
            domain.check_host_for("benchmarking_visit", host, registered=registered)
        assert refused.value.code == "host_required"


def test_a_curriculum_is_changed_only_by_its_institutions_partners_and_bkpsdm():
    usu = Principal("198505052010011005", frozenset({Role.PARTNER}), None, institution="USU")
    itm = Principal("198606062011011006", frozenset({Role.PARTNER}), None, institution="ITM")
    admin = Principal("197805122003121002", frozenset({Role.BKPSDM_ADMIN}), "BKPSDM")
    assert domain.may_change_curriculum(usu, "USU") and domain.may_change_curriculum(admin, "USU")
    assert not domain.may_change_curriculum(itm, "USU")
    assert not domain.may_change_curriculum(usu, None)  # made before ownership: BKPSDM only
    assert domain.may_change_curriculum(admin, None)

    assert domain.curriculum_owner(usu, None, None) == "USU"
    assert domain.curriculum_owner(admin, "USU", "ITM") == "ITM"
    assert domain.curriculum_owner(admin, "USU", None) == "USU"
    for current, named in ((None, "ITM"), ("ITM", None), ("USU", "ITM")):
        with pytest.raises(Forbidden):
            domain.curriculum_owner(usu, current, named)
    with pytest.raises(Invalid):
        domain.curriculum_owner(admin, None, None)


def test_a_seminar_takes_its_jp_from_its_days_and_refuses_a_figure_that_contradicts_them():
    # LAN conversion: a national seminar earns 4 JP a day, so one day is 4 JP, never the year's 20.
    with pytest.raises(Invalid) as refused:
        domain.program_jp("seminar", jp=20, days=1, international=False)
    assert refused.value.code == "jp_contradicts_days"
    assert "earns 4 JP" in refused.value.message_en and "not 20 JP" in refused.value.message_en
    # A JP figure alone is not enough: the days decide.
    with pytest.raises(Invalid) as no_days:
        domain.program_jp("workshop", jp=10, days=None, international=False)
    assert no_days.value.code == "jp_from_days"
    # A figure that agrees with the days is accepted.
    assert domain.program_jp("workshop", jp=14, days=2, international=True) == 14
