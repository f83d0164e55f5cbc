"""HTTP API of the training service."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field

from services.training import domain
from services.training.application import Curricula, TrainingService, ready_offers
from services.training.documents import CurriculumDocument, EnrolmentDocument, ProgramDocument
from shared.events.common import DevelopmentForm
from shared.http.auth import CurrentPrincipal, Principal, Role, require_roles
from shared.http.errors import ApiError
from shared.http.pagination import Page, Pagination, page_of
from shared.persistence import get_or_404, levels_from_documents, levels_to_documents

Admin = Annotated[Principal, Depends(require_roles(Role.BKPSDM_ADMIN))]
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


class ProgramOut(ProgramIn):
    code: str
    jp: int
    classical: bool
    ready: bool = Field(description="Active, and its curriculum (if any) has an approved version")


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


class CurriculumOut(BaseModel):
    code: str
    title: str
    partner: str
    versions: list[dict[str, object]]


class CompletionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    attendance_pct: float = Field(ge=0, le=100)
    pre_score: float | None = Field(default=None, ge=0, le=100)
    post_score: float | None = Field(default=None, ge=0, le=100)
    started_on: date
    completed_on: date


class EnrolmentOut(BaseModel):
    enrolment_id: str
    need_id: str | None
    nip: str
    unit_code: str
    competency_code: str
    required_level: int | None
    program_code: str | None
    status: str
    reason: str | None
    reason_en: str | None
    attendance_pct: float | None
    pre_score: float | None
    post_score: float | None
    completed_on: date | None
    certificate_number: str | None


def _program(p: ProgramDocument, ready: set[str]) -> ProgramOut:
    return ProgramOut(
        code=p.code,
        title=p.title,
        form=p.form,
        competencies=levels_from_documents(p.competencies),
        jp=p.jp,
        days=p.days,
        international=p.international,
        provider=p.provider,
        provider_kind=p.provider_kind,
        delivery_mode=p.delivery_mode,
        location=p.location,
        host_region=p.host_region,
        cost_per_participant=p.cost_per_participant,
        capacity_per_batch=p.capacity_per_batch,
        min_attendance_pct=p.min_attendance_pct,
        passing_score=p.passing_score,
        curriculum_code=p.curriculum_code,
        active=p.active,
        classical=domain.is_classical(p.form),
        ready=p.code in ready,
    )


def _curriculum(c: CurriculumDocument) -> CurriculumOut:
    return CurriculumOut(code=c.id, title=c.title, partner=c.partner, versions=list(c.versions))


def _enrolment(e: EnrolmentDocument) -> EnrolmentOut:
    return EnrolmentOut(
        enrolment_id=e.id,
        need_id=e.need_id,
        nip=e.nip,
        unit_code=e.unit_code,
        competency_code=e.competency_code,
        required_level=e.required_level,
        program_code=e.program_code,
        status=e.status,
        reason=e.reason,
        reason_en=e.reason_en,
        attendance_pct=e.attendance_pct,
        pre_score=e.pre_score,
        post_score=e.post_score,
        completed_on=e.completed_on,
        certificate_number=e.certificate_number,
    )


def _visible(e: EnrolmentDocument, who: Principal) -> bool:
    return e.nip == who.nip or e.supervisor_nip == who.nip or who.has_any(Role.BKPSDM_ADMIN, Role.UNIT_HEAD)


def _ready_codes() -> set[str]:
    return {o.code for o in ready_offers()}


def build_router(service: TrainingService) -> APIRouter:
    router = APIRouter()
    curricula = Curricula()

    @router.put("/programs/{code}", tags=["catalogue"], summary="Create or replace a programme")
    def put_program(code: Code, body: ProgramIn, _: Admin) -> ProgramOut:
        try:
            jp = domain.program_jp(body.form.value, jp=body.jp, days=body.days, international=body.international)
        except domain.CatalogueError as exc:
            raise ApiError(422, "jp_unknown", exc.message_id, exc.message_en) from None
        if body.curriculum_code:
            get_or_404(CurriculumDocument, body.curriculum_code, "Kurikulum", "Curriculum")
        fields = body.model_dump(mode="json", exclude={"competencies", "jp"})
        ProgramDocument(code=code, competencies=levels_to_documents(body.competencies), jp=jp, **fields).save()
        return _program(get_or_404(ProgramDocument, code, "Program", "Programme"), _ready_codes())

    @router.get("/programs", tags=["catalogue"])
    def list_programs(_: CurrentPrincipal, page: Pagination, competency_code: str | None = None) -> Page[ProgramOut]:
        qs = ProgramDocument.objects
        if competency_code:
            qs = qs(competencies__code=competency_code)
        ready = _ready_codes()
        return page_of(qs.order_by("code"), page, lambda p: _program(p, ready))

    @router.get("/programs/{code}", tags=["catalogue"])
    def get_program(code: Code, _: CurrentPrincipal) -> ProgramOut:
        return _program(get_or_404(ProgramDocument, code, "Program", "Programme"), _ready_codes())

    @router.put("/curricula/{code}", tags=["curricula"], summary="Create or rename a partner curriculum")
    def put_curriculum(code: Code, body: CurriculumIn, _: Author) -> CurriculumOut:
        return _curriculum(curricula.save(code, body.title, body.partner))

    @router.get("/curricula/{code}", tags=["curricula"])
    def get_curriculum(code: Code, _: CurrentPrincipal) -> CurriculumOut:
        return _curriculum(get_or_404(CurriculumDocument, code, "Kurikulum", "Curriculum"))

    @router.post(
        "/curricula/{code}/versions",
        tags=["curricula"],
        status_code=201,
        summary="Draft a new version (modules with JP, competency and learning outcome)",
    )
    def post_version(code: Code, body: VersionIn, who: Author) -> CurriculumOut:
        return _curriculum(curricula.add_version(code, [m.model_dump() for m in body.modules], who.nip))

    @router.post(
        "/curricula/{code}/versions/{version}/review",
        tags=["curricula"],
        summary="submit for review (author); approve, return or retire (BKPSDM)",
    )
    def review_version(code: Code, version: int, body: ReviewIn, who: Author) -> CurriculumOut:
        if body.action != "submit" and not who.has_any(Role.BKPSDM_ADMIN):
            raise ApiError(
                403,
                "forbidden",
                "Hanya BKPSDM yang memutuskan versi kurikulum.",
                "Only BKPSDM decides on curriculum versions.",
            )
        return _curriculum(curricula.act(code, version, body.action, who.nip, body.note))

    @router.get("/enrolments", tags=["enrolments"])
    def list_enrolments(
        who: CurrentPrincipal, page: Pagination, nip: str | None = None, status: domain.EnrolmentStatus | None = None
    ) -> Page[EnrolmentOut]:
        if not who.has_any(Role.BKPSDM_ADMIN, Role.UNIT_HEAD):
            nip = who.nip
        filters = {k: v for k, v in {"nip": nip, "status": status}.items() if v is not None}
        return page_of(EnrolmentDocument.objects(**filters).order_by("-updated_at", "id"), page, _enrolment)

    @router.get("/enrolments/{enrolment_id}", tags=["enrolments"])
    def get_enrolment(enrolment_id: str, who: CurrentPrincipal) -> EnrolmentOut:
        enrolment = get_or_404(EnrolmentDocument, enrolment_id, "Pendaftaran", "Enrolment")
        if not _visible(enrolment, who):
            raise ApiError(
                403, "forbidden", "Anda tidak berhak melihat pendaftaran ini.", "You may not see this enrolment."
            )
        return _enrolment(enrolment)

    @router.post(
        "/enrolments/{enrolment_id}/completion",
        tags=["enrolments"],
        summary="Record attendance and scores; a participant who meets the criteria completes",
    )
    def complete(enrolment_id: str, body: CompletionIn, _: Admin) -> EnrolmentOut:
        report = domain.CompletionReport(
            attendance_pct=body.attendance_pct,
            pre_score=body.pre_score,
            post_score=body.post_score,
            started_on=body.started_on,
            completed_on=body.completed_on,
        )
        return _enrolment(service.complete(enrolment_id, report))

    return router
