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
from datetime import date, datetime
from enum import StrEnum
from math import floor

from services.training.domain import OPEN, EnrolmentStatus, ProgramOffer
from shared.domain.vocabulary import JP_COMPETENCY_CODE


@dataclass(frozen=True)
class Need:
    need_id: str
    nip: str
    unit_code: str
    competency_code: str
    required_level: int | None
    priority: float
    identified_at: datetime
    jp_shortfall: int | None = None  # for JP needs: the JP still missing this year


@dataclass(frozen=True)
class Phase:
    code: str
    starts_on: date
    ends_on: date
    budget: float
    capacity: int | None = None  # participants in the whole phase; None = only the batches limit it


@dataclass(frozen=True)
class Batch:
    code: str
    phase_code: str
    program: ProgramOffer
    starts_on: date
    ends_on: date
    capacity: int
    accepting: bool = True  # a closed batch still holds its seats and money, but takes nobody new


@dataclass(frozen=True)
class Seat:
    """A place already held (proposed, confirmed, attending, completed or failed) in a batch."""

    batch_code: str
    nip: str
    unit_code: str
    need_ids: tuple[str, ...]
    cost: float
    # Open seats can take another need of the same person; a completed seat has served its needs; a
    # failed one still used its place and money, but its needs are planned again.
    status: EnrolmentStatus = EnrolmentStatus.PROPOSED

    @property
    def open(self) -> bool:
        return self.status in OPEN


@dataclass(frozen=True)
class Policy:
    # While other units still wait, one unit takes at most this share of a batch's seats; seats left
    # over once everyone was considered go to the next in priority order regardless (nothing idles).
    unit_share: float = 0.5


class Blocker(StrEnum):
    NO_PROGRAMME = "no_programme"
    NO_BATCH = "no_batch"
    SEAT_BEFORE = "seat_before"
    OVERLAP = "overlap"
    CAPACITY = "capacity"
    PHASE_CAPACITY = "phase_capacity"
    BUDGET = "budget"
    FAIR_SHARE = "fair_share"


@dataclass(frozen=True)
class Explanation:
    id: str
    en: str


@dataclass(frozen=True)
class Decision:
    need_id: str
    batch_code: str | None  # None: waitlisted
    reason: Blocker | None  # why it is waitlisted (the blocker of the best-fitting batch)
    explanation: Explanation
    rank: int  # position in the priority order of this run (1 = first)
    joined_seat: bool = False  # placed in a batch where the person already holds a seat: no new cost


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


def _blocker_text(blocker: Blocker, batch: Batch | None, need: Need) -> Explanation:
    b, level = (batch.code if batch else ""), need.required_level or 1
    text_id, text_en = {
        Blocker.NO_PROGRAMME: (
            "Belum ada program siap yang mencakup {c} sampai level {level}.",
            "No ready programme covers {c} up to level {level}.",
        ),
        Blocker.NO_BATCH: (
            "Program yang sesuai ada, tetapi tidak ada angkatannya tahun ini yang belum dimulai.",
            "Fitting programmes exist but none of their batches this year is still to start.",
        ),
        Blocker.SEAT_BEFORE: (
            "Pegawai sudah pernah memiliki kursi di angkatan {b} (ditarik, selesai atau tidak lulus); ia tidak "
            "diusulkan lagi ke sana.",
            "The employee had a seat in batch {b} before (withdrawn, completed or failed); they are not proposed "
            "there again.",
        ),
        Blocker.OVERLAP: (
            "Jadwal angkatan {b} bertabrakan dengan angkatan lain yang diikuti pegawai.",
            "Batch {b} overlaps another batch the employee attends.",
        ),
        Blocker.CAPACITY: ("Angkatan {b} sudah penuh.", "Batch {b} is full."),
        Blocker.PHASE_CAPACITY: (
            "Kapasitas peserta tahap angkatan {b} sudah penuh.",
            "The participant capacity of the phase of batch {b} is used up.",
        ),
        Blocker.BUDGET: (
            "Anggaran tahap angkatan {b} tidak cukup untuk satu peserta lagi.",
            "The budget of the phase of batch {b} cannot pay for another participant.",
        ),
        Blocker.FAIR_SHARE: (
            "Unit {u} sudah memakai jatah wajarnya di angkatan {b}.",
            "Unit {u} already has its fair share of batch {b}.",
        ),
    }[blocker]
    if blocker == Blocker.NO_PROGRAMME and need.competency_code == JP_COMPETENCY_CODE:
        # Programmes are not combined: a shortfall larger than any one programme's JP waits for one.
        text_id = "Belum ada program siap yang memberi sedikitnya {jp} JP."
        text_en = "No ready programme earns at least {jp} JP."
    values = {"b": b, "c": need.competency_code, "level": level, "u": need.unit_code, "jp": need.jp_shortfall or 1}
    return Explanation(text_id.format(**values), text_en.format(**values))


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
        self.joinable: set[tuple[str, str]] = set()  # (batch, nip) of open seats
        self.placed: set[str] = set()
        for seat in seats:
            batch = self.batches.get(seat.batch_code)
            if seat.status != EnrolmentStatus.FAILED:
                self.placed.update(seat.need_ids)
            if batch is None:
                continue  # a seat in a batch outside this plan (closed, or another year) holds nothing here
            self._hold(batch, seat.nip, seat.unit_code, seat.cost)
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
        if exhausted := self.exhausted(batch):
            return exhausted
        if fair and self.unit_taken[(batch.code, need.unit_code)] >= self.fair_cap(batch):
            return Blocker.FAIR_SHARE
        return None

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
    """How far the programme overshoots the need (0 = exact), or None if it does not cover it."""
    if need.competency_code == JP_COMPETENCY_CODE:
        wanted = need.jp_shortfall or 1
        return program.jp - wanted if program.jp >= wanted else None
    level = program.competencies.get(need.competency_code, 0)
    needed = need.required_level or 1
    return level - needed if level >= needed else None


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
    policy: Policy = Policy(),
) -> Plan:
    """Decide every need not yet holding a seat: the best-fitting batch that has room, or the waitlist
    with the reason of the best-fitting batch. ``programmes`` are the ready programmes, so a need no
    programme covers is told apart from one whose programmes have no batch yet."""
    state = _State(phases, batches, seats, policy)
    withdrawn_pairs = set(withdrawn)
    known_programmes = {p.code: p for p in [*programmes, *(b.program for b in state.batches.values())]}.values()

    def preference(batch: Batch, need: Need) -> tuple[int, float, date, str] | None:
        """Closest fit first (least overshoot), then the cheapest, the earliest, the code (stable)."""
        over = _fit(batch.program, need)
        if over is None or not batch.accepting:
            return None
        return (over, batch.program.cost_per_participant, batch.starts_on, batch.code)

    cache: dict[tuple[str, int | None, int | None], _Candidates | Blocker] = {}

    def candidates(need: Need) -> _Candidates | Blocker:
        """The batches that cover the need, or why there are none (no programme, or no batch of one)."""
        key = (need.competency_code, need.required_level, need.jp_shortfall)
        if key not in cache:
            ranked = sorted((p, b) for b in state.batches.values() if (p := preference(b, need)) is not None)
            if ranked:
                cache[key] = _Candidates(ranked[0][1], [b for _, b in ranked])
            elif any(_fit(p, need) is not None for p in known_programmes):
                cache[key] = Blocker.NO_BATCH
            else:
                cache[key] = Blocker.NO_PROGRAMME
        return cache[key]

    pending = [n for n in priority_order(needs) if n.need_id not in state.placed]
    result = Plan()
    decided: dict[str, Decision] = {}
    fair_share_blocked: list[tuple[int, Need]] = []

    def place(need: Need, batch: Batch, rank: int, note: Explanation | None) -> None:
        key = (batch.code, need.nip)
        joined = key not in result.new_seats and batch.code in state.person[need.nip]
        if joined:
            result.joined.setdefault(key, []).append(need.need_id)
        elif key in result.new_seats:
            result.new_seats[key].append(need.need_id)
            joined = True
        else:
            state.take(batch, need)
            result.new_seats[key] = [need.need_id]
        decided[need.need_id] = Decision(
            need.need_id, batch.code, None, _placed_text(need, batch, rank, joined, note), rank, joined
        )

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
        reason = state.blocker(entry.best, need, withdrawn_pairs, fair)
        assert reason is not None  # the best batch was tried above, or dropped as exhausted
        decided[need.need_id] = Decision(need.need_id, None, reason, _blocker_text(reason, entry.best, need), rank)
        return blocked_by_share

    for rank, need in enumerate(pending, start=1):
        if isinstance(none := candidates(need), Blocker):
            decided[need.need_id] = Decision(need.need_id, None, none, _blocker_text(none, None, need), rank)
        elif attempt(need, rank, fair=True, note=None):
            fair_share_blocked.append((rank, need))

    # Seats nobody else could use go to those held back by fair share, still in priority order. If
    # others took what was left, the reason becomes what blocks the need without fair share.
    beyond_share = Explanation(
        "Melebihi jatah wajar unit karena kursi masih tersisa setelah semua unit dipertimbangkan.",
        "Beyond the unit's fair share because seats remained after every unit was considered.",
    )
    for rank, need in fair_share_blocked:
        attempt(need, rank, fair=False, note=beyond_share)

    result.decisions = [decided[n.need_id] for n in pending]
    return result


def _placed_text(need: Need, batch: Batch, rank: int, joined: bool, note: Explanation | None) -> Explanation:
    program = batch.program
    if need.competency_code == JP_COMPETENCY_CODE:
        what_id = f"memberi {program.jp} JP (kurang {need.jp_shortfall or 0} JP)"
        what_en = f"earns {program.jp} JP ({need.jp_shortfall or 0} JP short)"
    else:
        reach = program.competencies[need.competency_code]
        what_id = f"mencakup {need.competency_code} sampai level {reach} (dibutuhkan {need.required_level or 1})"
        what_en = f"covers {need.competency_code} up to level {reach} ({need.required_level or 1} needed)"
    text_id = (
        f"Urutan prioritas {rank} (skor {need.priority:g}). Angkatan {batch.code} program {program.code} "
        f"{what_id}, {batch.starts_on:%d-%m-%Y} s.d. {batch.ends_on:%d-%m-%Y}."
    )
    text_en = (
        f"Priority rank {rank} (score {need.priority:g}). Batch {batch.code} of programme {program.code} "
        f"{what_en}, {batch.starts_on:%Y-%m-%d} to {batch.ends_on:%Y-%m-%d}."
    )
    if joined:
        text_id += " Pegawai sudah terdaftar di angkatan ini; tidak menambah kursi atau biaya."
        text_en += " The employee already holds a seat in this batch; no extra seat or cost."
    if note:
        text_id, text_en = f"{text_id} {note.id}", f"{text_en} {note.en}"
    return Explanation(text_id, text_en)
