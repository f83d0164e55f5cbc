"""Master data: work units, the competency dictionary, positions with their standards, employees. Plain
saves: none of it is announced (the needs computed from it are)."""

from __future__ import annotations

from typing import Any

from services.needs import domain
from services.needs.application.reference import COMPETENCIES, POSITIONS, UNITS, Reference
from services.needs.documents import (
    AssessmentDocument,
    CompetencyDocument,
    EmployeeDocument,
    PositionDocument,
    UnitDocument,
)
from shared.domain.errors import Invalid
from shared.domain.nip import Nip
from shared.persistence import get_or_not_found, levels_from_documents, levels_to_documents


def seed_standard_competencies() -> None:
    """The managerial and socio-cultural dictionary exists in every deployment."""
    for c in domain.STANDARD_COMPETENCIES:
        CompetencyDocument.objects(code=c.code).update_one(
            upsert=True, set_on_insert__name=c.name, set_on_insert__kind=c.kind.value, set_on_insert__weight=c.weight
        )


def save_unit(code: str, fields: dict[str, Any], reference: Reference) -> UnitDocument:
    if fields["parent_code"]:
        get_or_not_found(UnitDocument, fields["parent_code"], "Unit induk", "Parent unit")
    UnitDocument(code=code, **fields).save()
    reference.changed(UNITS, code)
    return get_or_not_found(UnitDocument, code, "Unit kerja", "Work unit")


def save_competency(code: str, fields: dict[str, Any], reference: Reference) -> CompetencyDocument:
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
    reference.changed(COMPETENCIES, code)
    return get_or_not_found(CompetencyDocument, code, "Kompetensi", "Competency")


def save_position(code: str, fields: dict[str, Any], reference: Reference) -> PositionDocument:
    """A position and its standard: required levels over the defaults of its type."""
    unknown = [c for c in fields["standard"] if CompetencyDocument.objects(code=c).count() == 0]
    if unknown:
        raise Invalid(
            "unknown_competency",
            f"Kompetensi tidak dikenal: {', '.join(unknown)}.",
            f"Unknown competencies: {', '.join(unknown)}.",
        )
    PositionDocument(code=code, **fields | {"standard": levels_to_documents(fields["standard"])}).save()
    reference.changed(POSITIONS, code)
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


def competency_profile(employee: EmployeeDocument) -> list[dict[str, Any]]:
    """The employee's position standard beside the assessment that counts for each competency (the most
    trusted source, then the most recent: domain.effective_assessment), with the gap where both exist."""
    position = get_or_not_found(PositionDocument, employee.position_code, "Jabatan", "Position")
    required = domain.required_levels(domain.PositionType(position.type), levels_from_documents(position.standard))
    assessed: dict[str, list[domain.Assessment]] = {}
    for a in AssessmentDocument.objects(nip=employee.nip):
        assessed.setdefault(a.competency_code, []).append(
            domain.Assessment(a.competency_code, a.level, domain.AssessmentSource(a.source), a.assessed_on)
        )
    codes = sorted(set(required) | set(assessed))
    names = {c.code: c.name for c in CompetencyDocument.objects(code__in=codes)}
    rows = []
    for code in codes:
        counted = domain.effective_assessment(assessed.get(code, []))
        level = required.get(code)
        rows.append(
            {
                "competency_code": code,
                "competency_name": names.get(code, code),
                "required_level": level,
                "assessed_level": counted.level if counted else None,
                "source": counted.source.value if counted else None,
                "assessed_on": counted.assessed_on if counted else None,
                "gap": max(0, level - counted.level) if counted and level is not None else None,
            }
        )
    return rows
