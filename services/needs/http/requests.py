"""Requests from unit heads: drafted and submitted by the unit head, decided by BKPSDM."""

from __future__ import annotations

from fastapi import APIRouter

from services.needs.application.needs import NeedsService
from services.needs.application.requests import UnitRequests
from services.needs.documents import (
    UnitRequestDocument,
)
from services.needs.http.schemas import (
    DecisionIn,
    UnitRequestIn,
    UnitRequestOut,
    valid_nip,
)
from services.needs.http.scopes import HeadScope
from shared.http.access import Admin
from shared.http.pagination import Page, Pagination, page_of
from shared.persistence import get_or_not_found


def build_router(service: NeedsService) -> APIRouter:
    router = APIRouter()
    requests = UnitRequests(service)

    @router.post("/unit-requests", tags=["unit requests"], status_code=201, summary="Draft a unit's request")
    def post_request(body: UnitRequestIn, scope: HeadScope) -> UnitRequestOut:
        scope.check_unit(body.unit_code)
        return UnitRequestOut.of(
            requests.create(
                unit_code=body.unit_code,
                competency_code=body.competency_code,
                nips=[valid_nip(n) for n in body.nips],
                fiscal_year=body.fiscal_year,
                justification=body.justification,
                created_by=scope.nip,
            )
        )

    @router.get("/unit-requests", tags=["unit requests"])
    def list_requests(scope: HeadScope, page: Pagination, status: str | None = None) -> Page[UnitRequestOut]:
        qs = UnitRequestDocument.objects(**({"status": status} if status else {})).filter(scope.query("created_by"))
        return page_of(qs.order_by("-created_at", "id"), page, UnitRequestOut.of)

    @router.post("/unit-requests/{request_id}/submission", tags=["unit requests"], summary="Submit to BKPSDM")
    def submit_request(request_id: str, scope: HeadScope) -> UnitRequestOut:
        scope.check_unit(get_or_not_found(UnitRequestDocument, request_id, "Permintaan", "Request").unit_code)
        return UnitRequestOut.of(requests.act(request_id, "submit", scope.nip))

    @router.post(
        "/unit-requests/{request_id}/decision",
        tags=["unit requests"],
        summary="BKPSDM approves (the request becomes needs) or rejects",
    )
    def decide_request(request_id: str, body: DecisionIn, who: Admin) -> UnitRequestOut:
        return UnitRequestOut.of(requests.act(request_id, "approve" if body.approve else "reject", who.nip, body.note))

    return router
