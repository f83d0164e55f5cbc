"""Adoption items: a benchmarking visit's report, a leadership programme's change project, and the
items their owners adopt, confirm or drop."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter
from mongoengine import Q

from services.evaluation import actions
from services.evaluation.application.adoption import Adoption, Step
from services.evaluation.documents import AdoptionItemDocument
from services.evaluation.http.actions import owned_by
from services.evaluation.http.schemas import (
    ActionDoneIn,
    ActionDroppedIn,
    AdoptionItemOut,
    AsOf,
    ChangeProjectIn,
    VisitReportIn,
)
from shared.domain import clock
from shared.domain.identity import Role
from shared.events import ActionStatus, AdoptionKind
from shared.http.access import Staff
from shared.http.pagination import Page, Pagination, page_of


def item_out(i: AdoptionItemDocument, today: date) -> AdoptionItemOut:
    return AdoptionItemOut.of(i, overdue=actions.overdue(i.status, i.due_on, today))


def build_router(service: Adoption) -> APIRouter:
    router = APIRouter(tags=["adoption"])

    def listed(items: list[AdoptionItemDocument]) -> list[AdoptionItemOut]:
        today = clock.today()
        return [item_out(i, today) for i in items]

    @router.post(
        "/enrolments/{enrolment_id}/visit-report",
        status_code=201,
        summary="The participant's report of a benchmarking visit: each practice with the home unit's plan",
    )
    def visit_report(enrolment_id: str, body: VisitReportIn, who: Staff) -> list[AdoptionItemOut]:
        practices = [Step(p.title, p.due_on, p.plan) for p in body.practices]
        return listed(service.file_visit_report(enrolment_id, practices, who))

    @router.post(
        "/enrolments/{enrolment_id}/change-project",
        status_code=201,
        summary="The participant's change project (aksi perubahan) of leadership training: milestones and EPP",
    )
    def change_project(enrolment_id: str, body: ChangeProjectIn, who: Staff) -> list[AdoptionItemOut]:
        milestones = [Step(m.title, m.due_on) for m in body.milestones]
        return listed(service.file_change_project(enrolment_id, body.title, milestones, body.epp_on, who))

    @router.get("/adoption-items", summary="Adoption items the caller owns or filed (BKPSDM sees all)")
    def list_items(
        who: Staff,
        page: Pagination,
        unit_code: str | None = None,
        kind: AdoptionKind | None = None,
        status: ActionStatus | None = None,
        enrolment_id: str | None = None,
        as_of: AsOf = None,
    ) -> Page[AdoptionItemOut]:
        today = as_of or clock.today()
        given = {"unit_code": unit_code, "kind": kind, "status": status, "enrolment_id": enrolment_id}
        filters: dict[str, Any] = {k: str(v) for k, v in given.items() if v is not None}
        query = AdoptionItemDocument.objects(**filters)
        if not who.has_any(Role.BKPSDM_ADMIN):
            query = query.filter(owned_by(who) | Q(nip=who.nip))
        return page_of(query.order_by("due_on", "id"), page, lambda i: item_out(i, today))

    @router.post("/adoption-items/{item_id}/done", summary="The owner records it adopted (or the step confirmed)")
    def done(item_id: str, body: ActionDoneIn, who: Staff) -> AdoptionItemOut:
        return item_out(service.close(item_id, ActionStatus.DONE, body.note, who), clock.today())

    @router.post("/adoption-items/{item_id}/drop", summary="The owner (or BKPSDM) drops it, with a reason")
    def drop(item_id: str, body: ActionDroppedIn, who: Staff) -> AdoptionItemOut:
        return item_out(service.close(item_id, ActionStatus.DROPPED, body.reason, who), clock.today())

    return router
