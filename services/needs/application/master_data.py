"""Master data: work units, the competency dictionary, positions with their standards, employees. Plain
saves: none of it is announced (the needs computed from it are)."""

from __future__ import annotations

from typing import Any

from services.needs import domain
from services.needs.documents import CompetencyDocument, EmployeeDocument, PositionDocument, UnitDocument
from shared.domain.errors import Invalid
from shared.domain.nip import Nip
from shared.persistence import get_or_not_found, levels_to_documents


def seed_standard_competencies() -> None:
    """The managerial and socio-cultural dictionary exists in every deployment."""
    for c in domain.STANDARD_COMPETENCIES:
        CompetencyDocument.objects(code=c.code).update_one(
            upsert=True, set_on_insert__name=c.name, set_on_insert__kind=c.kind.value, set_on_insert__weight=c.weight
        )


def save_unit(code: str, fields: dict[str, Any]) -> UnitDocument:
    if fields["parent_code"]:
        get_or_not_found(UnitDocument, fields["parent_code"], "Unit induk", "Parent unit")
    UnitDocument(code=code, **fields).save()
    return get_or_not_found(UnitDocument, code, "Unit kerja", "Work unit")


def save_competency(code: str, fields: dict[str, Any]) -> CompetencyDocument:
    """A technical competency; the managerial and socio-cultural dictionary is fixed (PermenPANRB 38/2017)."""
    if fields["kind"] != domain.CompetencyKind.TECHNICAL or code in {c.code for c in domain.STANDARD_COMPETENCIES}:
        raise Invalid(
            "standard_competency",
            "Kompetensi manajerial dan sosial-kultural sudah baku; hanya kompetensi teknis yang dapat diubah.",
            "Managerial and socio-cultural competencies are fixed; only technical ones can be authored.",
        )
    if fields["unit_code"]:
        get_or_not_found(UnitDocument, fields["unit_code"], "Unit kerja", "Work unit")
    CompetencyDocument(code=code, **fields).save()
    return get_or_not_found(CompetencyDocument, code, "Kompetensi", "Competency")


def save_position(code: str, fields: dict[str, Any]) -> PositionDocument:
    """A position and its standard: required levels over the defaults of its type."""
    unknown = [c for c in fields["standard"] if CompetencyDocument.objects(code=c).count() == 0]
    if unknown:
        raise Invalid(
            "unknown_competency",
            f"Kompetensi tidak dikenal: {', '.join(unknown)}.",
            f"Unknown competencies: {', '.join(unknown)}.",
        )
    PositionDocument(code=code, **fields | {"standard": levels_to_documents(fields["standard"])}).save()
    return get_or_not_found(PositionDocument, code, "Jabatan", "Position")


def save_employee(raw_nip: str, fields: dict[str, Any]) -> EmployeeDocument:
    """An employee under a valid NIP (Perka BKN 22/2007), in a unit and position that exist."""
    nip = Nip.parse(raw_nip).value
    get_or_not_found(UnitDocument, fields["unit_code"], "Unit kerja", "Work unit")
    get_or_not_found(PositionDocument, fields["position_code"], "Jabatan", "Position")
    if fields["supervisor_nip"]:
        Nip.parse(fields["supervisor_nip"])
    EmployeeDocument(nip=nip, **fields).save()
    return get_or_not_found(EmployeeDocument, nip, "Pegawai dengan NIP", "Employee with NIP")
