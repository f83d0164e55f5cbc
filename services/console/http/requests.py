"""Unit requests: the unit head drafts one (a competency for named staff or the whole unit), submits it
to BKPSDM and follows the decision; BKPSDM approves (the request becomes needs) or rejects it."""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.http.me import PAGE_SIZE, pager
from services.console.http.web import (
    api_for,
    checked_form,
    offset_of,
    person_of,
    query_of,
    redirect,
    render,
    year_of,
)

STATUSES = ("draft", "submitted", "approved", "rejected")


def build_router() -> APIRouter:
    router = APIRouter()

    async def listing(request: Request, template_path: str, deciding: bool) -> Response:
        person_of(request, template_path)
        filters = query_of(request, "status")
        page = await api_for(request).get(
            "needs", "/unit-requests", limit=PAGE_SIZE, offset=offset_of(request), **filters
        )
        return render(
            request,
            "unit_requests.html",
            requests=page["items"],
            pager=pager(page),
            filters=filters,
            statuses=STATUSES,
            deciding=deciding,
            here=template_path,
            year=year_of(request),
        )

    @router.get("/unit/requests")
    async def unit_requests(request: Request) -> Response:
        return await listing(request, "/unit/requests", deciding=False)

    @router.get("/bkpsdm/requests")
    async def bkpsdm_requests(request: Request) -> Response:
        return await listing(request, "/bkpsdm/requests", deciding=True)

    @router.post("/unit/requests")
    async def draft(request: Request) -> Response:
        person = person_of(request, "/unit/requests")
        form = await checked_form(request)
        year = form.get("fiscal_year")
        body = {
            "unit_code": person.unit,
            "competency_code": form.get("competency_code"),
            "fiscal_year": int(year) if year.isdigit() else year,
            # NIPs separated by commas, spaces or lines; none: the whole unit.
            "nips": [n for n in re.split(r"[\s,;]+", form.get("nips")) if n],
            "justification": form.get("justification"),
        }
        await api_for(request).post("needs", "/unit-requests", body)
        return redirect(request, "/unit/requests?done=saved")

    @router.post("/unit/requests/{request_id}/submission")
    async def submit(request: Request, request_id: str) -> Response:
        person_of(request, "/unit/requests")
        await checked_form(request)
        await api_for(request).post("needs", f"/unit-requests/{request_id}/submission")
        return redirect(request, "/unit/requests?done=saved")

    @router.post("/bkpsdm/requests/{request_id}/decision")
    async def decide(request: Request, request_id: str) -> Response:
        person_of(request, "/bkpsdm/requests")
        form = await checked_form(request)
        body = {"approve": form.get("decision") == "approve", "note": form.get("note") or None}
        await api_for(request).post("needs", f"/unit-requests/{request_id}/decision", body)
        return redirect(request, "/bkpsdm/requests?done=saved")

    return router
