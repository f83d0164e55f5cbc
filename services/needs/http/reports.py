"""Reports as JSON or CSV downloads."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response

from services.needs import reports
from services.needs.application import NeedsService
from services.needs.documents import (
    CompetencyDocument,
    EmployeeDocument,
    JpLedgerDocument,
    NeedDocument,
    UnitDocument,
)
from services.needs.http.schemas import (
    check_unit_head,
)
from shared.http.auth import CurrentPrincipal, Role
from shared.http.reports import ReportFormat, report_response


def build_router(service: NeedsService) -> APIRouter:
    router = APIRouter()

    @router.get("/reports/needs-recap", tags=["reports"], summary="Annual needs recap per unit, competency or source")
    def needs_recap(
        who: CurrentPrincipal,
        fiscal_year: int,
        by: Literal["unit", "competency", "source"] = "unit",
        unit_code: str | None = None,
        format: ReportFormat = "json",
    ) -> Response:
        if not who.has_any(Role.BKPSDM_ADMIN):
            check_unit_head(who, unit_code or "")
        filters: dict[str, object] = {"fiscal_year": fiscal_year} | ({"unit_code": unit_code} if unit_code else {})
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
    )
    def jp_compliance(
        who: CurrentPrincipal,
        fiscal_year: int,
        unit_code: str | None = None,
        format: ReportFormat = "json",
    ) -> Response:
        if not who.has_any(Role.BKPSDM_ADMIN):
            check_unit_head(who, unit_code or "")
        employees = (
            (EmployeeDocument.objects(unit_code=unit_code) if unit_code else EmployeeDocument.objects)
            .only("nip", "name", "unit_code", "employment_type")
            .as_pymongo()
        )
        earned = {d["nip"]: d["total_jp"] for d in JpLedgerDocument.objects(fiscal_year=fiscal_year).as_pymongo()}
        people, summary = reports.jp_compliance(
            [{**e, "nip": e["_id"]} for e in employees], earned, service.rules.jp_rules
        )
        # Everyone in one unit, or the per-unit summary of the whole city.
        rows = people if unit_code else summary
        return report_response(
            rows,
            format,
            f"kepatuhan-jp-{fiscal_year}-{unit_code or 'semua-unit'}",
            {"fiscal_year": fiscal_year, "unit_code": unit_code, "units": summary},
        )

    return router
