"""Assessments, performance, surveys, the JP ledger, and the needs they raise."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query

from services.needs.application.assessments import record_assessments
from services.needs.application.need_counts import NeedCounts
from services.needs.application.needs import NeedsService, RecordAssessment
from services.needs.documents import (
    EmployeeDocument,
    JpLedgerDocument,
    NeedDocument,
)
from services.needs.http.schemas import (
    AssessmentIn,
    AssessmentOut,
    AssessmentResult,
    AssessmentsBulkIn,
    AssessmentsBulkResult,
    Assessor,
    JpCheckIn,
    JpLedgerOut,
    NeedOut,
    PerformanceIn,
    valid_nip,
)
from services.needs.http.scopes import CallerScope
from shared.domain.errors import Invalid
from shared.events import NeedSource
from shared.http.access import Admin, forbidden_record, visible
from shared.http.auth import Principal, Role
from shared.http.pagination import Page, Pagination, page_of
from shared.http.query import FiscalYear
from shared.persistence import get_or_not_found

# A team's ledgers in one call: more than any supervisor's direct reports.
LEDGERS_PER_CALL = 100


def _of_report(who: Principal, raw_nip: str) -> str:
    """A supervisor records assessments and performance of their direct reports only; BKPSDM anyone's."""
    nip = valid_nip(raw_nip)
    if not who.has_any(Role.BKPSDM_ADMIN):
        employee = get_or_not_found(EmployeeDocument, nip, "Pegawai dengan NIP", "Employee with NIP")
        if employee.supervisor_nip != who.nip:
            raise forbidden_record()
    return nip


ORDER = (
    "priority: highest priority first (sorted over every need matched: seconds for a whole city on "
    "FerretDB v1); unit: by unit, competency, source, status and gap (largest first), highest priority "
    "first within each, "
    "paged from the kept counts (a page costs the same at any offset, its total follows the needs within "
    "seconds); for a whole unit or, for BKPSDM, the city (with a nip, or beyond the caller's units, "
    "priority order)"
)


def build_router(service: NeedsService, counts: NeedCounts, *, bulk_max: int) -> APIRouter:
    router = APIRouter()

    @router.post(
        "/assessments/bulk",
        tags=["assessments"],
        status_code=201,
        summary="Record many assessments at once (an assessment centre's results): all validated first",
    )
    def post_assessments_bulk(body: AssessmentsBulkIn, who: Assessor) -> AssessmentsBulkResult:
        if len(body.assessments) > bulk_max:
            raise Invalid(
                "too_many",
                f"Paling banyak {bulk_max} penilaian per permintaan.",
                f"At most {bulk_max} assessments per request.",
            )
        cmds = [
            RecordAssessment(
                nip=a.nip,  # checked with the rest, so a bad NIP is reported with its index
                competency_code=a.competency_code,
                level=a.level,
                source=a.source,
                assessed_on=a.assessed_on,
                recorded_by=who.nip,
            )
            for a in body.assessments
        ]
        supervisor = None if who.has_any(Role.BKPSDM_ADMIN) else who.nip
        return AssessmentsBulkResult(**record_assessments(service, cmds, supervisor_nip=supervisor))

    @router.post(
        "/assessments",
        tags=["assessments"],
        status_code=201,
        summary="Record an assessed competency level; opens, updates or resolves the need",
    )
    def post_assessment(body: AssessmentIn, who: Assessor) -> AssessmentResult:
        outcome = service.record_assessment(
            RecordAssessment(
                nip=_of_report(who, body.nip),
                competency_code=body.competency_code,
                level=body.level,
                source=body.source,
                assessed_on=body.assessed_on,
                recorded_by=who.nip,
            )
        )
        return AssessmentResult(
            assessment=AssessmentOut.of(outcome.assessment),
            need=NeedOut.of(outcome.need) if outcome.need else None,
        )

    @router.post(
        "/performance",
        tags=["assessments"],
        status_code=201,
        summary="Record SKP target and realisation; the employee's needs of that year are re-scored",
    )
    def post_performance(body: PerformanceIn, who: Assessor) -> list[NeedOut]:
        needs = service.record_performance(_of_report(who, body.nip), body.fiscal_year, body.target, body.realisation)
        return [NeedOut.of(n) for n in needs]

    @router.post(
        "/analysis/jp-shortfall",
        tags=["needs"],
        summary="Raise a need for everyone below the year's JP minimum (also runs periodically)",
    )
    def post_jp_check(body: JpCheckIn, _: Admin) -> dict[str, int]:
        return service.check_jp(body.fiscal_year, body.unit_code)

    def ledger_out(employee: EmployeeDocument, fiscal_year: int, ledger: JpLedgerDocument | None) -> JpLedgerOut:
        total = ledger.total_jp if ledger else 0
        rule = service.jp_rule(employee.employment_type)
        return JpLedgerOut(
            nip=employee.nip,
            fiscal_year=fiscal_year,
            total_jp=total,
            minimum_jp=rule.minimum,
            shortfall_jp=rule.shortfall(total),
            entries=list(ledger.entries) if ledger else [],
        )

    @router.get("/jp-ledgers/{nip}", tags=["needs"], summary="JP earned by an employee in a year")
    def get_jp_ledger(nip: str, fiscal_year: FiscalYear, scope: CallerScope) -> JpLedgerOut:
        employee = visible(scope, get_or_not_found(EmployeeDocument, nip, "Pegawai dengan NIP", "Employee with NIP"))
        return ledger_out(employee, fiscal_year, JpLedgerDocument.objects(id=f"{fiscal_year}-{nip}").first())

    @router.get(
        "/jp-ledgers",
        tags=["needs"],
        summary="JP earned in a year by a supervisor's direct reports, in NIP order (their team page)",
    )
    def list_jp_ledgers(
        fiscal_year: FiscalYear,
        scope: CallerScope,
        supervisor_nip: Annotated[str, Query(min_length=1, max_length=40)],
    ) -> list[JpLedgerOut]:
        """One call for a whole team instead of one per person, in few reads, each an equality FerretDB v1
        answers from a lookup index: the reports by supervisor_nip, then the year's ledgers of each of
        their units (a lookup per NIP took 20 round trips for a team of ten on a loaded machine). A ledger
        stays under the unit it was opened in, so a report who moved since, or has none, is looked up by id."""
        team = scope.records(EmployeeDocument, {"supervisor_nip": supervisor_nip}).order_by("nip")[:LEDGERS_PER_CALL]
        employees = list(team)
        ledgers = {
            ledger.nip: ledger
            for unit in sorted({e.unit_code for e in employees})
            for ledger in JpLedgerDocument.objects(unit_code=unit, fiscal_year=fiscal_year)
        }
        for e in employees:
            if e.nip not in ledgers and (moved := JpLedgerDocument.objects(id=f"{fiscal_year}-{e.nip}").first()):
                ledgers[e.nip] = moved
        return [ledger_out(e, fiscal_year, ledgers.get(e.nip)) for e in employees]

    @router.get("/needs", tags=["needs"], summary="Needs, highest priority first")
    def list_needs(
        scope: CallerScope,
        page: Pagination,
        nip: str | None = None,
        unit_code: str | None = None,
        fiscal_year: FiscalYear | None = None,
        status: Annotated[Literal["open", "resolved"] | None, Query()] = None,
        source: NeedSource | None = None,
        order: Annotated[Literal["priority", "unit"], Query(description=ORDER)] = "priority",
    ) -> Page[NeedOut]:
        given = {"nip": nip, "unit_code": unit_code, "fiscal_year": fiscal_year, "status": status, "source": source}
        filters = {k: v for k, v in given.items() if v is not None}
        if order == "unit" and nip is None and (scope.everyone or unit_code in scope.units):
            found = counts.page(filters, [unit_code] if unit_code else None, page.offset, page.limit)
            if found is not None:
                items, total = found
                return Page[NeedOut](
                    items=[NeedOut.of(n) for n in items], total=total, limit=page.limit, offset=page.offset
                )
        return page_of(scope.records(NeedDocument, filters).order_by("-priority", "id"), page, NeedOut.of)

    @router.get("/needs/{need_id}", tags=["needs"])
    def get_need(need_id: str, scope: CallerScope) -> NeedOut:
        return NeedOut.of(visible(scope, get_or_not_found(NeedDocument, need_id, "Kebutuhan", "Need")))

    return router
