"""Composition root of the training service: ``uvicorn services.training.main:create_app --factory``."""

from __future__ import annotations

from fastapi import FastAPI

from services.training.api import build_router
from services.training.application import TrainingService
from services.training.documents import ALL_DOCUMENTS, EnrolmentDocument
from services.training.settings import TrainingSettings
from shared.events import NEED_IDENTIFIED, PROGRAM_COMPLETED
from shared.messaging.consumer import EventConsumer
from shared.runtime import ServiceRuntime


def create_app(settings: TrainingSettings | None = None) -> FastAPI:
    settings = settings or TrainingSettings()
    runtime = ServiceRuntime(
        settings, produces=[PROGRAM_COMPLETED], documents=ALL_DOCUMENTS, outbox_documents=[EnrolmentDocument]
    )
    service = TrainingService(notify=runtime.relay.notify)
    runtime.subscribe(EventConsumer(NEED_IDENTIFIED, "place-needs", service.on_need_identified))
    return runtime.create_app(
        title="BKPSDM Medan — Training",
        description="Programme catalogue, placement of needs into programmes, and completion.",
        routers=[build_router(service)],
    )
