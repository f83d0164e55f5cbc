"""Analytics and the quarterly report (JSON, CSV or a printable HTML page)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query
from fastapi.responses import HTMLResponse, Response

from services.evaluation import reports
from services.evaluation.analytics import quarter_bounds
from services.evaluation.application.figures import Figures
from services.evaluation.http.schemas import Quarter, Year
from services.evaluation.http.scopes import unit_scope
from shared.domain import clock
from shared.domain.errors import Forbidden
from shared.http.access import Admin, Head
from shared.http.auth import Principal, Role, require_roles
from shared.http.reports import attachment, csv_text, report_formats

PartnerOrAdmin = Annotated[Principal, Depends(require_roles(Role.PARTNER, Role.BKPSDM_ADMIN))]


def _completed_between(year: int | None, quarter: int | None) -> dict[str, Any]:
    if year is None:
        return {}
    if quarter is None:
        return {"completed_on__gte": date(year, 1, 1), "completed_on__lt": date(year + 1, 1, 1)}
    start, end = quarter_bounds(year, quarter)
    return {"completed_on__gte": start, "completed_on__lt": end}


def build_router(figures: Figures) -> APIRouter:
    router = APIRouter(tags=["evaluations"])

    @router.get("/analytics/effectiveness", summary="L1-L4 figures per programme, form, unit or period")
    def effectiveness(
        who: Head,
        by: Literal["program", "form", "unit", "period"] = "program",
        year: Year = None,
        quarter: Quarter = None,
        unit_code: str | None = None,
        program_code: str | None = None,
    ) -> list[dict[str, Any]]:
        filters = unit_scope(who, unit_code) | _completed_between(year, quarter)
        if program_code:
            filters["program_code"] = program_code
        return figures.effectiveness(by, filters)

    @router.get(
        "/analytics/curricula",
        summary="For a partner: L1-L4 results and transfer rate per curriculum version, aggregated only",
    )
    def curricula(who: PartnerOrAdmin, institution: str | None = None) -> list[dict[str, Any]]:
        # A partner sees its own institution's curricula, whatever it asks for; BKPSDM any or all.
        if not who.has_any(Role.BKPSDM_ADMIN):
            if who.institution is None:
                raise Forbidden(
                    "no_institution",
                    "Token mitra tidak menyebut institusinya.",
                    "The partner's token names no institution.",
                )
            institution = who.institution
        return figures.curriculum_results(institution)

    @router.get(
        "/reports/quarterly",
        summary="The quarterly monitoring report (JSON, CSV or a printable HTML page)",
        response_model=None,
        responses=report_formats("text/csv", "text/html"),
    )
    def quarterly(
        _: Admin,
        year: Annotated[int, Query(ge=2000, le=2100)],
        quarter: Annotated[int, Query(ge=1, le=4)],
        format: Literal["json", "csv", "html"] = "json",
    ) -> dict[str, Any] | Response:
        report = figures.quarterly_report(year, quarter, clock.today())
        if format == "csv":
            return Response(
                csv_text(reports.CSV_HEADER, reports.csv_rows(report)),
                media_type="text/csv; charset=utf-8",
                headers=attachment(f"monitoring-evaluasi-{year}-Q{quarter}.csv"),
            )
        if format == "html":
            return HTMLResponse(reports.to_html(report))
        return report

    return router
