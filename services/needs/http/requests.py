"""Requests from unit heads: drafted and submitted by the unit head, decided by BKPSDM."""

from __future__ import annotations

from fastapi import APIRouter

from services.needs.application import NeedsService, UnitRequests
from services.needs.documents import (
    UnitRequestDocument,
)
from services.needs.http.schemas import (
    Admin,
    DecisionIn,
    UnitRequestIn,
    UnitRequestOut,
    check_unit_head,
    request_out,
    valid_nip,
)
from shared.http.auth import CurrentPrincipal, Role
from shared.http.pagination import Page, Pagination, page_of
from shared.persistence import get_or_404


def build_router(service: NeedsService) -> APIRouter:
    router = APIRouter()
    requests = UnitRequests(service)

    @router.post("/unit-requests", tags=["unit requests"], status_code=201, summary="Draft a unit's request")
    def post_request(body: UnitRequestIn, who: CurrentPrincipal) -> UnitRequestOut:
        check_unit_head(who, body.unit_code)
        return request_out(
            requests.create(
                unit_code=body.unit_code,
                competency_code=body.competency_code,
                nips=[valid_nip(n) for n in body.nips],
                fiscal_year=body.fiscal_year,
                justification=body.justification,
                created_by=who.nip,
            )
        )

    @router.get("/unit-requests", tags=["unit requests"])
    def list_requests(who: CurrentPrincipal, page: Pagination, status: str | None = None) -> Page[UnitRequestOut]:
        filters = {"status": status} if status else {}
        if not who.has_any(Role.BKPSDM_ADMIN):
            filters["unit_code"] = who.unit_code or ""
        return page_of(UnitRequestDocument.objects(**filters).order_by("-created_at", "id"), page, request_out)

    @router.post("/unit-requests/{request_id}/submission", tags=["unit requests"], summary="Submit to BKPSDM")
    def submit_request(request_id: str, who: CurrentPrincipal) -> UnitRequestOut:
        check_unit_head(who, get_or_404(UnitRequestDocument, request_id, "Permintaan", "Request").unit_code)
        return request_out(requests.act(request_id, "submit", who.nip))

    @router.post(
        "/unit-requests/{request_id}/decision",
        tags=["unit requests"],
        summary="BKPSDM approves (the request becomes needs) or rejects",
    )
    def decide_request(request_id: str, body: DecisionIn, who: Admin) -> UnitRequestOut:
        return request_out(requests.act(request_id, "approve" if body.approve else "reject", who.nip, body.note))

    return router
