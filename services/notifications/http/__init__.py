"""HTTP API of the notifications service: each person's own inbox and preferences; for BKPSDM the
directory, webhook subscriptions, the delivery log with replay, the digest on demand and SIASN."""

from fastapi import APIRouter

from services.notifications.application.digests import Digests
from services.notifications.application.directory import People
from services.notifications.application.siasn import SiasnHistory
from services.notifications.application.webhooks import Webhooks
from services.notifications.http import directory, inbox, siasn, webhooks


def build_router(
    webhook_subscriptions: Webhooks, digests: Digests, siasn_history: SiasnHistory, people: People
) -> APIRouter:
    router = APIRouter()
    router.include_router(inbox.build_router(people))
    router.include_router(directory.build_router(people))
    router.include_router(webhooks.build_router(webhook_subscriptions, digests))
    router.include_router(siasn.build_router(siasn_history))
    return router
