"""HTTP API of the training service."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Depends, Path
from pydantic import BaseModel, ConfigDict, Field

from services.training import domain
from services.training.application import TrainingService
from services.training.documents import EnrolmentDocument, ProgramDocument
from shared.events.common import DevelopmentForm
from shared.http.auth import CurrentPrincipal, Principal, Role, require_roles
from shared.http.errors import ApiError
from shared.http.pagination import Page, Pagination, page_of
from shared.persistence import get_or_404, levels_from_documents, levels_to_documents

Admin = Annotated[Principal, Depends(require_roles(Role.BKPSDM_ADMIN))]
Code = Annotated[str, Path(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9._-]+$")]


class ProgramIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=200)
    form: DevelopmentForm
    competencies: dict[str, Annotated[int, Field(ge=1, le=5)]] = Field(
        min_length=1, description="Competency code -> level the programme brings a participant to"
    )
    jp: int = Field(ge=0, le=1000, description="Jam Pelajaran (1 JP = 45 minutes)")
    provider: str = Field(min_length=1, max_length=200)
    cost_per_participant: float = Field(default=0, ge=0)
    min_attendance_pct: float = Field(default=80, ge=0, le=100)
    passing_score: float | None = Field(default=None, ge=0, le=100)
    active: bool = True


class ProgramOut(ProgramIn):
    code: str


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


def _program(p: ProgramDocument) -> ProgramOut:
    return ProgramOut(
        code=p.code,
        title=p.title,
        form=p.form,
        competencies=levels_from_documents(p.competencies),
        jp=p.jp,
        provider=p.provider,
        cost_per_participant=p.cost_per_participant,
        min_attendance_pct=p.min_attendance_pct,
        passing_score=p.passing_score,
        active=p.active,
    )


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


def build_router(service: TrainingService) -> APIRouter:
    router = APIRouter()

    @router.put("/programs/{code}", tags=["catalogue"], summary="Create or replace a programme")
    def put_program(code: Code, body: ProgramIn, _: Admin) -> ProgramOut:
        fields = body.model_dump(mode="json", exclude={"competencies"})
        ProgramDocument(code=code, competencies=levels_to_documents(body.competencies), **fields).save()
        return _program(get_or_404(ProgramDocument, code, "Program", "Programme"))

    @router.get("/programs", tags=["catalogue"])
    def list_programs(_: CurrentPrincipal, page: Pagination, competency_code: str | None = None) -> Page[ProgramOut]:
        qs = ProgramDocument.objects
        if competency_code:
            qs = qs(competencies__code=competency_code)
        return page_of(qs.order_by("code"), page, _program)

    @router.get("/programs/{code}", tags=["catalogue"])
    def get_program(code: Code, _: CurrentPrincipal) -> ProgramOut:
        return _program(get_or_404(ProgramDocument, code, "Program", "Programme"))

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
