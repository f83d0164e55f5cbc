"""Monitoring: evaluations due, overdue or upcoming, response rates, and reminders on demand."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query

from services.evaluation import domain
from services.evaluation.application.figures import Figures
from services.evaluation.application.reminders import Reminders
from services.evaluation.documents import EvaluationDocument
from services.evaluation.http.schemas import AsOf, EvaluationOut, RemindIn, evaluation_out
from services.evaluation.http.scopes import unit_scope
from shared.domain import clock
from shared.domain.identity import Role
from shared.http.access import Admin, Head, Staff
from shared.http.pagination import Page, Pagination, page_of


def build_router(figures: Figures, reminders: Reminders) -> APIRouter:
    router = APIRouter(tags=["evaluations"])

    @router.get("/monitoring/evaluations", summary="Due, overdue or upcoming evaluations per unit or evaluator")
    def monitoring(
        who: Staff,
        page: Pagination,
        state: Literal["due", "overdue", "upcoming"] = "due",
        unit_code: str | None = None,
        evaluator_nip: str | None = None,
        level: Annotated[int | None, Query(ge=1, le=4)] = None,
        as_of: AsOf = None,
    ) -> Page[EvaluationOut]:
        today = as_of or clock.today()
        filters: dict[str, Any] = {"status": domain.EvaluationStatus.OPEN}
        if who.has_any(Role.BKPSDM_ADMIN, Role.UNIT_HEAD):
            filters |= unit_scope(who, unit_code)
            if evaluator_nip:
                filters["evaluator_nip"] = evaluator_nip
        else:
            filters["evaluator_nip"] = who.nip
        if level is not None:
            filters["level"] = level
        filters |= {
            "due": {"opens_on__lte": today, "due_on__gte": today},
            "overdue": {"due_on__lt": today},
            "upcoming": {"opens_on__gt": today},
        }[state]
        query = EvaluationDocument.objects(**filters).order_by("due_on", "id")
        return page_of(query, page, lambda e: evaluation_out(e, today))

    @router.get("/monitoring/response-rates", summary="Evaluations asked for, answered and overdue, with the rate")
    def response_rates(
        who: Head,
        by: Literal["unit", "evaluator", "level"] = "unit",
        unit_code: str | None = None,
        as_of: AsOf = None,
    ) -> list[dict[str, Any]]:
        return figures.response_rates(by, as_of or clock.today(), unit_scope(who, unit_code))

    @router.post("/monitoring/reminders", summary="Send the reminders the periodic job would send now (BKPSDM)")
    def remind(_: Admin, body: RemindIn | None = None) -> dict[str, int]:
        return reminders.remind_as_of(body.as_of if body else None)

    return router
