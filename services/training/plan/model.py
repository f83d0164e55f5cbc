"""What the planner is given: needs, phases, batches, the seats already held and its policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from services.training.domain import OPEN, EnrolmentStatus, ProgramOffer


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
    # An evaluation follow-up's remedy (shared.domain.vocabulary.TRAINING_REMEDIES): the forms that give it
    # (None: any form) and the programme whose content did not fit the job (never offered again).
    forms: frozenset[str] | None = None
    excluded_program: str | None = None
    employment_type: str | None = None  # PNS or PPPK (the PPPK JP cap); None: not known, no cap applied


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
    # PP 49/2018 (Manajemen PPPK): a PPPK is given at most 24 JP of development a contract year. The cap
    # limits what the planner gives (the JP of the seats it holds for them this year), not what counts.
    pppk_jp_cap: int = 24
    # A JP shortfall no single batch meets may be met by this many batches at most.
    max_combined_batches: int = 3
