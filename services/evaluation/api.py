"""HTTP API of the evaluation service."""

from __future__ import annotations

from datetime import date, datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from services.evaluation import domain
from services.evaluation.application import EvaluationService
from services.evaluation.documents import EvaluationDocument
from shared.http.auth import CurrentPrincipal, Principal, Role
from shared.http.errors import ApiError
from shared.http.pagination import Page, Pagination, page_of
from shared.persistence import get_or_404


class SubmissionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    answers: dict[str, int] = Field(description="Item code -> Likert answer 1-5", max_length=100)


class ItemOut(BaseModel):
    code: str
    text: str
    text_en: str
    required: bool


class EvaluationOut(BaseModel):
    evaluation_id: str
    enrolment_id: str
    program_code: str
    program_title: str | None
    nip: str
    unit_code: str
    level: int
    evaluator_nip: str
    status: str
    due_on: date
    questionnaire: str
    items: list[ItemOut]
    score: float | None
    outcome: str | None
    submitted_at: datetime | None


def _evaluation(e: EvaluationDocument) -> EvaluationOut:
    items = [
        ItemOut(code=i.code, text=i.text_id, text_en=i.text_en, required=i.required) for i in domain.REACTION_V1.items
    ]
    return EvaluationOut(
        evaluation_id=e.id,
        enrolment_id=e.enrolment_id,
        program_code=e.program_code,
        program_title=e.program_title,
        nip=e.nip,
        unit_code=e.unit_code,
        level=e.level,
        evaluator_nip=e.evaluator_nip,
        status=e.status,
        due_on=e.due_on,
        questionnaire=f"{e.questionnaire}.v{e.questionnaire_version}",
        items=items,
        score=e.score,
        outcome=e.outcome,
        submitted_at=e.submitted_at,
    )


def _visible(e: EvaluationDocument, who: Principal) -> bool:
    return who.nip in (e.nip, e.evaluator_nip, e.supervisor_nip) or who.has_any(Role.BKPSDM_ADMIN)


def build_router(service: EvaluationService) -> APIRouter:
    router = APIRouter(tags=["evaluations"])

    @router.get("/evaluations", summary="Evaluations for the caller to fill in (BKPSDM sees all)")
    def list_evaluations(
        who: CurrentPrincipal, page: Pagination, nip: str | None = None, status: str | None = None
    ) -> Page[EvaluationOut]:
        filters: dict[str, str] = {k: v for k, v in {"nip": nip, "status": status}.items() if v is not None}
        if not who.has_any(Role.BKPSDM_ADMIN):
            filters["evaluator_nip"] = who.nip
        return page_of(EvaluationDocument.objects(**filters).order_by("due_on", "id"), page, _evaluation)

    @router.get("/evaluations/{evaluation_id}")
    def get_evaluation(evaluation_id: str, who: CurrentPrincipal) -> EvaluationOut:
        evaluation = get_or_404(EvaluationDocument, evaluation_id, "Evaluasi", "Evaluation")
        if not _visible(evaluation, who):
            raise ApiError(
                403, "forbidden", "Anda tidak berhak melihat evaluasi ini.", "You may not see this evaluation."
            )
        return _evaluation(evaluation)

    @router.post("/evaluations/{evaluation_id}/submission", summary="Submit the answers (evaluator only)")
    def submit(evaluation_id: str, body: SubmissionIn, who: CurrentPrincipal) -> EvaluationOut:
        return _evaluation(service.submit(evaluation_id, body.answers, who))

    return router
