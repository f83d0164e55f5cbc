from datetime import UTC, date, datetime

import pytest

from services.evaluation import analytics, domain, schedule
from services.evaluation.domain import REACTION_V1, Indicator, InvalidAnswers, Thresholds
from shared.domain import clock
from shared.events import EvaluatorRole, ReminderKind

BARS = Thresholds()


def answers(**overrides):
    base = {"relevance": 4, "content": 4, "facilitator": 4, "organisation": 4, "overall": 4}
    return {**base, **overrides}


def behaviour(value, **extra):
    return dict.fromkeys(("applies", "frequency", "quality", "independence", "sharing"), value) | extra


def test_likert_answers_map_onto_zero_to_hundred():
    assert domain.score_answers(REACTION_V1, dict.fromkeys(answers(), 5)) == 100.0
    assert domain.score_answers(REACTION_V1, dict.fromkeys(answers(), 1)) == 0.0
    # mean (5+4+4+3+4)/5 = 4.0 -> (4-1)/4 x 100 = 75; the free-text comment does not count
    assert domain.score_answers(REACTION_V1, answers(relevance=5, organisation=3, comments="Baik")) == 75.0


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
        (answers(content=3.5), "content"),
        (answers(comments="x" * 2001), "comments"),
    ],
)
def test_bad_answers_are_refused_with_the_items_named(given, fragment):
    with pytest.raises(InvalidAnswers) as err:
        domain.score_answers(REACTION_V1, given)
    assert fragment in err.value.message_en and fragment in err.value.message_id


def test_learning_gain_is_raw_and_normalised():
    # pre 55, post 82: raw 27; normalised 27 / 45 = 0.6 -> medium (0.3 <= g < 0.7), score 60
    result = domain.assess_learning({"pre_score": 55, "post_score": 82}, BARS)
    assert (result.score, result.outcome) == (60.0, "medium_gain")
    assert result.measures == {"pre_score": 55.0, "post_score": 82.0, "raw_gain": 27.0, "normalised_gain": 0.6}
    assert domain.assess_learning({"pre_score": 40, "post_score": 88}, BARS).outcome == "high_gain"  # 0.8
    worse = domain.assess_learning({"pre_score": 60, "post_score": 50}, BARS)
    assert (worse.score, worse.outcome, worse.measures["normalised_gain"]) == (0.0, "low_gain", -0.25)
    top = domain.assess_learning({"pre_score": 100, "post_score": 100}, BARS)
    assert (top.outcome, "normalised_gain" in top.measures) == ("ceiling", False)


def test_a_low_behaviour_score_is_a_struggle_that_must_name_its_barriers():
    with pytest.raises(InvalidAnswers) as err:
        domain.assess_behaviour(behaviour(2), BARS)
    assert "hambatan" in err.value.message_id
    result = domain.assess_behaviour(behaviour(2, barriers=["lack_of_support", "lack_of_resources"]), BARS)
    # mean 2 -> 25 < 60
    assert (result.score, result.outcome, result.struggling) == (25.0, "struggling", True)
    assert [b.value for b in result.barriers] == ["lack_of_support", "lack_of_resources"]
    assert domain.assess_behaviour(behaviour(4), BARS).outcome == "applied"
    with pytest.raises(InvalidAnswers):
        domain.assess_behaviour(behaviour(2, barriers=["bad_weather"]), BARS)


def test_results_compare_unit_indicators_in_their_good_direction():
    given = {"skm_u6_before": 3.0, "skm_u6_after": 3.3, "service_time_before": 40, "service_time_after": 50}
    queue = Indicator("antrian", before=100, after=80, higher_is_better=False)
    result = domain.assess_results(given, [queue])
    # U6 +10 %, service time 40 -> 50 minutes is -25 %, queue 100 -> 80 (lower is better) +20 %
    assert result.measures == {
        "change_pct_skm_u6": 10.0,
        "change_pct_service_time": -25.0,
        "change_pct_antrian": 20.0,
        "mean_change_pct": round((10 - 25 + 20) / 3, 2),
    }
    assert (result.score, result.outcome) == (round(2 / 3 * 100, 2), "improved")
    with pytest.raises(InvalidAnswers):
        domain.assess_results({"skm_u6_before": 3.0}, [])
    with pytest.raises(InvalidAnswers):
        domain.assess_results({}, [])


def test_the_plan_asks_each_level_of_the_right_person_in_its_window():
    plan = schedule.plan(date(2027, 3, 4), "p", "s", schedule.Schedule())
    got = [(int(p.level), p.evaluator_role, p.evaluator_nip, p.opens_on, p.due_on) for p in plan]
    assert got == [
        (1, EvaluatorRole.PARTICIPANT, "p", date(2027, 3, 4), date(2027, 3, 11)),
        (2, EvaluatorRole.BKPSDM, None, date(2027, 3, 4), date(2027, 3, 4)),
        (3, EvaluatorRole.SUPERVISOR, "s", date(2027, 6, 2), date(2027, 8, 31)),
        (4, EvaluatorRole.UNIT, None, date(2027, 8, 31), date(2028, 3, 3)),
    ]


def test_reminders_go_once_as_due_and_once_as_overdue():
    opens, due = date(2027, 6, 2), date(2027, 8, 31)
    assert schedule.reminder_due("open", opens, due, [], date(2027, 6, 1)) is None
    assert schedule.reminder_due("open", opens, due, [], date(2027, 6, 2)) is ReminderKind.DUE
    assert schedule.reminder_due("open", opens, due, ["due"], date(2027, 7, 1)) is None
    assert schedule.reminder_due("open", opens, due, ["due"], date(2027, 9, 1)) is ReminderKind.OVERDUE
    assert schedule.reminder_due("open", opens, due, ["due", "overdue"], date(2027, 9, 2)) is None
    assert schedule.reminder_due("submitted", opens, due, [], date(2027, 9, 1)) is None


def test_a_struggle_after_a_follow_up_on_the_same_competency_is_repeated():
    earlier = [
        ("enr-a-L3", date(2027, 6, 10), ["M.05"]),
        ("enr-b-L3", date(2027, 6, 10), ["M.03"]),
        ("enr-c-L3", date(2028, 1, 5), ["M.05"]),  # reported after this programme ended
    ]
    assert domain.repeated_struggle(date(2027, 9, 1), ["M.05"], earlier) == ["enr-a-L3"]
    assert domain.repeated_struggle(date(2027, 9, 1), ["M.08"], earlier) == []


def result(group, level, score, outcome="", **measures):
    return analytics.Result(group, level, score, outcome, measures)


def test_effectiveness_gives_each_figure_with_its_count_and_flags_only_on_enough_responses():
    bars = analytics.Bars(min_responses=2)
    rows = analytics.effectiveness(
        [
            result("P1", 1, 50.0),
            result("P1", 1, 40.0),
            result("P1", 2, 60.0, raw_gain=27.0, normalised_gain=0.6),
            result("P1", 3, 25.0, "struggling"),
            result("P1", 3, 75.0, "applied"),
            result("P1", 3, 20.0, "struggling"),
            result("P2", 1, 100.0),
            result("P2", 4, 100.0, mean_change_pct=5.0),
        ],
        bars,
    )
    p1, p2 = rows
    assert (p1["l1_count"], p1["l1_mean_satisfaction"]) == (2, 45.0)
    assert (p1["l2_count"], p1["l2_mean_raw_gain"], p1["l2_mean_normalised_gain"]) == (1, 27.0, 0.6)
    assert (p1["l3_count"], p1["l3_applied"], p1["l3_transfer_rate"]) == (3, 1, 0.3333)
    assert [f["code"] for f in p1["flags"]] == ["low_satisfaction", "low_transfer"]
    assert (p2["l4_count"], p2["l4_mean_change_pct"], p2["flags"]) == (1, 5.0, [])


def test_response_rates_count_only_what_was_open_for_answers():
    today = date(2027, 9, 1)
    asked = [
        analytics.Asked("U1", "submitted", date(2027, 3, 4), date(2027, 3, 11)),
        analytics.Asked("U1", "open", date(2027, 3, 4), date(2027, 3, 11)),
        analytics.Asked("U1", "open", date(2027, 8, 1), date(2027, 10, 1)),
        analytics.Asked("U1", "open", date(2027, 12, 1), date(2028, 3, 1)),  # not open yet
    ]
    assert analytics.response_rates(asked, today) == [
        {"group": "U1", "asked": 3, "submitted": 1, "overdue": 1, "due": 1, "response_rate": 0.3333}
    ]


def test_quarters():
    assert analytics.quarter_of(date(2027, 3, 31)) == "2027-Q1"
    assert analytics.quarter_bounds(2027, 4) == (date(2027, 10, 1), date(2028, 1, 1))


def test_an_evaluation_answered_after_the_day_asked_about_was_not_answered_on_it():
    asked = [
        analytics.Asked("U1", "submitted", date(2027, 3, 4), date(2027, 3, 11), submitted_on=date(2027, 3, 10)),
        analytics.Asked("U1", "submitted", date(2027, 3, 4), date(2027, 3, 11), submitted_on=date(2027, 3, 20)),
    ]
    assert analytics.response_rates(asked, date(2027, 3, 15)) == [
        {"group": "U1", "asked": 2, "submitted": 1, "overdue": 1, "due": 0, "response_rate": 0.5}
    ]


def test_a_quarter_begins_at_midnight_in_medan_not_in_greenwich():
    begins, ends = analytics.quarter_instants(2027, 2)
    assert begins == datetime(2027, 3, 31, 17, tzinfo=UTC) and ends == datetime(2027, 6, 30, 17, tzinfo=UTC)
    # Answered at 06:30 WIB on 1 July: the third quarter's, and a day of Medan's 1 July.
    assert clock.day_of(datetime(2027, 6, 30, 23, 30)) == date(2027, 7, 1)


V2 = domain.Questionnaire(
    "L1-REACTION",
    2,
    domain.Level.REACTION,
    (domain.Item("useful", "Bermanfaat.", "Useful."), domain.Item("again", "Akan ikut lagi.", "Would join again.")),
)


def test_new_evaluations_take_the_current_questionnaire_and_open_ones_keep_theirs(monkeypatch):
    monkeypatch.setitem(domain.QUESTIONNAIRES, V2.key, V2)
    monkeypatch.setitem(domain.CURRENT, domain.Level.REACTION, V2)
    planned = schedule.plan(date(2027, 3, 4), "p", "s", schedule.Schedule())
    assert planned[0].questionnaire.key == "L1-REACTION.v2"
    # One opened with v1 is still scored on v1's items; v1 answers do not fit v2, and v2's fit only v2.
    v1 = domain.questionnaire("L1-REACTION", 1)
    assert domain.assess(v1, dict.fromkeys(answers(), 5), BARS).score == 100.0
    assert domain.assess(V2, {"useful": 5, "again": 3}, BARS).score == 75.0
    with pytest.raises(InvalidAnswers):
        domain.assess(V2, dict.fromkeys(answers(), 5), BARS)


def test_figures_shown_outside_the_city_withhold_each_level_resting_on_too_few_answers():
    from services.evaluation.analytics import without_small_groups

    row = {
        "group": "USU-DIG:1",
        "l1_count": 3,
        "l1_mean_satisfaction": 75.0,
        "l2_count": 2,
        "l2_mean_raw_gain": 20.0,
        "l2_normalised_count": 2,
        "l2_mean_normalised_gain": 0.5,
        "l3_count": 1,
        "l3_applied": 1,
        "l3_transfer_rate": 1.0,
        "l4_count": 0,
        "l4_mean_change_pct": None,
        "flags": [],
    }
    (shown,) = without_small_groups([row], 3)
    assert (shown["l1_count"], shown["l1_mean_satisfaction"]) == (3, 75.0)
    # One supervisor's answer would be that person's verdict: withheld, like the two learning scores.
    assert shown["l3_transfer_rate"] is None and shown["l3_applied"] is None and shown["l3_count"] is None
    assert shown["l2_mean_normalised_gain"] is None and shown["withheld_levels"] == [2, 3, 4]
    # With every level under the minimum, nothing of the group is shown at all.
    assert without_small_groups([row], 4) == []
