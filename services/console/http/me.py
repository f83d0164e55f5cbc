"""The pages every member of staff has: their needs, their seats with this year's JP, the evaluations
they owe (forms rendered from the versioned questionnaire) and their inbox."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import Response

from services.console import domain
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
from shared.domain.vocabulary import NeedSource, TransferBarrier

PAGE_SIZE = 20
# One person's needs as the planner holds them, over the years (a few dozen at most; the service's page cap).
DECISIONS = 500


def pager(page: dict[str, Any]) -> domain.Pager:
    return domain.Pager(total=page["total"], limit=page["limit"], offset=page["offset"])


async def planner_decisions(request: Request, nip: str) -> dict[str, dict[str, Any]]:
    """The training planner's view of each of the person's needs (placed, waitlisted and why), by need id:
    every year's at once, so that it is asked beside the needs page rather than after it."""
    page = await api_for(request).get("training", "/needs", nip=nip, limit=DECISIONS)
    return {d["need_id"]: d for d in page["items"]}


def build_router() -> APIRouter:
    router = APIRouter()

    @router.get("/me/competencies")
    async def my_competencies(request: Request) -> Response:
        person = person_of(request)
        rows = await api_for(request).get("needs", f"/employees/{person.nip}/competencies")
        return render(request, "me_competencies.html", rows=rows)

    @router.get("/me/needs")
    async def my_needs(request: Request) -> Response:
        person = person_of(request)
        filters = query_of(request, "status", "source")
        page, decisions = await asyncio.gather(
            api_for(request).get(
                "needs", "/needs", nip=person.nip, limit=PAGE_SIZE, offset=offset_of(request), **filters
            ),
            planner_decisions(request, person.nip),
        )
        return render(
            request,
            "me_needs.html",
            needs=page["items"],
            decisions=decisions,
            pager=pager(page),
            filters=filters,
            sources=[s.value for s in NeedSource],
        )

    @router.get("/me/seats")
    async def my_seats(request: Request) -> Response:
        person = person_of(request)
        api = api_for(request)
        year = year_of(request)
        seats, ledger = await asyncio.gather(
            api.get("training", "/enrolments", nip=person.nip, limit=100),
            api.get("needs", f"/jp-ledgers/{person.nip}", fiscal_year=year),
        )
        codes = sorted({s["batch_code"] for s in seats["items"]})
        batches = await asyncio.gather(*(api.get("training", f"/batches/{c}") for c in codes))
        return render(
            request,
            "me_seats.html",
            seats=seats["items"],
            batches={b["code"]: b for b in batches},
            ledger=ledger,
            year=year,
            jp_pct=domain.progress_pct(ledger["total_jp"], ledger["minimum_jp"]),
        )

    @router.post("/me/seats/{enrolment_id}/confirm")
    async def confirm_seat(request: Request, enrolment_id: str) -> Response:
        person_of(request, "/me/seats")
        await checked_form(request)
        await api_for(request).post("training", f"/enrolments/{enrolment_id}/confirm")
        return redirect(request, "/me/seats?done=saved")

    @router.post("/me/seats/{enrolment_id}/withdraw")
    async def withdraw_seat(request: Request, enrolment_id: str) -> Response:
        person_of(request, "/me/seats")
        form = await checked_form(request)
        await api_for(request).post("training", f"/enrolments/{enrolment_id}/withdraw", {"reason": form.get("reason")})
        return redirect(request, "/me/seats?done=saved")

    @router.get("/me/evaluations")
    async def my_evaluations(request: Request) -> Response:
        person_of(request)
        state = query_of(request, "status")
        page = await api_for(request).get(
            "evaluation", "/evaluations", limit=PAGE_SIZE, offset=offset_of(request), **state
        )
        return render(request, "me_evaluations.html", evaluations=page["items"], pager=pager(page), filters=state)

    @router.get("/me/evaluations/{evaluation_id}")
    async def evaluation_form(request: Request, evaluation_id: str) -> Response:
        person_of(request, "/me/evaluations")
        evaluation = await api_for(request).get("evaluation", f"/evaluations/{evaluation_id}")
        return render(
            request, "evaluation_form.html", evaluation=evaluation, barriers=[b.value for b in TransferBarrier]
        )

    @router.post("/me/evaluations/{evaluation_id}")
    async def submit_evaluation(request: Request, evaluation_id: str) -> Response:
        person_of(request, "/me/evaluations")
        form = await checked_form(request)
        api = api_for(request)
        evaluation = await api.get("evaluation", f"/evaluations/{evaluation_id}")
        answers = domain.answers_of(evaluation["items"], form.get, form.all)
        await api.post("evaluation", f"/evaluations/{evaluation_id}/submission", {"answers": answers})
        return redirect(request, "/me/evaluations?done=saved")

    @router.get("/inbox")
    async def inbox(request: Request) -> Response:
        person_of(request)
        api = api_for(request)
        unread_only = query_of(request, "unread")
        page, unread, me = await asyncio.gather(
            api.get("notifications", "/inbox", limit=PAGE_SIZE, offset=offset_of(request), **unread_only),
            api.get("notifications", "/inbox/unread-count"),
            api.get("notifications", "/directory/me"),
        )
        return render(
            request,
            "inbox.html",
            messages=page["items"],
            pager=pager(page),
            unread=unread["unread"],
            filters=unread_only,
            me=me,
        )

    @router.post("/inbox/preferences")
    async def preferences(request: Request) -> Response:
        """How the person is told: the language of their messages, their channels, a daily digest."""
        person_of(request, "/inbox")
        form = await checked_form(request)
        body = {
            "language": form.get("language"),
            "channels": form.all("channels"),
            "digest": form.get("digest") == "yes",
        }
        await api_for(request).call("notifications", "PATCH", "/directory/me", json=body)
        return redirect(request, "/inbox?done=saved")

    @router.post("/inbox/{message_id}/read")
    async def mark_read(request: Request, message_id: str) -> Response:
        person_of(request, "/inbox")
        await checked_form(request)
        await api_for(request).post("notifications", f"/inbox/{message_id}/read")
        return redirect(request, "/inbox")

    return router
