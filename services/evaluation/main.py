"""Composition root of the evaluation service: ``uvicorn services.evaluation.main:create_app --factory``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import FastAPI

from services.evaluation import analytics, domain
from services.evaluation.api import build_router
from services.evaluation.application import EvaluationService
from services.evaluation.assignments import assignments_router
from services.evaluation.documents import ALL_DOCUMENTS, EvaluationDocument
from services.evaluation.privacy import data_kinds
from services.evaluation.settings import EvaluationSettings
from shared.audit.api import privacy_router
from shared.audit.settings import PrivacySettings
from shared.audit.subjects import PersonalData
from shared.clock import today_in_medan
from shared.events import EVALUATION_DUE, EVALUATION_ESCALATED, EVALUATION_SUBMITTED, PROGRAM_COMPLETED
from shared.messaging.consumer import EventConsumer
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)


def reminder_job(service: EvaluationService, interval_s: float) -> Callable[[], Coroutine[Any, Any, None]]:
    async def run() -> None:
        while True:
            # Waits first, so a starting process does not race its own start-up (or a test's data).
            await asyncio.sleep(interval_s)
            try:
                await asyncio.to_thread(service.send_reminders, today_in_medan())
            except Exception:
                log.exception("reminder round failed; next round in %s s", interval_s)

    return run


def create_app(settings: EvaluationSettings | None = None) -> FastAPI:
    s = settings or EvaluationSettings()
    privacy = PersonalData("evaluation", data_kinds(), PrivacySettings())
    runtime = ServiceRuntime(
        s,
        produces=[EVALUATION_SUBMITTED, EVALUATION_DUE, EVALUATION_ESCALATED, privacy.contract],
        documents=[*ALL_DOCUMENTS, privacy.receipts],
        outbox_documents=[EvaluationDocument, privacy.receipts],
    )
    privacy.attach(runtime)
    service = EvaluationService(
        thresholds=domain.Thresholds(
            satisfied=s.reaction_satisfied_threshold,
            applied=s.behaviour_applied_threshold,
            high_gain=s.learning_high_gain,
            medium_gain=s.learning_medium_gain,
        ),
        schedule=domain.Schedule(
            reaction_due_days=s.reaction_due_days,
            behaviour_opens_days=s.behaviour_opens_days,
            behaviour_due_days=s.behaviour_due_days,
            results_opens_days=s.results_opens_days,
            results_due_days=s.results_due_days,
        ),
        bars=analytics.Bars(
            satisfaction=s.bar_satisfaction,
            normalised_gain=s.bar_normalised_gain,
            transfer_rate=s.bar_transfer_rate,
            change_pct=s.bar_change_pct,
            min_responses=s.bar_min_responses,
        ),
        notify=runtime.relay.notify,
    )
    runtime.subscribe(EventConsumer(PROGRAM_COMPLETED, "open-evaluations", service.on_program_completed))
    return runtime.create_app(
        title="BKPSDM Medan — Evaluation",
        description="Kirkpatrick levels 1-4 opened on completion, monitoring, reminders, analytics and reports.",
        routers=[build_router(service), assignments_router(service), privacy_router(privacy)],
        on_startup=privacy.on_startup,
        background=[
            *([reminder_job(service, s.reminders_interval_s)] if s.reminders_enabled else []),
            *privacy.background(),
        ],
    )
