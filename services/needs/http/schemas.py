"""Request and response models of the needs API; responses read from their documents (DocumentView)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import Depends, Path
from pydantic import BaseModel, Field, field_validator, model_validator

from services.needs import domain, sources
from services.needs.documents import PositionDocument
from shared.domain.nip import Nip
from shared.events import DataSubjectRequestKind, Rectification
from shared.http.auth import Principal, Role, require_roles
from shared.http.bounds import CompetencyLevel, FiscalYearNumber, NonNegativeMeasure, People, PositiveMeasure, Within
from shared.http.schemas import DocumentView, RequestModel
from shared.persistence import levels_from_documents

Assessor = Annotated[Principal, Depends(require_roles(Role.BKPSDM_ADMIN, Role.SUPERVISOR))]
# Domain bounds, published in the schema too: the domain refuses the same range (needs.domain).
ASSESSMENT_DAYS = Within(domain.EARLIEST_ASSESSMENT, domain.LATEST_ASSESSMENT)
Code = Annotated[str, Path(min_length=1, max_length=domain.CODE_MAX_LENGTH, pattern=domain.CODE_PATTERN)]


class UnitIn(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["opd", "bagian", "upt", "puskesmas", "kecamatan", "kelurahan", "sekolah", "other"]
    parent_code: str | None = None
    front_line: bool = Field(default=False, description="Serves the public directly (front-line service)")


class UnitOut(UnitIn, DocumentView):
    code: str


class PositionIn(RequestModel):
    title: str = Field(min_length=1, max_length=200)
    type: domain.PositionType
    unit_code: str | None = None
    standard: dict[str, CompetencyLevel] = Field(
        default_factory=dict, description="Competency code -> required level 1-5, over the type's defaults"
    )


class PositionOut(PositionIn, DocumentView):
    code: str
    required_levels: dict[str, int]


class EmployeeIn(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    unit_code: str
    position_code: str
    supervisor_nip: str | None = None
    employment_type: Literal["PNS", "PPPK"] = "PNS"


class EmployeeOut(EmployeeIn, DocumentView):
    nip: str


class CompetencyLevelOut(BaseModel):
    competency_code: str
    competency_name: str
    required_level: int | None = Field(description="The position's standard; none when it asks nothing")
    assessed_level: int | None = Field(description="The assessment that counts; none when never assessed")
    source: str | None
    assessed_on: date | None
    gap: int | None = Field(description="Levels short of the standard (0 when met); none without both")


class CompetencyIn(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    kind: domain.CompetencyKind = domain.CompetencyKind.TECHNICAL
    weight: float = Field(default=1.0, gt=0, le=10, description="Weight in the priority score")
    unit_code: str | None = Field(default=None, description="The unit that authored a technical competency")


class CompetencyOut(CompetencyIn, DocumentView):
    code: str


class AssessmentIn(RequestModel):
    nip: str
    competency_code: str
    level: CompetencyLevel
    source: domain.AssessmentSource
    assessed_on: Annotated[date, ASSESSMENT_DAYS]


class AssessmentsBulkIn(RequestModel):
    # The hard bound of the model; ASSESSMENTS_BULK_MAX (at most this) is the one in force.
    assessments: list[AssessmentIn] = Field(min_length=1, max_length=50_000)


class AssessmentsBulkResult(BaseModel):
    assessments: int
    analysed: int


class AssessmentOut(DocumentView):
    nip: str
    competency_code: str
    level: int
    source: str
    assessed_on: date


class NeedOut(DocumentView):
    need_id: str = Field(validation_alias="id")
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
    barriers: list[str] = Field(default_factory=list, description="Evaluation follow-ups: why it did not transfer")
    program_code: str | None = Field(default=None, description="Evaluation follow-ups: the programme concerned")
    employment_type: str | None = None


class PerformanceIn(RequestModel):
    nip: str
    fiscal_year: FiscalYearNumber
    target: PositiveMeasure = Field(description="SKP target")
    realisation: NonNegativeMeasure = Field(description="SKP realisation, in the target's unit")


class SkmIn(RequestModel):
    fiscal_year: FiscalYearNumber
    respondents: People
    # Answers run from 1 to 4, so each element's mean answer (NRR) does too (PermenPANRB 14/2017).
    nrr: dict[str, Annotated[float, Field(ge=1, le=4)]] = Field(description="Mean answer (1-4) per element U1..U9")

    @field_validator("nrr")
    @classmethod
    def _elements(cls, v: dict[str, float]) -> dict[str, float]:
        if set(v) != set(sources.SKM_ELEMENTS):
            raise ValueError(f"give exactly the nine elements {', '.join(sources.SKM_ELEMENTS)}")
        return v


class SkmOut(BaseModel):
    unit_code: str
    fiscal_year: int
    ikm: float
    band: str
    respondents: int = Field(description="Everyone counted: the entered survey's respondents and the citizens")
    citizen_respondents: int = Field(description="Citizens who answered the questionnaire themselves")
    element_scores: dict[str, float]
    needs: list[NeedOut]


class JpCheckIn(RequestModel):
    fiscal_year: FiscalYearNumber
    unit_code: str | None = None


class JpLedgerOut(BaseModel):
    nip: str
    fiscal_year: int
    total_jp: int
    minimum_jp: int
    shortfall_jp: int
    entries: list[dict[str, object]]


class JobOut(DocumentView):
    job_id: str = Field(validation_alias="id")
    kind: str
    status: str = Field(description="running, done, rejected (nothing written; see report) or failed")
    phase: str | None
    processed: int
    total: int
    report: dict[str, object]
    error: str | None
    status_url: str


class UnitRequestIn(RequestModel):
    unit_code: str
    competency_code: str
    fiscal_year: FiscalYearNumber
    nips: list[str] = Field(default_factory=list, max_length=500, description="Employees; empty for the whole unit")
    justification: str = Field(min_length=10, max_length=2000)


class DecisionIn(RequestModel):
    approve: bool
    note: str | None = Field(default=None, max_length=2000)


class UnitRequestOut(DocumentView):
    request_id: str = Field(validation_alias="id")
    unit_code: str
    competency_code: str
    fiscal_year: int
    nips: list[str]
    justification: str
    status: str
    created_by: str
    decided_by: str | None
    decision_note: str | None


class AnalysisIn(RequestModel):
    fiscal_year: FiscalYearNumber


class AssessmentResult(BaseModel):
    assessment: AssessmentOut
    need: NeedOut | None = Field(description="The need this assessment opened, updated or resolved, if any")


def position_out(d: PositionDocument) -> PositionOut:
    standard = levels_from_documents(d.standard)
    return PositionOut.of(
        d, standard=standard, required_levels=domain.required_levels(domain.PositionType(d.type), standard)
    )


def valid_nip(raw: str) -> str:
    """The NIP without spaces, or a refusal naming the part that is wrong (``invalid_nip.<part>``)."""
    return Nip.parse(raw).value


class RequestIn(RequestModel):
    nip: str = Field(max_length=40, description="Checked by the shared NIP rule (a 422 names the wrong part)")
    kind: DataSubjectRequestKind
    rectification: Rectification | None = None
    note: str | None = Field(default=None, max_length=500, description="The request letter, the legal basis")

    @model_validator(mode="after")
    def _rectification_when_needed(self) -> RequestIn:
        correcting = bool(self.rectification and self.rectification.changes())
        if (self.kind is DataSubjectRequestKind.RECTIFICATION) != correcting:
            raise ValueError("rectification (with at least one value) is given exactly for kind=rectification")
        return self
