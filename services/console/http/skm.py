"""SKM entry per period: a unit head enters the public-satisfaction survey of their unit (or a unit under
it) for a year, and sees the index (IKM) and band the needs service computes. The needs service decides
who may enter which unit's survey; the console only offers the form."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console.http.web import api_for, checked_form, person_of, render, year_of

# The nine elements of PermenPANRB 14/2017, each answered 1-4 (labels in texts.py, "skm.U1" ...).
ELEMENTS = tuple(f"U{i}" for i in range(1, 10))


def _number(raw: str) -> float | str:
    """A decimal as typed (comma or point); anything else goes to the service as is, to be refused there."""
    try:
        return float(raw.replace(",", "."))
    except ValueError:
        return raw


def build_router() -> APIRouter:
    router = APIRouter()

    @router.get("/unit/skm")
    async def form(request: Request) -> Response:
        person = person_of(request)
        return render(request, "unit_skm.html", elements=ELEMENTS, unit=person.unit, year=year_of(request))

    @router.post("/unit/skm")
    async def enter(request: Request) -> Response:
        person_of(request, "/unit/skm")
        form = await checked_form(request)
        year, respondents = form.get("fiscal_year"), form.get("respondents")
        body = {
            "fiscal_year": int(year) if year.isdigit() else year,
            "respondents": int(respondents) if respondents.isdigit() else respondents,
            "nrr": {e: _number(form.get(e)) for e in ELEMENTS},
        }
        unit = form.get("unit_code")
        result = await api_for(request).post("needs", f"/units/{quote(unit, safe='')}/skm", body)
        return render(request, "unit_skm.html", elements=ELEMENTS, unit=unit, year=body["fiscal_year"], result=result)

    return router
