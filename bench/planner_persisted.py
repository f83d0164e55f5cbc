"""The planner through its database: a re-plan after 1,000 new needs into a persisted plan of the given
scale (placed and waiting needs, their seats) against the same 1,000 into an empty plan with the same
phases and batches, both stored on the running database, in one run. What the incremental run reads
grows with what arrived (``services.training.plan.state``, ``plan.seatbook``), so the ratio should be
about 1x. Each plan is planned by a runner started afresh, as a training process is: its first run, with
nothing arrived, reads every seat of the year (reported beside), and the re-plan is the run after it. With
``BENCH_PLANNER_FULL_RUN=1``, also a run after a change of the plan, which reconsiders every need (what
each run did before).

The plan is seeded by the pure planner's own decisions and inserted in bulk: an insert command is one
transaction on one connection in FerretDB v1, unlike a bulk of updates, whose statements each hold one of
its pool's connections until the command ends (hence ``BULK_STATEMENTS`` for those), so inserts go in
commands of ``INSERT_CHUNK`` as the planner's own do."""

from __future__ import annotations

import os
import time
import uuid
from datetime import UTC, date, datetime
from typing import Any

from bench.common import clean_up, postgresql_url
from services.training.catalogue.programmes import Programmes
from services.training.certificates.issuing import Issuer
from services.training.documents import (
    ALL_DOCUMENTS,
    BatchDocument,
    EnrolmentDocument,
    PhaseDocument,
    PlannedNeedDocument,
    ProgramDocument,
)
from services.training.plan import planner
from services.training.plan.changes import plan_changed, planned_at
from services.training.plan.lease import PlanLease
from services.training.plan.run import INSERT_CHUNK, PlanRunner
from services.training.seats.enrolments import Enrolments
from services.training.settings import TrainingSettings
from shared.cache import ReferenceCache
from shared.credentials import CredentialService, CredentialSettings
from shared.persistence import (
    connect_database,
    disconnect_database,
    ensure_indexes,
    levels_to_documents,
)

YEAR = 2027
AT = datetime(2027, 1, 2, tzinfo=UTC)


def _insert(coll: Any, docs: list[dict[str, Any]]) -> None:
    for start in range(0, len(docs), INSERT_CHUNK):
        coll.insert_many(docs[start : start + INSERT_CHUNK], ordered=False)


def _need_doc(n: planner.Need, decision: planner.Decision | None) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "_id": n.need_id,
        "fiscal_year": YEAR,
        "nip": n.nip,
        "unit_code": n.unit_code,
        "competency_code": n.competency_code,
        "required_level": n.required_level,
        "priority": n.priority,
        "source": "jp_shortfall" if n.jp_shortfall else "competency_gap",
        "jp_shortfall": n.jp_shortfall,
        "barriers": [],
        "identified_at": n.identified_at,
        "announced_at": n.identified_at,
        "status": "open",
    }
    if decision is None:  # announced, not decided yet: what the consumer leaves
        return doc | {"plan_state": "pending"}
    doc |= {"explanation": decision.explanation.id, "explanation_en": decision.explanation.en, "decided_at": AT}
    if decision.batch_code is None:
        return doc | {"status": "waitlisted", "reason_code": str(decision.reason)}
    return doc | {"status": "placed", "batch_code": decision.batch_code, "rank": decision.rank}


def _seat_doc(batch: planner.Batch, nip: str, unit: str, need_ids: list[str]) -> dict[str, Any]:
    return {
        "_id": f"{batch.code}:{nip}",
        "batch_code": batch.code,
        "phase_code": batch.phase_code,
        "program_code": batch.program.code,
        "fiscal_year": YEAR,
        "nip": nip,
        "unit_code": unit,
        "need_ids": need_ids,
        "cost": batch.program.cost_per_participant,
        "status": "proposed",
        "history": [{"status": "proposed", "by": "bench", "at": AT, "note": None}],
        "created_at": AT,
        "updated_at": AT,
        "outbox": [],
        "outbox_pending": False,
        "version": 1,
    }


def _schedule(world: dict[str, Any]) -> None:
    """Phases, programmes and batches, as the plan's commands leave them."""
    for p in world["phases"]:
        PhaseDocument(code=p.code, fiscal_year=YEAR, title=p.code, starts_on=p.starts_on, ends_on=p.ends_on,
                      budget=p.budget).save()  # fmt: skip
    for o in world["programmes"]:
        ProgramDocument(code=o.code, title=o.title, form=o.form, competencies=levels_to_documents(o.competencies),
                        jp=o.jp, provider="bench", provider_kind="internal", delivery_mode="classical",
                        cost_per_participant=o.cost_per_participant).save()  # fmt: skip
    batches = [
        {"_id": b.code, "fiscal_year": YEAR, "phase_code": b.phase_code, "program_code": b.program.code,
         "starts_on": datetime.combine(b.starts_on, datetime.min.time()),
         "ends_on": datetime.combine(b.ends_on, datetime.min.time()), "capacity": b.capacity, "sessions": 3,
         "status": "scheduled", "created_at": AT, "outbox": [], "outbox_pending": False, "version": 1}
        for b in world["batches"]
    ]  # fmt: skip
    _insert(BatchDocument._get_collection(), batches)


def _seed_plan(world: dict[str, Any]) -> float:
    """Every need of the world decided by the pure planner and stored with its seats; returns seconds."""
    started = time.perf_counter()
    needs, batches = world["needs"], {b.code: b for b in world["batches"]}
    result = planner.plan(needs, phases=world["phases"], batches=world["batches"], seats=[],
                          programmes=world["programmes"])  # fmt: skip
    decided = {d.need_id: d for d in result.decisions}
    unit = {n.nip: n.unit_code for n in needs}
    _insert(PlannedNeedDocument._get_collection(), [_need_doc(n, decided[n.need_id]) for n in needs])
    seats = [_seat_doc(batches[b], nip, unit[nip], ids) for (b, nip), ids in result.new_seats.items()]
    _insert(EnrolmentDocument._get_collection(), seats)
    return time.perf_counter() - started


def _runner() -> PlanRunner:
    """The planning of a training process just started: it keeps no seats yet."""
    credentials = CredentialService(CredentialSettings(environment="development"))
    programmes = Programmes(ReferenceCache(ttl_s=60, max_entries=1_000, service="training"))
    enrolments = Enrolments(notify=lambda: None, replan=lambda _: None, issuer=Issuer(credentials),
                            programmes=programmes)  # fmt: skip
    return PlanRunner(policy=planner.Policy(), enrolments=enrolments, notify=lambda: None,
                      lease=PlanLease(lease_s=20.0), as_of=lambda: date(2027, 1, 1))  # fmt: skip


def _timed(runner: PlanRunner) -> dict[str, Any]:
    started = time.perf_counter()
    summary = runner.run(YEAR, "bench")
    summary |= {"wall_s": round(time.perf_counter() - started, 3)}
    print(f"[planner persisted] {summary}", flush=True)
    return summary


def _replan(arriving: list[planner.Need]) -> tuple[dict[str, Any], dict[str, Any]]:
    """A fresh runner's first run (nothing arrived: it reads every seat), then the needs announced (as the
    consumer stores them) and the run that plans them."""
    runner = _runner()
    first = _timed(runner)
    _insert(PlannedNeedDocument._get_collection(), [_need_doc(n, None) for n in arriving])
    return first, _timed(runner)


def _clear() -> None:
    for doc in (PlannedNeedDocument, EnrolmentDocument):
        doc._get_collection().delete_many({})


def run(mongo: str, world: dict[str, Any], arriving: list[planner.Need]) -> dict[str, Any]:
    namespace = f"benchpl{uuid.uuid4().hex[:8]}"
    settings = TrainingSettings(
        mongodb_uri=mongo, mongodb_database=f"{namespace}_training", ferretdb_postgresql_url=postgresql_url()
    )
    connect_database(settings)
    try:
        ensure_indexes(settings, ALL_DOCUMENTS)
        _schedule(world)
        planned_at(YEAR, 0)  # the schedule was planned (nothing to place yet): runs decide what arrives
        _, empty = _replan(arriving)
        _clear()
        seed_s = _seed_plan(world)
        first, full = _replan(arriving)
        changed = None
        if os.environ.get("BENCH_PLANNER_FULL_RUN") == "1":
            plan_changed(YEAR)
            changed = _runner().run(YEAR, "bench")
    finally:
        disconnect_database(settings)
        clean_up(os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092"), mongo, namespace)
    ratio = full["wall_s"] / empty["wall_s"]
    n = len(world["needs"])
    print(f"[planner persisted] seeded {n:,} decided needs and their seats in {seed_s:.1f} s", flush=True)
    print(
        f"[planner persisted] a process's first run on that plan, nothing arrived: {first['wall_s']:.2f} s "
        f"({first['seats_read']:,} seats read)"
    )
    print(
        f"[planner persisted] re-plan after {len(arriving):,} new needs: into the empty plan {empty['wall_s']:.2f} s "
        f"({empty['mode']}, {empty['placed']} placed), into the plan of {n:,} {full['wall_s']:.2f} s "
        f"({full['mode']}, {full['placed']} placed); ratio {ratio:.2f}x (target about 1x)"
    )
    if changed:
        print(
            f"[planner persisted] after a change of the plan, every need reconsidered: {changed['seconds']:.2f} s "
            f"({changed['considered']:,} needs, {changed['needs_updated']:,} updated)"
        )
    return {"seed_s": round(seed_s, 1), "empty": empty, "first_run": first, "full": full, "ratio": round(ratio, 2),
            "after_change": changed}  # fmt: skip
