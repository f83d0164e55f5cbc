"""Partner curricula: the partner drafts versions and submits them for review; BKPSDM approves or
returns them. A partner sees its own institution's curricula (the page asks only for those)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console import domain
from services.console.http.me import PAGE_SIZE, pager
from services.console.http.web import api_for, checked_form, language_of, offset_of, person_of, redirect, render
from shared.domain.identity import Role

MODULE_ROWS = 3  # blank module rows on the new-version form; a longer curriculum takes more versions


def build_router() -> APIRouter:
    router = APIRouter()

    @router.get("/partner/curricula")
    async def curricula(request: Request) -> Response:
        person = person_of(request)
        institution = None if person.has_any(Role.BKPSDM_ADMIN) else person.institution
        page = await api_for(request).get(
            "training", "/curricula", institution=institution, limit=PAGE_SIZE, offset=offset_of(request)
        )
        return render(request, "curricula.html", curricula=page["items"], pager=pager(page), filters={})

    @router.post("/partner/curricula")
    async def create(request: Request) -> Response:
        person = person_of(request)
        form = await checked_form(request)
        # The training service makes a partner's new curriculum its own institution's; BKPSDM names one.
        body = {"title": form.get("title"), "partner": form.get("partner") or person.name}
        if not person.institution:
            body["institution"] = form.get("institution")
        code = form.get("code")
        await api_for(request).put("training", f"/curricula/{code}", body)
        return redirect(request, f"/partner/curricula/{code}?done=saved")

    @router.get("/partner/effectiveness")
    async def effectiveness(request: Request) -> Response:
        person_of(request)
        # The evaluation service gives a partner only its own institution's versions, aggregated, with
        # every figure under its minimum of answers withheld; BKPSDM sees every institution's.
        rows = await api_for(request).get("evaluation", "/analytics/curricula")
        language = language_of(request)
        versions = [row | {"levels": domain.level_figures(row, language)} for row in rows]
        return render(request, "partner_effectiveness.html", versions=versions)

    @router.get("/partner/curricula/{code}")
    async def curriculum(request: Request, code: str) -> Response:
        person = person_of(request)
        found = await api_for(request).get("training", f"/curricula/{code}")
        return render(
            request,
            "curriculum.html",
            curriculum=found,
            reviewer=person.has_any(Role.BKPSDM_ADMIN),
            module_rows=range(1, MODULE_ROWS + 1),
        )

    @router.post("/partner/curricula/{code}/versions")
    async def draft(request: Request, code: str) -> Response:
        person_of(request, "/partner/curricula")
        form = await checked_form(request)
        modules = [
            {
                "title": form.get(f"title-{n}"),
                "jp": int(jp) if (jp := form.get(f"jp-{n}")).isdigit() else jp,
                "competency_code": form.get(f"competency-{n}"),
                "learning_outcome": form.get(f"outcome-{n}"),
            }
            for n in range(1, MODULE_ROWS + 1)
            if form.get(f"title-{n}")
        ]
        await api_for(request).post("training", f"/curricula/{code}/versions", {"modules": modules})
        return redirect(request, f"/partner/curricula/{code}?done=saved")

    @router.post("/partner/curricula/{code}/versions/{version}/review")
    async def review(request: Request, code: str, version: int) -> Response:
        person_of(request, "/partner/curricula")
        form = await checked_form(request)
        body = {"action": form.get("action"), "note": form.get("note") or None}
        await api_for(request).post("training", f"/curricula/{code}/versions/{version}/review", body)
        return redirect(request, f"/partner/curricula/{code}?done=saved")

    return router
