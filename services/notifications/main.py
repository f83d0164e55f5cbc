"""Composition root of the notifications service: ``uvicorn services.notifications.main:create_app --factory``."""

from __future__ import annotations

from fastapi import FastAPI

from services.notifications import templates
from services.notifications.api import build_router
from services.notifications.application import deliver
from services.notifications.documents import ALL_DOCUMENTS
from services.notifications.settings import NotificationsSettings
from shared.events import ENROLMENT_CHANGED, EVALUATION_SUBMITTED, NEED_IDENTIFIED, PROGRAM_COMPLETED
from shared.messaging.consumer import EventConsumer
from shared.runtime import ServiceRuntime


def create_app(settings: NotificationsSettings | None = None) -> FastAPI:
    settings = settings or NotificationsSettings()
    runtime = ServiceRuntime(settings, produces=[], documents=ALL_DOCUMENTS, outbox_documents=[])
    runtime.subscribe(EventConsumer(NEED_IDENTIFIED, "inbox-needs", deliver(templates.need_identified)))
    runtime.subscribe(EventConsumer(ENROLMENT_CHANGED, "inbox-enrolments", deliver(templates.enrolment_changed)))
    runtime.subscribe(EventConsumer(PROGRAM_COMPLETED, "inbox-completions", deliver(templates.program_completed)))
    runtime.subscribe(EventConsumer(EVALUATION_SUBMITTED, "inbox-evaluations", deliver(templates.evaluation_submitted)))
    return runtime.create_app(
        title="BKPSDM Medan — Notifications",
        description="In-app inbox of what concerns each employee, supervisor, unit head and BKPSDM.",
        routers=[build_router()],
    )
