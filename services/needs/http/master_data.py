"""Master data: work units, competencies, positions and employees."""

from __future__ import annotations

from fastapi import APIRouter

from services.needs import domain
from services.needs.application import master_data
from services.needs.application.reference import Reference
from services.needs.documents import (
    CompetencyDocument,
    EmployeeDocument,
    PositionDocument,
    UnitDocument,
)
from services.needs.http.schemas import (
    Code,
    CompetencyIn,
    CompetencyLevelOut,
    CompetencyOut,
    EmployeeIn,
    EmployeeOut,
    PositionIn,
    PositionOut,
    UnitIn,
    UnitOut,
    position_out,
)
from services.needs.http.scopes import CallerScope
from shared.http.access import Admin, visible
from shared.http.auth import CurrentPrincipal
from shared.http.pagination import Page, Pagination, page_of
from shared.persistence import get_or_not_found, read_or_not_found


def build_router(reference: Reference) -> APIRouter:
    router = APIRouter()

    @router.put("/units/{code}", tags=["master data"], summary="Create or replace a work unit")
    def put_unit(code: Code, body: UnitIn, _: Admin) -> UnitOut:
        return UnitOut.of(master_data.save_unit(code, body.model_dump(), reference))

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
        return CompetencyOut.of(master_data.save_competency(code, body.model_dump(mode="json"), reference))

    @router.put("/positions/{code}", tags=["master data"], summary="Create or replace a position and its standard")
    def put_position(code: Code, body: PositionIn, _: Admin) -> PositionOut:
        return position_out(master_data.save_position(code, body.model_dump(mode="json"), reference))

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
        return EmployeeOut.of(master_data.save_employee(nip, body.model_dump()))

    @router.get("/employees", tags=["master data"])
    def list_employees(
        scope: CallerScope, page: Pagination, unit_code: str | None = None, supervisor_nip: str | None = None
    ) -> Page[EmployeeOut]:
        given = {"unit_code": unit_code, "supervisor_nip": supervisor_nip}
        employees = scope.records(EmployeeDocument, {k: v for k, v in given.items() if v is not None})
        return page_of(employees.order_by("nip"), page, EmployeeOut.of)

    @router.get(
        "/employees/{nip}/competencies",
        tags=["master data"],
        summary="The position's standard beside the assessed level, per competency, with the gap",
    )
    def get_competencies(nip: str, scope: CallerScope) -> list[CompetencyLevelOut]:
        employee = visible(scope, get_or_not_found(EmployeeDocument, nip, "Pegawai dengan NIP", "Employee with NIP"))
        return [CompetencyLevelOut(**row) for row in master_data.competency_profile(employee)]

    @router.get("/employees/{nip}", tags=["master data"])
    async def get_employee(nip: str, scope: CallerScope) -> EmployeeOut:
        # Async (one read, no worker thread): the console opens a person through it on every page.
        employee = await read_or_not_found(EmployeeDocument, nip, "Pegawai dengan NIP", "Employee with NIP")
        return EmployeeOut.of(visible(scope, employee))

    return router
