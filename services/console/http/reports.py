"""BKPSDM's monitoring of evaluations (due and overdue, reminders sent from the page) and the quarterly
report: viewed here, downloaded as CSV, or opened as the evaluation service's printable page."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console import domain
from services.console.http.me import PAGE_SIZE, pager
from services.console.http.web import (
    api_for,
    checked_form,
    console_of,
    language_of,
    offset_of,
    person_of,
    query_of,
    redirect,
    render,
)
from services.console.texts import text
from shared.domain import clock
from shared.http.browser import PAGE_POLICY as PRINTABLE_POLICY

STATES = ("overdue", "due", "upcoming")


def _quarter(request: Request) -> tuple[int, int]:
    today = clock.today()
    year, quarter = request.query_params.get("year", ""), request.query_params.get("quarter", "")
    chosen_year = int(year) if year.isdigit() and 2000 <= int(year) <= 2100 else today.year
    chosen_quarter = int(quarter) if quarter in ("1", "2", "3", "4") else (today.month - 1) // 3 + 1
    return chosen_year, chosen_quarter


def build_router() -> APIRouter:
    router = APIRouter()

    @router.get("/bkpsdm/monitoring")
    async def monitoring(request: Request) -> Response:
        person_of(request)
        filters = query_of(request, "unit_code")
        state = request.query_params.get("state", "overdue")
        state = state if state in STATES else "overdue"
        api = api_for(request)
        page, rates = await asyncio.gather(
            api.get(
                "evaluation",
                "/monitoring/evaluations",
                state=state,
                limit=PAGE_SIZE,
                offset=offset_of(request),
                **filters,
            ),
            api.get("evaluation", "/monitoring/response-rates", by="level", **filters),
        )
        return render(
            request,
            "monitoring.html",
            evaluations=page["items"],
            pager=pager(page),
            filters=filters | {"state": state},
            states=STATES,
            rates=rates,
            sent=query_of(request, "due", "overdue"),
        )

    @router.post("/bkpsdm/monitoring/reminders")
    async def remind(request: Request) -> Response:
        person_of(request, "/bkpsdm/monitoring")
        await checked_form(request)
        sent = await api_for(request).post("evaluation", "/monitoring/reminders")
        return redirect(request, f"/bkpsdm/monitoring?due={sent['due']}&overdue={sent['overdue']}")

    @router.get("/bkpsdm/reports")
    async def quarterly(request: Request) -> Response:
        person_of(request)
        year, quarter = _quarter(request)
        report = await api_for(request).get("evaluation", "/reports/quarterly", year=year, quarter=quarter)
        barriers = sorted(report["transfer"]["barriers"].items(), key=lambda kv: -kv[1])
        return render(
            request,
            "quarterly.html",
            report=report,
            year=year,
            quarter=quarter,
            barriers=domain.bar_chart([(text(f"barrier.{k}", language_of(request)), float(v)) for k, v in barriers]),
        )

    @router.get("/bkpsdm/reports/quarterly.{kind}")
    async def download(request: Request, kind: str) -> Response:
        """The service's CSV or printable page, passed through with the person's token."""
        person_of(request, "/bkpsdm/reports")
        if kind not in ("csv", "html"):
            return await quarterly(request)
        year, quarter = _quarter(request)
        console = console_of(request)
        api = api_for(request)
        answer = await console.client.get(
            f"{console.urls['evaluation']}/reports/quarterly",
            params={"year": year, "quarter": quarter, "format": kind},
            headers={"Authorization": f"Bearer {api.token}", "Accept-Language": api.language},
        )
        headers = {k: v for k, v in answer.headers.items() if k.lower() in ("content-type", "content-disposition")}
        if kind == "html":  # the service's printable page: inline styles, no script
            headers["Content-Security-Policy"] = PRINTABLE_POLICY
        return Response(answer.content, status_code=answer.status_code, headers=headers)

    return router
