"""One planning run of a fiscal year, in stages a reader (and an incremental planner) can take apart:

1. release: seats of cancelled batches, and seats only proposed for needs met meanwhile, are withdrawn;
2. load: the year's phases, batches, seats and needs, as the planner's plain values;
3. decide: the pure planner (``plan.planner``) places each need not yet holding a seat, or says why not;
4. write: the new seats in bulk, each with its EnrolmentChanged (seats are the truth of a placement, so
   they go first: a run cut short is completed by the next), the needs they joined, then the decisions
   that changed (a second run on the same state writes nothing).

Runs of one year never overlap: a lock in this process, the lease across replicas."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

from pymongo import UpdateOne

from services.training import domain
from services.training.catalogue.programmes import offer_of, ready_offers
from services.training.documents import (
    BatchDocument,
    EnrolmentDocument,
    PhaseDocument,
    PlannedNeedDocument,
    ProgramDocument,
)
from services.training.domain import BatchStatus, PlannedNeedStatus
from services.training.plan import planner
from services.training.plan.lease import PlanLease
from services.training.seats.changes import enrolment_changed, seat
from services.training.seats.enrolments import Enrolments
from shared.domain.vocabulary import accepted_forms, training_remedy
from shared.events import EventRecord
from shared.messaging.outbox import Notify, commit, insert_all, retrying
from shared.persistence import bulk_write

SEAT_FIELDS = ("id", "batch_code", "nip", "unit_code", "need_ids", "cost", "status")
INSERT_CHUNK = 1000


@dataclass
class YearState:
    """What a run decides on, as loaded, with the documents its writes need."""

    fiscal_year: int
    phases: list[planner.Phase]
    batches: list[planner.Batch]
    seats: list[planner.Seat]
    withdrawn: list[tuple[str, str]]
    needs: list[planner.Need]
    programmes: list[domain.ProgramOffer]
    batch_docs: dict[str, BatchDocument]
    programs: dict[str, ProgramDocument]
    need_docs: dict[str, dict[str, Any]]


class PlanRunner:
    def __init__(
        self,
        *,
        policy: planner.Policy,
        enrolments: Enrolments,
        notify: Notify,
        lease: PlanLease,
        as_of: Callable[[], date],
    ) -> None:
        self.policy = policy
        self.enrolments = enrolments
        self.notify = notify
        self.lease = lease
        self.as_of = as_of  # the day the plan is made on: batches that have started take nobody new
        self._running = threading.Lock()  # one run at a time in this process; the lease does it across replicas

    def run(self, fiscal_year: int, by: str) -> dict[str, Any]:
        """Plan a fiscal year now; returns the run's summary (also kept on the lease)."""
        with self._running, self.lease.held(fiscal_year) as holding:
            holding.summary = self._plan(fiscal_year, by)
            return holding.summary

    def _plan(self, fiscal_year: int, by: str) -> dict[str, Any]:
        started = time.perf_counter()
        self.release(fiscal_year, by)
        state = load(fiscal_year, self.as_of())
        result = planner.plan(
            state.needs,
            phases=state.phases,
            batches=state.batches,
            seats=state.seats,
            withdrawn=state.withdrawn,
            programmes=state.programmes,
            policy=self.policy,
        )
        new_seats = write_seats(state, result, by)
        join(result)
        decided = write_decisions(state, result)
        if new_seats:
            self.notify()
        reasons: dict[str, int] = {}
        for d in result.waitlisted:
            reasons[str(d.reason)] = reasons.get(str(d.reason), 0) + 1
        return {
            "fiscal_year": fiscal_year,
            "by": by,
            "at": datetime.now(UTC).isoformat(),
            "considered": len(result.decisions),
            "placed": len(result.placed),
            "waitlisted": len(result.waitlisted),
            "waitlisted_by_reason": reasons,
            "new_seats": new_seats,
            "needs_updated": decided,
            "seconds": round(time.perf_counter() - started, 3),
        }

    def release(self, fiscal_year: int, by: str) -> None:
        """Seats the plan no longer holds: those of cancelled batches, those only proposed for met needs."""
        cancelled = list(BatchDocument.objects(fiscal_year=fiscal_year, status=BatchStatus.CANCELLED.value))
        self.enrolments.withdraw_from_cancelled(cancelled, by)
        resolved = PlannedNeedDocument._get_collection().find(
            {"fiscal_year": fiscal_year, "status": PlannedNeedStatus.RESOLVED.value}, {"_id": 1}
        )
        self.enrolments.withdraw_met(fiscal_year, {n["_id"] for n in resolved}, by)


def load(fiscal_year: int, today: date) -> YearState:
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
    enrolments = list(EnrolmentDocument.objects(fiscal_year=fiscal_year).only(*SEAT_FIELDS))
    seats = [
        planner.Seat(e.batch_code, e.nip, e.unit_code, tuple(e.need_ids), e.cost, domain.EnrolmentStatus(e.status))
        for e in enrolments
        if e.status in domain.HOLDS_SEAT
    ]
    withdrawn = [(e.batch_code, e.nip) for e in enrolments if e.status == domain.EnrolmentStatus.WITHDRAWN]
    not_planned = [
        s.value for s in (PlannedNeedStatus.UNIT_LEVEL, PlannedNeedStatus.ACTION_ONLY, PlannedNeedStatus.RESOLVED)
    ]
    need_docs = {
        n["_id"]: n
        for n in PlannedNeedDocument._get_collection().find(
            {"fiscal_year": fiscal_year, "status": {"$nin": not_planned}}
        )
    }
    needs = [planned_need(n) for n in need_docs.values()]
    return YearState(
        fiscal_year=fiscal_year,
        phases=[planner.Phase(p.code, p.starts_on, p.ends_on, p.budget, p.capacity) for p in phases.values()],
        batches=batches,
        seats=seats,
        withdrawn=withdrawn,
        needs=needs,
        programmes=ready_offers(),
        batch_docs=batch_docs,
        programs=programs,
        need_docs=need_docs,
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


def write_seats(state: YearState, result: planner.Plan, by: str) -> int:
    """New seats in bulk, each with the EnrolmentChanged that proposes it (insert_all keeps every document
    and its events together)."""
    decisions = {d.need_id: d for d in result.placed}
    rows: list[tuple[EnrolmentDocument, list[EventRecord]]] = []
    now = datetime.now(UTC)
    for (batch_code, nip), need_ids in result.new_seats.items():
        batch, first = state.batch_docs[batch_code], state.need_docs[need_ids[0]]
        program = state.programs[batch.program_code]
        e = EnrolmentDocument(
            id=domain.enrolment_id(batch_code, nip),
            batch_code=batch_code,
            phase_code=batch.phase_code,
            program_code=program.code,
            fiscal_year=batch.fiscal_year,
            nip=nip,
            unit_code=first["unit_code"],
            supervisor_nip=first.get("supervisor_nip"),
            need_ids=need_ids,
            cost=program.cost_per_participant,
            status=domain.EnrolmentStatus.PROPOSED.value,
            explanation=decisions[need_ids[0]].explanation.id,
            explanation_en=decisions[need_ids[0]].explanation.en,
            host_agency=batch.host_agency,
            history=[{"status": domain.EnrolmentStatus.PROPOSED.value, "by": by, "at": now, "note": None}],
            created_at=now,
            updated_at=now,
        )
        rows.append((e, [enrolment_changed(e, batch, program, None)]))
    return sum(insert_all(rows[start : start + INSERT_CHUNK]) for start in range(0, len(rows), INSERT_CHUNK))


def join(result: planner.Plan) -> None:
    """Needs the run added to seats their person already held."""
    for (batch_code, nip), need_ids in result.joined.items():

        def attempt(seat_id: str = domain.enrolment_id(batch_code, nip), add: list[str] = need_ids) -> None:
            e = seat(seat_id)
            e.need_ids = list(dict.fromkeys([*e.need_ids, *add]))
            e.updated_at = datetime.now(UTC)
            commit(e)

        retrying(attempt)


def write_decisions(state: YearState, result: planner.Plan) -> int:
    """Only what changed is written, so a run that decides the same writes nothing."""
    now = datetime.now(UTC)
    wanted: dict[str, dict[str, Any]] = {}
    placed, waitlisted = PlannedNeedStatus.PLACED.value, PlannedNeedStatus.WAITLISTED.value
    held_in: dict[str, list[str]] = {}
    for held in state.seats:  # placed before: the seat is the truth (repairs a run interrupted before this step)
        if held.status == domain.EnrolmentStatus.FAILED:
            continue  # its needs were planned again
        for need_id in held.need_ids:
            held_in.setdefault(need_id, []).append(held.batch_code)
    for need_id, codes in held_in.items():  # several seats: a JP shortfall met by a combination
        codes.sort()
        wanted[need_id] = {"status": placed, "batch_code": codes[0], "batch_codes": codes if len(codes) > 1 else None}
    for d in result.decisions:
        if d.batch_code is not None:
            wanted[d.need_id] = {
                "status": placed,
                "batch_code": d.batch_code,
                "batch_codes": list(d.batch_codes) or None,
                "reason_code": None,
                "explanation": d.explanation.id,
                "explanation_en": d.explanation.en,
                "rank": d.rank,
            }
        else:
            wanted[d.need_id] = {
                "status": waitlisted,
                "batch_code": None,
                "batch_codes": None,
                "reason_code": str(d.reason),
                "explanation": d.explanation.id,
                "explanation_en": d.explanation.en,
                "rank": None,
            }
    ops = []
    for need_id, fields in wanted.items():
        current = state.need_docs.get(need_id)
        if current is None or all(current.get(k) == v for k, v in fields.items()):
            continue
        ops.append(
            UpdateOne(
                # Not over a resolution that arrived while this run planned: the next run frees its seat.
                {"_id": need_id, "status": {"$ne": PlannedNeedStatus.RESOLVED.value}},
                {
                    "$set": {k: v for k, v in fields.items() if v is not None} | {"decided_at": now},
                    **({"$unset": unset} if (unset := {k: "" for k, v in fields.items() if v is None}) else {}),
                },
            )
        )
    bulk_write(PlannedNeedDocument._get_collection(), ops)
    return len(ops)
