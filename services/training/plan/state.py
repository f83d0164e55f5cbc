"""What a planning run decides on, loaded in one of two ways:

- ``load``: every need of the year not yet holding a seat (open, placed before, waitlisted), as after a
  change of the plan (a seat freed, a batch or phase changed; ``plan.changes``);
- ``load_arrived``: only the needs announced since the last run (``plan_state`` "pending", one indexed
  equality), while the plan has not changed since the last ``load``: a run's needs grow with what arrived,
  not with every need stored.

Both read the year's phases and live batches, and take the seats held in them (bounded by the batches'
capacity) from the planner's book of seats (``plan.seatbook``)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.training import domain
from services.training.catalogue.programmes import offer_of, ready_offers
from services.training.documents import (
    BatchDocument,
    PhaseDocument,
    PlannedNeedDocument,
    ProgramDocument,
)
from services.training.domain import BatchStatus, PlannedNeedStatus
from services.training.plan import planner
from services.training.plan.seatbook import SeatBook
from shared.domain.vocabulary import accepted_forms, training_remedy

NOT_PLANNED = frozenset(
    s.value for s in (PlannedNeedStatus.UNIT_LEVEL, PlannedNeedStatus.ACTION_ONLY, PlannedNeedStatus.RESOLVED)
)
PENDING, RESOLVED = "pending", "resolved"  # values of PlannedNeedDocument.plan_state


@dataclass
class YearState:
    """What a run decides on, as loaded, with the documents its writes need."""

    fiscal_year: int
    phases: list[planner.Phase]
    batches: list[planner.Batch]
    seats: list[planner.Seat]
    withdrawn: list[tuple[str, str]]
    programmes: list[domain.ProgramOffer]
    batch_docs: dict[str, BatchDocument]
    programs: dict[str, ProgramDocument]
    need_docs: dict[str, dict[str, Any]] = field(default_factory=dict)
    planned: dict[str, planner.Need] = field(default_factory=dict)  # need_docs as the planner reads them

    @property
    def needs(self) -> list[planner.Need]:
        return list(self.planned.values())

    def add(self, docs: Iterable[dict[str, Any]]) -> None:
        """Needs of this year the planner decides on, once each."""
        for n in docs:
            if (
                n["_id"] not in self.need_docs
                and n.get("fiscal_year") == self.fiscal_year
                and n.get("status") not in NOT_PLANNED
                and n.get("nip")
            ):
                self.need_docs[n["_id"]] = n
                self.planned[n["_id"]] = planned_need(n)


def load(fiscal_year: int, today: date, book: SeatBook) -> YearState:
    """Every need of the year the planner decides on."""
    state = _plan_of(fiscal_year, today, book)
    state.add(
        PlannedNeedDocument._get_collection().find({"fiscal_year": fiscal_year, "status": {"$nin": [*NOT_PLANNED]}})
    )
    return state


def load_arrived(fiscal_year: int, today: date, book: SeatBook) -> YearState:
    """Only the needs announced since the last run (see ``plan.changes`` for why the waiting ones may be
    left out while the plan has not changed)."""
    state = _plan_of(fiscal_year, today, book)
    state.add(PlannedNeedDocument._get_collection().find({"plan_state": PENDING}))
    return state


def _plan_of(fiscal_year: int, today: date, book: SeatBook) -> YearState:
    phases = {p.code: p for p in PhaseDocument.objects(fiscal_year=fiscal_year)}
    live = [BatchStatus.SCHEDULED.value, BatchStatus.CLOSED.value]
    batch_docs = {b.id: b for b in BatchDocument.objects(fiscal_year=fiscal_year, status__in=live)}
    programs = {
        p.code: p for p in ProgramDocument.objects(code__in=list({b.program_code for b in batch_docs.values()}))
    }
    offers = {code: offer_of(p) for code, p in programs.items()}
    batches = [
        planner.Batch(
            b.id,
            b.phase_code,
            offers[b.program_code],
            b.starts_on,
            b.ends_on,
            b.capacity,
            b.status == BatchStatus.SCHEDULED and b.starts_on > today,
        )
        for b in batch_docs.values()
        if b.program_code in offers
    ]
    enrolments = list(book.values())
    seats = [
        planner.Seat(
            e["batch_code"],
            e["nip"],
            e["unit_code"],
            tuple(e.get("need_ids") or ()),
            e.get("cost", 0.0),
            domain.EnrolmentStatus(e["status"]),
        )
        for e in enrolments
        if e["status"] in domain.HOLDS_SEAT
    ]
    withdrawn = [(e["batch_code"], e["nip"]) for e in enrolments if e["status"] == domain.EnrolmentStatus.WITHDRAWN]
    return YearState(
        fiscal_year=fiscal_year,
        phases=[planner.Phase(p.code, p.starts_on, p.ends_on, p.budget, p.capacity) for p in phases.values()],
        batches=batches,
        seats=seats,
        withdrawn=withdrawn,
        programmes=ready_offers(),
        batch_docs=batch_docs,
        programs=programs,
    )


def planned_need(n: dict[str, Any]) -> planner.Need:
    """A stored need as the planner reads it, with its follow-up remedy (TRAINING_REMEDIES)."""
    remedy = training_remedy(n.get("barriers") or ())
    return planner.Need(
        n["_id"],
        n["nip"],
        n["unit_code"],
        n["competency_code"],
        n.get("required_level"),
        n["priority"],
        n["identified_at"],
        n.get("jp_shortfall"),
        forms=accepted_forms(n.get("recommended_form")),
        excluded_program=n.get("program_code") if remedy and remedy.exclude_programme else None,
        employment_type=n.get("employment_type"),
    )
