from datetime import date

import pytest

from services.needs import domain
from services.needs.domain import Assessment, AssessmentSource, PositionType
from shared.domain.nip import InvalidNip, Nip


def test_a_well_formed_nip_reveals_birth_date_appointment_and_gender():
    nip = Nip.parse("19860926 201505 1 001")
    assert nip.value == "198609262015051001"
    assert nip.birth_date == date(1986, 9, 26)
    assert (nip.appointment_year, nip.appointment_month) == (2015, 5)
    assert nip.gender == "male"


@pytest.mark.parametrize(
    ("raw", "part", "fragment"),
    [
        ("19860926201505100", "length", "18"),
        ("1986092620150510011", "length", "18"),
        ("19860A26201505100 1", "length", "18"),
        ("198613262015051001", "birth_date", "19861326"),
        ("198602302015051001", "birth_date", "19860230"),
        ("198609262015131001", "appointment", "201513"),
        ("198609261985051001", "appointment", "198505"),
        ("198609262015053001", "gender", "(3)"),
    ],
)
def test_a_wrong_nip_says_which_part_is_wrong(raw, part, fragment):
    with pytest.raises(InvalidNip) as err:
        Nip.parse(raw)
    assert err.value.part == part
    assert fragment in err.value.message_id
    assert fragment in err.value.message_en


def test_an_assessment_centre_result_outranks_a_newer_self_assessment():
    centre = Assessment("M.05", 1, AssessmentSource.ASSESSMENT_CENTRE, date(2027, 1, 10))
    self_rating = Assessment("M.05", 4, AssessmentSource.SELF, date(2027, 6, 1))
    newer_centre = Assessment("M.05", 2, AssessmentSource.ASSESSMENT_CENTRE, date(2027, 3, 1))
    assert domain.effective_assessment([centre, self_rating]) == centre
    assert domain.effective_assessment([centre, self_rating, newer_centre]) == newer_centre
    assert domain.effective_assessment([]) is None


def test_a_position_standard_overrides_the_default_level_of_its_type():
    levels = domain.required_levels(PositionType.PENGAWAS, {"M.05": 3, "T.DIG.01": 2})
    assert levels["M.01"] == 2  # pengawas default
    assert levels["M.05"] == 3  # overridden
    assert levels["T.DIG.01"] == 2  # technical competency from the standard
    assert domain.required_levels(PositionType.JPT_PRATAMA, {})["M.08"] == 4


def test_gap_and_priority_of_a_front_line_nurse_can_be_checked_by_hand():
    # Position standard M.05 level 3, assessed level 1 at a puskesmas (front line, factor 1.5):
    # gap = 3 - 1 = 2; priority = 2 x weight 1.0 x 1.5 = 3.0
    public_service = domain.Competency("M.05", "Pelayanan Publik", domain.CompetencyKind.MANAGERIAL, 1.0)
    assessed = Assessment("M.05", 1, AssessmentSource.ASSESSMENT_CENTRE, date(2027, 2, 10))
    finding = domain.analyse_gap(public_service, 3, assessed, front_line=True, policy=domain.PriorityPolicy())
    assert finding is not None
    assert (finding.gap, finding.priority) == (2, 3.0)
    assert finding.priority_parts == {"gap": 2.0, "competency_weight": 1.0, "front_line_factor": 1.5}

    back_office = domain.analyse_gap(public_service, 3, assessed, front_line=False, policy=domain.PriorityPolicy())
    assert back_office is not None and back_office.priority == 2.0


def test_no_need_when_the_assessed_level_meets_the_standard():
    comp = domain.Competency("M.03", "Komunikasi", domain.CompetencyKind.MANAGERIAL)
    for level in (3, 4, 5):
        assessed = Assessment("M.03", level, AssessmentSource.TEST, date(2027, 1, 1))
        assert domain.analyse_gap(comp, 3, assessed, front_line=True, policy=domain.PriorityPolicy()) is None


def test_one_need_per_employee_competency_and_fiscal_year():
    assert domain.need_id(2027, "198609262015051001", "M.05") == "2027-198609262015051001-M.05"
    assert domain.fiscal_year_of(date(2027, 12, 31)) == 2027


def test_an_assessment_outside_the_planned_years_is_refused_before_anything_is_read_or_written():
    from services.needs.application.needs import NeedsRules, NeedsService, RecordAssessment
    from services.needs.application.reference import Reference
    from services.needs.sources import SkmPolicy
    from shared.cache import ReferenceCache
    from shared.domain.errors import Invalid

    rules = NeedsRules(priority=domain.PriorityPolicy(), jp_rules={}, skm=SkmPolicy())
    reference = Reference(ReferenceCache(ttl_s=0, max_entries=1, service="needs"))
    service = NeedsService(rules=rules, notify=lambda: None, reference=reference)
    command = RecordAssessment(
        nip="199002202015032001",
        competency_code="M.05",
        level=1,
        source=domain.AssessmentSource.TEST,
        assessed_on=date(9999, 12, 31),
        recorded_by="197805122003121002",
    )
    # No database is connected here: reaching it would fail differently.
    with pytest.raises(Invalid) as refused:
        service.record_assessment(command)
    assert refused.value.code == "invalid_date" and "2100-12-31" in refused.value.message_en
