"""Reports as JSON or CSV downloads."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response

from services.needs import reports
from services.needs.application import figures
from services.needs.application.needs import NeedsService
from services.needs.documents import CompetencyDocument, NeedDocument, UnitDocument
from services.needs.http.scopes import HeadScope
from shared.http.access import Scope
from shared.http.query import FiscalYear
from shared.http.reports import CSV_REPORT, ReportFormat, report_response


def _units(scope: Scope, unit_code: str | None) -> dict[str, object]:
    """One unit the caller may see, or all the caller's units (BKPSDM: the whole city)."""
    if unit_code:
        scope.check_unit(unit_code)
        return {"unit_code": unit_code}
    return {} if scope.everyone else {"unit_code__in": sorted(scope.units)}


def build_router(service: NeedsService) -> APIRouter:
    router = APIRouter()

    @router.get(
        "/reports/needs-recap",
        tags=["reports"],
        summary="Annual needs recap per unit, competency or source",
        responses=CSV_REPORT,
    )
    def needs_recap(
        scope: HeadScope,
        fiscal_year: FiscalYear,
        by: Literal["unit", "competency", "source"] = "unit",
        unit_code: str | None = None,
        format: ReportFormat = "json",
    ) -> Response:
        filters = {"fiscal_year": fiscal_year} | _units(scope, unit_code)
        needs = (
            NeedDocument.objects(**filters)
            .only("unit_code", "competency_code", "source", "status", "priority", "nip")
            .as_pymongo()
        )
        names = (
            {u.code: u.name for u in UnitDocument.objects.only("code", "name")}
            if by == "unit"
            else {c.code: c.name for c in CompetencyDocument.objects.only("code", "name")}
        )
        rows = reports.needs_recap(needs, by, names)
        return report_response(
            rows,
            format,
            f"rekap-kebutuhan-{fiscal_year}-per-{by}",
            {"fiscal_year": fiscal_year, "by": by, "unit_code": unit_code},
        )

    @router.get(
        "/reports/jp-compliance",
        tags=["reports"],
        summary="Who has had the yearly minimum of JP, per unit (and per employee for one unit)",
        responses=CSV_REPORT,
    )
    def jp_compliance(
        scope: HeadScope,
        fiscal_year: FiscalYear,
        unit_code: str | None = None,
        format: ReportFormat = "json",
    ) -> Response:
        people, summary = figures.jp_compliance(fiscal_year, _units(scope, unit_code), service.rules.jp_rules)
        # Everyone in one unit, or the per-unit summary of the whole city.
        rows = people if unit_code else summary
        return report_response(
            rows,
            format,
            f"kepatuhan-jp-{fiscal_year}-{unit_code or 'semua-unit'}",
            {"fiscal_year": fiscal_year, "unit_code": unit_code, "units": summary},
        )

    return router
