"""HTTP API of the training service."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Path, Response
from pydantic import BaseModel, ConfigDict, Field, field_validator

from services.training import domain, reports
from services.training.application import Curricula, Enrolments, Planning, close_batch, ready_offers
from services.training.documents import (
    BatchDocument,
    CurriculumDocument,
    EnrolmentDocument,
    PhaseDocument,
    PlannedNeedDocument,
    ProgramDocument,
)
from shared.domain.errors import Invalid
from shared.events.common import NIP, DevelopmentForm
from shared.http.access import Admin, Staff, scope_of, visible
from shared.http.auth import CurrentPrincipal, Principal, Role, require_roles
from shared.http.errors import ApiError
from shared.http.pagination import Page, Pagination, page_of
from shared.http.query import FiscalYear
from shared.http.reports import CSV_REPORT, ReportFormat, report_response
from shared.http.schemas import DocumentView
from shared.persistence import get_or_not_found, levels_from_documents, levels_to_documents

Author = Annotated[Principal, Depends(require_roles(Role.BKPSDM_ADMIN, Role.PARTNER))]
Code = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")]


class ProgramIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    form: DevelopmentForm
    competencies: dict[str, Annotated[int, Field(ge=1, le=5)]] = Field(
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
    cost_per_participant: float = Field(default=0, ge=0)
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


class ModuleIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    jp: int = Field(ge=1, le=500)
    competency_code: str = Field(min_length=1, max_length=40)
    learning_outcome: str = Field(min_length=1, max_length=1000)


class CurriculumIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    partner: str = Field(min_length=1, max_length=200, description="The partner institution, e.g. a university")


class VersionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    modules: list[ModuleIn] = Field(min_length=1, max_length=100)


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    action: Literal["submit", "approve", "return", "retire"]
    note: str | None = Field(default=None, max_length=2000)


class CurriculumOut(DocumentView):
    code: str = Field(validation_alias="id")
    title: str
    partner: str
    versions: list[dict[str, object]]


class PhaseIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    fiscal_year: int = Field(ge=2000, le=2100)
    title: str = Field(min_length=1, max_length=200)
    starts_on: date
    ends_on: date
    budget: float = Field(ge=0, description="Rupiah available for participants of this phase")
    capacity: int | None = Field(default=None, ge=1, description="Participants in the whole phase (optional)")


class PhaseOut(PhaseIn, DocumentView):
    code: str


class BatchIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    phase_code: str = Field(min_length=1, max_length=40)
    program_code: str = Field(min_length=1, max_length=40)
    starts_on: date
    ends_on: date
    capacity: int | None = Field(default=None, ge=1, le=10_000, description="Default: the programme's capacity")
    sessions: int | None = Field(default=None, ge=1, le=1000, description="Default: one per day of the window")
    location: str | None = Field(default=None, max_length=200)
    host_agency: str | None = Field(default=None, max_length=200, description="For internships and exchanges")


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
    status: str
    cancel_reason: str | None
    seats_held: int


class CancelIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500)


class WithdrawIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=1, max_length=500, description="Why the seat is given up")


class AttendanceIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    present: list[NIP] = Field(max_length=10_000, description="NIPs present at the session; the others were absent")


class ScoresIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    pre_score: float | None = Field(default=None, ge=0, le=100)
    post_score: float | None = Field(default=None, ge=0, le=100)


class LearningAgreementIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    host_agency: str = Field(min_length=1, max_length=200)
    objectives: list[Annotated[str, Field(min_length=1, max_length=500)]] = Field(min_length=1, max_length=20)
    mentor: str = Field(min_length=1, max_length=200, description="Mentor at the host agency")
    agreed_on: date


class FinalReportIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    summary: str = Field(min_length=20, max_length=20_000)
    submitted_on: date


class CompletionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    completed_on: date | None = Field(default=None, description="Default: the last day of the batch")


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
    status: str = Field(description="open, placed, waitlisted, resolved, or unit_level (planned by BKPSDM)")
    batch_code: str | None
    reason_code: str | None = Field(description="Why it is waitlisted: capacity, budget, fair_share, ...")
    explanation: str | None
    explanation_en: str | None


def _program(p: ProgramDocument, ready: set[str]) -> ProgramOut:
    return ProgramOut.of(p, classical=domain.is_classical(p.form), ready=p.code in ready)


def _seats_held(**filters: object) -> Counter[str]:
    """Seats held per batch, in one read (a page of batches would otherwise count one by one)."""
    seats = EnrolmentDocument._get_collection().find(
        {**filters, "status": {"$in": list(domain.HOLDS_SEAT)}}, {"batch_code": 1}
    )
    return Counter(s["batch_code"] for s in seats)


def _batch(b: BatchDocument, held: Counter[str] | None = None) -> BatchOut:
    held = held if held is not None else _seats_held(batch_code=b.id)
    return BatchOut.of(b, seats_held=held[b.id])


def _may_decide(e: EnrolmentDocument, who: Principal) -> bool:
    """Confirming or giving up a seat: the participant, the head of their unit, BKPSDM."""
    return (
        who.nip == e.nip
        or who.has_any(Role.BKPSDM_ADMIN)
        or (who.has_any(Role.UNIT_HEAD) and who.unit_code == e.unit_code)
    )


def _forbidden() -> ApiError:
    return ApiError(403, "forbidden", "Anda tidak berhak atas pendaftaran ini.", "You may not act on this enrolment.")


def _ready_codes() -> set[str]:
    return {o.code for o in ready_offers()}


def _placement_only(program: ProgramDocument) -> None:
    if not domain.is_placement(program.form):
        raise Invalid(
            "not_a_placement",
            "Hanya magang, pertukaran dan detasering yang memakai kesepakatan belajar dan laporan akhir.",
            "Only internships, exchanges and detasering have a learning agreement and a final report.",
        )


def _year_rows(fiscal_year: int, *, needs: bool = True) -> tuple[list[dict[str, Any]], ...]:
    """Phases, batches, seats and (optionally) needs of a year, as plain rows for the pure reports."""

    def rows(doc: Any, *fields: str) -> list[dict[str, Any]]:
        projection = dict.fromkeys(fields, 1) if fields else None
        return list(doc._get_collection().find({"fiscal_year": fiscal_year}, projection))

    return (
        rows(PhaseDocument),
        rows(BatchDocument, "phase_code", "program_code", "starts_on", "capacity", "status"),
        rows(EnrolmentDocument, "batch_code", "phase_code", "program_code", "unit_code", "nip", "status", "cost"),
        rows(PlannedNeedDocument, "unit_code", "status", "reason_code") if needs else [],
    )


ReportView = Callable[..., Response]


def build_router(planning: Planning, enrolments: Enrolments) -> APIRouter:
    router = APIRouter()
    curricula = Curricula()

    @router.put("/programs/{code}", tags=["catalogue"], summary="Create or replace a programme")
    def put_program(code: Code, body: ProgramIn, _: Admin) -> ProgramOut:
        jp = domain.program_jp(body.form.value, jp=body.jp, days=body.days, international=body.international)
        if body.curriculum_code:
            get_or_not_found(CurriculumDocument, body.curriculum_code, "Kurikulum", "Curriculum")
        fields = body.model_dump(mode="json", exclude={"competencies", "jp"})
        ProgramDocument(code=code, competencies=levels_to_documents(body.competencies), jp=jp, **fields).save()
        return _program(get_or_not_found(ProgramDocument, code, "Program", "Programme"), _ready_codes())

    @router.get("/programs", tags=["catalogue"])
    def list_programs(_: CurrentPrincipal, page: Pagination, competency_code: str | None = None) -> Page[ProgramOut]:
        qs = ProgramDocument.objects
        if competency_code:
            qs = qs(competencies__code=competency_code)
        ready = _ready_codes()
        return page_of(qs.order_by("code"), page, lambda p: _program(p, ready))

    @router.get("/programs/{code}", tags=["catalogue"])
    def get_program(code: Code, _: CurrentPrincipal) -> ProgramOut:
        return _program(get_or_not_found(ProgramDocument, code, "Program", "Programme"), _ready_codes())

    @router.put("/curricula/{code}", tags=["curricula"], summary="Create or rename a partner curriculum")
    def put_curriculum(code: Code, body: CurriculumIn, _: Author) -> CurriculumOut:
        return CurriculumOut.of(curricula.save(code, body.title, body.partner))

    @router.get("/curricula/{code}", tags=["curricula"])
    def get_curriculum(code: Code, _: CurrentPrincipal) -> CurriculumOut:
        return CurriculumOut.of(get_or_not_found(CurriculumDocument, code, "Kurikulum", "Curriculum"))

    @router.post(
        "/curricula/{code}/versions",
        tags=["curricula"],
        status_code=201,
        summary="Draft a new version (modules with JP, competency and learning outcome)",
    )
    def post_version(code: Code, body: VersionIn, who: Author) -> CurriculumOut:
        return CurriculumOut.of(curricula.add_version(code, [m.model_dump() for m in body.modules], who.nip))

    @router.post(
        "/curricula/{code}/versions/{version}/review",
        tags=["curricula"],
        summary="submit for review (author); approve, return or retire (BKPSDM)",
    )
    def review_version(
        code: Code, version: Annotated[int, Path(ge=1, le=10_000)], body: ReviewIn, who: Author
    ) -> CurriculumOut:
        if body.action != "submit" and not who.has_any(Role.BKPSDM_ADMIN):
            raise ApiError(
                403,
                "forbidden",
                "Hanya BKPSDM yang memutuskan versi kurikulum.",
                "Only BKPSDM decides on curriculum versions.",
            )
        return CurriculumOut.of(curricula.act(code, version, body.action, who.nip, body.note))

    @router.get("/enrolments", tags=["enrolments"])
    def list_enrolments(
        who: Staff,
        page: Pagination,
        nip: str | None = None,
        batch_code: str | None = None,
        status: domain.EnrolmentStatus | None = None,
    ) -> Page[EnrolmentOut]:
        filters: dict[str, object] = {"nip": nip, "batch_code": batch_code, "status": status}
        query = EnrolmentDocument.objects(**{k: v for k, v in filters.items() if v is not None})
        return page_of(query.filter(scope_of(who).query()).order_by("-updated_at", "id"), page, EnrolmentOut.of)

    def _seat(enrolment_id: str, who: Principal) -> EnrolmentDocument:
        """The participant, their supervisor, the head of their unit, BKPSDM."""
        return visible(scope_of(who), get_or_not_found(EnrolmentDocument, enrolment_id, "Pendaftaran", "Enrolment"))

    @router.get("/enrolments/{enrolment_id}", tags=["enrolments"])
    def get_enrolment(enrolment_id: str, who: Staff) -> EnrolmentOut:
        return EnrolmentOut.of(_seat(enrolment_id, who))

    @router.post("/enrolments/{enrolment_id}/confirm", tags=["enrolments"], summary="Accept a proposed seat")
    def confirm(enrolment_id: str, who: Staff) -> EnrolmentOut:
        if not _may_decide(_seat(enrolment_id, who), who):
            raise _forbidden()
        return EnrolmentOut.of(enrolments.act(enrolment_id, "confirm", who.nip))

    @router.post(
        "/enrolments/{enrolment_id}/withdraw",
        tags=["enrolments"],
        summary="Give up a seat; its needs go back to the planner",
    )
    def withdraw(enrolment_id: str, body: WithdrawIn, who: Staff) -> EnrolmentOut:
        if not _may_decide(_seat(enrolment_id, who), who):
            raise _forbidden()
        return EnrolmentOut.of(enrolments.act(enrolment_id, "withdraw", who.nip, (body.reason, body.reason)))

    @router.put("/enrolments/{enrolment_id}/scores", tags=["enrolments"], summary="Pre-test and post-test scores")
    def put_scores(enrolment_id: str, body: ScoresIn, _: Admin) -> EnrolmentOut:
        def change(e: EnrolmentDocument, _: ProgramDocument) -> None:
            e.pre_score, e.post_score = body.pre_score, body.post_score

        return EnrolmentOut.of(enrolments.update(enrolment_id, change))

    @router.put(
        "/enrolments/{enrolment_id}/learning-agreement",
        tags=["enrolments"],
        summary="Internships and exchanges: the learning agreement with the host agency",
    )
    def put_learning_agreement(enrolment_id: str, body: LearningAgreementIn, _: Admin) -> EnrolmentOut:
        def change(e: EnrolmentDocument, program: ProgramDocument) -> None:
            _placement_only(program)
            e.host_agency = body.host_agency
            e.learning_agreement = body.model_dump(mode="json", exclude={"host_agency"})

        return EnrolmentOut.of(enrolments.update(enrolment_id, change))

    @router.put(
        "/enrolments/{enrolment_id}/final-report",
        tags=["enrolments"],
        summary="Internships and exchanges: the participant's final report",
    )
    def put_final_report(enrolment_id: str, body: FinalReportIn, who: Staff) -> EnrolmentOut:
        if who.nip != _seat(enrolment_id, who).nip and not who.has_any(Role.BKPSDM_ADMIN):
            raise _forbidden()

        def change(e: EnrolmentDocument, program: ProgramDocument) -> None:
            _placement_only(program)
            e.final_report = body.model_dump(mode="json")

        return EnrolmentOut.of(enrolments.update(enrolment_id, change))

    @router.post(
        "/enrolments/{enrolment_id}/completion",
        tags=["enrolments"],
        summary="Judge a participant against the programme's criteria: completed (ProgramCompleted) or failed",
    )
    def complete(enrolment_id: str, who: Admin, body: CompletionIn | None = None) -> EnrolmentOut:
        return EnrolmentOut.of(enrolments.complete(enrolment_id, body.completed_on if body else None, who.nip))

    # The plan: phases, batches, runs, needs.

    @router.put("/phases/{code}", tags=["plan"], summary="Create or change a phase (tahap) of a fiscal year")
    def put_phase(code: Code, body: PhaseIn, _: Admin) -> PhaseOut:
        return PhaseOut.of(planning.save_phase(code, body.model_dump()))

    @router.get("/phases", tags=["plan"])
    def list_phases(_: CurrentPrincipal, fiscal_year: FiscalYear) -> list[PhaseOut]:
        return [PhaseOut.of(p) for p in PhaseDocument.objects(fiscal_year=fiscal_year).order_by("starts_on", "code")]

    @router.put("/batches/{code}", tags=["plan"], summary="Schedule or change a batch (angkatan) in a phase")
    def put_batch(code: Code, body: BatchIn, _: Admin) -> BatchOut:
        return _batch(planning.save_batch(code, body.model_dump()))

    @router.get("/batches", tags=["plan"])
    def list_batches(
        _: CurrentPrincipal, page: Pagination, fiscal_year: FiscalYear, phase_code: str | None = None
    ) -> Page[BatchOut]:
        filters = {"fiscal_year": fiscal_year} | ({"phase_code": phase_code} if phase_code else {})
        held = _seats_held(fiscal_year=fiscal_year)
        return page_of(BatchDocument.objects(**filters).order_by("starts_on", "id"), page, lambda b: _batch(b, held))

    @router.get("/batches/{code}", tags=["plan"])
    def get_batch(code: Code, _: CurrentPrincipal) -> BatchOut:
        return _batch(get_or_not_found(BatchDocument, code, "Angkatan", "Batch"))

    @router.post(
        "/batches/{code}/cancel",
        tags=["plan"],
        summary="Cancel a batch that has not started; its seats are withdrawn and its needs re-planned",
    )
    def cancel_batch(code: Code, body: CancelIn, who: Admin) -> dict[str, object]:
        return planning.cancel_batch(code, body.reason, who.nip)

    @router.put(
        "/batches/{code}/sessions/{session}/attendance",
        tags=["plan"],
        summary="Who attended one session (the others listed as participants were absent)",
    )
    def put_attendance(
        code: Code, session: Annotated[int, Path(ge=1, le=1000)], body: AttendanceIn, who: Admin
    ) -> dict[str, int]:
        return enrolments.record_attendance(code, session, set(body.present), who.nip)

    @router.post(
        "/batches/{code}/completion",
        tags=["plan"],
        summary="Judge every attending participant of the batch and close it",
    )
    def complete_batch(code: Code, who: Admin, body: CompletionIn | None = None) -> dict[str, object]:
        return close_batch(enrolments, code, body.completed_on if body else None, who.nip)

    @router.post(
        "/plans/{fiscal_year}/run",
        tags=["plan"],
        summary="Run the planner now: place open needs into batches (incremental and idempotent)",
    )
    def run_plan(fiscal_year: Annotated[int, Path(ge=2000, le=2100)], who: Admin) -> dict[str, object]:
        return planning.run(fiscal_year, who.nip)

    @router.get("/needs", tags=["plan"], summary="Needs as the planner sees them, with its decision and why")
    def list_needs(
        who: Staff,
        page: Pagination,
        fiscal_year: FiscalYear,
        status: Literal["open", "placed", "waitlisted", "unit_level", "resolved"] | None = None,
        unit_code: str | None = None,
        nip: str | None = None,
    ) -> Page[NeedOut]:
        filters = {"fiscal_year": fiscal_year, "status": status, "unit_code": unit_code, "nip": nip}
        query = PlannedNeedDocument.objects(**{k: v for k, v in filters.items() if v is not None})
        ordered = query.filter(scope_of(who).query()).order_by("-priority", "identified_at", "id")
        return page_of(ordered, page, NeedOut.of)

    # Reports.

    @router.get("/reports/plan", tags=["reports"], summary="Per phase: places, budget committed, waitlist by unit")
    def plan_report(_: Admin, fiscal_year: FiscalYear) -> dict[str, object]:
        rows = _year_rows(fiscal_year)
        return {"fiscal_year": fiscal_year, **reports.plan_per_phase(*rows)}

    def csv_report(path: str, summary: str) -> Callable[[ReportView], ReportView]:
        return router.get(path, tags=["reports"], summary=summary, responses=CSV_REPORT)

    @csv_report("/reports/realisation", "Per batch: planned seats against what happened")
    def realisation_report(_: Admin, fiscal_year: FiscalYear, format: ReportFormat = "json") -> Response:
        year = _year_rows(fiscal_year, needs=False)
        rows = reports.realisation(year[1], year[2])
        return report_response(rows, format, f"realisasi-{fiscal_year}", {"fiscal_year": fiscal_year})

    @csv_report("/reports/jp-per-unit", "JP delivered by completed programmes, per unit")
    def jp_report(_: Admin, fiscal_year: FiscalYear, format: ReportFormat = "json") -> Response:
        jp = {p["_id"]: p["jp"] for p in ProgramDocument._get_collection().find({}, {"jp": 1})}
        rows = reports.jp_per_unit(_year_rows(fiscal_year, needs=False)[2], jp)
        return report_response(rows, format, f"jp-per-unit-{fiscal_year}", {"fiscal_year": fiscal_year})

    return router
