"""Composition root of the notifications service: ``uvicorn services.notifications.main:create_app --factory``."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from services.notifications import domain, templates
from services.notifications.application.digests import Digests
from services.notifications.application.directory import People
from services.notifications.application.learning_records import LearningRecords
from services.notifications.application.notices import Notices
from services.notifications.application.siasn import SiasnHistory
from services.notifications.application.webhooks import Webhooks
from services.notifications.delivery import (
    Dispatcher,
    DispatchMetrics,
    Sender,
    email_sender,
    webhook_sender,
    xapi_sender,
)
from services.notifications.documents import ALL_DOCUMENTS
from services.notifications.http import build_routers
from services.notifications.privacy import data_kinds
from services.notifications.settings import NotificationsSettings
from shared.audit.settings import PrivacySettings
from shared.domain import clock
from shared.events import (
    ADOPTION_ITEM_OPENED,
    CERTIFICATE_REVOKED,
    DATA_SUBJECT_REQUESTED,
    ENROLMENT_CHANGED,
    EVALUATION_DUE,
    EVALUATION_ESCALATED,
    EVALUATION_SUBMITTED,
    NEED_IDENTIFIED,
    NEED_RESOLVED,
    PROGRAM_COMPLETED,
    REMEDY_ACTION_OPENED,
    DataSubjectRequested,
    EventContext,
)
from shared.interop.lrs import LrsClient
from shared.interop.settings import SiasnSettings, XapiSettings
from shared.messaging.consumer import EventConsumer
from shared.runtime import ServiceRuntime

log = logging.getLogger(__name__)


def dispatcher_job(
    dispatcher: Dispatcher, settings: NotificationsSettings, xapi: XapiSettings
) -> Callable[[], Coroutine[Any, Any, None]]:
    async def run() -> None:
        # Each channel's blocking work on threads of its own, as many as it may have in flight: a hung
        # mail server then never takes the default pool that the consumers' handlers run on.
        pools = {
            c: ThreadPoolExecutor(settings.dispatch_concurrency, f"send-{c}") for c in (domain.EMAIL, domain.WEBHOOK)
        }
        try:
            async with contextlib.AsyncExitStack() as stack:
                # No redirects followed: a subscriber's URL is where the event goes, nowhere else.
                client = await stack.enter_async_context(
                    httpx.AsyncClient(timeout=settings.webhook_timeout_s, follow_redirects=False)
                )
                senders: dict[str, Sender] = {
                    domain.EMAIL: email_sender(settings, pools[domain.EMAIL]),
                    domain.WEBHOOK: webhook_sender(client, pools[domain.WEBHOOK], settings.webhook_destinations()),
                }
                if xapi.xapi_enabled:
                    lrs = LrsClient(
                        xapi.xapi_lrs_endpoint,
                        xapi.xapi_lrs_username,
                        xapi.xapi_lrs_password.get_secret_value(),
                        timeout_s=xapi.xapi_timeout_s,
                    )
                    senders[domain.XAPI] = xapi_sender(await stack.enter_async_context(lrs))
                await dispatcher.run(senders)
        finally:
            # Sends cut off here were claimed; their lease expires and they are sent again.
            for pool in pools.values():
                pool.shutdown(wait=False, cancel_futures=True)

    return run


def create_app(
    settings: NotificationsSettings | None = None,
    privacy: PrivacySettings | None = None,
    xapi: XapiSettings | None = None,
    siasn: SiasnSettings | None = None,
) -> FastAPI:
    """Settings are read from the environment unless given (tests, operator scripts)."""
    s = settings or NotificationsSettings()
    xapi = xapi or XapiSettings()
    siasn = siasn or SiasnSettings()
    runtime = ServiceRuntime(
        s,
        produces=[],
        documents=ALL_DOCUMENTS,
        outbox_documents=[],
        personal_data=data_kinds(),
        privacy=privacy,
    )
    people = People(runtime.reference)

    def on_privacy_request(request: DataSubjectRequested, ctx: EventContext) -> None:
        runtime.personal_data.on_requested(request, ctx)
        # An erased or rectified entry is not routed to from the cache (an erased e-mail address, for one).
        people.changed()

    # Personal data (UU 27/2022): every service answers each data-subject request on its own records.
    runtime.subscribe(EventConsumer(DATA_SUBJECT_REQUESTED, "privacy-requests", on_privacy_request))
    dispatcher = Dispatcher(
        policy=domain.RetryPolicy(s.delivery_max_attempts, s.delivery_backoff_s, s.delivery_backoff_max_s),
        interval_s=s.dispatch_interval_s,
        batch_size=s.dispatch_batch_size,
        concurrency=s.dispatch_concurrency,
        # Longer than any one attempt on any channel (see delivery_lease_s).
        lease=timedelta(seconds=max(s.delivery_lease_s, 10 * xapi.xapi_timeout_s + 30)),
        metrics=DispatchMetrics(runtime.registry),
    )
    webhooks = Webhooks(
        wake_dispatcher=dispatcher.notify,
        require_https=s.environment == "production",
        destinations=s.webhook_destinations(),
        cache=runtime.reference,
    )
    service = Notices(wake_dispatcher=dispatcher.notify, people=people, subscribers=webhooks.subscribers)
    digests = Digests(wake_dispatcher=dispatcher.notify)
    runtime.subscribe(EventConsumer(NEED_IDENTIFIED, "inbox-needs", service.need_handler()))
    # These and inbox-needs keep the groups (and so the committed offsets) they had when they fed the inbox alone.
    for contract, name, render in (
        (ENROLMENT_CHANGED, "inbox-enrolments", templates.enrolment_changed),
        (PROGRAM_COMPLETED, "inbox-completions", templates.program_completed),
        (CERTIFICATE_REVOKED, "inbox-certificate-revocations", templates.certificate_revoked),
        (EVALUATION_SUBMITTED, "inbox-evaluations", templates.evaluation_submitted),
        (EVALUATION_DUE, "notify-evaluation-due", templates.evaluation_due),
        (EVALUATION_ESCALATED, "notify-escalations", templates.evaluation_escalated),
        (NEED_RESOLVED, "webhooks-need-resolved", templates.need_resolved),
        (REMEDY_ACTION_OPENED, "notify-remedy-actions", templates.remedy_action_opened),
        (ADOPTION_ITEM_OPENED, "notify-adoption-items", templates.adoption_item_opened),
    ):
        runtime.subscribe(EventConsumer(contract, name, service.handler(render)))
    if xapi.xapi_enabled:
        # Groups of their own: the LRS's record does not share offsets (or a stall) with the inbox.
        records = LearningRecords(
            profile=xapi.profile(), lrs_endpoint=xapi.xapi_lrs_endpoint, wake_dispatcher=dispatcher.notify
        )
        for contract, name in (
            (PROGRAM_COMPLETED, "xapi-completions"),
            (ENROLMENT_CHANGED, "xapi-enrolments"),
            (EVALUATION_SUBMITTED, "xapi-evaluations"),
        ):
            runtime.subscribe(EventConsumer(contract, name, records.handler()))
    # Every completion is kept as a SIASN entry, for the export even while the sync is off.
    history = SiasnHistory(siasn, registry=runtime.registry)
    runtime.subscribe(EventConsumer(PROGRAM_COMPLETED, "siasn-completions", history.on_completed))
    if siasn.siasn_enabled:
        runtime.every(siasn.siasn_sync_interval_s, history.sync_round, name="siasn-sync", at_start=True)
    if s.digest_enabled:
        # Daily at the hour in Medan; a failed round leaves its entries for the next day's digest.
        runtime.every(
            lambda: clock.seconds_until(s.digest_hour, clock.now()),
            lambda: digests.run_digests(clock.today()),
            name="digest",
        )
    return runtime.create_app(
        title="BKPSDM Medan — Notifications",
        description="Tells employees, supervisors, unit heads and BKPSDM what happened and what to do, in their "
        "language, in the inbox and by e-mail (or a daily digest), and pushes every event to subscribed systems "
        "as signed webhooks; sends learning records to an LRS (xAPI) and training history to SIASN.",
        routers=build_routers(webhooks, digests, history, people),
        background=[dispatcher_job(dispatcher, s, xapi)] if s.dispatch_enabled else [],
    )
