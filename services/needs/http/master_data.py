"""Master data: work units, competencies, positions and employees."""

from __future__ import annotations

from fastapi import APIRouter

from services.needs import domain
from services.needs.documents import (
    CompetencyDocument,
    EmployeeDocument,
    PositionDocument,
    UnitDocument,
)
from services.needs.http.schemas import (
    Code,
    CompetencyIn,
    CompetencyOut,
    EmployeeIn,
    EmployeeOut,
    PositionIn,
    PositionOut,
    UnitIn,
    UnitOut,
    position_out,
    valid_nip,
)
from services.needs.http.scopes import CallerScope
from shared.domain.errors import Invalid
from shared.http.access import Admin, visible
from shared.http.auth import CurrentPrincipal
from shared.http.pagination import Page, Pagination, page_of
from shared.persistence import get_or_not_found, levels_to_documents


def build_router() -> APIRouter:
    router = APIRouter()

    @router.put("/units/{code}", tags=["master data"], summary="Create or replace a work unit")
    def put_unit(code: Code, body: UnitIn, _: Admin) -> UnitOut:
        if body.parent_code:
            get_or_not_found(UnitDocument, body.parent_code, "Unit induk", "Parent unit")
        UnitDocument(code=code, **body.model_dump()).save()
        return UnitOut.of(get_or_not_found(UnitDocument, code, "Unit kerja", "Work unit"))

    @router.get("/units", tags=["master data"])
    def list_units(_: CurrentPrincipal, page: Pagination, parent_code: str | None = None) -> Page[UnitOut]:
        qs = UnitDocument.objects(parent_code=parent_code) if parent_code else UnitDocument.objects
        return page_of(qs.order_by("code"), page, UnitOut.of)

    @router.get("/units/{code}", tags=["master data"])
    def get_unit(code: Code, _: CurrentPrincipal) -> UnitOut:
        return UnitOut.of(get_or_not_found(UnitDocument, code, "Unit kerja", "Work unit"))

    @router.get("/competencies", tags=["master data"])
    def list_competencies(_: CurrentPrincipal, page: Pagination) -> Page[CompetencyOut]:
        return page_of(
            CompetencyDocument.objects.order_by("code"),
            page,
            CompetencyOut.of,
        )

    @router.put("/competencies/{code}", tags=["master data"], summary="Create or replace a technical competency")
    def put_competency(code: Code, body: CompetencyIn, _: Admin) -> CompetencyOut:
        if body.kind != domain.CompetencyKind.TECHNICAL or code in {c.code for c in domain.STANDARD_COMPETENCIES}:
            raise Invalid(
                "standard_competency",
                "Kompetensi manajerial dan sosial-kultural sudah baku; hanya kompetensi teknis yang dapat diubah.",
                "Managerial and socio-cultural competencies are fixed; only technical ones can be authored.",
            )
        if body.unit_code:
            get_or_not_found(UnitDocument, body.unit_code, "Unit kerja", "Work unit")
        CompetencyDocument(code=code, **body.model_dump(mode="json")).save()
        return CompetencyOut.of(get_or_not_found(CompetencyDocument, code, "Kompetensi", "Competency"))

    @router.put("/positions/{code}", tags=["master data"], summary="Create or replace a position and its standard")
    def put_position(code: Code, body: PositionIn, _: Admin) -> PositionOut:
        unknown = [c for c in body.standard if CompetencyDocument.objects(code=c).count() == 0]
        if unknown:
            raise Invalid(
                "unknown_competency",
                f"Kompetensi tidak dikenal: {', '.join(unknown)}.",
                f"Unknown competencies: {', '.join(unknown)}.",
            )
        fields = body.model_dump(mode="json", exclude={"standard"})
        PositionDocument(code=code, standard=levels_to_documents(body.standard), **fields).save()
        return position_out(get_or_not_found(PositionDocument, code, "Jabatan", "Position"))

    @router.get("/positions", tags=["master data"])
    def list_positions(
        _: CurrentPrincipal, page: Pagination, unit_code: str | None = None, type: domain.PositionType | None = None
    ) -> Page[PositionOut]:
        filters = {k: v for k, v in {"unit_code": unit_code, "type": type}.items() if v is not None}
        return page_of(PositionDocument.objects(**filters).order_by("code"), page, position_out)

    @router.get("/positions/{code}", tags=["master data"])
    def get_position(code: Code, _: CurrentPrincipal) -> PositionOut:
        return position_out(get_or_not_found(PositionDocument, code, "Jabatan", "Position"))

    @router.put("/employees/{nip}", tags=["master data"], summary="Create or replace an employee")
    def put_employee(nip: str, body: EmployeeIn, _: Admin) -> EmployeeOut:
        nip = valid_nip(nip)
        get_or_not_found(UnitDocument, body.unit_code, "Unit kerja", "Work unit")
        get_or_not_found(PositionDocument, body.position_code, "Jabatan", "Position")
        if body.supervisor_nip:
            valid_nip(body.supervisor_nip)
        EmployeeDocument(nip=nip, **body.model_dump()).save()
        return EmployeeOut.of(get_or_not_found(EmployeeDocument, nip, "Pegawai dengan NIP", "Employee with NIP"))

    @router.get("/employees", tags=["master data"])
    def list_employees(scope: CallerScope, page: Pagination, unit_code: str | None = None) -> Page[EmployeeOut]:
        qs = EmployeeDocument.objects(unit_code=unit_code) if unit_code else EmployeeDocument.objects
        return page_of(qs.filter(scope.query()).order_by("nip"), page, EmployeeOut.of)

    @router.get("/employees/{nip}", tags=["master data"])
    def get_employee(nip: str, scope: CallerScope) -> EmployeeOut:
        return EmployeeOut.of(
            visible(scope, get_or_not_found(EmployeeDocument, nip, "Pegawai dengan NIP", "Employee with NIP"))
        )

    return router
