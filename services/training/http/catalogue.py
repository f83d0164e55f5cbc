"""The catalogue: programmes, and the curricula partners develop with BKPSDM."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from services.training import domain
from services.training.catalogue import curricula
from services.training.catalogue.programmes import Programmes, ready_codes, save_program
from services.training.documents import CurriculumDocument, ProgramDocument
from services.training.http.schemas import (
    Author,
    Code,
    CurriculumIn,
    CurriculumOut,
    ProgramIn,
    ProgramOut,
    ReviewIn,
    VersionIn,
)
from shared.domain.identity import Role
from shared.http.access import Admin
from shared.http.auth import CurrentPrincipal
from shared.http.errors import ApiError
from shared.http.pagination import Page, Pagination, page_of
from shared.persistence import get_or_not_found


def program_out(p: ProgramDocument, ready: set[str]) -> ProgramOut:
    return ProgramOut.of(p, classical=domain.is_classical(p.form), ready=p.code in ready)


def build_router(programmes: Programmes) -> APIRouter:
    router = APIRouter()

    @router.put("/programs/{code}", tags=["catalogue"], summary="Create or replace a programme")
    def put_program(code: Code, body: ProgramIn, _: Admin) -> ProgramOut:
        return program_out(save_program(code, body.model_dump(mode="json"), programmes), ready_codes())

    @router.get("/programs", tags=["catalogue"])
    def list_programs(_: CurrentPrincipal, page: Pagination, competency_code: str | None = None) -> Page[ProgramOut]:
        qs = ProgramDocument.objects
        if competency_code:
            qs = qs(competencies__code=competency_code)
        ready = ready_codes()
        return page_of(qs.order_by("code"), page, lambda p: program_out(p, ready))

    @router.get("/programs/{code}", tags=["catalogue"])
    def get_program(code: Code, _: CurrentPrincipal) -> ProgramOut:
        return program_out(get_or_not_found(ProgramDocument, code, "Program", "Programme"), ready_codes())

    @router.put("/curricula/{code}", tags=["curricula"], summary="Create or rename a partner curriculum")
    def put_curriculum(code: Code, body: CurriculumIn, who: Author) -> CurriculumOut:
        return CurriculumOut.of(curricula.save(code, body.title, body.partner, body.institution, who))

    @router.get("/curricula", tags=["curricula"], summary="Curricula, optionally of one partner institution")
    def list_curricula(
        _: CurrentPrincipal, page: Pagination, institution: Annotated[str | None, Query(max_length=100)] = None
    ) -> Page[CurriculumOut]:
        qs = CurriculumDocument.objects(institution=institution) if institution else CurriculumDocument.objects
        return page_of(qs.order_by("id"), page, CurriculumOut.of)

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
        return CurriculumOut.of(curricula.add_version(code, [m.model_dump() for m in body.modules], who))

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
        return CurriculumOut.of(curricula.review(code, version, body.action, who, body.note))

    return router
