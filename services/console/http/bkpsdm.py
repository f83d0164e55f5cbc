"""BKPSDM's pages: the home dashboard (charts drawn on the server as SVG), every unit's needs with
filters, and the year's batches with the planner and its waitlist."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console import domain
from services.console.http.me import PAGE_SIZE, pager
from services.console.http.staff import sources_named
from services.console.http.web import (
    api_for,
    checked_form,
    language_of,
    offset_of,
    person_of,
    query_of,
    redirect,
    render,
    year_of,
)
from shared.domain.vocabulary import NeedSource

# Why a need waits, as the planner names it (Blocker in services/training/plan/planner.py).
WAITLIST_REASONS = (
    "capacity",
    "phase_capacity",
    "budget",
    "fair_share",
    "no_programme",
    "no_batch",
    "seat_before",
    "overlap",
)


def build_router() -> APIRouter:
    router = APIRouter()

    @router.get("/bkpsdm")
    async def home(request: Request) -> Response:
        person_of(request)
        api = api_for(request)
        year = year_of(request)
        # The counts the needs service keeps per unit and year: the recap (/reports/needs-recap) read
        # every need of the year on FerretDB (37,655 of them: 113 s).
        recap, plan = await asyncio.gather(
            api.get("needs", "/reports/needs-counts", fiscal_year=year, by="source"),
            api.get("training", "/reports/plan", fiscal_year=year),
        )
        open_by_source = {r["source"]: r["open"] for r in recap["rows"]}
        by_source = [(s.value, float(open_by_source[s.value])) for s in NeedSource if open_by_source.get(s.value)]
        waitlist = [(w["unit_code"], float(w["waitlisted"])) for w in plan["waitlist_by_unit"]]
        return render(
            request,
            "bkpsdm_home.html",
            year=year,
            phases=plan["phases"],
            needs_by_source=domain.bar_chart(sources_named(by_source, language_of(request))),
            committed=domain.bar_chart([(p["title"], p["budget_committed"]) for p in plan["phases"]]),
            left=domain.bar_chart([(p["title"], p["budget_left"]) for p in plan["phases"]]),
            waitlist=domain.bar_chart(waitlist),
            recounting_units=recap.get("recounting_units", 0),  # absent from a needs service older than the console
        )

    @router.get("/bkpsdm/needs")
    async def needs(request: Request) -> Response:
        person_of(request)
        filters = query_of(request, "unit_code", "source", "status", "nip")
        year = year_of(request)
        # By unit and competency, paged from the service's counts: in priority order each page sorted every
        # need of the city (118 s over 37,655 on FerretDB). One person's needs stay in priority order.
        order = "priority" if "nip" in filters else "unit"
        page = await api_for(request).get(
            "needs", "/needs", fiscal_year=year, limit=PAGE_SIZE, offset=offset_of(request), order=order, **filters
        )
        return render(
            request,
            "bkpsdm_needs.html",
            needs=page["items"],
            pager=pager(page),
            filters=filters | {"year": str(year)},
            year=year,
            sources=[s.value for s in NeedSource],
        )

    @router.get("/bkpsdm/batches")
    async def batches(request: Request) -> Response:
        person_of(request)
        api = api_for(request)
        year = year_of(request)
        reason = query_of(request, "reason_code")
        listed, waitlist = await asyncio.gather(
            api.get("training", "/batches", fiscal_year=year, limit=100),
            api.get(
                "training",
                "/needs",
                fiscal_year=year,
                status="waitlisted",
                limit=PAGE_SIZE,
                offset=offset_of(request),
                **reason,
            ),
        )
        summary = query_of(request, "placed", "waitlisted", "considered")
        return render(
            request,
            "bkpsdm_batches.html",
            year=year,
            batches=listed["items"],
            waitlist=waitlist["items"],
            pager=pager(waitlist),
            filters=reason | {"year": str(year)},
            reasons=WAITLIST_REASONS,
            summary=summary,
        )

    @router.get("/bkpsdm/catalogue")
    async def catalogue(request: Request) -> Response:
        person_of(request)
        filters = query_of(request, "competency_code")
        page = await api_for(request).get(
            "training", "/programs", limit=PAGE_SIZE, offset=offset_of(request), **filters
        )
        return render(request, "catalogue.html", programs=page["items"], pager=pager(page), filters=filters)

    @router.post("/bkpsdm/planner")
    async def run_planner(request: Request) -> Response:
        person_of(request, "/bkpsdm/batches")
        await checked_form(request)
        year = year_of(request)
        done = await api_for(request).post("training", f"/plans/{year}/run")
        counts = f"considered={done['considered']}&placed={done['placed']}&waitlisted={done['waitlisted']}"
        return redirect(request, f"/bkpsdm/batches?year={year}&{counts}")

    return router
