"""Webhook subscriptions (other systems told of every event) and the delivery log, where BKPSDM replays
a dead delivery once the receiver is back."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.http.me import PAGE_SIZE, pager
from services.console.http.web import api_for, checked_form, offset_of, person_of, query_of, redirect, render
from shared.events import ALL_CONTRACTS

DELIVERY_STATES = ("dead", "pending", "delivered")
# The contracts' CloudEvents types (shared/events): what a system may subscribe to.
EVENT_TYPES = tuple(c.type for c in ALL_CONTRACTS)


def build_router() -> APIRouter:
    router = APIRouter()

    async def page(request: Request, created: dict[str, object] | None = None) -> Response:
        api = api_for(request)
        status = request.query_params.get("status", "dead")
        filters = {"status": status if status in DELIVERY_STATES else "dead"} | query_of(request, "channel")
        subscriptions, deliveries = await asyncio.gather(
            api.get("notifications", "/webhooks", limit=100),
            api.get("notifications", "/deliveries", limit=PAGE_SIZE, offset=offset_of(request), **filters),
        )
        return render(
            request,
            "webhooks.html",
            subscriptions=subscriptions["items"],
            deliveries=deliveries["items"],
            pager=pager(deliveries),
            filters=filters,
            states=DELIVERY_STATES,
            created=created,
            event_types=EVENT_TYPES,
        )

    @router.get("/bkpsdm/webhooks")
    async def webhooks(request: Request) -> Response:
        person_of(request)
        return await page(request)

    @router.post("/bkpsdm/webhooks")
    async def subscribe(request: Request) -> Response:
        person_of(request)
        form = await checked_form(request)
        body = {
            "url": form.get("url"),
            "event_types": form.all("event_types"),
            "description": form.get("description") or None,
        }
        created = await api_for(request).post("notifications", "/webhooks", body)
        # The secret is shown this once (the service keeps no readable copy): a page, not a redirect.
        return await page(request, created)

    @router.post("/bkpsdm/webhooks/{subscription_id}/end")
    async def end(request: Request, subscription_id: str) -> Response:
        person_of(request, "/bkpsdm/webhooks")
        await checked_form(request)
        await api_for(request).call("notifications", "DELETE", f"/webhooks/{subscription_id}")
        return redirect(request, "/bkpsdm/webhooks?done=saved")

    @router.post("/bkpsdm/deliveries/{delivery_id}/replay")
    async def replay(request: Request, delivery_id: str) -> Response:
        person_of(request, "/bkpsdm/webhooks")
        await checked_form(request)
        await api_for(request).post("notifications", f"/deliveries/{delivery_id}/replay")
        return redirect(request, "/bkpsdm/webhooks?status=pending&done=saved")

    return router
