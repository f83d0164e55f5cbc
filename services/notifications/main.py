"""Composition root of the notifications service: ``uvicorn services.notifications.main:create_app --factory``."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from services.notifications import domain, templates
from services.notifications.api import delivery_router, directory_router, inbox_router
from services.notifications.application import NotificationService
from services.notifications.delivery import Dispatcher, DispatchMetrics, email_sender, webhook_sender
from services.notifications.documents import ALL_DOCUMENTS
from services.notifications.privacy import data_kinds
from services.notifications.settings import NotificationsSettings
from shared.audit.api import privacy_router
from shared.audit.settings import PrivacySettings
from shared.audit.subjects import PersonalData
from shared.clock import WIB
from shared.events import (
    ENROLMENT_CHANGED,
    EVALUATION_DUE,
    EVALUATION_ESCALATED,
    EVALUATION_SUBMITTED,
    NEED_IDENTIFIED,
    NEED_RESOLVED,
    PROGRAM_COMPLETED,
)
from shared.messaging.consumer import EventConsumer
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)


def dispatcher_job(dispatcher: Dispatcher, settings: NotificationsSettings) -> Callable[[], Coroutine[Any, Any, None]]:
    async def run() -> None:
        # Each channel's blocking work on threads of its own, as many as it may have in flight: a hung
        # mail server then never takes the default pool that the consumers' handlers run on.
        pools = {
            c: ThreadPoolExecutor(settings.dispatch_concurrency, f"send-{c}") for c in (domain.EMAIL, domain.WEBHOOK)
        }
        try:
            # No redirects followed: a subscriber's URL is where the event goes, nowhere else.
            async with httpx.AsyncClient(timeout=settings.webhook_timeout_s, follow_redirects=False) as client:
                await dispatcher.run(
                    {
                        domain.EMAIL: email_sender(settings, pools[domain.EMAIL]),
                        domain.WEBHOOK: webhook_sender(client, pools[domain.WEBHOOK], settings.webhook_destinations()),
                    }
                )
        finally:
            # Sends cut off here were claimed; their lease expires and they are sent again.
            for pool in pools.values():
                pool.shutdown(wait=False, cancel_futures=True)

    return run


def seconds_until(hour: int, now: datetime) -> float:
    """Until the next ``hour``:00 in Medan."""
    local = now.astimezone(WIB)
    target = local.replace(hour=hour, minute=0, second=0, microsecond=0)
    if target <= local:
        target += timedelta(days=1)
    return (target - local).total_seconds()


def digest_job(service: NotificationService, hour: int) -> Callable[[], Coroutine[Any, Any, None]]:
    async def run() -> None:
        while True:
            await asyncio.sleep(seconds_until(hour, datetime.now(WIB)))
            try:
                await asyncio.to_thread(service.run_digests, datetime.now(WIB).date())
            except Exception:
                log.exception("digest round failed; the next one gathers what this one left")

    return run


def create_app(settings: NotificationsSettings | None = None) -> FastAPI:
    s = settings or NotificationsSettings()
    privacy = PersonalData("notifications", data_kinds(), PrivacySettings())
    runtime = ServiceRuntime(
        s,
        produces=[privacy.contract],
        documents=[*ALL_DOCUMENTS, privacy.receipts],
        outbox_documents=[privacy.receipts],
    )
    privacy.attach(runtime)
    dispatcher = Dispatcher(
        policy=domain.RetryPolicy(s.delivery_max_attempts, s.delivery_backoff_s, s.delivery_backoff_max_s),
        interval_s=s.dispatch_interval_s,
        batch_size=s.dispatch_batch_size,
        concurrency=s.dispatch_concurrency,
        lease=timedelta(seconds=s.delivery_lease_s),
        metrics=DispatchMetrics(runtime.registry),
    )
    service = NotificationService(wake_dispatcher=dispatcher.notify)
    runtime.subscribe(EventConsumer(NEED_IDENTIFIED, "inbox-needs", service.need_handler()))
    # These and inbox-needs keep the groups (and so the committed offsets) they had when they fed the inbox alone.
    for contract, name, render in (
        (ENROLMENT_CHANGED, "inbox-enrolments", templates.enrolment_changed),
        (PROGRAM_COMPLETED, "inbox-completions", templates.program_completed),
        (EVALUATION_SUBMITTED, "inbox-evaluations", templates.evaluation_submitted),
        (EVALUATION_DUE, "notify-evaluation-due", templates.evaluation_due),
        (EVALUATION_ESCALATED, "notify-escalations", templates.evaluation_escalated),
        (NEED_RESOLVED, "webhooks-need-resolved", templates.need_resolved),
    ):
        runtime.subscribe(EventConsumer(contract, name, service.handler(render)))
    background = [*([dispatcher_job(dispatcher, s)] if s.dispatch_enabled else []), *privacy.background()]
    if s.digest_enabled:
        background.append(digest_job(service, s.digest_hour))
    return runtime.create_app(
        title="BKPSDM Medan — Notifications",
        description="Tells employees, supervisors, unit heads and BKPSDM what happened and what to do, in their "
        "language, in the inbox and by e-mail (or a daily digest), and pushes every event to subscribed systems "
        "as signed webhooks.",
        routers=[
            inbox_router(),
            directory_router(),
            delivery_router(service, s.environment == "production", s.webhook_destinations()),
            privacy_router(privacy),
        ],
        on_startup=privacy.on_startup,
        background=background,
    )
