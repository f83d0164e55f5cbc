"""Reports as JSON or CSV downloads."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Response

from services.needs import reports
from services.needs.application import figures
from services.needs.application.need_counts import NeedCounts
from services.needs.application.needs import NeedsService
from services.needs.documents import CompetencyDocument, NeedDocument, UnitDocument
from services.needs.http.scopes import HeadScope
from shared.http.access import Scope
from shared.http.query import FiscalYear
from shared.http.reports import CSV_REPORT, ReportFormat, report_response


def counted_units(scope: Scope, unit_code: str | None) -> list[str] | None:
    """The units whose counts the caller may read whole: the one asked, or all the caller's (None: the city)."""
    if unit_code:
        scope.check_unit(unit_code)
        return [unit_code]
    return None if scope.everyone else sorted(scope.units)


def _units(scope: Scope, unit_code: str | None) -> dict[str, object]:
    """A filter on the unit: one unit the caller may see, or all the caller's units (BKPSDM: the whole city)."""
    units = counted_units(scope, unit_code)
    if units is None:
        return {}
    return {"unit_code": unit_code} if unit_code else {"unit_code__in": units}


@dataclass(frozen=True)
class RecapAsked:
    fiscal_year: int
    by: Literal["unit", "competency", "source"]
    unit_code: str | None
    format: ReportFormat

    def response(self, rows: list[dict[str, Any]], title: str, **more: Any) -> Response:
        return report_response(
            rows,
            self.format,
            f"{title}-{self.fiscal_year}-per-{self.by}",
            {"fiscal_year": self.fiscal_year, "by": self.by, "unit_code": self.unit_code, **more},
        )


def _recap_asked(
    fiscal_year: FiscalYear,
    by: Literal["unit", "competency", "source"] = "unit",
    unit_code: str | None = None,
    format: ReportFormat = "json",
) -> RecapAsked:
    return RecapAsked(fiscal_year, by, unit_code, format)


RecapQuery = Annotated[RecapAsked, Depends(_recap_asked)]


def _unit_names() -> dict[str, str]:
    return {u.code: u.name for u in UnitDocument.objects.only("code", "name")}


def build_router(service: NeedsService, counts: NeedCounts) -> APIRouter:
    router = APIRouter()

    @router.get(
        "/reports/needs-counts",
        tags=["reports"],
        summary="The needs recap from the kept counts: per unit, competency or source, without people",
        description="As /reports/needs-recap without the employees column, read from counts kept per unit and year "
        "(a few small documents whatever the number of needs). The counts follow the needs within seconds, "
        "within about a minute while a burst of writes touches many units; recounting_units says how many of "
        'the units asked have needs written since their last recount. See README, "The needs counted per unit".',
        responses=CSV_REPORT,
    )
    def needs_counts(scope: HeadScope, asked: RecapQuery) -> Response:
        units = counted_units(scope, asked.unit_code)
        groups = counts.groups(asked.fiscal_year, units)
        competencies = {g["competency_code"]: g["competency_name"] for g in groups}
        rows = reports.counts_recap(groups, asked.by, _unit_names() if asked.by == "unit" else competencies)
        return asked.response(rows, "jumlah-kebutuhan", recounting_units=counts.waiting(asked.fiscal_year, units))

    @router.get(
        "/reports/needs-recap",
        tags=["reports"],
        summary="Annual needs recap per unit, competency or source",
        responses=CSV_REPORT,
    )
    def needs_recap(scope: HeadScope, asked: RecapQuery) -> Response:
        filters = {"fiscal_year": asked.fiscal_year} | _units(scope, asked.unit_code)
        needs = (
            NeedDocument.objects(**filters)
            .only("unit_code", "competency_code", "source", "status", "priority", "nip")
            .as_pymongo()
        )
        names = (
            _unit_names()
            if asked.by == "unit"
            else {c.code: c.name for c in CompetencyDocument.objects.only("code", "name")}
        )
        return asked.response(reports.needs_recap(needs, asked.by, names), "rekap-kebutuhan")

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
