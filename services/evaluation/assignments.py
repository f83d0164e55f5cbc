"""HTTP route for BKPSDM to give an evaluation to another evaluator, kept apart from api.py so the
evaluation's answering routes stay as they are."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from services.evaluation.application import EvaluationService
from shared.http.access import Admin
from shared.http.schemas import DocumentView


class EvaluatorIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    evaluator_nip: str = Field(pattern=r"^\d{18}$", description="NIP of the new evaluator (the new supervisor)")
    reason: str = Field(min_length=3, max_length=500, description="Why, kept in the evaluation's history")


class HistoryOut(DocumentView):
    at: datetime
    by: str
    action: str
    from_nip: str | None
    to_nip: str | None
    reason: str


class ReassignedOut(DocumentView):
    evaluation_id: str = Field(validation_alias="id")
    evaluator_role: str
    evaluator_nip: str | None
    history: list[HistoryOut]


def assignments_router(service: EvaluationService) -> APIRouter:
    router = APIRouter(tags=["evaluations"])

    @router.put(
        "/evaluations/{evaluation_id}/evaluator",
        summary="Give an open level-3 evaluation to another supervisor (BKPSDM); recorded in its history",
    )
    def reassign(evaluation_id: str, body: EvaluatorIn, who: Admin) -> ReassignedOut:
        return ReassignedOut.of(service.reassign(evaluation_id, body.evaluator_nip, body.reason, who))

    return router
