"""HTTP API of the notifications service: each person's own inbox and preferences; for BKPSDM the
directory, webhook subscriptions, the delivery log with replay, and the digest on demand."""

from fastapi import APIRouter

from services.notifications.application.digests import Digests
from services.notifications.application.webhooks import Webhooks
from services.notifications.http import directory, inbox, webhooks


def build_router(webhook_subscriptions: Webhooks, digests: Digests) -> APIRouter:
    router = APIRouter()
    router.include_router(inbox.build_router())
    router.include_router(directory.build_router())
    router.include_router(webhooks.build_router(webhook_subscriptions, digests))
    return router
