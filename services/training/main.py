"""Composition root of the training service: ``uvicorn services.training.main:create_app --factory``."""

from __future__ import annotations

from fastapi import FastAPI

from services.training import planner
from services.training.api import build_router
from services.training.application import Enrolments, Planning
from services.training.documents import ALL_DOCUMENTS, EnrolmentDocument
from services.training.privacy import data_kinds
from services.training.settings import TrainingSettings
from shared.audit.api import privacy_router
from shared.audit.settings import PrivacySettings
from shared.audit.subjects import PersonalData
from shared.events import ENROLMENT_CHANGED, NEED_IDENTIFIED, NEED_RESOLVED, PROGRAM_COMPLETED
from shared.messaging.consumer import EventConsumer
from shared.runtime import ServiceRuntime


def create_app(settings: TrainingSettings | None = None) -> FastAPI:
    settings = settings or TrainingSettings()
    privacy = PersonalData("training", data_kinds(), PrivacySettings())
    runtime = ServiceRuntime(
        settings,
        produces=[ENROLMENT_CHANGED, PROGRAM_COMPLETED, privacy.contract],
        documents=[*ALL_DOCUMENTS, privacy.receipts],
        outbox_documents=[EnrolmentDocument, privacy.receipts],
    )
    privacy.attach(runtime)
    planning = Planning(
        notify=runtime.relay.notify,
        policy=planner.Policy(unit_share=settings.planner_unit_share),
        as_of=settings.plan_date,
    )
    enrolments = Enrolments(notify=runtime.relay.notify, replan=planning.request)
    runtime.subscribe(EventConsumer(NEED_IDENTIFIED, "place-needs", planning.on_need_identified))
    runtime.subscribe(EventConsumer(NEED_RESOLVED, "drop-resolved-needs", planning.on_need_resolved))

    async def plan_requested() -> None:
        await planning.run_requested(settings.planner_debounce_s, settings.planner_retry_s)

    return runtime.create_app(
        title="BKPSDM Medan — Training",
        description="Programme catalogue, partner curricula, the phased implementation plan (phases, batches, "
        "placement of needs), seats, attendance and completion.",
        routers=[build_router(planning, enrolments), privacy_router(privacy)],
        on_startup=privacy.on_startup,
        background=[plan_requested] if settings.planner_enabled else [],
    )
