"""Composition root of the evaluation service: ``uvicorn services.evaluation.main:create_app --factory``."""

from __future__ import annotations

from fastapi import FastAPI

from services.evaluation.api import build_router
from services.evaluation.application import EvaluationService
from services.evaluation.documents import ALL_DOCUMENTS, EvaluationDocument
from services.evaluation.settings import EvaluationSettings
from shared.events import EVALUATION_SUBMITTED, PROGRAM_COMPLETED
from shared.messaging.consumer import EventConsumer
from shared.runtime import ServiceRuntime


def create_app(settings: EvaluationSettings | None = None) -> FastAPI:
    settings = settings or EvaluationSettings()
    runtime = ServiceRuntime(
        settings, produces=[EVALUATION_SUBMITTED], documents=ALL_DOCUMENTS, outbox_documents=[EvaluationDocument]
    )
    service = EvaluationService(satisfied_threshold=settings.reaction_satisfied_threshold, notify=runtime.relay.notify)
    runtime.subscribe(EventConsumer(PROGRAM_COMPLETED, "open-evaluations", service.on_program_completed))
    return runtime.create_app(
        title="BKPSDM Medan — Evaluation",
        description="Evaluations of training effectiveness (Kirkpatrick levels), opened on completion.",
        routers=[build_router(service)],
    )
