"""HTTP API of the evaluation service: translate requests into use cases, documents into responses."""

from fastapi import APIRouter

from services.evaluation.application.actions import RemedyActions
from services.evaluation.application.adoption import Adoption
from services.evaluation.application.evaluations import Evaluations
from services.evaluation.application.figures import Figures
from services.evaluation.application.reminders import Reminders
from services.evaluation.http import actions, adoption, evaluations, monitoring, reports


def build_router(
    service: Evaluations, figures: Figures, reminders: Reminders, remedies: RemedyActions, adoptions: Adoption
) -> APIRouter:
    router = APIRouter()
    router.include_router(evaluations.build_router(service))
    router.include_router(monitoring.build_router(figures, reminders))
    router.include_router(reports.build_router(figures))
    router.include_router(actions.build_router(remedies))
    router.include_router(adoption.build_router(adoptions))
    return router
