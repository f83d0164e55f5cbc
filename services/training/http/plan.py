"""The plan: phases, batches (with attendance and closing), planning runs and the planner's view of needs."""

from __future__ import annotations

from collections import Counter
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query

from services.training import domain
from services.training.documents import BatchDocument, EnrolmentDocument, PhaseDocument, PlannedNeedDocument
from services.training.http.schemas import (
    AttendanceIn,
    BatchIn,
    BatchOut,
    CancelIn,
    Code,
    CompletionIn,
    NeedOut,
    PhaseIn,
    PhaseOut,
)
from services.training.plan.commands import PlanCommands
from services.training.seats.attendance import Attendance
from shared.domain.errors import Invalid
from shared.http.access import Admin, Staff, scope_of
from shared.http.auth import CurrentPrincipal
from shared.http.pagination import Page, Pagination, page_of
from shared.http.query import FiscalYear
from shared.persistence import get_or_not_found


def _seats_held(**filters: object) -> Counter[str]:
    """Seats held per batch, in one read (a page of batches would otherwise count one by one)."""
    seats = EnrolmentDocument._get_collection().find(
        {**filters, "status": {"$in": list(domain.HOLDS_SEAT)}}, {"batch_code": 1}
    )
    return Counter(s["batch_code"] for s in seats)


def _batch(b: BatchDocument, held: Counter[str] | None = None) -> BatchOut:
    held = held if held is not None else _seats_held(batch_code=b.id)
    return BatchOut.of(b, seats_held=held[b.id])


def build_router(plan: PlanCommands, attendance: Attendance) -> APIRouter:
    router = APIRouter(tags=["plan"])

    @router.put("/phases/{code}", summary="Create or change a phase (tahap) of a fiscal year")
    def put_phase(code: Code, body: PhaseIn, _: Admin) -> PhaseOut:
        return PhaseOut.of(plan.save_phase(code, body.model_dump()))

    @router.get("/phases")
    def list_phases(_: CurrentPrincipal, fiscal_year: FiscalYear) -> list[PhaseOut]:
        return [PhaseOut.of(p) for p in PhaseDocument.objects(fiscal_year=fiscal_year).order_by("starts_on", "code")]

    @router.put("/batches/{code}", summary="Schedule or change a batch (angkatan) in a phase")
    def put_batch(code: Code, body: BatchIn, _: Admin) -> BatchOut:
        return _batch(plan.save_batch(code, body.model_dump()))

    @router.get("/batches")
    def list_batches(
        _: CurrentPrincipal, page: Pagination, fiscal_year: FiscalYear, phase_code: str | None = None
    ) -> Page[BatchOut]:
        filters = {"fiscal_year": fiscal_year} | ({"phase_code": phase_code} if phase_code else {})
        held = _seats_held(fiscal_year=fiscal_year)
        return page_of(BatchDocument.objects(**filters).order_by("starts_on", "id"), page, lambda b: _batch(b, held))

    @router.get("/batches/{code}")
    def get_batch(code: Code, _: CurrentPrincipal) -> BatchOut:
        return _batch(get_or_not_found(BatchDocument, code, "Angkatan", "Batch"))

    @router.post(
        "/batches/{code}/cancel",
        summary="Cancel a batch that has not started; its seats are withdrawn and its needs re-planned",
    )
    def cancel_batch(code: Code, body: CancelIn, who: Admin) -> dict[str, object]:
        return plan.cancel_batch(code, body.reason, who.nip)

    @router.put(
        "/batches/{code}/sessions/{session}/attendance",
        summary="Who attended one session (the others listed as participants were absent)",
    )
    def put_attendance(
        code: Code, session: Annotated[int, Path(ge=1, le=1000)], body: AttendanceIn, who: Admin
    ) -> dict[str, int]:
        return attendance.record(code, session, set(body.present), who.nip)

    @router.post("/batches/{code}/completion", summary="Judge every attending participant of the batch and close it")
    def complete_batch(code: Code, who: Admin, body: CompletionIn | None = None) -> dict[str, object]:
        return plan.close_batch(code, body.completed_on if body else None, who.nip)

    @router.post(
        "/plans/{fiscal_year}/run",
        summary="Run the planner now: place open needs into batches (incremental and idempotent)",
    )
    def run_plan(fiscal_year: Annotated[int, Path(ge=2000, le=2100)], who: Admin) -> dict[str, object]:
        return plan.runner.run(fiscal_year, who.nip)

    @router.get("/needs", summary="Needs as the planner sees them, with its decision and why")
    def list_needs(
        who: Staff,
        page: Pagination,
        fiscal_year: FiscalYear | None = None,
        status: Literal["open", "placed", "waitlisted", "unit_level", "action_only", "resolved"] | None = None,
        unit_code: str | None = None,
        nip: str | None = None,
        reason_code: Annotated[
            str | None, Query(max_length=40, description="Why it waits: capacity, budget, ...")
        ] = None,
    ) -> Page[NeedOut]:
        filters = {
            "fiscal_year": fiscal_year,
            "status": status,
            "unit_code": unit_code,
            "nip": nip,
            "reason_code": reason_code,
        }
        # One person's needs of every year (their needs page asks at once, beside the needs service); any
        # other listing is of one year.
        if fiscal_year is None and nip is None:
            raise Invalid(
                "fiscal_year_required",
                "Sebutkan tahun anggaran (fiscal_year), atau NIP untuk kebutuhan satu pegawai.",
                "Name the fiscal year (fiscal_year), or a NIP for one employee's needs.",
            )
        needs = scope_of(who).records(PlannedNeedDocument, {k: v for k, v in filters.items() if v is not None})
        ordered = needs.order_by("-priority", "identified_at", "id")
        return page_of(ordered, page, NeedOut.of)

    return router
