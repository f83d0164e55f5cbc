"""The audit trail for BKPSDM: filter by person, actor and period; JSON pages or a CSV download.

Read-only on purpose: there is no route that changes or removes an entry.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Path, Query, Response
from fastapi.responses import JSONResponse

from shared.audit.subjects import PersonalData
from shared.audit.trail import AuditTrail, entry_row, rows_as_csv
from shared.domain import clock
from shared.domain.nip import NIP_REGEX
from shared.http.access import Admin, Staff, forbidden_record, scope_of
from shared.http.bounds import Moment
from shared.http.pagination import Pagination
from shared.http.reports import CSV_REPORT, attachment

MAX_CSV_ROWS = 100_000
NipQuery = Query(pattern=NIP_REGEX)


def audit_router(trail: AuditTrail) -> APIRouter:
    router = APIRouter(prefix="/audit", tags=["audit"])

    @router.get("/entries", summary="Who read or changed whose personal records (BKPSDM)", responses=CSV_REPORT)
    def entries(
        _: Admin,
        page: Pagination,
        nip: Annotated[str | None, NipQuery] = None,
        actor: Annotated[str | None, NipQuery] = None,
        since: Moment | None = None,
        until: Moment | None = None,
        format: Literal["json", "csv"] = "json",
    ) -> Response:
        found = trail.query(
            nip=nip,
            actor=actor,
            since=clock.checked_moment("since", since) if since else None,
            until=clock.checked_moment("until", until) if until else None,
        )
        if format == "csv":
            rows = [entry_row(d) for d in found.limit(MAX_CSV_ROWS)]
            return Response(
                rows_as_csv(rows),
                media_type="text/csv; charset=utf-8",
                headers=attachment(f"audit-{trail.service}.csv"),
            )
        total = found.count()
        items = [entry_row(d) for d in found.skip(page.offset).limit(page.limit)]
        return JSONResponse({"items": items, "total": total, "limit": page.limit, "offset": page.offset})

    return router


def privacy_router(data: PersonalData) -> APIRouter:
    router = APIRouter(prefix="/privacy", tags=["personal data"])

    @router.get("/data-kinds", summary="The personal records this service keeps, their retention and erasure")
    def data_kinds(_: Admin) -> dict[str, Any]:
        return {"service": data.service, "data_kinds": data.describe()}

    @router.post("/retention/run", summary="Enforce retention now (it also runs by itself, daily by default)")
    def run_retention(
        who: Admin,
        as_of: Annotated[
            Moment | None,
            Query(description="Judge as of this earlier moment (Medan time if no zone); from 2000-01-01 to today"),
        ] = None,
    ) -> dict[str, Any]:
        return {"service": data.service, "changed": data.enforce_retention(as_of, by=who)}

    @router.get(
        "/exports/{request_id}",
        summary="This service's part of an access export: BKPSDM, or the person it is about",
    )
    def export(request_id: Annotated[str, Path(min_length=1, max_length=64)], who: Staff) -> dict[str, Any]:
        nip, held = data.held_export(request_id)
        if not scope_of(who).covers(nip=nip):  # the person themself, or BKPSDM (nobody's supervisor or head)
            raise forbidden_record()
        return held

    return router
