"""Remedy actions: the caller's (BKPSDM: all), closing one as done, dropping one, and the per-unit summary."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from mongoengine import Q

from services.evaluation import actions
from services.evaluation.application.actions import RemedyActions
from services.evaluation.documents import RemedyActionDocument
from services.evaluation.http.schemas import ActionDoneIn, ActionDroppedIn, ActionOut, AsOf
from services.evaluation.http.scopes import unit_scope
from shared.domain import clock
from shared.domain.identity import Principal, Role
from shared.events import ActionStatus
from shared.http.access import Head, Staff
from shared.http.pagination import Page, Pagination, page_of


def action_out(a: RemedyActionDocument, today: Any) -> ActionOut:
    return ActionOut.of(a, overdue=actions.overdue(a.status, a.due_on, today))


def owned_by(who: Principal) -> Q:
    """The actions the caller owns, as ``actions.is_owner`` decides one at a time."""
    mine = Q(owner_nip=who.nip)
    if who.has_any(Role.UNIT_HEAD) and who.unit_code:
        mine |= Q(owner_nip=None, unit_code=who.unit_code, nip__ne=who.nip)
    return mine


def build_router(service: RemedyActions) -> APIRouter:
    router = APIRouter(tags=["actions"])

    @router.get("/actions", summary="Remedy actions the caller owns (BKPSDM sees all), by unit, status or overdue")
    def list_actions(
        who: Staff,
        page: Pagination,
        unit_code: str | None = None,
        status: ActionStatus | None = None,
        overdue: bool | None = None,
        as_of: AsOf = None,
    ) -> Page[ActionOut]:
        today = as_of or clock.today()
        filters: dict[str, Any] = {"unit_code": unit_code} if unit_code else {}
        if status is not None:
            filters["status"] = status.value
        if overdue is not None:
            late = Q(status=ActionStatus.OPEN.value, due_on__lt=today)
            # Not overdue: closed, or open and not yet past its date (mongoengine's Q has no negation).
            on_time = Q(status__ne=ActionStatus.OPEN.value) | Q(due_on__gte=today)
            query = RemedyActionDocument.objects(late if overdue else on_time, **filters)
        else:
            query = RemedyActionDocument.objects(**filters)
        if not who.has_any(Role.BKPSDM_ADMIN):
            query = query.filter(owned_by(who))
        return page_of(query.order_by("due_on", "id"), page, lambda a: action_out(a, today))

    @router.post("/actions/{action_id}/done", summary="The owner reports the action done, with a closing note")
    def done(action_id: str, body: ActionDoneIn, who: Staff) -> ActionOut:
        return action_out(service.close(action_id, ActionStatus.DONE, body.note, who), clock.today())

    @router.post("/actions/{action_id}/drop", summary="The owner (or BKPSDM) drops the action, with a reason")
    def drop(action_id: str, body: ActionDroppedIn, who: Staff) -> ActionOut:
        return action_out(service.close(action_id, ActionStatus.DROPPED, body.reason, who), clock.today())

    @router.get("/monitoring/actions", summary="Remedy actions per unit: open, overdue, done and dropped")
    def summary(who: Head, unit_code: str | None = None, as_of: AsOf = None) -> list[dict[str, Any]]:
        docs = RemedyActionDocument.objects(**unit_scope(who, unit_code)).only("unit_code", "status", "due_on")
        return actions.summary(((d.unit_code, d.status, d.due_on) for d in docs), as_of or clock.today())

    return router
