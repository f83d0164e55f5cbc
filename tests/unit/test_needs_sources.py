"""Needs from the other sources: the 20 JP minimum, evaluation follow-ups and public satisfaction (SKM)."""

import pytest

from services.needs import domain, sources
from services.needs.domain import JpRule, PriorityPolicy
from services.needs.sources import SkmPolicy
from shared.domain.vocabulary import DevelopmentForm, TrainingRemedy, training_remedy

POLICY = PriorityPolicy()


def test_a_civil_servant_with_12_jp_falls_8_short_of_the_minimum():
    need = domain.jp_need(
        JpRule(20),
        nip="199002202015032001",
        unit_code="DINKES",
        fiscal_year=2027,
        earned=12,
        front_line=False,
        policy=POLICY,
    )
    assert need is not None
    assert need.need_id == "2027-199002202015032001-JP"
    # 8 / 20 x weight 2.0 x factor 1.0 = 0.8
    assert need.priority == 0.8
    assert need.priority_parts["jp_shortfall"] == 8 and need.priority_parts["jp_earned"] == 12
    assert "kurang 8 JP" in need.reason


def test_crossing_the_minimum_clears_the_shortfall_and_every_jp_earned_counts():
    assert (
        domain.jp_need(
            JpRule(20), nip="1" * 18, unit_code="U", fiscal_year=2027, earned=20, front_line=True, policy=POLICY
        )
        is None
    )
    pppk = JpRule(minimum=20)
    assert pppk.shortfall(30) == 0 and pppk.shortfall(18) == 2


def test_a_performance_gap_raises_the_priority_of_a_competency_need():
    assert domain.performance_gap(target=100, realisation=75) == 25.0
    assert domain.performance_gap(target=100, realisation=110) == 0.0
    # (gap 2 x weight 1.0 + 25 x 0.1 / 10) x front-line 1.5 = 3.375
    score, parts = POLICY.score(2, 1.0, True, performance_gap=25.0)
    assert score == 3.375
    assert parts["performance_gap"] == 25.0


def follow_up(barriers, *, required_level=3):
    return sources.follow_up_need(
        evaluation_id="enr-1-L3",
        nip="199002202015032001",
        unit_code="PKM-PADANGBULAN",
        competency_code="M.05",
        competency_name="Pelayanan Publik",
        fiscal_year=2027,
        barriers=barriers,
        program_code="PRIMA",
        required_level=required_level,
        front_line=True,
        policy=POLICY,
    )


@pytest.mark.parametrize(
    ("barriers", "form"),
    [
        (["lack_of_support", "own_ability"], "coaching"),  # own ability: coaching; the support is an action
        (["content_mismatch", "transfer_or_promotion"], "refresher"),  # any form but the same programme
        (["content_mismatch"], None),
        (["lack_of_support"], None),  # actions only: no training form
        (["no_opportunity_to_apply", "lack_of_resources"], None),
        ([], None),
    ],
)
def test_a_struggle_to_apply_recommends_the_training_remedy_of_its_barriers(barriers, form):
    assert follow_up(barriers).recommended_form == form


def test_a_follow_up_need_carries_its_level_barriers_and_the_programme_that_did_not_transfer():
    need = follow_up(["own_ability", "lack_of_resources"], required_level=3)
    assert (need.required_level, need.recommended_form, need.program_code) == (3, "coaching", "PRIMA")
    assert need.barriers == ("own_ability", "lack_of_resources")
    assert need.priority == 3.0  # follow-up weight 2.0 x front-line 1.5
    assert "sarana/sumber daya kurang" in need.reason and "kemampuan diri" in need.reason


def test_a_follow_up_only_actions_remedy_says_it_is_not_for_training():
    need = follow_up(["lack_of_resources"])
    assert need.recommended_form is None
    assert "Bukan diatasi dengan pelatihan" in (need.reason or "")
    assert training_remedy(["lack_of_resources"]) is None
    assert training_remedy(["lack_of_resources", "own_ability"]) == TrainingRemedy(DevelopmentForm.COACHING)
    assert training_remedy(["content_mismatch"]) == TrainingRemedy(None, exclude_programme=True)


def test_ikm_and_bands_follow_permenpanrb_14_2017():
    assert sources.ikm(dict.fromkeys(sources.SKM_ELEMENTS, 3.5)) == 87.5
    assert sources.skm_band(87.5) == "B"
    assert sources.skm_band(90.0) == "A"
    assert sources.skm_band(76.60) == "C"
    assert sources.skm_band(64.99) == "D"
    with pytest.raises(ValueError, match="U9"):
        sources.ikm({e: 3.0 for e in sources.SKM_ELEMENTS if e != "U9"})


def test_weak_staff_elements_raise_unit_needs_for_the_competencies_behind_them():
    nrr = dict.fromkeys(sources.SKM_ELEMENTS, 3.2) | {"U6": 2.5, "U7": 2.9}
    # U6 = 62.5 (band D), U7 = 72.5 (band C), IKM = (3.2 x 7 + 2.5 + 2.9) / 9 x 25 = 77.22 (band B)
    needs = sources.skm_needs(
        nrr,
        unit_code="DISDUKCAPIL",
        fiscal_year=2027,
        competency_names={"M.05": "Pelayanan Publik"},
        front_line=True,
        policy=POLICY,
        skm=SkmPolicy(),
    )
    by_code = {n.competency_code: n for n in needs}
    assert sorted(by_code) == ["M.01", "M.03", "M.05"]
    assert all(n.nip is None and n.source == "public_satisfaction" for n in needs)
    public_service = by_code["M.05"]
    assert public_service.need_id == "2027-DISDUKCAPIL-M.05-SKM"
    assert "U6 Kompetensi Pelaksana bernilai 62.5 (mutu D)" in public_service.reason
    # (76.61 - 62.5) / 10 x weight 1.0 x front-line 1.5 = 2.1165
    assert public_service.priority == 2.1165
    assert "mutu C" in by_code["M.03"].reason


def test_a_good_survey_raises_nothing():
    nrr = dict.fromkeys(sources.SKM_ELEMENTS, 3.4)  # 85 everywhere: band B
    assert (
        sources.skm_needs(
            nrr, unit_code="U", fiscal_year=2027, competency_names={}, front_line=True, policy=POLICY, skm=SkmPolicy()
        )
        == []
    )


def test_a_small_priority_move_is_not_worth_announcing_again():
    base = domain.NeedSpec("n", "1" * 18, "U", "M.05", "P", "competency_gap", 2027, 3.0, {}, gap=2)
    nudged = domain.NeedSpec("n", "1" * 18, "U", "M.05", "P", "competency_gap", 2027, 3.2, {}, gap=2)
    moved = domain.NeedSpec("n", "1" * 18, "U", "M.05", "P", "competency_gap", 2027, 3.5, {}, gap=2)
    other_gap = domain.NeedSpec("n", "1" * 18, "U", "M.05", "P", "competency_gap", 2027, 3.0, {}, gap=1)
    assert not base.differs_materially(nudged, priority_delta=0.5)
    assert base.differs_materially(moved, priority_delta=0.5)
    assert base.differs_materially(other_gap, priority_delta=0.5)


def test_a_request_moves_draft_submitted_then_approved_or_rejected_only():
    from services.needs.sources import REQUEST_LIFECYCLE, RequestStatus
    from shared.domain.errors import InvalidTransition

    assert REQUEST_LIFECYCLE.next("submit", RequestStatus.DRAFT) == RequestStatus.SUBMITTED
    assert REQUEST_LIFECYCLE.next("approve", RequestStatus.SUBMITTED) == RequestStatus.APPROVED
    assert REQUEST_LIFECYCLE.next("reject", RequestStatus.SUBMITTED) == RequestStatus.REJECTED
    with pytest.raises(InvalidTransition) as err:
        REQUEST_LIFECYCLE.next("approve", RequestStatus.DRAFT)
    assert err.value.message_en == "A request that is draft cannot be approved."
    with pytest.raises(InvalidTransition):
        REQUEST_LIFECYCLE.next("approve", RequestStatus.REJECTED)


def test_an_approved_request_names_employees_or_the_whole_unit():
    common = {
        "request_id": "r1",
        "unit_code": "DISDUKCAPIL",
        "competency_code": "T.DIG.01",
        "competency_name": "Digitalisasi Layanan Publik",
        "fiscal_year": 2027,
        "justification": "Layanan adminduk daring mulai 2027",
        "front_line": True,
        "policy": POLICY,
    }
    two = sources.request_needs(nips=["199301012018011001", "199405052019032006"], **common)
    assert [n.need_id for n in two] == [
        "2027-199301012018011001-T.DIG.01-REQ-r1",
        "2027-199405052019032006-T.DIG.01-REQ-r1",
    ]
    (unit,) = sources.request_needs(nips=[], **common)
    assert unit.nip is None and unit.need_id == "2027-DISDUKCAPIL-T.DIG.01-REQ-r1"
    assert unit.priority == 1.5 and unit.reason == "Permintaan unit: Layanan adminduk daring mulai 2027"
