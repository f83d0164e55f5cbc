"""Request and response models of the needs API, and their conversion from documents."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import Depends, Path
from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.needs import domain
from services.needs.documents import (
    CompetencyDocument,
    EmployeeDocument,
    JobDocument,
    NeedDocument,
    PositionDocument,
    UnitDocument,
    UnitRequestDocument,
)
from shared.http.auth import Principal, Role, require_roles
from shared.http.errors import ApiError
from shared.persistence import levels_from_documents

Assessor = Annotated[Principal, Depends(require_roles(Role.BKPSDM_ADMIN, Role.SUPERVISOR))]
Code = Annotated[str, Path(min_length=1, max_length=domain.CODE_MAX_LENGTH, pattern=domain.CODE_PATTERN)]


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
    assessed_on: date = Field(ge=domain.EARLIEST_ASSESSMENT, le=domain.LATEST_ASSESSMENT)


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


def unit_out(d: UnitDocument) -> UnitOut:
    return UnitOut(code=d.code, name=d.name, kind=d.kind, parent_code=d.parent_code, front_line=d.front_line)


def competency_out(d: CompetencyDocument) -> CompetencyOut:
    return CompetencyOut(code=d.code, name=d.name, kind=d.kind, weight=d.weight, unit_code=d.unit_code)


def position_out(d: PositionDocument) -> PositionOut:
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


def employee_out(d: EmployeeDocument) -> EmployeeOut:
    return EmployeeOut(
        nip=d.nip,
        name=d.name,
        unit_code=d.unit_code,
        position_code=d.position_code,
        supervisor_nip=d.supervisor_nip,
        employment_type=d.employment_type,
    )


def need_out(d: NeedDocument) -> NeedOut:
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


def valid_nip(raw: str) -> str:
    try:
        return domain.Nip.parse(raw).value
    except domain.InvalidNip as exc:
        raise ApiError(422, f"invalid_nip.{exc.part}", exc.message_id, exc.message_en) from None


def job_out(job: JobDocument) -> JobOut:
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


def request_out(r: UnitRequestDocument) -> UnitRequestOut:
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
