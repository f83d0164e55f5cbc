"""The phased planner at North Sumatra scale: about 200,000 open needs into a few hundred batches.

The planner is pure, so this measures its own work: no database, no broker. The baseline, measured in
the same run, is the least any planner must do: sort the needs by priority and look each one's
competency up in an index of batches (no capacity, budget, fairness or overlap checks). Also timed: a
re-plan after 1,000 new needs arrive (incremental) and a run that finds nothing to do (idempotent).
Then the same re-plan through the database, into the persisted plan and into an empty one
(``bench.planner_persisted``; ``BENCH_PLANNER_PERSISTED=0`` skips it).
"""

from __future__ import annotations

import os
import random
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

from bench import planner_persisted
from services.training.domain import ProgramOffer
from services.training.plan.planner import Batch, Need, Phase, Plan, Policy, Seat, plan, priority_order
from shared.domain.vocabulary import JP_COMPETENCY_CODE

SCALES = {"medan": (15_000, 40, 300), "sumut": (200_000, 400, 3_000)}  # needs, batches, units
COMPETENCIES = [f"M.0{i}" for i in range(1, 9)] + [f"S.0{i}" for i in range(1, 4)] + [f"T.{i:02d}" for i in range(30)]


def _world(n_needs: int, n_batches: int, n_units: int, seed: int = 20_27) -> dict[str, Any]:
    rnd = random.Random(seed)
    phases = [
        Phase("T1", date(2027, 2, 1), date(2027, 5, 31), budget=n_batches * 25 * 2_000_000 * 0.4),
        Phase("T2", date(2027, 6, 1), date(2027, 9, 30), budget=n_batches * 25 * 2_000_000 * 0.3),
        Phase("T3", date(2027, 10, 1), date(2027, 12, 20), budget=n_batches * 25 * 2_000_000 * 0.2),
    ]
    programmes = []
    for i in range(max(20, n_batches // 5)):
        covered = rnd.sample(COMPETENCIES, rnd.randint(1, 3))
        programmes.append(
            ProgramOffer(
                f"P{i:03d}",
                f"Programme {i}",
                "training",
                {c: rnd.randint(2, 5) for c in covered},
                rnd.choice((8, 16, 24, 40)),
                rnd.choice((0.0, 1_000_000.0, 2_500_000.0, 4_000_000.0)),
                80.0,
                None,
            )
        )
    batches = []
    for i in range(n_batches):
        phase = rnd.choice(phases)
        start = phase.starts_on + timedelta(days=rnd.randint(0, (phase.ends_on - phase.starts_on).days - 10))
        batches.append(
            Batch(f"B{i:04d}", phase.code, rnd.choice(programmes), start, start + timedelta(days=rnd.randint(2, 9)), 30)
        )
    people = [f"{n:018d}" for n in range(n_needs // 2)]
    unit_of = {nip: f"U{rnd.randrange(n_units):04d}" for nip in people}
    t0 = datetime(2027, 1, 2, tzinfo=UTC)
    needs = []
    for n in range(n_needs):
        nip = rnd.choice(people)
        jp = rnd.random() < 0.1
        needs.append(
            Need(
                f"N{n:07d}",
                nip,
                unit_of[nip],
                JP_COMPETENCY_CODE if jp else rnd.choice(COMPETENCIES),
                None if jp else rnd.randint(2, 4),
                round(rnd.uniform(0.5, 6.0), 2),
                t0 + timedelta(minutes=n),
                rnd.randint(4, 20) if jp else None,
            )
        )
    return {"phases": phases, "programmes": programmes, "batches": batches, "needs": needs}


def _baseline(needs: list[Need], batches: list[Batch]) -> float:
    started = time.perf_counter()
    index: dict[str, list[str]] = defaultdict(list)
    for b in batches:
        for code in b.program.competencies:
            index[code].append(b.code)
    hits = sum(1 for n in priority_order(needs) if index.get(n.competency_code))
    assert hits >= 0
    return time.perf_counter() - started


def _seats(result: Plan, needs: list[Need], batches: list[Batch]) -> list[Seat]:
    unit = {n.nip: n.unit_code for n in needs}
    cost = {b.code: b.program.cost_per_participant for b in batches}
    return [Seat(b, nip, unit[nip], tuple(ids), cost[b]) for (b, nip), ids in result.new_seats.items()]


def run(scale: str, mongo: str) -> dict[str, Any]:
    n_needs, n_batches, n_units = SCALES[scale]
    world = _world(n_needs, n_batches, n_units)
    needs, batches, phases = world["needs"], world["batches"], world["phases"]
    kwargs = {"phases": phases, "batches": batches, "programmes": world["programmes"], "policy": Policy()}
    print(f"[planner {scale}] {len(needs):,} needs, {len(batches):,} batches of 30, {n_units:,} units")

    baseline_s = _baseline(needs, batches)
    started = time.perf_counter()
    result = plan(needs, seats=[], **kwargs)
    plan_s = time.perf_counter() - started

    seats = _seats(result, needs, batches)
    more = _world(1_000, n_batches, n_units, seed=7)["needs"]
    more = [Need(f"M{n.need_id}", *[getattr(n, f) for f in ("nip", "unit_code", "competency_code",
            "required_level", "priority", "identified_at", "jp_shortfall")]) for n in more]  # fmt: skip
    started = time.perf_counter()
    again = plan(needs + more, seats=seats, **kwargs)
    replan_s = time.perf_counter() - started
    started = time.perf_counter()
    seated = {i for s in seats for i in s.need_ids}
    idle = plan([n for n in needs if n.need_id in seated], seats=seats, **kwargs)
    idle_s = time.perf_counter() - started
    assert idle.decisions == [] and idle.new_seats == {}

    taken = len(result.new_seats)
    capacity = sum(b.capacity for b in batches)
    spent: Counter[str] = Counter()
    phase_of = {b.code: b.phase_code for b in batches}
    for s in seats:
        spent[phase_of[s.batch_code]] += s.cost
    figures = {
        "scale": scale,
        "needs": len(needs),
        "batches": len(batches),
        "placed": len(result.placed),
        "seats": taken,
        "waitlisted": len(result.waitlisted),
        "waitlisted_by_reason": dict(Counter(str(d.reason) for d in result.waitlisted).most_common()),
        "plan_s": round(plan_s, 3),
        "needs_per_s": round(len(needs) / plan_s),
        "baseline_s": round(baseline_s, 3),
        "ratio_to_baseline": round(plan_s / baseline_s, 1),
        "replan_after_1000_new_s": round(replan_s, 3),
        "replan_decided": len(again.decisions),
        "replan_placed": len(again.placed),
        "idempotent_rerun_s": round(idle_s, 3),
        "capacity_use_pct": round(100 * taken / capacity, 1),
        "budget_use_pct": {p.code: round(100 * spent[p.code] / p.budget, 1) for p in phases},
    }
    print(
        f"[planner {scale}] placed {figures['placed']:,} needs in {taken:,} seats, waitlisted "
        f"{figures['waitlisted']:,} {figures['waitlisted_by_reason']}"
    )
    print(
        f"[planner {scale}] {plan_s:.2f} s = {figures['needs_per_s']:,} needs/s; baseline (sort + lookup) "
        f"{baseline_s:.2f} s; ratio {figures['ratio_to_baseline']}x"
    )
    print(
        f"[planner {scale}] re-plan after 1,000 new needs {replan_s:.2f} s ({len(again.placed)} placed); "
        f"run with nothing to do {idle_s:.2f} s"
    )
    print(
        f"[planner {scale}] capacity used {figures['capacity_use_pct']} %; budget used per phase "
        f"{figures['budget_use_pct']}"
    )
    if os.environ.get("BENCH_PLANNER_PERSISTED", "1") != "0":
        figures["persisted"] = planner_persisted.run(mongo, world, more)
    return figures
