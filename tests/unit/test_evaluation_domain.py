import pytest

from services.evaluation import domain
from services.evaluation.domain import REACTION_V1, InvalidAnswers


def answers(**overrides):
    base = {"relevance": 4, "content": 4, "facilitator": 4, "organisation": 4, "overall": 4}
    return {**base, **overrides}


def test_likert_answers_map_onto_zero_to_hundred():
    assert domain.score_answers(REACTION_V1, dict.fromkeys(answers(), 5)) == 100.0
    assert domain.score_answers(REACTION_V1, dict.fromkeys(answers(), 1)) == 0.0
    # mean (5+4+4+3+4)/5 = 4.0 -> (4-1)/4 x 100 = 75
    assert domain.score_answers(REACTION_V1, answers(relevance=5, organisation=3)) == 75.0


def test_the_threshold_decides_satisfied_or_not():
    assert domain.reaction_outcome(60.0, 60.0) == "satisfied"
    assert domain.reaction_outcome(59.99, 60.0) == "not_satisfied"


@pytest.mark.parametrize(
    ("given", "fragment"),
    [
        ({"relevance": 4}, "content"),
        ({**answers(), "bonus": 3}, "bonus"),
        (answers(overall=6), "overall"),
        (answers(content=0), "content"),
    ],
)
def test_bad_answers_are_refused_with_the_items_named(given, fragment):
    with pytest.raises(InvalidAnswers) as err:
        domain.score_answers(REACTION_V1, given)
    assert fragment in err.value.message_en and fragment in err.value.message_id
