from datetime import date

from services.training import domain
from services.training.domain import CompletionReport, ProgramOffer


def offer(code, competencies, *, cost=1_000_000.0, min_attendance=80.0, passing=None, jp=24):
    return ProgramOffer(code, code.title(), "training", competencies, jp, cost, min_attendance, passing)


def test_the_programme_with_the_least_overshoot_is_chosen():
    offers = [offer("EXPERT", {"M.05": 5}), offer("PRIMA", {"M.05": 3}), offer("BASIC", {"M.05": 1})]
    placement = domain.choose_program(offers, "M.05", 3)
    assert placement.program is not None and placement.program.code == "PRIMA"
    assert "PRIMA" in placement.reason_id and "level 3" in placement.reason_en


def test_between_equal_fits_the_cheaper_programme_wins():
    offers = [offer("DEAR", {"M.03": 3}, cost=5_000_000), offer("CHEAP", {"M.03": 3}, cost=0)]
    placement = domain.choose_program(offers, "M.03", 2)
    assert placement.program is not None and placement.program.code == "CHEAP"


def test_a_need_no_programme_covers_is_waitlisted_with_the_reason():
    placement = domain.choose_program([offer("BASIC", {"M.05": 1})], "M.05", 3)
    assert placement.program is None
    assert placement.reason_en == "No active programme covers M.05 up to level 3 yet."
    assert "M.05" in placement.reason_id


def report(attendance, post, pre=50.0):
    return CompletionReport(attendance, pre, post, date(2027, 3, 1), date(2027, 3, 4))


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
