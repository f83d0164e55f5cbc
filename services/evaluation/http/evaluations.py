"""Evaluations: the questionnaires, the caller's evaluations, answering one, naming another evaluator."""

from __future__ import annotations

from fastapi import APIRouter
from mongoengine import Q

from services.evaluation import domain
from services.evaluation.application.actions import earlier_actions
from services.evaluation.application.evaluations import Evaluations
from services.evaluation.documents import EvaluationDocument, IndicatorEntry
from services.evaluation.http.actions import action_out
from services.evaluation.http.schemas import (
    EvaluationOut,
    EvaluatorIn,
    QuestionnaireOut,
    ReassignedOut,
    SubmissionIn,
    evaluation_out,
    items_of,
)
from services.evaluation.http.scopes import visible_to
from shared.domain import clock
from shared.domain.identity import Role
from shared.http.access import Admin, Staff
from shared.http.auth import CurrentPrincipal
from shared.http.errors import ApiError
from shared.http.pagination import Page, Pagination, page_of
from shared.persistence import get_or_not_found


def with_earlier_actions(e: EvaluationDocument) -> EvaluationOut:
    """One evaluation; at level 3 with the actions earlier level 3s of the person opened, done or not."""
    today = clock.today()
    out = evaluation_out(e, today)
    if e.level == domain.Level.BEHAVIOUR:
        out.earlier_actions = [action_out(a, today) for a in earlier_actions(e)]
    return out


def build_router(service: Evaluations) -> APIRouter:
    router = APIRouter(tags=["evaluations"])

    @router.get("/questionnaires", summary="The versioned questionnaires, per Kirkpatrick level")
    def list_questionnaires(_: CurrentPrincipal) -> list[QuestionnaireOut]:
        return [
            QuestionnaireOut(
                questionnaire=q.key, level=int(q.level), current=domain.CURRENT[q.level] is q, items=items_of(q)
            )
            for q in domain.QUESTIONNAIRES.values()
        ]

    @router.get("/evaluations", summary="Evaluations for the caller to fill in (BKPSDM sees all)")
    def list_evaluations(
        who: Staff, page: Pagination, nip: str | None = None, status: str | None = None
    ) -> Page[EvaluationOut]:
        filters: dict[str, str] = {k: v for k, v in {"nip": nip, "status": status}.items() if v is not None}
        query = EvaluationDocument.objects(**filters)
        if not who.has_any(Role.BKPSDM_ADMIN):
            mine = Q(evaluator_nip=who.nip)
            if who.has_any(Role.UNIT_HEAD) and who.unit_code:
                mine |= Q(evaluator_role="unit", unit_code=who.unit_code)
                # Standing in for a supervisor not on record (as application.evaluations.may_submit allows).
                mine |= Q(evaluator_role="supervisor", evaluator_nip=None, unit_code=who.unit_code)
            query = query.filter(mine)
        today = clock.today()
        return page_of(query.order_by("due_on", "id"), page, lambda e: evaluation_out(e, today))

    @router.get("/evaluations/{evaluation_id}")
    def get_evaluation(evaluation_id: str, who: Staff) -> EvaluationOut:
        evaluation = get_or_not_found(EvaluationDocument, evaluation_id, "Evaluasi", "Evaluation")
        if not visible_to(evaluation, who):
            raise ApiError(
                403, "forbidden", "Anda tidak berhak melihat evaluasi ini.", "You may not see this evaluation."
            )
        return with_earlier_actions(evaluation)

    @router.post("/evaluations/{evaluation_id}/submission", summary="Submit the answers (the evaluator only)")
    def submit(evaluation_id: str, body: SubmissionIn, who: Staff) -> EvaluationOut:
        indicators = [IndicatorEntry(**i.model_dump()) for i in body.indicators]
        return with_earlier_actions(service.submit(evaluation_id, body.answers, indicators, who))

    @router.put(
        "/evaluations/{evaluation_id}/evaluator",
        summary="Give an open level-3 evaluation to another supervisor (BKPSDM); recorded in its history",
    )
    def reassign(evaluation_id: str, body: EvaluatorIn, who: Admin) -> ReassignedOut:
        return ReassignedOut.of(service.reassign(evaluation_id, body.evaluator_nip, body.reason, who))

    return router
