"""HTTP API of the notifications service: each person's own inbox and preferences; for BKPSDM the
directory, webhook subscriptions, the delivery log with replay, the digest on demand and SIASN."""

from fastapi import APIRouter

from services.notifications.application.digests import Digests
from services.notifications.application.directory import People
from services.notifications.application.siasn import SiasnHistory
from services.notifications.application.webhooks import Webhooks
from services.notifications.http import directory, inbox, siasn, webhooks


def build_routers(
    webhook_subscriptions: Webhooks, digests: Digests, siasn_history: SiasnHistory, people: People
) -> list[APIRouter]:
    # Each included by the app itself: FastAPI 0.165 matches an included router level by level, and a
    # router of routers cost 60-100 us a request more than its routers included one level down.
    return [
        inbox.build_router(people),
        directory.build_router(people),
        webhooks.build_router(webhook_subscriptions, digests),
        siasn.build_router(siasn_history),
    ]
