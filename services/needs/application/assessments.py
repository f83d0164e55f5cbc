"""Many assessments in one request: an assessment centre delivers its results as a file.

Validated whole before anything is written (every NIP and competency known, every employee the
caller's to assess), so an invalid list writes nothing. Then the assessments are written in bulk and
each (employee, competency, fiscal year) they touch is analysed as ``POST /assessments`` does.

What is atomic on FerretDB v1, which has no multi-document transactions: each assessment document,
and each need with its NeedIdentified/NeedResolved (one document, its outbox embedded), but not the
request. A crash part-way leaves some assessments written, some analyses not run. Sending the same
body again completes it: assessment ids are deterministic (``assessment_id``), so they are replaced,
not duplicated; and an analysis of unchanged data announces nothing, so a retry raises no new events.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from pymongo import ReplaceOne

from services.needs import domain
from services.needs.application.needs import NeedsService, RecordAssessment, assessment_document
from services.needs.application.reference import competency_of
from services.needs.documents import AssessmentDocument, CompetencyDocument, EmployeeDocument
from shared.domain.errors import Invalid, InvalidItems
from shared.domain.nip import Nip
from shared.persistence import bulk_write, objects_in

MAX_REPORTED = 20


def record_assessments(
    service: NeedsService, cmds: Sequence[RecordAssessment], *, supervisor_nip: str | None
) -> dict[str, int]:
    """``supervisor_nip``: the caller when a supervisor, who may assess direct reports only; None for
    BKPSDM. Returns how many assessments were written and how many needs were analysed."""
    employees = {e.nip: e for e in objects_in(EmployeeDocument.objects, "nip", [c.nip for c in cmds])}
    competencies = {c.code: c for c in CompetencyDocument.objects}
    problems: list[dict[str, Any]] = []

    def problem(index: int, field: str, message_id: str, message_en: str) -> None:
        problems.append({"index": index, "field": field, "message": message_id, "message_en": message_en})

    for index, cmd in enumerate(cmds):
        employee = employees.get(cmd.nip)
        try:
            Nip.parse(cmd.nip)
        except Invalid as exc:
            problem(index, "nip", exc.message_id, exc.message_en)
            continue
        if employee is None:
            problem(index, "nip", f"Pegawai dengan NIP {cmd.nip} tidak ditemukan.", f"Employee {cmd.nip} not found.")
        elif supervisor_nip is not None and employee.supervisor_nip != supervisor_nip:
            problem(index, "nip", "Pegawai ini bukan bawahan langsung Anda.", "Not your direct report.")
        if cmd.competency_code not in competencies:
            problem(
                index,
                "competency_code",
                f"Kompetensi {cmd.competency_code} tidak ditemukan.",
                f"Competency {cmd.competency_code} not found.",
            )
    if problems:
        raise InvalidItems(
            f"{len(problems)} kesalahan; tidak ada penilaian yang disimpan.",
            f"{len(problems)} errors; no assessment was saved.",
            problems[:MAX_REPORTED],
        )
    now = datetime.now(UTC)
    rows = []
    for cmd in cmds:
        doc = assessment_document(cmd, now)
        rows.append(ReplaceOne({"_id": doc.id}, doc.to_mongo().to_dict(), upsert=True))
    bulk_write(AssessmentDocument._get_collection(), rows)
    # Every need is its own atomic write with its event (through the outbox); the relay, woken by
    # each, publishes them in rounds.
    touched = dict.fromkeys((c.nip, c.competency_code, domain.fiscal_year_of(c.assessed_on)) for c in cmds)
    for nip, code, year in touched:
        service.analyse(employees[nip], code, fiscal_year=year, competency=competency_of(competencies[code]))
    return {"assessments": len(rows), "analysed": len(touched)}
