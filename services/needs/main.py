"""Composition root of the needs service: ``uvicorn services.needs.main:create_app --factory``."""

from __future__ import annotations

import asyncio
import logging
from datetime import date

from fastapi import FastAPI

from services.needs.application import NeedsRules, NeedsService, seed_standard_competencies
from services.needs.bulk import Jobs
from services.needs.documents import ALL_DOCUMENTS, NeedDocument
from services.needs.http import build_router
from services.needs.privacy import DOCUMENTS as PRIVACY_DOCUMENTS
from services.needs.privacy import PrivacyRequestDocument, PrivacyRequests, data_kinds, requests_router
from services.needs.settings import NeedsSettings
from shared.audit.api import privacy_router
from shared.audit.settings import PrivacySettings
from shared.audit.subjects import PersonalData
from shared.events import (
    DATA_SUBJECT_REQUESTED,
    EVALUATION_SUBMITTED,
    NEED_IDENTIFIED,
    NEED_RESOLVED,
    PROGRAM_COMPLETED,
)
from shared.messaging.consumer import EventConsumer
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)


def create_app(settings: NeedsSettings | None = None) -> FastAPI:
    settings = settings or NeedsSettings()
    privacy = PersonalData("needs", data_kinds(), PrivacySettings())
    runtime = ServiceRuntime(
        settings,
        produces=[NEED_IDENTIFIED, NEED_RESOLVED, DATA_SUBJECT_REQUESTED, privacy.contract],
        documents=[*ALL_DOCUMENTS, *PRIVACY_DOCUMENTS, privacy.receipts],
        outbox_documents=[NeedDocument, PrivacyRequestDocument, privacy.receipts],
    )
    privacy.attach(runtime)
    requests = PrivacyRequests(runtime)
    rules = NeedsRules(
        priority=settings.rules(),
        jp_rules=settings.jp_rules(),
        skm=settings.skm_policy(),
        priority_announce_delta=settings.priority_announce_delta,
    )
    service = NeedsService(rules=rules, notify=runtime.relay.notify)
    jobs = Jobs()
    runtime.subscribe(EventConsumer(PROGRAM_COMPLETED, "jp-ledger", service.on_program_completed))
    runtime.subscribe(EventConsumer(EVALUATION_SUBMITTED, "follow-ups", service.on_evaluation_submitted))

    async def jp_check() -> None:
        """From the configured day on, raise JP needs periodically (idempotent, so repeats are cheap)."""
        while True:
            today = date.today()
            if today >= settings.jp_check_starts(today.year):
                try:
                    counts = await asyncio.to_thread(service.check_jp, today.year)
                    log.info("JP check done", extra={"fields": counts | {"fiscal_year": today.year}})
                except Exception:
                    log.exception("JP check failed; retrying at the next interval")
            await asyncio.sleep(settings.jp_check_interval_s)

    return runtime.create_app(
        title="BKPSDM Medan — Needs",
        description="Competency standards, assessments and training needs of Medan's civil servants.",
        routers=[
            build_router(
                service,
                jobs,
                max_import_bytes=settings.max_import_mb * 1_000_000,
                import_limits=settings.import_limits(),
            ),
            privacy_router(privacy),
            requests_router(requests),
        ],
        on_startup=[seed_standard_competencies, Jobs.mark_interrupted, *privacy.on_startup],
        background=[*([jp_check] if settings.jp_check_enabled else []), *privacy.background()],
    )
