"""The directory: each person's own preferences; for BKPSDM, everyone's entries and the CSV import."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from services.notifications.application import directory
from services.notifications.documents import PersonDocument
from services.notifications.http.schemas import ImportOut, PersonIn, PersonOut, PreferencesIn, person_record
from shared.http.access import Admin
from shared.http.auth import CurrentPrincipal
from shared.http.errors import error_body
from shared.http.pagination import Page, Pagination, page_of
from shared.persistence import get_or_not_found

MAX_IMPORT_BYTES = 20_000_000


def build_router(people: directory.People) -> APIRouter:
    router = APIRouter(prefix="/directory", tags=["directory"])

    @router.get("/me", summary="The caller's own entry (defaults when not in the directory yet)")
    def get_me(who: CurrentPrincipal) -> PersonOut:
        person = PersonDocument.objects(id=who.nip).first()
        if person is None:
            return PersonOut(nip=who.nip, unit_code=who.unit_code, updated_at=datetime.now(UTC))
        return PersonOut.of(person)

    @router.patch("/me", summary="The caller chooses their language, channels and digest")
    def patch_me(body: PreferencesIn, who: CurrentPrincipal) -> PersonOut:
        current = get_me(who)
        chosen = body.model_dump(exclude_none=True)
        return PersonOut.of(directory.save_person(person_record(who.nip, current.model_copy(update=chosen)), people))

    @router.put("/{nip}", summary="Create or replace a person's entry")
    def put_person(nip: str, body: PersonIn, _: Admin) -> PersonOut:
        return PersonOut.of(directory.save_person(person_record(nip, body), people))

    @router.get("/{nip}")
    def get_person(nip: str, _: Admin) -> PersonOut:
        return PersonOut.of(get_or_not_found(PersonDocument, nip, "Orang", "Person"))

    @router.get("", summary="People in the directory, filtered by unit or role")
    def list_people(
        _: Admin,
        page: Pagination,
        unit_code: str | None = None,
        head_of: str | None = None,
        bkpsdm_admin: bool | None = None,
    ) -> Page[PersonOut]:
        filters: dict[str, object] = {"unit_code": unit_code, "head_of_units": head_of, "bkpsdm_admin": bkpsdm_admin}
        qs = PersonDocument.objects(**{k: v for k, v in filters.items() if v is not None})
        return page_of(qs.order_by("id"), page, PersonOut.of)

    @router.post(
        "/import",
        summary="Import people from CSV: nip, nama, email, bahasa, kanal, ringkasan_harian, kode_unit, "
        "kepala_unit, admin_bkpsdm. All rows or none.",
        responses={422: {"description": "The file was rejected; each problem names its line and column"}},
        max_body_size=MAX_IMPORT_BYTES,
    )
    async def import_people(request: Request, _: Admin) -> ImportOut:
        content = await request.body()  # at most MAX_IMPORT_BYTES: the route's body limit answers 413 beyond
        report = await asyncio.to_thread(directory.import_people, content, people)
        if report.problems:
            problems = [
                {"line": p.line, "column": p.column, "messages": {"id": p.message_id, "en": p.message_en}}
                for p in report.problems
            ]
            body = error_body(
                request,
                "invalid_rows",
                f"{len(problems)} masalah dalam berkas; tidak ada yang disimpan.",
                f"{len(problems)} problems in the file; nothing was saved.",
                problems=problems,
            )
            return JSONResponse(body, status_code=422)  # type: ignore[return-value]
        return ImportOut(rows=report.rows, created=report.created, updated=report.updated, unchanged=report.unchanged)

    return router
