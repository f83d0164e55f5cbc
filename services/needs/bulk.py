"""Work at the scale of a whole city or province: background jobs with progress, bulk imports and the
analysis of every employee at once.

Both read each collection once, compute in memory with the rules in ``domain``, and write only what
changes: new documents in bulk (``insert_many``; new needs with their events via ``insert_all``),
changed ones one by one. Re-running on unchanged data therefore writes nothing and announces nothing.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from mongoengine import Document

from services.needs import domain, imports
from services.needs.application.needs import NeedsService, fill_need, need_identified, spec_of
from services.needs.application.reference import IMPORTED, Reference
from services.needs.documents import (
    AssessmentDocument,
    CompetencyDocument,
    EmployeeDocument,
    JobDocument,
    NeedDocument,
    PerformanceDocument,
    PositionDocument,
    UnitDocument,
)
from shared.events import NEED_IDENTIFIED, NeedSource
from shared.messaging.outbox import insert_all, new_event

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
CHUNK = 5000

DOCUMENTS: dict[str, type[Document]] = {
    "units": UnitDocument,
    "positions": PositionDocument,
    "employees": EmployeeDocument,
    "assessments": AssessmentDocument,
}


class Rejected(Exception):
    """The input is invalid as a whole; ``report`` says why, and nothing was written."""

    def __init__(self, report: dict[str, Any]) -> None:
        super().__init__("rejected")
        self.report = report


class Jobs:
    """Runs work in a background thread, recording progress in the job document (at most every
    ``interval_s``) so a client can poll ``GET /jobs/{id}``."""

    def __init__(self, interval_s: float = 0.5) -> None:
        self.interval_s = interval_s

    def start(self, kind: str, created_by: str, work: Callable[[Progress], dict[str, Any]]) -> JobDocument:
        now = datetime.now(UTC)
        job = JobDocument(
            id=uuid.uuid4().hex,
            kind=kind,
            status="running",
            phase="queued",
            created_by=created_by,
            created_at=now,
            updated_at=now,
        )
        job.save(force_insert=True)
        threading.Thread(target=self._run, args=(job.id, work), name=f"job-{kind}", daemon=True).start()
        return job

    def _run(self, job_id: str, work: Callable[[Progress], dict[str, Any]]) -> None:
        last = 0.0

        def progress(phase: str, processed: int, total: int) -> None:
            nonlocal last
            if time.monotonic() - last >= self.interval_s or processed == total:
                last = time.monotonic()
                JobDocument.objects(id=job_id).update_one(
                    set__phase=phase, set__processed=processed, set__total=total, set__updated_at=datetime.now(UTC)
                )

        try:
            fields: dict[str, Any] = {"status": "done", "report": work(progress)}
        except Rejected as rejected:
            fields = {"status": "rejected", "report": rejected.report}
        except BaseException as exc:
            # Whatever ends the thread, the job must not be left 'running'.
            log.exception("job %s failed", job_id)
            self._finish(job_id, {"status": "failed", "error": f"{type(exc).__name__}: {exc}"[:2000]})
            if not isinstance(exc, Exception):
                raise
            return
        self._finish(job_id, fields)

    @staticmethod
    def _finish(job_id: str, fields: dict[str, Any]) -> None:
        def write(values: dict[str, Any]) -> None:
            JobDocument.objects(id=job_id).update_one(
                **{f"set__{k}": v for k, v in values.items()}, set__phase="finished", set__updated_at=datetime.now(UTC)
            )

        try:
            write(fields)
        except Exception as exc:
            # E.g. a report over the database's 16 MB document limit: the job still ends, and says why.
            # Should the database itself be gone, the job is marked failed at the next start-up.
            log.exception("job %s: its outcome could not be stored", job_id)
            write(
                {
                    "status": "failed",
                    "error": f"the job ended '{fields['status']}' but its outcome could not be stored "
                    f"({type(exc).__name__}: {str(exc)[:500]})",
                }
            )

    @staticmethod
    def mark_interrupted() -> None:
        """Jobs still 'running' at start-up died with the previous process; they are safe to re-run."""
        JobDocument.objects(status="running").update(
            set__status="failed",
            set__error="interrupted by a restart; run it again (imports and analyses are idempotent)",
            set__updated_at=datetime.now(UTC),
        )


def _stored(record: dict[str, Any]) -> dict[str, Any]:
    """A record with dates as the database keeps them (datetimes); None means "no value"."""
    return {
        k: datetime(v.year, v.month, v.day) if isinstance(v, date) and not isinstance(v, datetime) else v
        for k, v in record.items()
    }


def _same(existing: dict[str, Any], record: dict[str, Any]) -> bool:
    def norm(v: Any) -> Any:
        return v.replace(tzinfo=None) if isinstance(v, datetime) else v

    return all(norm(existing.get(k)) == norm(v) for k, v in record.items())


def _analyse_fresh(service: NeedsService, nip: str, competency_code: str, fiscal_year: int) -> None:
    employee = EmployeeDocument.objects(nip=nip).first()
    if employee is None:
        service.resolve_need(domain.need_id(fiscal_year, nip, competency_code))
    else:
        service.analyse(employee, competency_code, fiscal_year=fiscal_year)


def _keys(doc_type: type[Document]) -> frozenset[str]:
    # Not distinct(): FerretDB v1 deduplicates in a way that grew quadratically here (204,000 NIPs
    # kept it busy for minutes); reading the ids is one plain scan.
    return frozenset(d["_id"] for d in doc_type._get_collection().find({}, {"_id": 1}))


def import_file(
    kind: str,
    content: bytes,
    content_type: str,
    progress: Progress,
    limits: imports.ImportLimits,
    reference: Reference,
) -> dict[str, Any]:
    """Validate every row, then write the file's records; a single bad row rejects the whole file.
    Units and positions written are forgotten by the reference cache, so this process reads them next."""
    progress("reading", 0, 0)
    try:
        rows = imports.read_rows(content, content_type, limits)
        known = imports.Known(
            units=_keys(UnitDocument),
            positions=_keys(PositionDocument),
            employees=_keys(EmployeeDocument) if kind == "assessments" else frozenset(),
            competencies=_keys(CompetencyDocument),
        )
        progress("validating", 0, len(rows))
        validated = imports.validate(kind, rows, known)
    except imports.UnreadableFile as exc:
        error = _reported(None, None, exc.message_id, exc.message_en)
        raise Rejected({"rows": 0, "error_count": 1, "errors": [error]}) from None
    if validated.errors:
        # The first errors and how many there are: every error of a large bad file would pass the
        # database's document limit (65,000 rows did), and nobody reads past the first screens anyway.
        raise Rejected(
            {
                "rows": len(rows),
                "valid_rows": len(rows) - len({e.line for e in validated.errors}),
                "error_count": len(validated.errors),
                "errors": [
                    _reported(e.line, e.column, e.message_id, e.message_en)
                    for e in validated.errors[: limits.max_reported_errors]
                ],
            }
        )
    try:
        return write_records(kind, validated.records, progress)
    finally:
        # Also after a failure part-way: what was written before it is then stored.
        if kind in IMPORTED:
            reference.changed(IMPORTED[kind])


def _reported(line: int | None, column: str | None, message_id: str, message_en: str) -> dict[str, Any]:
    cut = imports.MAX_MESSAGE_CHARS
    return {"line": line, "column": column, "message": message_id[:cut], "message_en": message_en[:cut]}


def write_records(kind: str, records: list[dict[str, Any]], progress: Progress) -> dict[str, Any]:
    coll = DOCUMENTS[kind]._get_collection()
    now = datetime.now(UTC)
    stored = [_stored(r | ({"recorded_at": now} if kind == "assessments" else {})) for r in records]
    existing = {d["_id"]: d for d in coll.find({})}
    new = [r for r in stored if r["_id"] not in existing]
    # The recording time is not part of what an assessment says: it does not make a row "changed".
    compared = [{k: v for k, v in r.items() if k != "recorded_at"} for r in stored]
    changed = [
        r for r, c in zip(stored, compared, strict=True) if r["_id"] in existing and not _same(existing[r["_id"]], c)
    ]
    total, done = len(new) + len(changed), 0
    defaults = imports.DEFAULTS[kind]
    for chunk in imports.chunks(new, CHUNK):
        # As mongoengine writes them: no empty fields; defaults for columns the file did not have.
        coll.insert_many([defaults | {k: v for k, v in r.items() if v is not None} for r in chunk], ordered=True)
        done += len(chunk)
        progress("writing", done, total)
    for record in changed:
        update: dict[str, Any] = {"$set": {k: v for k, v in record.items() if v is not None and k != "_id"}}
        if cleared := {k: "" for k, v in record.items() if v is None}:
            update["$unset"] = cleared
        coll.update_one({"_id": record["_id"]}, update)
        done += 1
        progress("writing", done, total)
    return {
        "rows": len(records),
        "inserted": len(new),
        "updated": len(changed),
        "unchanged": len(records) - len(new) - len(changed),
    }


def analyse_all(service: NeedsService, fiscal_year: int, progress: Progress) -> dict[str, Any]:
    """The competency-gap analysis of every employee: one read per collection, then only the needs that
    are new (in bulk, with their NeedIdentified), changed or resolved are written."""
    progress("reading", 0, 0)
    rules = service.rules
    front_line = {
        u["_id"]: u.get("front_line", False) for u in UnitDocument._get_collection().find({}, {"front_line": 1})
    }
    competencies = {
        c["_id"]: domain.Competency(c["_id"], c["name"], domain.CompetencyKind(c["kind"]), c.get("weight", 1.0))
        for c in CompetencyDocument._get_collection().find({})
    }
    standards = {
        p["_id"]: domain.required_levels(
            domain.PositionType(p["type"]), {s["code"]: s["level"] for s in p.get("standard", [])}
        )
        for p in PositionDocument._get_collection().find({})
    }
    performance = {
        p["nip"]: domain.performance_gap(p["target"], p["realisation"])
        for p in PerformanceDocument._get_collection().find({"fiscal_year": fiscal_year})
    }
    assessed: dict[tuple[str, str], list[domain.Assessment]] = defaultdict(list)
    for a in AssessmentDocument._get_collection().find(
        {}, {"nip": 1, "competency_code": 1, "level": 1, "source": 1, "assessed_on": 1}
    ):
        assessed[(a["nip"], a["competency_code"])].append(
            domain.Assessment(
                a["competency_code"], a["level"], domain.AssessmentSource(a["source"]), a["assessed_on"].date()
            )
        )
    existing = {
        n["_id"]: n
        for n in NeedDocument._get_collection().find(
            {"fiscal_year": fiscal_year, "source": NeedSource.COMPETENCY_GAP.value}, {"outbox": 0}
        )
    }
    employees = list(EmployeeDocument._get_collection().find({}))
    found: set[str] = set()
    new: list[tuple[NeedDocument, list[Any]]] = []
    changed: list[tuple[domain.NeedSpec, dict[str, Any]]] = []
    now = datetime.now(UTC)
    for index, employee in enumerate(employees, 1):
        nip, required = employee["_id"], standards.get(employee["position_code"], {})
        for code, level in required.items():
            effective = domain.effective_assessment(assessed.get((nip, code), []))
            if effective is None or code not in competencies:
                continue
            finding = domain.analyse_gap(
                competencies[code],
                level,
                effective,
                front_line=front_line.get(employee["unit_code"], False),
                policy=rules.priority,
                performance_gap=performance.get(nip, 0.0),
            )
            if finding is None:
                continue
            spec = finding.need(
                nip=nip,
                unit_code=employee["unit_code"],
                competency_name=competencies[code].name,
                fiscal_year=fiscal_year,
            )
            found.add(spec.need_id)
            if spec.need_id not in existing:
                need = fill_need(
                    NeedDocument(id=spec.need_id, identified_at=now),
                    spec,
                    employee,
                    now,
                )
                new.append((need, [new_event(NEED_IDENTIFIED, need_identified(need), subject=nip)]))
            else:
                changed.append((spec, employee))
        if index % 1000 == 0:
            progress("analysing", index, len(employees))
    progress("analysing", len(employees), len(employees))

    written = 0
    for chunk in imports.chunks(new, CHUNK):
        written += insert_all(chunk)
        for year_unit in {(need.fiscal_year, need.unit_code) for need, _ in chunk}:
            service.touched(*year_unit)
        progress("writing", written, len(new))
    service.notify()
    # What changed since the snapshot was read is decided again from fresh data, one need at a time
    # (few, on a re-run), so an assessment recorded while the job ran is never overwritten by it.
    updated = 0
    for spec, employee in changed:
        before = existing[spec.need_id]
        if before["status"] == domain.NeedStatus.OPEN and not spec_of(
            NeedDocument._from_son(before)
        ).differs_materially(spec, rules.priority_announce_delta):
            continue
        _analyse_fresh(service, employee["_id"], spec.competency_code, fiscal_year)
        updated += 1
    resolved = 0
    for need_id, before in existing.items():
        if need_id not in found and before["status"] == domain.NeedStatus.OPEN:
            _analyse_fresh(service, before["nip"], before["competency_code"], fiscal_year)
            resolved += 1
    return {
        "fiscal_year": fiscal_year,
        "employees": len(employees),
        "needs_open": len(found),
        "new": len(new),
        "updated": updated,
        "resolved": resolved,
        "unchanged": len(found) - len(new) - updated,
    }
