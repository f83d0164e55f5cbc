"""Composition root of the needs service: ``uvicorn services.needs.main:create_app --factory``."""

from __future__ import annotations

from fastapi import FastAPI

from services.needs import domain
from services.needs.api import build_router
from services.needs.application import NeedsService, seed_standard_competencies
from services.needs.documents import ALL_DOCUMENTS, NeedDocument
from services.needs.settings import NeedsSettings
from shared.events import NEED_IDENTIFIED
from shared.runtime import ServiceRuntime


def create_app(settings: NeedsSettings | None = None) -> FastAPI:
    settings = settings or NeedsSettings()
    runtime = ServiceRuntime(
        settings, produces=[NEED_IDENTIFIED], documents=ALL_DOCUMENTS, outbox_documents=[NeedDocument]
    )
    service = NeedsService(
        policy=domain.PriorityPolicy(front_line_factor=settings.priority_front_line_factor),
        notify=runtime.relay.notify,
    )
    return runtime.create_app(
        title="BKPSDM Medan — Needs",
        description="Competency standards, assessments and training needs of Medan's civil servants.",
        routers=[build_router(service)],
        on_startup=[seed_standard_competencies],
    )
