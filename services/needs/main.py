"""Composition root of the needs service: ``uvicorn services.needs.main:create_app --factory``."""

from __future__ import annotations

from fastapi import FastAPI

from services.needs.application import figures
from services.needs.application.jp_check import JpCheck
from services.needs.application.master_data import seed_standard_competencies
from services.needs.application.need_counts import NeedCounts
from services.needs.application.needs import NeedsRules, NeedsService
from services.needs.application.privacy import PrivacyRequests
from services.needs.application.reference import Reference
from services.needs.bulk import Jobs
from services.needs.documents import ALL_DOCUMENTS, NeedDocument, PrivacyRequestDocument
from services.needs.http import build_router
from services.needs.privacy import data_kinds
from services.needs.settings import NeedsSettings
from shared.audit.settings import PrivacySettings
from shared.events import (
    DATA_SUBJECT_REQUEST_HANDLED,
    DATA_SUBJECT_REQUESTED,
    EVALUATION_SUBMITTED,
    NEED_IDENTIFIED,
    NEED_RESOLVED,
    PROGRAM_COMPLETED,
)
from shared.messaging.consumer import EventConsumer
from shared.pacing import Paced
from shared.runtime import ServiceRuntime


def create_app(settings: NeedsSettings | None = None, privacy: PrivacySettings | None = None) -> FastAPI:
    """Settings are read from the environment unless given (tests, operator scripts)."""
    settings = settings or NeedsSettings()
    runtime = ServiceRuntime(
        settings,
        produces=[NEED_IDENTIFIED, NEED_RESOLVED, DATA_SUBJECT_REQUESTED],
        documents=ALL_DOCUMENTS,
        outbox_documents=[NeedDocument, PrivacyRequestDocument],
        personal_data=data_kinds(),
        privacy=privacy,
    )
    # Personal data (UU 27/2022): every service answers each data-subject request on its own records.
    runtime.subscribe(EventConsumer(DATA_SUBJECT_REQUESTED, "privacy-requests", runtime.personal_data.on_requested))
    requests = PrivacyRequests(notify=runtime.relay.notify)
    rules = NeedsRules(
        priority=settings.rules(),
        jp_rules=settings.jp_rules(),
        skm=settings.skm_policy(),
        priority_announce_delta=settings.priority_announce_delta,
    )
    counts = NeedCounts()
    service = NeedsService(
        rules=rules, notify=runtime.relay.notify, reference=Reference(runtime.reference), touched=counts.touched
    )
    jobs = Jobs()
    runtime.subscribe(EventConsumer(PROGRAM_COMPLETED, "jp-ledger", service.on_program_completed))
    runtime.subscribe(EventConsumer(EVALUATION_SUBMITTED, "follow-ups", service.on_evaluation_submitted))
    for answering, contract in DATA_SUBJECT_REQUEST_HANDLED.items():
        runtime.subscribe(EventConsumer(contract, f"privacy-answers-{answering}", requests.on_handled))

    runtime.kpis(figures.KPIS, lambda: figures.kpis(rules.jp_rules, counts))
    if settings.jp_check_enabled:
        jp = JpCheck(service, starts=settings.jp_check_starts, interval_s=settings.jp_check_interval_s)
        runtime.every(jp.wait_s, jp.run, name="jp-check", at_start=True)

    settle = Paced(
        lambda: counts.settle(budget_s=settings.need_counts_round_s),
        interval_s=settings.need_counts_interval_s,
        max_share=settings.need_counts_max_share,
        what="need recount",
    )
    runtime.every(settle.wait_s, settle.run, name="need-counts")
    runtime.every(settings.need_counts_sweep_s, counts.sweep, name="need-counts-sweep")

    return runtime.create_app(
        title="BKPSDM Medan — Needs",
        description="Competency standards, assessments and training needs of Medan's civil servants.",
        routers=[
            build_router(
                service,
                counts,
                jobs,
                requests,
                max_import_bytes=settings.max_import_mb * 1_000_000,
                import_limits=settings.import_limits(),
                skm_public_per_minute=settings.skm_public_per_minute,
                assessments_bulk_max=settings.assessments_bulk_max,
            ),
        ],
        on_startup=[seed_standard_competencies, Jobs.mark_interrupted, counts.backfill],
    )
