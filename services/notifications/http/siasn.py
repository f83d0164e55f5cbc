"""For BKPSDM: SIASN training history. The form-to-jenisDiklatId table (read, edit, its versions), the
export for upload by hand (CSV per riwayat, or JSON), the entries with each one's outcome, a sync round
on demand and sending a refused entry again."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field

from services.notifications.application.siasn import SiasnHistory
from services.notifications.documents import SiasnEntryDocument, SiasnTableDocument
from shared.domain.errors import Conflict
from shared.http.access import Admin
from shared.http.bounds import PlanningDate
from shared.http.pagination import Page, Pagination, page_of
from shared.http.reports import CSV_REPORT
from shared.http.schemas import DocumentView, RequestModel
from shared.interop.siasn_export import to_csv, to_json
from shared.persistence import get_or_not_found

Day = Annotated[PlanningDate | None, Query()]


class TableIn(RequestModel):
    about: str = Field(default="", max_length=2000)
    rules: list[dict[str, Any]] = Field(
        min_length=1, max_length=200, description="Ordered rules: the first that matches a completion decides"
    )
    note: str | None = Field(default=None, max_length=500, description="Why the table changed (kept with it)")


class TableOut(BaseModel):
    version: int = Field(description="0: the table from settings, never edited here")
    changed_by: str | None = None
    changed_at: datetime | None = None
    note: str | None = None
    table: dict[str, Any]


class AttemptOut(DocumentView):
    at: datetime
    status: str
    siasn_id: str | None = None
    reason: str | None = None
    reason_en: str | None = None
    http_status: int | None = None
    already_in_siasn: bool = False


class EntryOut(DocumentView):
    entry_id: str = Field(validation_alias="id", description="The enrolment id")
    nip: str
    unit_code: str
    completed_on: date
    certificate_number: str
    status: Literal["pending", "sent", "refused", "retryable"]
    riwayat: str | None = None
    siasn_id: str | None = None
    reason: str | None = None
    reason_en: str | None = None
    attempts: int
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    log: list[AttemptOut]


class SyncOut(BaseModel):
    sent: int
    refused: int
    retryable: int


def _table_out(version: SiasnTableDocument | None, history: SiasnHistory) -> TableOut:
    if version is None:
        return TableOut(version=0, table=table_as_dict(history))
    return TableOut(
        version=version.id,
        changed_by=version.changed_by,
        changed_at=version.changed_at,
        note=version.note,
        table=dict(version.table),
    )


def table_as_dict(history: SiasnHistory) -> dict[str, Any]:
    """The table from settings in the shape PUT takes, so BKPSDM can edit it and send it back."""
    table, _ = history.current_table()
    return {"rules": [rule.model_dump(mode="json", by_alias=True, exclude_none=True) for rule in table.rules]}


def build_router(history: SiasnHistory) -> APIRouter:
    router = APIRouter(prefix="/siasn", tags=["SIASN"])

    @router.get("/table", summary="The form-to-jenisDiklatId table in use")
    def get_table(_: Admin) -> TableOut:
        return _table_out(history.current_table()[1], history)

    @router.put("/table", summary="Replace the table; checked whole, kept as a new version")
    def put_table(body: TableIn, who: Admin) -> TableOut:
        table = {"about": body.about, "rules": body.rules}
        return _table_out(history.replace_table(table, by=who.nip, note=body.note), history)

    @router.get("/table/versions", summary="Every saved version: who changed the table, when and why")
    def table_versions(_: Admin, page: Pagination) -> Page[TableOut]:
        return page_of(SiasnTableDocument.objects.order_by("-id"), page, lambda v: _table_out(v, history))

    @router.get(
        "/export", summary="Entries for upload by hand: CSV of one riwayat, or JSON of both", responses=CSV_REPORT
    )
    def export(
        _: Admin,
        format: Literal["json", "csv"] = "json",
        riwayat: Literal["kursus", "diklat"] = "kursus",
        completed_from: Day = None,
        completed_until: Day = None,
        unit_code: Annotated[list[str] | None, Query(max_length=200)] = None,
    ) -> Response:
        items = history.items(
            completed_from=completed_from, completed_until=completed_until, unit_codes=unit_code or []
        )
        if format == "csv":
            return Response(
                to_csv(items, riwayat),
                media_type="text/csv; charset=utf-8",
                headers={"Content-Disposition": f'attachment; filename="siasn-riwayat-{riwayat}.csv"'},
            )
        return Response(to_json(items), media_type="application/json")

    @router.get("/entries", summary="Each completion's SIASN entry and what became of sending it")
    def list_entries(
        _: Admin,
        page: Pagination,
        status: Literal["pending", "sent", "refused", "retryable"] | None = None,
        nip: Annotated[str | None, Query(max_length=18)] = None,
        unit_code: Annotated[str | None, Query(max_length=100)] = None,
    ) -> Page[EntryOut]:
        filters = {"status": status, "nip": nip, "unit_code": unit_code}
        qs = SiasnEntryDocument.objects(**{k: v for k, v in filters.items() if v is not None})
        return page_of(qs.order_by("-created_at", "id"), page, EntryOut.of)

    @router.get("/entries/{entry_id}", summary="One entry with every attempt")
    def get_entry(entry_id: str, _: Admin) -> EntryOut:
        return EntryOut.of(get_or_not_found(SiasnEntryDocument, entry_id, "Entri SIASN", "SIASN entry"))

    @router.post("/entries/{entry_id}/resend", summary="Send a refused entry again with the next round")
    def resend(entry_id: str, _: Admin) -> EntryOut:
        return EntryOut.of(history.resend(entry_id))

    @router.post("/sync", summary="Send what is due to SIASN now (the job runs every SIASN_SYNC_INTERVAL_S)")
    def sync(_: Admin) -> SyncOut:
        if not history.settings.siasn_enabled:
            raise Conflict(
                "siasn_disabled",
                "Sinkronisasi SIASN tidak aktif (SIASN_ENABLED); gunakan ekspor untuk unggah manual.",
                "SIASN sync is off (SIASN_ENABLED); use the export to upload by hand.",
            )
        done = history.sync_round()
        return SyncOut(sent=done.sent, refused=done.refused, retryable=done.retryable)

    return router
