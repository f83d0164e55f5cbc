"""Request and response models of the training API; responses read from their documents (DocumentView)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from fastapi import Depends, Path
from pydantic import Field, field_validator

from shared.domain.identity import Principal, Role
from shared.events.common import NIP, DevelopmentForm
from shared.http.auth import require_roles
from shared.http.bounds import CompetencyLevel, FiscalYearNumber, People, PlanningDate, Rupiah
from shared.http.schemas import DocumentView, RequestModel
from shared.persistence import levels_from_documents

Author = Annotated[Principal, Depends(require_roles(Role.BKPSDM_ADMIN, Role.PARTNER))]
Code = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")]


class ProgramIn(RequestModel):
    title: str = Field(min_length=1, max_length=200)
    form: DevelopmentForm
    competencies: dict[str, CompetencyLevel] = Field(
        min_length=1, description="Competency code -> level the programme brings a participant to"
    )
    jp: int | None = Field(
        default=None,
        ge=0,
        le=1000,
        description="Jam Pelajaran (1 JP = 45 minutes); for seminars and workshops give days instead",
    )
    days: int | None = Field(
        default=None, ge=1, le=365, description="Length in days (converted to JP for seminars and workshops)"
    )
    international: bool = Field(default=False, description="Held abroad or with an international provider")
    provider: str = Field(min_length=1, max_length=200)
    provider_kind: Literal["bpsdm", "lan", "university", "host_agency", "internal", "other"] = "internal"
    delivery_mode: Literal["classroom", "online", "blended", "on_the_job", "field_visit"] = "classroom"
    location: str | None = Field(default=None, max_length=200)
    host_region: str | None = Field(default=None, max_length=200, description="For exchanges and benchmarking visits")
    cost_per_participant: Rupiah = 0
    capacity_per_batch: int = Field(default=30, ge=1, le=10_000)
    min_attendance_pct: float = Field(default=80, ge=0, le=100)
    passing_score: float | None = Field(default=None, ge=0, le=100)
    curriculum_code: str | None = Field(
        default=None, description="A partner curriculum; the programme takes participants once a version is approved"
    )
    active: bool = True


class ProgramOut(ProgramIn, DocumentView):
    code: str
    jp: int
    classical: bool
    ready: bool = Field(description="Active, and its curriculum (if any) has an approved version")

    @field_validator("competencies", mode="before")
    @classmethod
    def _levels(cls, value: object) -> object:
        return levels_from_documents(value) if isinstance(value, list) else value


class ModuleIn(RequestModel):
    title: str = Field(min_length=1, max_length=200)
    jp: int = Field(ge=1, le=500)
    competency_code: str = Field(min_length=1, max_length=40)
    learning_outcome: str = Field(min_length=1, max_length=1000)


class CurriculumIn(RequestModel):
    title: str = Field(min_length=1, max_length=200)
    partner: str = Field(min_length=1, max_length=200, description="The partner institution, e.g. a university")
    institution: str | None = Field(
        default=None,
        min_length=1,
        max_length=40,
        pattern=r"^[A-Za-z0-9._-]+$",
        description="The owning institution's code (a partner token's institution claim). A partner's "
        "curricula are its own institution's; BKPSDM must name it for a new curriculum.",
    )


class VersionIn(RequestModel):
    modules: list[ModuleIn] = Field(min_length=1, max_length=100)


class ReviewIn(RequestModel):
    action: Literal["submit", "approve", "return", "retire"]
    note: str | None = Field(default=None, max_length=2000)


class CurriculumOut(DocumentView):
    code: str = Field(validation_alias="id")
    title: str
    partner: str
    institution: str | None = None
    versions: list[dict[str, object]]


class PhaseIn(RequestModel):
    fiscal_year: FiscalYearNumber
    title: str = Field(min_length=1, max_length=200)
    starts_on: PlanningDate
    ends_on: PlanningDate
    budget: Rupiah = Field(description="Rupiah available for participants of this phase")
    capacity: People | None = Field(default=None, description="Participants in the whole phase (optional)")


class PhaseOut(PhaseIn, DocumentView):
    code: str


class BatchIn(RequestModel):
    phase_code: str = Field(min_length=1, max_length=40)
    program_code: str = Field(min_length=1, max_length=40)
    starts_on: PlanningDate
    ends_on: PlanningDate
    capacity: int | None = Field(default=None, ge=1, le=10_000, description="Default: the programme's capacity")
    sessions: int | None = Field(default=None, ge=1, le=1000, description="Default: one per day of the window")
    location: str | None = Field(default=None, max_length=200)
    host_agency: str | None = Field(default=None, max_length=200, description="For internships and exchanges")
    host_code: str | None = Field(
        default=None, max_length=40, description="Benchmarking visits: the host from the register (GET /hosts)"
    )


class BatchOut(DocumentView):
    code: str = Field(validation_alias="id")
    fiscal_year: int
    phase_code: str
    program_code: str
    starts_on: date
    ends_on: date
    capacity: int
    sessions: int
    location: str | None
    host_agency: str | None
    host_code: str | None
    status: str
    cancel_reason: str | None
    seats_held: int


class EvidenceIn(RequestModel):
    indicator: str = Field(
        pattern=r"^[a-z0-9_]{1,40}$", description="e.g. spbe_index: the national e-government (SPBE) evaluation"
    )
    value: float = Field(ge=0, le=1_000_000, allow_inf_nan=False, description="e.g. 4.12 on the SPBE 1-5 scale")
    year: int = Field(ge=2000, le=2100, description="The year the figure is for")
    source_url: str | None = Field(default=None, max_length=500, pattern=r"^https?://")
    source_document: str | None = Field(
        default=None, max_length=300, description="e.g. the KemenPANRB decree publishing the SPBE results"
    )


class HostIn(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["region", "agency"]
    known_for: str = Field(min_length=3, max_length=500, description="The public service it is known for")
    evidence: list[EvidenceIn] = Field(min_length=1, max_length=20)


class EvidenceOut(DocumentView):
    indicator: str
    value: float
    year: int
    source_url: str | None
    source_document: str | None
    recorded_by: str
    recorded_at: datetime


class HostOut(DocumentView):
    code: str
    name: str
    kind: str
    known_for: str
    evidence: list[EvidenceOut]
    updated_at: datetime


class CancelIn(RequestModel):
    reason: str = Field(min_length=1, max_length=500)


class WithdrawIn(RequestModel):
    reason: str = Field(min_length=1, max_length=500, description="Why the seat is given up")


class AttendanceIn(RequestModel):
    present: list[NIP] = Field(max_length=10_000, description="NIPs present at the session; the others were absent")


class ScoresIn(RequestModel):
    pre_score: float | None = Field(default=None, ge=0, le=100)
    post_score: float | None = Field(default=None, ge=0, le=100)


class LearningAgreementIn(RequestModel):
    host_agency: str = Field(min_length=1, max_length=200)
    objectives: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(min_length=1, max_length=20)
    mentor: str = Field(min_length=1, max_length=200, description="Mentor at the host agency")
    agreed_on: PlanningDate


class FinalReportIn(RequestModel):
    summary: str = Field(min_length=20, max_length=20_000)
    submitted_on: PlanningDate


class CompletionIn(RequestModel):
    completed_on: PlanningDate | None = Field(default=None, description="Default: the last day of the batch")


class CertificateNameIn(RequestModel):
    name: str | None = Field(
        min_length=1,
        max_length=120,
        description="Your name as it should appear on the certificate, with your consent; null keeps it off "
        "(the certificate then names you only by a hashed NIP)",
    )


class RevocationIn(RequestModel):
    reason: str = Field(min_length=5, max_length=500, description="Why the certificate is withdrawn (audit trail)")


class EnrolmentOut(DocumentView):
    enrolment_id: str = Field(validation_alias="id")
    batch_code: str
    phase_code: str
    program_code: str
    fiscal_year: int
    nip: str
    unit_code: str
    supervisor_nip: str | None
    need_ids: list[str]
    status: str
    explanation: str | None
    explanation_en: str | None
    reason: str | None
    reason_en: str | None
    history: list[dict[str, object]]
    attended_sessions: list[int]
    attendance_pct: float | None
    pre_score: float | None
    post_score: float | None
    host_agency: str | None
    learning_agreement: dict[str, object] | None
    final_report: dict[str, object] | None
    completed_on: date | None
    certificate_number: str | None
    name_on_certificate: str | None
    credential_id: str | None = Field(description="Id of the signed certificate (GET /credentials/{id})")
    revoked_at: datetime | None
    revoked_by: str | None
    revocation_reason: str | None

    @field_validator("learning_agreement", "final_report", mode="before")
    @classmethod
    def _none_until_recorded(cls, value: object) -> object:
        return value or None


class NeedOut(DocumentView):
    need_id: str = Field(validation_alias="id")
    fiscal_year: int
    nip: str | None
    unit_code: str
    competency_code: str
    required_level: int | None
    priority: float
    source: str
    status: str = Field(
        description="open, placed, waitlisted, resolved, unit_level (planned by BKPSDM) or action_only (a "
        "follow-up only the supervisor's or unit head's action remedies: no training)"
    )
    batch_code: str | None
    batch_codes: list[str] = Field(default_factory=list, description="A JP shortfall met by several batches")
    recommended_form: str | None = None
    barriers: list[str] = Field(default_factory=list)
    program_code: str | None = Field(default=None, description="The programme that did not transfer (follow-ups)")
    employment_type: str | None = None
    reason_code: str | None = Field(description="Why it is waitlisted: capacity, budget, fair_share, ...")
    explanation: str | None
    explanation_en: str | None
