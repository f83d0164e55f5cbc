"""One planning run of a fiscal year, in stages a reader can take apart:

1. release: seats only proposed for needs met meanwhile are withdrawn, found from the resolutions that
   arrived (``plan_state`` "resolved"), and, after a change of the plan, the seats of cancelled batches;
2. load (``plan.state``): the year's phases and batches, the seats (from the book this process keeps:
   those written since the last run, or every one; ``plan.seatbook``), and the needs to decide: only those
   that arrived since the last run, unless the plan changed since the last run that reconsidered every
   need (``plan.changes``), when every need not holding a seat;
3. decide: the pure planner (``plan.planner``) places each need not yet holding a seat, or says why not;
4. write: the new seats in bulk, each with its EnrolmentChanged (seats are the truth of a placement, so
   they go first: a run cut short is completed by the next), the needs they joined, then the decisions
   that changed (a second run on the same state writes nothing).

Runs of one year never overlap: a lock in this process, the lease across replicas."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any

from pymongo import UpdateOne

from services.training import domain
from services.training.documents import BatchDocument, EnrolmentDocument, PlannedNeedDocument
from services.training.domain import BatchStatus, PlannedNeedStatus
from services.training.plan import planner
from services.training.plan.changes import planned_at, unplanned_changes
from services.training.plan.lease import Holding, PlanLease
from services.training.plan.seatbook import SeatBook
from services.training.plan.state import RESOLVED, YearState, load, load_arrived
from services.training.seats.changes import enrolment_changed, seat
from services.training.seats.enrolments import Enrolments
from shared.events import EventRecord
from shared.messaging.outbox import Notify, commit, insert_all, retrying
from shared.persistence import bulk_write

INSERT_CHUNK = 1000


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
        # One run at a time in this process (the lease does it across replicas); re-entrant for ``exclusive``.
        self._running = threading.RLock()
        self._books: dict[int, SeatBook] = {}  # per fiscal year, as the last run here left it (plan.seatbook)

    def run(self, fiscal_year: int, by: str) -> dict[str, Any]:
        """Plan a fiscal year now; returns the run's summary (also kept on the lease)."""
        with self._running, self.lease.held(fiscal_year) as holding:
            holding.summary = self._plan(fiscal_year, by, holding)
            return holding.summary

    @contextmanager
    def exclusive(self) -> Iterator[None]:
        """Hold this process's runs off while a command changes the plan and then runs it itself."""
        with self._running:
            yield

    def _plan(self, fiscal_year: int, by: str, holding: Holding) -> dict[str, Any]:
        started = time.perf_counter()
        book = self._books.pop(fiscal_year, None)  # put back only by a run that ends well
        self.release_met(fiscal_year, by)
        changes, changed = unplanned_changes(fiscal_year)  # read before loading: see plan.changes
        if changed:
            cancelled = BatchDocument.objects(fiscal_year=fiscal_year, status=BatchStatus.CANCELLED.value)
            self.enrolments.withdraw_from_cancelled(list(cancelled), by)  # finishes a cancellation cut short
        stages = {"release": time.perf_counter() - started}
        if changed or book is None or book.run != holding.previous_run:
            book = SeatBook.read(fiscal_year)
        else:
            book.refresh()
        state = (load if changed else load_arrived)(fiscal_year, self.as_of(), book)
        stages["load"] = time.perf_counter() - started - sum(stages.values())
        result = self.decide(state)
        stages["decide"] = time.perf_counter() - started - sum(stages.values())
        new_seats = write_seats(state, result, by, book)
        join(result)
        decided = write_decisions(state, result)
        if changed:
            planned_at(fiscal_year, changes)
        stages["write"] = time.perf_counter() - started - sum(stages.values())
        if new_seats:
            self.notify()
        book.run = holding.run
        self._books[fiscal_year] = book
        reasons: dict[str, int] = {}
        for d in result.waitlisted:
            reasons[str(d.reason)] = reasons.get(str(d.reason), 0) + 1
        return {
            "fiscal_year": fiscal_year,
            "by": by,
            "at": datetime.now(UTC).isoformat(),
            "mode": "full" if changed else "incremental",
            "considered": len(result.decisions),
            "placed": len(result.placed),
            "waitlisted": len(result.waitlisted),
            "waitlisted_by_reason": reasons,
            "new_seats": new_seats,
            "needs_updated": decided,
            "seats_read": book.last_read,  # from the database, by this run
            "seats_read_all": book.read_all,  # every seat of the year; else those written since the last run
            "seconds": round(time.perf_counter() - started, 3),
            "stage_seconds": {k: round(v, 3) for k, v in stages.items()},  # where a slow run spends its time
        }

    def decide(self, state: YearState) -> planner.Plan:
        return planner.plan(
            state.needs,
            phases=state.phases,
            batches=state.batches,
            seats=state.seats,
            withdrawn=state.withdrawn,
            programmes=state.programmes,
            policy=self.policy,
        )

    def release_met(self, fiscal_year: int, by: str) -> int:
        """Withdraw the seats only proposed for needs whose resolutions arrived (a confirmed seat stays:
        the person agreed to come), then clear the marks. A run cut short between the two finds the marks
        again, and a seat withdrawn already is not withdrawn twice (``withdraw`` checks it is still open)."""
        needs = PlannedNeedDocument._get_collection()
        met = [n for n in needs.find({"plan_state": RESOLVED}) if n.get("fiscal_year") == fiscal_year]
        withdrawn = self.enrolments.withdraw_met(fiscal_year, met, by)
        # Only a need still resolved: a newer announcement may have opened it again meanwhile.
        bulk_write(
            needs, [UpdateOne({"_id": n["_id"], "plan_state": RESOLVED}, {"$unset": {"plan_state": ""}}) for n in met]
        )
        return withdrawn


def write_seats(state: YearState, result: planner.Plan, by: str, book: SeatBook) -> int:
    """New seats in bulk, each with the EnrolmentChanged that proposes it (insert_all keeps every document
    and its events together), taken into the book as written."""
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
    inserted = 0
    for start in range(0, len(rows), INSERT_CHUNK):
        chunk = rows[start : start + INSERT_CHUNK]
        inserted += insert_all(chunk, marked=False)
        book.add(e for e, _ in chunk)
    return inserted


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
    """Only what changed is written, so a run that decides the same writes nothing; every need decided
    leaves the next run's list (``plan_state``)."""
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
        wanted[need_id] = {
            "status": placed,
            "batch_code": codes[0],
            "batch_codes": codes if len(codes) > 1 else None,
            "plan_state": None,
        }
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
                "plan_state": None,
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
                "plan_state": None,
            }
    ops = []
    for need_id, fields in wanted.items():
        current = state.need_docs.get(need_id)
        if current is None or all(current.get(k) == v for k, v in fields.items()):
            continue
        # Not over a resolution that arrived while this run planned (the next run frees its seat), nor over
        # a newer announcement (it stays pending, and the next run decides it again).
        unchanged = {"announced_at": current["announced_at"]} if current.get("announced_at") else {}
        ops.append(
            UpdateOne(
                {"_id": need_id, "status": {"$ne": PlannedNeedStatus.RESOLVED.value}} | unchanged,
                {
                    "$set": {k: v for k, v in fields.items() if v is not None} | {"decided_at": now},
                    **({"$unset": unset} if (unset := {k: "" for k, v in fields.items() if v is None}) else {}),
                },
            )
        )
    bulk_write(PlannedNeedDocument._get_collection(), ops)
    return len(ops)
