"""Request and response models of the needs API; responses read from their documents (DocumentView)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import Depends, Path
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from services.needs import domain, sources
from services.needs.documents import PositionDocument
from shared.events import DataSubjectRequestKind, Rectification
from shared.http.auth import Principal, Role, require_roles
from shared.http.schemas import DocumentView
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


class UnitOut(UnitIn, DocumentView):
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


class PositionOut(PositionIn, DocumentView):
    code: str
    required_levels: dict[str, int]


class EmployeeIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    unit_code: str
    position_code: str
    supervisor_nip: str | None = None
    employment_type: Literal["PNS", "PPPK"] = "PNS"


class EmployeeOut(EmployeeIn, DocumentView):
    nip: str


class CompetencyIn(Strict):
    name: str = Field(min_length=1, max_length=200)
    kind: domain.CompetencyKind = domain.CompetencyKind.TECHNICAL
    weight: float = Field(default=1.0, gt=0, le=10, description="Weight in the priority score")
    unit_code: str | None = Field(default=None, description="The unit that authored a technical competency")


class CompetencyOut(CompetencyIn, DocumentView):
    code: str


class AssessmentIn(Strict):
    nip: str
    competency_code: str
    level: int = Field(ge=1, le=5)
    source: domain.AssessmentSource
    assessed_on: date = Field(ge=domain.EARLIEST_ASSESSMENT, le=domain.LATEST_ASSESSMENT)


class AssessmentsBulkIn(Strict):
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
        if set(v) != set(sources.SKM_ELEMENTS):
            raise ValueError(f"give exactly the nine elements {', '.join(sources.SKM_ELEMENTS)}")
        if any(not 1 <= x <= 4 for x in v.values()):
            raise ValueError("each mean answer (NRR) is between 1 and 4")
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


class UnitRequestIn(Strict):
    unit_code: str
    competency_code: str
    fiscal_year: int = Field(ge=2000, le=2100)
    nips: list[str] = Field(default_factory=list, max_length=500, description="Employees; empty for the whole unit")
    justification: str = Field(min_length=10, max_length=2000)


class DecisionIn(Strict):
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


class AnalysisIn(Strict):
    fiscal_year: int = Field(ge=2000, le=2100)


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
    return domain.Nip.parse(raw).value


class RequestIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    nip: str = Field(pattern=r"^\d{18}$")
    kind: DataSubjectRequestKind
    rectification: Rectification | None = None
    note: str | None = Field(default=None, max_length=500, description="The request letter, the legal basis")

    @model_validator(mode="after")
    def _rectification_when_needed(self) -> RequestIn:
        correcting = bool(self.rectification and self.rectification.changes())
        if (self.kind is DataSubjectRequestKind.RECTIFICATION) != correcting:
            raise ValueError("rectification (with at least one value) is given exactly for kind=rectification")
        return self
