"""HTTP API of the needs service: translate requests into use cases, documents into responses."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.needs import domain, reports
from services.needs.application import NeedsService, RecordAssessment, UnitRequests
from services.needs.bulk import Jobs, analyse_all, import_file
from services.needs.documents import (
    AssessmentDocument,
    CompetencyDocument,
    EmployeeDocument,
    JobDocument,
    JpLedgerDocument,
    NeedDocument,
    PositionDocument,
    UnitDocument,
    UnitRequestDocument,
)
from shared.http.auth import CurrentPrincipal, Principal, Role, require_roles
from shared.http.errors import ApiError
from shared.http.pagination import Page, Pagination, page_of
from shared.persistence import get_or_404, levels_from_documents, levels_to_documents

Admin = Annotated[Principal, Depends(require_roles(Role.BKPSDM_ADMIN))]
Assessor = Annotated[Principal, Depends(require_roles(Role.BKPSDM_ADMIN, Role.SUPERVISOR))]
Code = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class UnitIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["opd", "bagian", "upt", "puskesmas", "kecamatan", "kelurahan", "sekolah", "other"]
    parent_code: str | None = None
    front_line: bool = Field(default=False, description="Serves the public directly (front-line service)")


class UnitOut(UnitIn):
    code: str


class PositionIn(Strict):
    title: str = Field(min_length=1, max_length=200)
    type: domain.PositionType
    unit_code: str | None = None
    standard: dict[str, int] = Field(
        default_factory=dict, description="Competency code -> required level 1-5, over the type's defaults"
    )

    @field_validator("standard")
    @classmethod
    def _levels(cls, v: dict[str, int]) -> dict[str, int]:
        bad = {k: lvl for k, lvl in v.items() if not 1 <= lvl <= 5}
        if bad:
            raise ValueError(f"levels must be 1-5: {bad}")
        return v


class PositionOut(PositionIn):
    code: str
    required_levels: dict[str, int]


class EmployeeIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    unit_code: str
    position_code: str
    supervisor_nip: str | None = None
    employment_type: Literal["PNS", "PPPK"] = "PNS"


class EmployeeOut(EmployeeIn):
    nip: str


class CompetencyIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    kind: domain.CompetencyKind = domain.CompetencyKind.TECHNICAL
    weight: float = Field(default=1.0, gt=0, le=10, description="Weight in the priority score")
    unit_code: str | None = Field(default=None, description="The unit that authored a technical competency")


class CompetencyOut(CompetencyIn):
    code: str


class AssessmentIn(Strict):
    nip: str
    competency_code: str
    level: int = Field(ge=1, le=5)
    source: domain.AssessmentSource
    assessed_on: date


class AssessmentOut(BaseModel):
    nip: str
    competency_code: str
    level: int
    source: str
    assessed_on: date


class NeedOut(BaseModel):
    need_id: str
    recommended_form: str | None = None
    reason: str | None = None
    nip: str | None
    unit_code: str
    competency_code: str
    competency_name: str
    required_level: int | None
    assessed_level: int | None
    gap: int
    priority: float
    priority_parts: dict[str, float]
    source: str
    fiscal_year: int
    status: str


class PerformanceIn(Strict):
    nip: str
    fiscal_year: int = Field(ge=2000, le=2100)
    target: float = Field(gt=0, description="SKP target")
    realisation: float = Field(ge=0, description="SKP realisation, in the target's unit")


class SkmIn(Strict):
    fiscal_year: int = Field(ge=2000, le=2100)
    respondents: int = Field(ge=1)
    nrr: dict[str, float] = Field(description="Mean answer (1-4) per element U1..U9")

    @field_validator("nrr")
    @classmethod
    def _elements(cls, v: dict[str, float]) -> dict[str, float]:
        if set(v) != set(domain.SKM_ELEMENTS):
            raise ValueError(f"give exactly the nine elements {', '.join(domain.SKM_ELEMENTS)}")
        if any(not 1 <= x <= 4 for x in v.values()):
            raise ValueError("each mean answer (NRR) is between 1 and 4")
        return v


class SkmOut(BaseModel):
    unit_code: str
    fiscal_year: int
    ikm: float
    band: str
    element_scores: dict[str, float]
    needs: list[NeedOut]


class JpCheckIn(Strict):
    fiscal_year: int = Field(ge=2000, le=2100)
    unit_code: str | None = None


class JpLedgerOut(BaseModel):
    nip: str
    fiscal_year: int
    total_jp: int
    counted_jp: int
    minimum_jp: int
    shortfall_jp: int
    entries: list[dict[str, object]]


class JobOut(BaseModel):
    job_id: str
    kind: str
    status: str = Field(description="running, done, rejected (nothing written; see report) or failed")
    phase: str | None
    processed: int
    total: int
    report: dict[str, object]
    error: str | None
    status_url: str


class UnitRequestIn(Strict):
    unit_code: str
    competency_code: str
    fiscal_year: int = Field(ge=2000, le=2100)
    nips: list[str] = Field(default_factory=list, max_length=500, description="Employees; empty for the whole unit")
    justification: str = Field(min_length=10, max_length=2000)


class DecisionIn(Strict):
    approve: bool
    note: str | None = Field(default=None, max_length=2000)


class UnitRequestOut(BaseModel):
    request_id: str
    unit_code: str
    competency_code: str
    fiscal_year: int
    nips: list[str]
    justification: str
    status: str
    created_by: str
    decided_by: str | None
    decision_note: str | None


class AnalysisIn(Strict):
    fiscal_year: int = Field(ge=2000, le=2100)


class AssessmentResult(BaseModel):
    assessment: AssessmentOut
    need: NeedOut | None = Field(description="The need this assessment opened, updated or resolved, if any")


def _unit(d: UnitDocument) -> UnitOut:
    return UnitOut(code=d.code, name=d.name, kind=d.kind, parent_code=d.parent_code, front_line=d.front_line)


def _competency(d: CompetencyDocument) -> CompetencyOut:
    return CompetencyOut(code=d.code, name=d.name, kind=d.kind, weight=d.weight, unit_code=d.unit_code)


def _position(d: PositionDocument) -> PositionOut:
    standard = levels_from_documents(d.standard)
    levels = domain.required_levels(domain.PositionType(d.type), standard)
    return PositionOut(
        code=d.code,
        title=d.title,
        type=d.type,
        unit_code=d.unit_code,
        standard=standard,
        required_levels=levels,
    )


def _employee(d: EmployeeDocument) -> EmployeeOut:
    return EmployeeOut(
        nip=d.nip,
        name=d.name,
        unit_code=d.unit_code,
        position_code=d.position_code,
        supervisor_nip=d.supervisor_nip,
        employment_type=d.employment_type,
    )


def _need(d: NeedDocument) -> NeedOut:
    return NeedOut(
        need_id=d.id,
        nip=d.nip,
        unit_code=d.unit_code,
        competency_code=d.competency_code,
        competency_name=d.competency_name,
        required_level=d.required_level,
        assessed_level=d.assessed_level,
        gap=d.gap,
        priority=d.priority,
        priority_parts=d.priority_parts,
        source=d.source,
        fiscal_year=d.fiscal_year,
        status=d.status,
        recommended_form=d.recommended_form,
        reason=d.reason,
    )


def _valid_nip(raw: str) -> str:
    try:
        return domain.Nip.parse(raw).value
    except domain.InvalidNip as exc:
        raise ApiError(422, f"invalid_nip.{exc.part}", exc.message_id, exc.message_en) from None


def _job(job: JobDocument) -> JobOut:
    return JobOut(
        job_id=job.id,
        kind=job.kind,
        status=job.status,
        phase=job.phase,
        processed=job.processed,
        total=job.total,
        report=dict(job.report),
        error=job.error,
        status_url=f"/jobs/{job.id}",
    )


def _request(r: UnitRequestDocument) -> UnitRequestOut:
    return UnitRequestOut(
        request_id=r.id,
        unit_code=r.unit_code,
        competency_code=r.competency_code,
        fiscal_year=r.fiscal_year,
        nips=list(r.nips),
        justification=r.justification,
        status=r.status,
        created_by=r.created_by,
        decided_by=r.decided_by,
        decision_note=r.decision_note,
    )


def _check_unit_head(who: Principal, unit_code: str) -> None:
    if who.has_any(Role.BKPSDM_ADMIN) or (who.has_any(Role.UNIT_HEAD) and who.unit_code == unit_code):
        return
    raise ApiError(
        403,
        "forbidden",
        f"Hanya kepala unit {unit_code} atau BKPSDM yang dapat melakukan ini.",
        f"Only the head of unit {unit_code} or BKPSDM may do this.",
    )


def build_router(service: NeedsService, jobs: Jobs, *, max_import_bytes: int) -> APIRouter:
    router = APIRouter()
    requests = UnitRequests(service)

    @router.post("/unit-requests", tags=["unit requests"], status_code=201, summary="Draft a unit's request")
    def post_request(body: UnitRequestIn, who: CurrentPrincipal) -> UnitRequestOut:
        _check_unit_head(who, body.unit_code)
        return _request(
            requests.create(
                unit_code=body.unit_code,
                competency_code=body.competency_code,
                nips=[_valid_nip(n) for n in body.nips],
                fiscal_year=body.fiscal_year,
                justification=body.justification,
                created_by=who.nip,
            )
        )

    @router.get("/unit-requests", tags=["unit requests"])
    def list_requests(who: CurrentPrincipal, page: Pagination, status: str | None = None) -> Page[UnitRequestOut]:
        filters = {"status": status} if status else {}
        if not who.has_any(Role.BKPSDM_ADMIN):
            filters["unit_code"] = who.unit_code or ""
        return page_of(UnitRequestDocument.objects(**filters).order_by("-created_at", "id"), page, _request)

    @router.post("/unit-requests/{request_id}/submission", tags=["unit requests"], summary="Submit to BKPSDM")
    def submit_request(request_id: str, who: CurrentPrincipal) -> UnitRequestOut:
        _check_unit_head(who, get_or_404(UnitRequestDocument, request_id, "Permintaan", "Request").unit_code)
        return _request(requests.act(request_id, "submit", who.nip))

    @router.post(
        "/unit-requests/{request_id}/decision",
        tags=["unit requests"],
        summary="BKPSDM approves (the request becomes needs) or rejects",
    )
    def decide_request(request_id: str, body: DecisionIn, who: Admin) -> UnitRequestOut:
        return _request(requests.act(request_id, "approve" if body.approve else "reject", who.nip, body.note))

    def _report(rows: list[dict[str, object]], fmt: str, filename: str, extra: dict[str, object]) -> Response:
        if fmt == "csv":
            return Response(
                reports.to_csv(rows),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
            )
        return JSONResponse({**extra, "rows": rows})

    @router.get("/reports/needs-recap", tags=["reports"], summary="Annual needs recap per unit, competency or source")
    def needs_recap(
        who: CurrentPrincipal,
        fiscal_year: int,
        by: Literal["unit", "competency", "source"] = "unit",
        unit_code: str | None = None,
        format: Literal["json", "csv"] = "json",
    ) -> Response:
        if not who.has_any(Role.BKPSDM_ADMIN):
            _check_unit_head(who, unit_code or "")
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
        return _report(
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
        format: Literal["json", "csv"] = "json",
    ) -> Response:
        if not who.has_any(Role.BKPSDM_ADMIN):
            _check_unit_head(who, unit_code or "")
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
        return _report(
            rows,
            format,
            f"kepatuhan-jp-{fiscal_year}-{unit_code or 'semua-unit'}",
            {"fiscal_year": fiscal_year, "unit_code": unit_code, "units": summary},
        )

    @router.post(
        "/imports/{kind}",
        tags=["imports"],
        status_code=202,
        summary="Import units, positions, employees or assessments from CSV or XLSX (a SIASN export)",
    )
    async def post_import(
        kind: Literal["units", "positions", "employees", "assessments"], request: Request, who: Admin
    ) -> JobOut:
        content_type = request.headers.get("content-type", "text/csv")
        if int(request.headers.get("content-length") or 0) > max_import_bytes:
            raise ApiError(
                413,
                "file_too_large",
                f"Berkas melebihi {max_import_bytes // 1_000_000} MB.",
                f"The file exceeds {max_import_bytes // 1_000_000} MB.",
            )
        content = await request.body()
        if len(content) > max_import_bytes:
            raise ApiError(
                413,
                "file_too_large",
                f"Berkas melebihi {max_import_bytes // 1_000_000} MB.",
                f"The file exceeds {max_import_bytes // 1_000_000} MB.",
            )
        job = await asyncio.to_thread(
            jobs.start, f"import:{kind}", who.nip, lambda progress: import_file(kind, content, content_type, progress)
        )
        return _job(job)

    @router.post(
        "/analysis/competency-gaps",
        tags=["needs"],
        status_code=202,
        summary="Analyse every employee's competency gaps for a year (a background job)",
    )
    def post_analysis(body: AnalysisIn, who: Admin) -> JobOut:
        return _job(jobs.start("analysis", who.nip, lambda progress: analyse_all(service, body.fiscal_year, progress)))

    @router.get("/jobs/{job_id}", tags=["imports"], summary="Progress and report of an import or analysis")
    def get_job(job_id: str, _: Admin) -> JobOut:
        return _job(get_or_404(JobDocument, job_id, "Pekerjaan", "Job"))

    @router.put("/units/{code}", tags=["master data"], summary="Create or replace a work unit")
    def put_unit(code: Code, body: UnitIn, _: Admin) -> UnitOut:
        if body.parent_code:
            get_or_404(UnitDocument, body.parent_code, "Unit induk", "Parent unit")
        UnitDocument(code=code, **body.model_dump()).save()
        return _unit(get_or_404(UnitDocument, code, "Unit kerja", "Work unit"))

    @router.get("/units", tags=["master data"])
    def list_units(_: CurrentPrincipal, page: Pagination, parent_code: str | None = None) -> Page[UnitOut]:
        qs = UnitDocument.objects(parent_code=parent_code) if parent_code else UnitDocument.objects
        return page_of(qs.order_by("code"), page, _unit)

    @router.get("/units/{code}", tags=["master data"])
    def get_unit(code: Code, _: CurrentPrincipal) -> UnitOut:
        return _unit(get_or_404(UnitDocument, code, "Unit kerja", "Work unit"))

    @router.get("/competencies", tags=["master data"])
    def list_competencies(_: CurrentPrincipal, page: Pagination) -> Page[CompetencyOut]:
        return page_of(
            CompetencyDocument.objects.order_by("code"),
            page,
            _competency,
        )

    @router.put("/competencies/{code}", tags=["master data"], summary="Create or replace a technical competency")
    def put_competency(code: Code, body: CompetencyIn, _: Admin) -> CompetencyOut:
        if body.kind != domain.CompetencyKind.TECHNICAL or code in {c.code for c in domain.STANDARD_COMPETENCIES}:
            raise ApiError(
                422,
                "standard_competency",
                "Kompetensi manajerial dan sosial-kultural sudah baku; hanya kompetensi teknis yang dapat diubah.",
                "Managerial and socio-cultural competencies are fixed; only technical ones can be authored.",
            )
        if body.unit_code:
            get_or_404(UnitDocument, body.unit_code, "Unit kerja", "Work unit")
        CompetencyDocument(code=code, **body.model_dump(mode="json")).save()
        return _competency(get_or_404(CompetencyDocument, code, "Kompetensi", "Competency"))

    @router.put("/positions/{code}", tags=["master data"], summary="Create or replace a position and its standard")
    def put_position(code: Code, body: PositionIn, _: Admin) -> PositionOut:
        unknown = [c for c in body.standard if CompetencyDocument.objects(code=c).count() == 0]
        if unknown:
            raise ApiError(
                422,
                "unknown_competency",
                f"Kompetensi tidak dikenal: {', '.join(unknown)}.",
                f"Unknown competencies: {', '.join(unknown)}.",
            )
        fields = body.model_dump(mode="json", exclude={"standard"})
        PositionDocument(code=code, standard=levels_to_documents(body.standard), **fields).save()
        return _position(get_or_404(PositionDocument, code, "Jabatan", "Position"))

    @router.get("/positions", tags=["master data"])
    def list_positions(
        _: CurrentPrincipal, page: Pagination, unit_code: str | None = None, type: domain.PositionType | None = None
    ) -> Page[PositionOut]:
        filters = {k: v for k, v in {"unit_code": unit_code, "type": type}.items() if v is not None}
        return page_of(PositionDocument.objects(**filters).order_by("code"), page, _position)

    @router.get("/positions/{code}", tags=["master data"])
    def get_position(code: Code, _: CurrentPrincipal) -> PositionOut:
        return _position(get_or_404(PositionDocument, code, "Jabatan", "Position"))

    @router.put("/employees/{nip}", tags=["master data"], summary="Create or replace an employee")
    def put_employee(nip: str, body: EmployeeIn, _: Admin) -> EmployeeOut:
        nip = _valid_nip(nip)
        get_or_404(UnitDocument, body.unit_code, "Unit kerja", "Work unit")
        get_or_404(PositionDocument, body.position_code, "Jabatan", "Position")
        if body.supervisor_nip:
            _valid_nip(body.supervisor_nip)
        EmployeeDocument(nip=nip, **body.model_dump()).save()
        return _employee(get_or_404(EmployeeDocument, nip, "Pegawai dengan NIP", "Employee with NIP"))

    @router.get("/employees", tags=["master data"])
    def list_employees(_: CurrentPrincipal, page: Pagination, unit_code: str | None = None) -> Page[EmployeeOut]:
        qs = EmployeeDocument.objects(unit_code=unit_code) if unit_code else EmployeeDocument.objects
        return page_of(qs.order_by("nip"), page, _employee)

    @router.get("/employees/{nip}", tags=["master data"])
    def get_employee(nip: str, _: CurrentPrincipal) -> EmployeeOut:
        return _employee(get_or_404(EmployeeDocument, nip, "Pegawai dengan NIP", "Employee with NIP"))

    @router.post(
        "/assessments",
        tags=["assessments"],
        status_code=201,
        summary="Record an assessed competency level; opens, updates or resolves the need",
    )
    def post_assessment(body: AssessmentIn, who: Assessor) -> AssessmentResult:
        outcome = service.record_assessment(
            RecordAssessment(
                nip=_valid_nip(body.nip),
                competency_code=body.competency_code,
                level=body.level,
                source=body.source,
                assessed_on=body.assessed_on,
                recorded_by=who.nip,
            )
        )
        a: AssessmentDocument = outcome.assessment
        return AssessmentResult(
            assessment=AssessmentOut(
                nip=a.nip, competency_code=a.competency_code, level=a.level, source=a.source, assessed_on=a.assessed_on
            ),
            need=_need(outcome.need) if outcome.need else None,
        )

    @router.post(
        "/performance",
        tags=["assessments"],
        status_code=201,
        summary="Record SKP target and realisation; the employee's needs of that year are re-scored",
    )
    def post_performance(body: PerformanceIn, _: Assessor) -> list[NeedOut]:
        needs = service.record_performance(_valid_nip(body.nip), body.fiscal_year, body.target, body.realisation)
        return [_need(n) for n in needs]

    @router.post(
        "/units/{code}/skm",
        tags=["needs"],
        status_code=201,
        summary="Record a unit's public-satisfaction survey (SKM); weak results raise unit needs",
    )
    def post_skm(code: Code, body: SkmIn, _: Admin) -> SkmOut:
        result, needs = service.record_skm(code, body.fiscal_year, body.nrr, body.respondents)
        return SkmOut(
            unit_code=result.unit_code,
            fiscal_year=result.fiscal_year,
            ikm=result.ikm,
            band=result.band,
            element_scores={e: round(v * 25, 2) for e, v in sorted(result.nrr.items())},
            needs=[_need(n) for n in needs],
        )

    @router.post(
        "/analysis/jp-shortfall",
        tags=["needs"],
        summary="Raise a need for everyone below the year's JP minimum (also runs periodically)",
    )
    def post_jp_check(body: JpCheckIn, _: Admin) -> dict[str, int]:
        return service.check_jp(body.fiscal_year, body.unit_code)

    @router.get("/jp-ledgers/{nip}", tags=["needs"], summary="JP earned by an employee in a year")
    def get_jp_ledger(nip: str, fiscal_year: int, who: CurrentPrincipal) -> JpLedgerOut:
        if nip != who.nip and not who.has_any(Role.BKPSDM_ADMIN, Role.UNIT_HEAD, Role.SUPERVISOR):
            raise ApiError(
                403, "forbidden", "Anda tidak berhak melihat catatan JP ini.", "You may not see this JP record."
            )
        employee = get_or_404(EmployeeDocument, nip, "Pegawai dengan NIP", "Employee with NIP")
        ledger = JpLedgerDocument.objects(id=f"{fiscal_year}-{nip}").first()
        total = ledger.total_jp if ledger else 0
        rule = service.jp_rule(employee.employment_type)
        return JpLedgerOut(
            nip=nip,
            fiscal_year=fiscal_year,
            total_jp=total,
            counted_jp=rule.counted(total),
            minimum_jp=rule.minimum,
            shortfall_jp=rule.shortfall(total),
            entries=list(ledger.entries) if ledger else [],
        )

    @router.get("/needs", tags=["needs"], summary="Needs, highest priority first")
    def list_needs(
        who: CurrentPrincipal,
        page: Pagination,
        nip: str | None = None,
        unit_code: str | None = None,
        fiscal_year: int | None = None,
        status: Annotated[Literal["open", "resolved"] | None, Query()] = None,
    ) -> Page[NeedOut]:
        if not who.has_any(Role.BKPSDM_ADMIN, Role.UNIT_HEAD, Role.SUPERVISOR):
            nip = who.nip  # an employee sees only their own needs
        filters = {
            k: v
            for k, v in {"nip": nip, "unit_code": unit_code, "fiscal_year": fiscal_year, "status": status}.items()
            if v is not None
        }
        return page_of(NeedDocument.objects(**filters).order_by("-priority", "id"), page, _need)

    @router.get("/needs/{need_id}", tags=["needs"])
    def get_need(need_id: str, who: CurrentPrincipal) -> NeedOut:
        need = get_or_404(NeedDocument, need_id, "Kebutuhan", "Need")
        if need.nip != who.nip and not who.has_any(Role.BKPSDM_ADMIN, Role.UNIT_HEAD, Role.SUPERVISOR):
            raise ApiError(403, "forbidden", "Anda tidak berhak melihat kebutuhan ini.", "You may not see this need.")
        return _need(need)

    return router
