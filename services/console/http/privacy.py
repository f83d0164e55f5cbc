"""Personal data (UU 27/2022): data subjects' requests recorded and followed service by service, and the
audit trail of who read or changed whose records, per service."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.api import SERVICES, Service
from services.console.http.me import PAGE_SIZE, pager
from services.console.http.web import api_for, checked_form, offset_of, person_of, query_of, redirect, render

KINDS = ("access", "rectification", "erasure")


def build_router() -> APIRouter:
    router = APIRouter()

    @router.get("/bkpsdm/privacy")
    async def privacy(request: Request) -> Response:
        person_of(request)
        api = api_for(request)
        filters = query_of(request, "nip", "service")
        chosen = filters.get("service", "needs")
        service: Service = next((s for s in SERVICES if s == chosen), "needs")
        audit_filters = {k: v for k, v in filters.items() if k == "nip"}
        requests, audit = await asyncio.gather(
            api.get("needs", "/privacy/requests", **audit_filters),
            api.get(service, "/audit/entries", limit=PAGE_SIZE, offset=offset_of(request), **audit_filters),
        )
        return render(
            request,
            "privacy.html",
            requests=requests,
            entries=audit["items"],
            pager=pager(audit),
            filters=filters | {"service": service},
            services=SERVICES,
            kinds=KINDS,
        )

    @router.post("/bkpsdm/privacy")
    async def record(request: Request) -> Response:
        person_of(request)
        form = await checked_form(request)
        body = {"nip": form.get("nip"), "kind": form.get("kind"), "note": form.get("note") or None}
        await api_for(request).post("needs", "/privacy/requests", body)
        return redirect(request, "/bkpsdm/privacy?done=saved")

    return router
