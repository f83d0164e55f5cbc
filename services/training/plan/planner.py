"""The phased implementation planner: open needs into batches, within capacity, budget and fair share.

Pure: the current state of a fiscal year in, a decision per need out. The application layer loads
the state and writes only what changed, so running the planner again on the same state decides the
same and writes nothing (idempotent), and a run after new needs or a cancelled batch only places
what is not placed yet (incremental). Seats already held are never moved by a re-plan: people may
have been told, and a stable plan is worth more than a marginally better one.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from itertools import combinations
from math import floor

from services.training.domain import EnrolmentStatus, ProgramOffer
from services.training.plan.explanations import (
    BEYOND_SHARE,
    Blocker,
    Explanation,
    blocker_text,
    combined_text,
    placed_text,
)
from services.training.plan.model import Batch, Need, Phase, Policy, Seat
from shared.domain.vocabulary import JP_COMPETENCY_CODE, EmploymentType

DEFAULT_POLICY = Policy()

# The planner's inputs live in ``model``; callers name them through this module.
__all__ = ["Batch", "Blocker", "Decision", "Explanation", "Need", "Phase", "Plan", "Policy", "Seat", "plan"]


@dataclass(frozen=True)
class Decision:
    need_id: str
    batch_code: str | None  # None: waitlisted
    reason: Blocker | None  # why it is waitlisted (the blocker of the best-fitting batch)
    explanation: Explanation
    rank: int  # position in the priority order of this run (1 = first)
    joined_seat: bool = False  # placed in a batch where the person already holds a seat: no new cost
    batch_codes: tuple[str, ...] = ()  # a JP shortfall met by a combination: every batch of it


@dataclass
class Plan:
    decisions: list[Decision] = field(default_factory=list)
    # New seats by (batch, nip), with the needs each serves, in the order they were given.
    new_seats: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    # Needs added to seats that already existed before this run.
    joined: dict[tuple[str, str], list[str]] = field(default_factory=dict)

    @property
    def placed(self) -> list[Decision]:
        return [d for d in self.decisions if d.batch_code is not None]

    @property
    def waitlisted(self) -> list[Decision]:
        return [d for d in self.decisions if d.batch_code is None]


class _State:
    """Seats, money and schedules as the run fills them."""

    def __init__(
        self, phases: Iterable[Phase], batches: Iterable[Batch], seats: Iterable[Seat], policy: Policy
    ) -> None:
        self.policy = policy
        self.phases = {p.code: p for p in phases}
        self.batches = {b.code: b for b in batches if b.phase_code in self.phases}
        self.taken: dict[str, int] = defaultdict(int)
        self.unit_taken: dict[tuple[str, str], int] = defaultdict(int)
        self.phase_taken: dict[str, int] = defaultdict(int)
        self.spent: dict[str, float] = defaultdict(float)
        self.person: dict[str, list[str]] = defaultdict(list)  # nip -> batch codes held
        # JP given to each person this year: held seats, except failed ones (their needs are planned
        # again, and counting them would let one failure block the re-plan under the PPPK cap).
        self.given: dict[str, int] = defaultdict(int)
        self.joinable: set[tuple[str, str]] = set()  # (batch, nip) of open seats
        self.placed: set[str] = set()
        for seat in seats:
            batch = self.batches.get(seat.batch_code)
            if seat.status != EnrolmentStatus.FAILED:
                self.placed.update(seat.need_ids)
            if batch is None:
                continue  # a seat in a batch outside this plan (closed, or another year) holds nothing here
            self._hold(batch, seat.nip, seat.unit_code, seat.cost)
            if seat.status != EnrolmentStatus.FAILED:
                self.given[seat.nip] += batch.program.jp
            if seat.open:
                self.joinable.add((batch.code, seat.nip))

    def _hold(self, batch: Batch, nip: str, unit_code: str, cost: float) -> None:
        self.taken[batch.code] += 1
        self.unit_taken[(batch.code, unit_code)] += 1
        self.phase_taken[batch.phase_code] += 1
        self.spent[batch.phase_code] += cost
        self.person[nip].append(batch.code)

    def take(self, batch: Batch, need: Need) -> None:
        self._hold(batch, need.nip, need.unit_code, batch.program.cost_per_participant)
        self.given[need.nip] += batch.program.jp
        self.joinable.add((batch.code, need.nip))

    def fair_cap(self, batch: Batch) -> int:
        return max(1, floor(batch.capacity * self.policy.unit_share))

    def blocker(self, batch: Batch, need: Need, withdrawn: set[tuple[str, str]], fair: bool) -> Blocker | None:
        # One seat per person and batch, ever: a seat given up, completed or failed is not offered again.
        if (batch.code, need.nip) in withdrawn or (
            batch.code in self.person[need.nip] and (batch.code, need.nip) not in self.joinable
        ):
            return Blocker.SEAT_BEFORE
        for held in self.person[need.nip]:
            other = self.batches[held]
            if held != batch.code and other.starts_on <= batch.ends_on and batch.starts_on <= other.ends_on:
                return Blocker.OVERLAP
        if self.over_cap(need, batch.program.jp):
            return Blocker.JP_CAP
        if exhausted := self.exhausted(batch):
            return exhausted
        if fair and self.unit_taken[(batch.code, need.unit_code)] >= self.fair_cap(batch):
            return Blocker.FAIR_SHARE
        return None

    def over_cap(self, need: Need, more_jp: int) -> bool:
        """PP 49/2018: what a PPPK is given in a year stays within the cap."""
        return need.employment_type == EmploymentType.PPPK and self.given[need.nip] + more_jp > self.policy.pppk_jp_cap

    def exhausted(self, batch: Batch) -> Blocker | None:
        """What stops the batch taking anyone at all. Seats and money only get used up during a run, so
        a batch exhausted once stays exhausted until the run ends."""
        if self.taken[batch.code] >= batch.capacity:
            return Blocker.CAPACITY
        phase = self.phases[batch.phase_code]
        if phase.capacity is not None and self.phase_taken[phase.code] >= phase.capacity:
            return Blocker.PHASE_CAPACITY
        if self.spent[phase.code] + batch.program.cost_per_participant > phase.budget + 1e-6:
            return Blocker.BUDGET
        return None


@dataclass
class _Candidates:
    best: Batch  # the best-fitting batch: its blocker is the reason given when the need waits
    live: list[Batch]  # in order of preference, without the batches exhausted so far in this run


def _fit(program: ProgramOffer, need: Need) -> int | None:
    """How far the programme overshoots the need (0 = exact), or None if it does not cover it. A need
    with no required level is covered by nothing: reading it as level 1 put follow-ups for level-3 posts
    into level-1 programmes."""
    if need.competency_code == JP_COMPETENCY_CODE:
        wanted = need.jp_shortfall or 1
        return program.jp - wanted if program.jp >= wanted else None
    level = program.competencies.get(need.competency_code, 0)
    if need.required_level is None:
        return None
    return level - need.required_level if level >= need.required_level else None


def _admits(program: ProgramOffer, need: Need) -> bool:
    """Whether the programme is of a form the need's remedy accepts and is not the one that did not fit."""
    return (need.forms is None or program.form in need.forms) and program.code != need.excluded_program


def priority_order(needs: Iterable[Need]) -> list[Need]:
    """Highest priority first; among equals the need known longest, then the id (stable)."""
    return sorted(needs, key=lambda n: (-n.priority, n.identified_at, n.need_id))


def plan(
    needs: Iterable[Need],
    *,
    phases: Iterable[Phase],
    batches: Iterable[Batch],
    seats: Iterable[Seat],
    withdrawn: Iterable[tuple[str, str]] = (),
    programmes: Iterable[ProgramOffer] = (),
    policy: Policy = DEFAULT_POLICY,
) -> Plan:
    """Decide every need not yet holding a seat: the best-fitting batch that has room, or the waitlist
    with the reason of the best-fitting batch. ``programmes`` are the ready programmes, so a need no
    programme covers is told apart from one whose programmes have no batch yet."""
    state = _State(phases, batches, seats, policy)
    withdrawn_pairs = set(withdrawn)
    known_programmes = {p.code: p for p in [*programmes, *(b.program for b in state.batches.values())]}.values()
    # Batches a JP shortfall may combine, cheapest and earliest first.
    open_batches = sorted(
        (b for b in state.batches.values() if b.accepting and b.program.jp > 0),
        key=lambda b: (b.program.cost_per_participant, b.starts_on, b.code),
    )

    def preference(batch: Batch, need: Need) -> tuple[int, float, date, str] | None:
        """Closest fit first (least overshoot), then the cheapest, the earliest, the code (stable)."""
        over = _fit(batch.program, need)
        if over is None or not batch.accepting or not _admits(batch.program, need):
            return None
        return (over, batch.program.cost_per_participant, batch.starts_on, batch.code)

    cache: dict[tuple[object, ...], _Candidates | Blocker] = {}

    def candidates(need: Need) -> _Candidates | Blocker:
        """The batches that cover the need, or why there are none (no level, programme, form or batch)."""
        key = (need.competency_code, need.required_level, need.jp_shortfall, need.forms, need.excluded_program)
        if key not in cache:
            ranked = sorted((p, b) for b in state.batches.values() if (p := preference(b, need)) is not None)
            covering = [] if ranked else [p for p in known_programmes if _fit(p, need) is not None]
            if ranked:
                cache[key] = _Candidates(ranked[0][1], [b for _, b in ranked])
            elif need.competency_code != JP_COMPETENCY_CODE and need.required_level is None:
                cache[key] = Blocker.NO_LEVEL
            elif any(_admits(p, need) for p in covering):
                cache[key] = Blocker.NO_BATCH
            elif covering and need.forms is not None:
                cache[key] = Blocker.NO_FORM
            else:
                cache[key] = Blocker.NO_PROGRAMME
        return cache[key]

    pending = [n for n in priority_order(needs) if n.need_id not in state.placed]
    result = Plan()
    decided: dict[str, Decision] = {}
    fair_share_blocked: list[tuple[int, Need]] = []

    def seat(need: Need, batch: Batch) -> bool:
        """Give the need a place in the batch; returns whether it joined a seat the person holds."""
        key = (batch.code, need.nip)
        if key in result.new_seats:
            result.new_seats[key].append(need.need_id)
            return True
        if batch.code in state.person[need.nip]:
            result.joined.setdefault(key, []).append(need.need_id)
            return True
        state.take(batch, need)
        result.new_seats[key] = [need.need_id]
        return False

    def place(need: Need, batch: Batch, rank: int, note: Explanation | None) -> None:
        joined = seat(need, batch)
        decided[need.need_id] = Decision(
            need.need_id, batch.code, None, placed_text(need, batch, rank, joined, note), rank, joined
        )

    # The smallest shortfall no combination met, per unit while fair share applies (else under None), for
    # people the search treats alike (no seat held, nothing withdrawn, no PPPK cap). Seats and money are
    # only used up during a run, so what failed once fails for any larger shortfall: a long waitlist of
    # JP needs costs one search, not one each.
    failed: dict[str | None, int] = {}
    withdrawn_nips = {nip for _, nip in withdrawn_pairs}

    def combine(need: Need, rank: int, fair: bool) -> bool:
        """PP 11/2017 Pasal 203 ayat (4) sets a yearly total, so a JP shortfall no single batch meets may
        be met by several: the combination with the smallest total JP, then the cheapest, whose batches
        do not overlap, within each phase's budget and capacity (and a PPPK's cap). Returns whether one
        was found and placed."""
        wanted, unit = need.jp_shortfall or 1, need.unit_code if fair else None
        alike = not state.person[need.nip] and need.nip not in withdrawn_nips and not state.over_cap(need, 0)
        alike = alike and need.employment_type != EmploymentType.PPPK
        if alike and wanted >= failed.get(unit, wanted + 1):
            return False
        found = _combination(state, need, open_batches, withdrawn_pairs, fair)
        if found is None:
            if alike:
                failed[unit] = min(failed.get(unit, wanted), wanted)
            return False
        joined = [seat(need, batch) for batch in found]
        codes = tuple(sorted(b.code for b in found))  # as the stored seats give them back (by code)
        decided[need.need_id] = Decision(
            need.need_id, codes[0], None, combined_text(need, found, rank), rank, all(joined), codes
        )
        return True

    def attempt(need: Need, rank: int, fair: bool, note: Explanation | None) -> bool:
        """Place the need in the first live candidate that takes it; else record why it waits. Returns
        whether a batch was blocked only by fair share (it may take the need in the second pass)."""
        entry = candidates(need)
        assert isinstance(entry, _Candidates)
        # An open seat of the person in a batch that covers this need too: one seat, two needs.
        held = [
            (p, b)
            for code in state.person[need.nip]
            if (code, need.nip) in state.joinable and (p := preference(b := state.batches[code], need))
        ]
        if held:
            place(need, min(held)[1], rank, note)
            return False
        blocked_by_share = pruned = False
        for batch in entry.live:
            found = state.blocker(batch, need, withdrawn_pairs, fair)
            if found is None:
                place(need, batch, rank, note)
                return False
            blocked_by_share |= found == Blocker.FAIR_SHARE
            pruned |= found in (Blocker.CAPACITY, Blocker.PHASE_CAPACITY, Blocker.BUDGET)
        if pruned:  # drop what is used up, so the long waitlist of a big run costs little per need
            entry.live = [b for b in entry.live if state.exhausted(b) is None]
        if need.competency_code == JP_COMPETENCY_CODE and combine(need, rank, fair):
            return False
        reason = state.blocker(entry.best, need, withdrawn_pairs, fair)
        assert reason is not None  # the best batch was tried above, or dropped as exhausted
        decided[need.need_id] = Decision(
            need.need_id, None, reason, blocker_text(reason, entry.best, need, policy.pppk_jp_cap), rank
        )
        return blocked_by_share

    for rank, need in enumerate(pending, start=1):
        if isinstance(none := candidates(need), Blocker):
            if not (need.competency_code == JP_COMPETENCY_CODE and combine(need, rank, fair=True)):
                text = blocker_text(none, None, need, policy.pppk_jp_cap)
                decided[need.need_id] = Decision(need.need_id, None, none, text, rank)
        elif attempt(need, rank, fair=True, note=None):
            fair_share_blocked.append((rank, need))

    # Seats nobody else could use go to those held back by fair share, still in priority order. If
    # others took what was left, the reason becomes what blocks the need without fair share.
    for rank, need in fair_share_blocked:
        attempt(need, rank, fair=False, note=BEYOND_SHARE)

    result.decisions = [decided[n.need_id] for n in pending]
    return result


def _combination(
    state: _State, need: Need, batches: list[Batch], withdrawn: set[tuple[str, str]], fair: bool
) -> tuple[Batch, ...] | None:
    """The batches that together meet a JP shortfall, or None. The pool keeps a few batches per JP value
    (the cheapest and earliest that take this person), so the search stays small on a big plan."""
    wanted, most = need.jp_shortfall or 1, state.policy.max_combined_batches
    pool: dict[int, list[Batch]] = defaultdict(list)
    for batch in batches:
        if len(pool[batch.program.jp]) < most and state.blocker(batch, need, withdrawn, fair) is None:
            pool[batch.program.jp].append(batch)
    usable = [b for group in pool.values() for b in group]
    best: tuple[tuple[int, float, int, date, tuple[str, ...]], tuple[Batch, ...]] | None = None
    for size in range(2, most + 1):
        for combo in combinations(usable, size):
            total = sum(b.program.jp for b in combo)
            if total < wanted or state.over_cap(need, total) or not _fits_together(state, combo):
                continue
            cost = sum(b.program.cost_per_participant for b in combo)
            # Then the combination over soonest, then the codes, so equal choices are decided the same way.
            key = (total, cost, size, max(b.ends_on for b in combo), tuple(sorted(b.code for b in combo)))
            if best is None or key < best[0]:
                best = (key, combo)
    return tuple(sorted(best[1], key=lambda b: (b.starts_on, b.code))) if best else None


def _fits_together(state: _State, combo: tuple[Batch, ...]) -> bool:
    """No two batches overlap, and each phase can pay and seat the participant in all of its batches."""
    for first, second in combinations(combo, 2):
        if first.starts_on <= second.ends_on and second.starts_on <= first.ends_on:
            return False
    by_phase: dict[str, list[Batch]] = defaultdict(list)
    for batch in combo:
        by_phase[batch.phase_code].append(batch)
    for code, members in by_phase.items():
        phase = state.phases[code]
        if phase.capacity is not None and state.phase_taken[code] + len(members) > phase.capacity:
            return False
        if state.spent[code] + sum(b.program.cost_per_participant for b in members) > phase.budget + 1e-6:
            return False
    return True
