"""The supervisor's team and the unit head's dashboard: what the services let them see of their people."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console import domain
from services.console.http.web import api_for, language_of, person_of, render, year_of
from services.console.texts import text

# A supervisor's reports are read a page at a time, up to this many.
TEAM_CAP = 2000
SERVICE_PAGE = 500


async def all_pages(request: Request, service: Any, path: str, cap: int, **params: Any) -> tuple[list[Any], int]:
    """Every item of a paginated list up to ``cap``, and the list's total."""
    api = api_for(request)
    first = await api.get(service, path, limit=SERVICE_PAGE, offset=0, **params)
    offsets = range(SERVICE_PAGE, min(first["total"], cap), SERVICE_PAGE)
    rest = await asyncio.gather(*(api.get(service, path, limit=SERVICE_PAGE, offset=o, **params) for o in offsets))
    return [i for page in (first, *rest) for i in page["items"]], first["total"]


def sources_named(counts: list[tuple[str, float]], language: domain.Language) -> list[tuple[str, float]]:
    return [(text(f"source.{source}", language), n) for source, n in counts]


def build_router() -> APIRouter:
    router = APIRouter()

    @router.get("/team")
    async def team(request: Request) -> Response:
        person = person_of(request)
        api = api_for(request)
        year = year_of(request)
        # Their direct reports: those naming them as supervisor (one equality, answered from its index).
        reports, _ = await all_pages(request, "needs", "/employees", TEAM_CAP, supervisor_nip=person.nip)

        async def figures(nip: str) -> tuple[Any, Any, Any]:
            return await asyncio.gather(
                api.get("needs", "/needs", nip=nip, status="open", limit=5),
                api.get("needs", f"/jp-ledgers/{nip}", fiscal_year=year),
                api.get("training", "/enrolments", nip=nip, limit=5),
            )

        rows = await asyncio.gather(*(figures(e["nip"]) for e in reports))
        members = [
            {
                "employee": e,
                "needs": needs,
                "ledger": ledger,
                "jp_pct": domain.progress_pct(ledger["total_jp"], ledger["minimum_jp"]),
                "seats": seats["items"],
            }
            for e, (needs, ledger, seats) in zip(reports, rows, strict=True)
        ]
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
        )

    return router
