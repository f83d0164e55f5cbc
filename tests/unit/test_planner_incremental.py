"""A run that decides only the needs that arrived decides them as a run over every need would, on random
plans with contention for seats, money, fair share, overlaps and JP combinations."""

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from services.training.domain import ProgramOffer
from services.training.plan.planner import Batch, Need, Phase, Plan, Policy, Seat, plan
from shared.domain.vocabulary import JP_COMPETENCY_CODE

T0 = datetime(2027, 1, 2, tzinfo=UTC)
COMPETENCIES = ["M.01", "M.02", "M.05", "S.01"]
PHASES = [
    Phase("T1", date(2027, 2, 1), date(2027, 5, 31), budget=60_000_000),
    Phase("T2", date(2027, 6, 1), date(2027, 9, 30), budget=40_000_000, capacity=40),
]


def world(seed, n_needs=300, n_people=120):
    rnd = random.Random(seed)
    programmes = [
        ProgramOffer(f"P{i}", f"P{i}", "training", {c: rnd.randint(2, 4) for c in rnd.sample(COMPETENCIES, 2)},
                     rnd.choice((8, 12, 24)), rnd.choice((0.0, 1_000_000.0, 2_500_000.0)), 80.0, None)
        for i in range(6)
    ]  # fmt: skip
    batches = []
    for i in range(10):
        phase = rnd.choice(PHASES)
        start = phase.starts_on + timedelta(days=rnd.randint(0, 60))
        batches.append(Batch(f"B{i}", phase.code, rnd.choice(programmes), start, start + timedelta(days=4), 8))
    people = [f"{n:018d}" for n in range(n_people)]
    units = {nip: f"U{rnd.randrange(6)}" for nip in people}
    needs = []
    for n in range(n_needs):
        nip, jp = rnd.choice(people), rnd.random() < 0.15
        needs.append(
            Need(f"N{n:04d}", nip, units[nip], JP_COMPETENCY_CODE if jp else rnd.choice(COMPETENCIES),
                 None if jp else rnd.randint(2, 4), round(rnd.uniform(0.5, 6.0), 1), T0 + timedelta(minutes=n),
                 rnd.randint(10, 30) if jp else None)
        )  # fmt: skip
    return programmes, batches, needs


def seats_of(result: Plan, needs, batches):
    unit = {n.nip: n.unit_code for n in needs}
    cost = {b.code: b.program.cost_per_participant for b in batches}
    return [Seat(b, nip, unit[nip], tuple(ids), cost[b]) for (b, nip), ids in result.new_seats.items()]


def outcome(d):
    return (d.batch_code, d.batch_codes, d.reason if d.batch_code is None else None)


@pytest.mark.parametrize("seed", range(20))
def test_the_needs_that_arrived_are_decided_as_a_run_over_every_waiting_need_decides_them(seed):
    programmes, batches, needs = world(seed)
    earlier, arrived = needs[:200], needs[200:]

    def decide(ns, seats):
        return plan(ns, phases=PHASES, batches=batches, seats=seats, programmes=programmes, policy=Policy())

    first = decide(earlier, [])
    seats = seats_of(first, earlier, batches)
    waiting = {d.need_id for d in first.waitlisted}
    assert waiting and first.new_seats  # the plan is contended

    everything = decide([n for n in earlier if n.need_id in waiting] + arrived, seats)
    incremental = decide(arrived, seats)  # what a run reads while the plan has not changed

    full = {d.need_id: outcome(d) for d in everything.decisions}
    assert {d.need_id: outcome(d) for d in incremental.decisions} == {n.need_id: full[n.need_id] for n in arrived}
    assert (incremental.new_seats, incremental.joined) == (everything.new_seats, everything.joined)
    assert all(full[need_id][0] is None for need_id in waiting)  # the waiting needs would wait again


def test_a_freed_seat_is_a_change_a_run_over_only_the_arrivals_would_miss():
    """Why a withdrawal counts as a change of the plan (plan.changes): the waiting need takes the seat."""
    programmes, batches, needs = world(3)
    first = plan(needs[:200], phases=PHASES, batches=batches, seats=[], programmes=programmes)
    seats = seats_of(first, needs[:200], batches)
    freed = seats[0]
    waiting = [n for n in needs[:200] if n.need_id in {d.need_id for d in first.waitlisted}]
    after = plan(waiting, phases=PHASES, batches=batches, seats=seats[1:], programmes=programmes,
                 withdrawn=[(freed.batch_code, freed.nip)])  # fmt: skip
    assert any(d.batch_code == freed.batch_code for d in after.placed)
