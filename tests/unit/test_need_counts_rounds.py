"""The recounts of the needs counted per unit: a round stops at its budget, and the units left are the
first of the next, ahead of units written to since (no unit's count waits behind busier ones)."""

import pytest

from services.needs.application.need_counts import NeedCounts


def counts_recording(now):
    counts = NeedCounts(clock=lambda: now[0])
    recounted = []

    def recount(fiscal_year, unit_code):
        now[0] += 0.1  # a Medan unit's recount: 0.13 s
        recounted.append(unit_code)

    counts.recount = recount
    counts.reread = lambda: None
    return counts, recounted


def test_a_round_stops_at_its_budget_and_the_next_starts_with_what_it_left():
    now = [0.0]
    counts, recounted = counts_recording(now)
    for unit in ("DINKES", "PKM-A", "PKM-B", "PKM-C"):
        counts.touched(2027, unit)
    assert counts.settle(budget_s=0.25) == 3
    assert recounted == ["DINKES", "PKM-A", "PKM-B"]

    counts.touched(2027, "DINKES")  # written again meanwhile: behind the unit left waiting
    counts.touched(2027, "PKM-D")
    recounted.clear()
    assert counts.settle(budget_s=0.25) == 3
    assert recounted == ["PKM-C", "DINKES", "PKM-D"]


def test_without_a_budget_a_round_recounts_everything_marked():
    now = [0.0]
    counts, recounted = counts_recording(now)
    for unit in ("DINKES", "PKM-A", "PKM-B", "PKM-C"):
        counts.touched(2027, unit)
    assert counts.settle() == 4
    assert recounted == ["DINKES", "PKM-A", "PKM-B", "PKM-C"]
    assert counts.settle() == 0


def test_a_round_longer_than_its_budget_still_recounts_one_unit():
    now = [0.0]
    counts, recounted = counts_recording(now)
    counts.touched(2027, "DINKES")
    counts.touched(2027, "PKM-A")
    assert counts.settle(budget_s=0.01) == 1
    assert counts.settle(budget_s=0.01) == 1
    assert recounted == ["DINKES", "PKM-A"]


def test_a_failed_recount_leaves_it_and_the_rest_marked_first():
    now = [0.0]
    counts, recounted = counts_recording(now)

    def failing(fiscal_year, unit_code):
        raise ConnectionError("database")

    ok = counts.recount
    counts.recount = failing
    counts.touched(2027, "DINKES")
    counts.touched(2027, "PKM-A")
    with pytest.raises(ConnectionError):
        counts.settle(budget_s=1)
    counts.touched(2027, "PKM-B")
    counts.recount = ok
    assert counts.settle() == 3
    assert recounted == ["DINKES", "PKM-A", "PKM-B"]
