"""The supervisor's team and the unit head's dashboard: what the services let them see of their people."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console import domain
from services.console.http.web import api_for, language_of, person_of, render, year_of
from services.console.texts import text

SERVICE_PAGE = 500
# A supervisor's direct reports, at most the JP ledgers the needs service answers in one call.
TEAM_CAP = 100
SEATS_PER_REPORT = 5


async def all_pages(request: Request, service: Any, path: str, cap: int, **params: Any) -> tuple[list[Any], int]:
    """Every item of a paginated list up to ``cap``, and the list's total."""
    api = api_for(request)
    first = await api.get(service, path, limit=SERVICE_PAGE, offset=0, **params)
    offsets = range(SERVICE_PAGE, min(first["total"], cap), SERVICE_PAGE)
    rest = await asyncio.gather(*(api.get(service, path, limit=SERVICE_PAGE, offset=o, **params) for o in offsets))
    return [i for page in (first, *rest) for i in page["items"]], first["total"]


async def team_of(request: Request, supervisor_nip: str, year: int) -> list[dict[str, Any]]:
    """Each direct report with their open needs, this year's JP and their latest seats."""
    api = api_for(request)
    # Their direct reports: those naming them as supervisor (one equality, answered from its index).
    reports, _ = await all_pages(request, "needs", "/employees", TEAM_CAP, supervisor_nip=supervisor_nip)
    reports = reports[:TEAM_CAP]
    if not reports:
        return []
    nips = [e["nip"] for e in reports]
    # The team's ledgers and seats in one call each, not one per report, so the page does not grow with the
    # team; open needs are still one call per report (the needs list has no supervisor filter).
    needs, ledgers, seats = await asyncio.gather(
        asyncio.gather(*(api.get("needs", "/needs", nip=n, status="open", limit=5) for n in nips)),
        api.get("needs", "/jp-ledgers", supervisor_nip=supervisor_nip, fiscal_year=year),
        api.get("training", "/enrolments", supervisor_nip=supervisor_nip, limit=SERVICE_PAGE),
    )
    return domain.team_members(reports, needs, ledgers, seats["items"], SEATS_PER_REPORT)


def sources_named(counts: list[tuple[str, float]], language: domain.Language) -> list[tuple[str, float]]:
    return [(text(f"source.{source}", language), n) for source, n in counts]


def build_router() -> APIRouter:
    router = APIRouter()

    @router.get("/team")
    async def team(request: Request) -> Response:
        person = person_of(request)
        api = api_for(request)
        year = year_of(request)
        members = await team_of(request, person.nip, year)
        # The evaluations the supervisor owes: the service narrows monitoring to the caller as evaluator.
        due, overdue = await asyncio.gather(
            api.get("evaluation", "/monitoring/evaluations", state="due", limit=50),
            api.get("evaluation", "/monitoring/evaluations", state="overdue", limit=50),
        )
        owed = overdue["items"] + due["items"]
        return render(request, "team.html", members=members, year=year, evaluations=owed)

    @router.get("/unit")
    async def unit(request: Request) -> Response:
        person = person_of(request)
        api = api_for(request)
        year = year_of(request)
        # The counts the needs service keeps for the unit: reading its open needs a page at a time took
        # seconds for a unit of 700 on FerretDB.
        competencies, sources, rates = await asyncio.gather(
            api.get("needs", "/reports/needs-counts", fiscal_year=year, by="competency", unit_code=person.unit),
            api.get("needs", "/reports/needs-counts", fiscal_year=year, by="source", unit_code=person.unit),
            api.get("evaluation", "/monitoring/response-rates", unit_code=person.unit),
        )
        by_source = domain.open_counts(sources["rows"], "source")
        return render(
            request,
            "unit.html",
            year=year,
            total=sum(n for _, n in by_source),
            by_competency=domain.bar_chart(domain.open_counts(competencies["rows"], "name")),
            by_source=domain.bar_chart(sources_named(by_source, language_of(request))),
            rates=rates,
            recounting_units=sources.get("recounting_units", 0),  # absent from a needs service older than the console
        )

    return router
