"""Reports of the plan and its realisation, as JSON or CSV downloads (the figures: ``training.reports``)."""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Response

from services.training import reports
from services.training.documents import ProgramDocument
from services.training.plan.figures import year_rows
from shared.http.access import Admin
from shared.http.query import FiscalYear
from shared.http.reports import CSV_REPORT, ReportFormat, report_response

ReportView = Callable[..., Response]


def build_router() -> APIRouter:
    router = APIRouter(tags=["reports"])

    @router.get("/reports/plan", summary="Per phase: places, budget committed, waitlist by unit")
    def plan_report(_: Admin, fiscal_year: FiscalYear) -> dict[str, object]:
        rows = year_rows(fiscal_year)
        return {"fiscal_year": fiscal_year, **reports.plan_per_phase(*rows)}

    def csv_report(path: str, summary: str) -> Callable[[ReportView], ReportView]:
        return router.get(path, summary=summary, responses=CSV_REPORT)

    @csv_report("/reports/realisation", "Per batch: planned seats against what happened")
    def realisation_report(_: Admin, fiscal_year: FiscalYear, format: ReportFormat = "json") -> Response:
        year = year_rows(fiscal_year, needs=False)
        rows = reports.realisation(year[1], year[2])
        return report_response(rows, format, f"realisasi-{fiscal_year}", {"fiscal_year": fiscal_year})

    @csv_report("/reports/jp-per-unit", "JP delivered by completed programmes, per unit")
    def jp_report(_: Admin, fiscal_year: FiscalYear, format: ReportFormat = "json") -> Response:
        jp = {p["_id"]: p["jp"] for p in ProgramDocument._get_collection().find({}, {"jp": 1})}
        rows = reports.jp_per_unit(year_rows(fiscal_year, needs=False)[2], jp)
        return report_response(rows, format, f"jp-per-unit-{fiscal_year}", {"fiscal_year": fiscal_year})

    return router
