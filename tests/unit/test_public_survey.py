"""Citizens' SKM answers (PermenPANRB 14/2017): checked whole, one population with an entered survey."""

import pytest

from services.needs import public_survey, sources
from services.needs.public_survey import Tally, combined, tally
from shared.domain.errors import Invalid
from shared.http.errors import ApiError
from shared.http.ratelimit import RateLimit

ALL_THREE = {f"U{i}": 3 for i in range(1, 10)}


def test_nine_answers_on_the_one_to_four_scale_are_accepted():
    assert public_survey.check_answers(ALL_THREE | {"U9": "4"}) == ALL_THREE | {"U9": 4}


@pytest.mark.parametrize(
    ("answers", "names"),
    [
        ({k: v for k, v in ALL_THREE.items() if k != "U4"}, "U4"),
        (ALL_THREE | {"U10": 3}, "U10"),
        (ALL_THREE | {"U2": 5}, "U2"),
        (ALL_THREE | {"U2": 0}, "U2"),
        (ALL_THREE | {"U3": True}, "U3"),
        (ALL_THREE | {"U3": "３"}, "U3"),  # a full-width digit is not an answer
    ],
)
def test_an_incomplete_or_out_of_scale_answer_is_refused_naming_the_element(answers, names):
    with pytest.raises(Invalid) as refused:
        public_survey.check_answers(answers)
    assert names in refused.value.message_id and names in refused.value.message_en


def test_element_means_over_citizens_by_hand():
    # Two citizens: all 4, and all 2 but U7 = 1. NRR U1 = 3, U7 = 2.5; IKM = (8 x 3 + 2.5) / 9 x 25 = 73.61.
    answers = [dict.fromkeys(ALL_THREE, 4), dict.fromkeys(ALL_THREE, 2) | {"U7": 1}]
    got = tally(answers)
    assert got is not None and got.respondents == 2
    assert (got.nrr["U1"], got.nrr["U7"]) == (3.0, 2.5)
    assert sources.ikm(got.nrr) == 73.61 and sources.skm_band(73.61) == "C"
    assert tally([]) is None


def test_an_entered_survey_and_citizens_are_one_population_weighted_by_respondents():
    # 100 respondents of a survey at NRR 2.0 and 50 citizens at 3.5: (200 + 175) / 150 = 2.5 per element,
    # not the plain mean of the two means (2.75), which would let 50 people outweigh 100.
    entered = Tally(dict.fromkeys(ALL_THREE, 2.0), 100)
    citizens = Tally(dict.fromkeys(ALL_THREE, 3.5), 50)
    both = combined(entered, citizens)
    assert both is not None and both.respondents == 150
    assert both.nrr["U5"] == pytest.approx(2.5)
    assert combined(None, citizens) == citizens
    assert combined(None, None) is None


def test_a_submission_id_is_a_bounded_token():
    assert public_survey.check_submission_id("a1b2c3d4") == "a1b2c3d4"
    for bad in ("short", "x" * 65, "has space 123", "<script>1234"):
        with pytest.raises(Invalid):
            public_survey.check_submission_id(bad)


def test_the_public_rate_limit_refuses_past_its_count_per_minute_and_forgets_old_requests():
    now = [1000.0]
    limit = RateLimit(3, max_clients=2, clock=lambda: now[0])
    for _ in range(3):
        limit.check("10.0.0.1")
    with pytest.raises(ApiError) as refused:
        limit.check("10.0.0.1")
    assert refused.value.status == 429 and refused.value.headers == {"Retry-After": "60"}
    limit.check("10.0.0.2")  # another address has its own count
    now[0] += 60.5
    limit.check("10.0.0.1")  # a minute later the window has moved on
    # The table of clients stays bounded: a third address forgets the least recent one.
    limit.check("10.0.0.3")
    assert len(limit._seen) == 2
