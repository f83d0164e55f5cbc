"""The register of benchmarking hosts (patok banding)."""

from __future__ import annotations

from fastapi import APIRouter

from services.training.catalogue.hosts import save_host
from services.training.documents import HostDocument
from services.training.http.schemas import Code, HostIn, HostOut
from shared.http.access import Admin
from shared.http.auth import CurrentPrincipal
from shared.http.pagination import Page, Pagination, page_of
from shared.persistence import get_or_not_found


def build_router() -> APIRouter:
    router = APIRouter(tags=["hosts"])

    @router.put("/hosts/{code}", summary="Register or update a benchmarking host with its evidence (BKPSDM)")
    def put_host(code: Code, body: HostIn, who: Admin) -> HostOut:
        return HostOut.of(save_host(code, body.model_dump(mode="json"), who.nip))

    @router.get("/hosts", summary="The benchmarking hosts, with their evidence")
    def list_hosts(_: CurrentPrincipal, page: Pagination) -> Page[HostOut]:
        return page_of(HostDocument.objects.order_by("code"), page, HostOut.of)

    @router.get("/hosts/{code}")
    def get_host(code: Code, _: CurrentPrincipal) -> HostOut:
        return HostOut.of(get_or_not_found(HostDocument, code, "Tuan rumah", "Host"))

    return router
