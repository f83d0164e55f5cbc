"""For BKPSDM: webhook subscriptions of other systems, the delivery log with replay, the digest on demand."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter

from services.notifications.application.digests import Digests
from services.notifications.application.webhooks import Webhooks
from services.notifications.documents import DeliveryDocument, WebhookSubscriptionDocument
from services.notifications.http.schemas import (
    DeliveryOut,
    DigestRunOut,
    WebhookCreated,
    WebhookIn,
    WebhookOut,
    delivery_out,
)
from shared.domain import clock
from shared.http.access import Admin
from shared.http.bounds import PlanningDate
from shared.http.pagination import Page, Pagination, page_of
from shared.persistence import get_or_not_found


def build_router(webhooks: Webhooks, digests: Digests) -> APIRouter:
    router = APIRouter(tags=["webhooks and deliveries"])

    @router.post("/webhooks", status_code=201, summary="Subscribe another system to event types")
    def create_webhook(body: WebhookIn, who: Admin) -> WebhookCreated:
        sub = webhooks.subscribe(
            url=body.url, event_types=body.event_types, description=body.description, secret=body.secret, by=who.nip
        )
        return WebhookCreated.of(sub)

    @router.get("/webhooks")
    def list_webhooks(_: Admin, page: Pagination) -> Page[WebhookOut]:
        return page_of(WebhookSubscriptionDocument.objects.order_by("created_at"), page, WebhookOut.of)

    @router.delete("/webhooks/{subscription_id}", summary="End a subscription; its pending deliveries are dropped")
    def delete_webhook(subscription_id: str, _: Admin) -> WebhookOut:
        return WebhookOut.of(webhooks.end(subscription_id))

    @router.get("/deliveries", summary="The delivery log of e-mails, webhook calls and xAPI statements")
    def list_deliveries(
        _: Admin,
        page: Pagination,
        channel: Literal["email", "webhook", "xapi"] | None = None,
        status: Literal["pending", "delivered", "dead"] | None = None,
        subscription_id: str | None = None,
        event_id: str | None = None,
        recipient_nip: str | None = None,
    ) -> Page[DeliveryOut]:
        filters = {
            "channel": channel,
            "status": status,
            "subscription_id": subscription_id,
            "event_id": event_id,
            "recipient_nip": recipient_nip,
        }
        qs = DeliveryDocument.objects(**{k: v for k, v in filters.items() if v is not None})
        return page_of(qs.order_by("-created_at", "id"), page, delivery_out)

    @router.get("/deliveries/{delivery_id}", summary="One delivery with every attempt")
    def get_delivery(delivery_id: str, _: Admin) -> DeliveryOut:
        return delivery_out(get_or_not_found(DeliveryDocument, delivery_id, "Pengiriman", "Delivery"))

    @router.post("/deliveries/{delivery_id}/replay", summary="Try a dead delivery again, with a fresh retry budget")
    def replay(delivery_id: str, _: Admin) -> DeliveryOut:
        return delivery_out(webhooks.replay(delivery_id))

    @router.post("/digests/run", tags=["digest"], summary="Gather the daily digests now (the job runs daily)")
    def run_digests(_: Admin, day: PlanningDate | None = None) -> DigestRunOut:
        done = digests.run_digests(day or clock.today())
        return DigestRunOut(day=done.day, digests=done.digests, items=done.items)

    return router
