"""HTTP API of the evaluation service: translate requests into use cases, documents into responses."""

from fastapi import APIRouter

from services.evaluation.application.actions import RemedyActions
from services.evaluation.application.adoption import Adoption
from services.evaluation.application.evaluations import Evaluations
from services.evaluation.application.figures import Figures
from services.evaluation.application.reminders import Reminders
from services.evaluation.http import actions, adoption, evaluations, monitoring, reports


def build_routers(
    service: Evaluations, figures: Figures, reminders: Reminders, remedies: RemedyActions, adoptions: Adoption
) -> list[APIRouter]:
    # Each included by the app itself: FastAPI 0.165 matches an included router level by level, and a
    # router of routers cost 60-100 us a request more than its routers included one level down.
    return [
        evaluations.build_router(service),
        monitoring.build_router(figures, reminders),
        reports.build_router(figures),
        actions.build_router(remedies),
        adoption.build_router(adoptions),
    ]
