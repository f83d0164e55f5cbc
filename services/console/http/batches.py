"""One batch as BKPSDM runs it: attendance per session as a checklist of the confirmed participants,
pre- and post-test scores, and closing the batch (the training service judges each participant)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console import domain
from services.console.http.web import api_for, checked_form, person_of, redirect, render

# Who may be marked present: the service refuses anyone else (a proposed or withdrawn seat).
ATTENDING = ("confirmed", "attending")
MAX_PARTICIPANTS = 500


def build_router() -> APIRouter:
    router = APIRouter()

    async def participants(request: Request, code: str) -> list[dict[str, object]]:
        page = await api_for(request).get("training", "/enrolments", batch_code=code, limit=MAX_PARTICIPANTS)
        items: list[dict[str, object]] = page["items"]
        return items

    @router.get("/bkpsdm/batches/{code}")
    async def batch(request: Request, code: str) -> Response:
        person_of(request)
        found, seats = await asyncio.gather(
            api_for(request).get("training", f"/batches/{code}"), participants(request, code)
        )
        present = [s for s in seats if s["status"] in ATTENDING]
        return render(
            request, "batch.html", batch=found, seats=seats, present=present, sessions=range(1, found["sessions"] + 1)
        )

    @router.post("/bkpsdm/batches/{code}/attendance")
    async def attendance(request: Request, code: str) -> Response:
        person_of(request, "/bkpsdm/batches")
        form = await checked_form(request)
        api = api_for(request)
        found = await api.get("training", f"/batches/{code}")
        # Every session's checklist as posted (an unticked name is absent from that session).
        await asyncio.gather(
            *(
                api.put("training", f"/batches/{code}/sessions/{n}/attendance", {"present": form.all(f"present-{n}")})
                for n in range(1, found["sessions"] + 1)
            )
        )
        return redirect(request, f"/bkpsdm/batches/{code}?done=saved")

    @router.post("/bkpsdm/batches/{code}/scores")
    async def scores(request: Request, code: str) -> Response:
        person_of(request, "/bkpsdm/batches")
        form = await checked_form(request)
        api = api_for(request)
        calls = []
        for seat in await participants(request, code):
            enrolment = str(seat["enrolment_id"])
            given = {k: form.get(f"{k}-{enrolment}") for k in ("pre_score", "post_score")}
            if any(given.values()):
                body = {k: domain.parse_number(v) if v else None for k, v in given.items()}
                calls.append(api.put("training", f"/enrolments/{enrolment}/scores", body))
        await asyncio.gather(*calls)
        return redirect(request, f"/bkpsdm/batches/{code}?done=saved")

    @router.post("/bkpsdm/batches/{code}/completion")
    async def completion(request: Request, code: str) -> Response:
        person_of(request, "/bkpsdm/batches")
        await checked_form(request)
        await api_for(request).post("training", f"/batches/{code}/completion")
        return redirect(request, f"/bkpsdm/batches/{code}?done=saved")

    return router
