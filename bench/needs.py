"""Needs at the size of a real workforce: import (CSV, validated), analysis and publication.

Medan: about 13,000 employees in 51 units; North Sumatra: about 204,000. Twelve competencies per
employee (the nine standard ones and three technical). The bulk path is compared with a per-document
mongoengine path (``Document.save()`` per row) measured in the same run on a sample.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from datetime import UTC, date, datetime
from typing import Any

from bench.common import clean_up
from bench.outbox import needs_relay
from services.needs import bulk, domain
from services.needs.application.master_data import seed_standard_competencies
from services.needs.application.needs import NeedsRules, NeedsService
from services.needs.application.reference import Reference
from services.needs.documents import AssessmentDocument, CompetencyDocument, EmployeeDocument
from services.needs.imports import assessment_id
from services.needs.settings import NeedsSettings
from shared.cache import ReferenceCache
from shared.events import NEED_IDENTIFIED
from shared.messaging.topics import Naming, ensure_topics
from shared.persistence import connect_database, disconnect_database, ensure_indexes

SCALES = {"medan": (13_000, 51), "sumut": (204_000, 400)}
TECHNICAL = ("T.01", "T.02", "T.03")
TYPES = ("administrator", "pengawas", "pelaksana", "fungsional")


def _nip(rng: random.Random, serial: int) -> str:
    birth = date(rng.randint(1965, 1999), rng.randint(1, 12), rng.randint(1, 28))
    appointed = f"{birth.year + rng.randint(22, 26)}{rng.randint(1, 12):02d}"
    return f"{birth:%Y%m%d}{appointed}{rng.randint(1, 2)}{serial % 999 + 1:03d}"  # serial 000 is no NIP


def workforce(employees: int, units: int, seed: int = 7) -> dict[str, str]:
    """CSV files in the import format; about 30 % of assessments fall short of the standard."""
    rng = random.Random(seed)
    unit_rows = ["kode_unit,nama_unit,jenis,kode_unit_induk,garis_depan"]
    unit_rows += [
        f"U{i:03d},Unit {i},{'puskesmas' if i % 3 == 0 else 'opd'},,{'ya' if i % 3 == 0 else 'tidak'}"
        for i in range(units)
    ]
    position_rows = ["kode_jabatan,nama_jabatan,jenis_jabatan,kode_unit,standar"]
    for ptype in TYPES:
        for k in range(5):
            standard = ";".join(f"{t}={rng.randint(2, 4)}" for t in TECHNICAL) + f";M.05={rng.randint(2, 4)}"
            position_rows.append(f"{ptype.upper()}-{k},Jabatan {ptype} {k},{ptype},,{standard}")
    employee_rows = ["nip,nama,kode_unit,kode_jabatan,nip_atasan,status_kepegawaian"]
    assessment_rows = ["nip,kode_kompetensi,level,sumber,tanggal"]
    seen: set[str] = set()
    codes = [c.code for c in domain.STANDARD_COMPETENCIES] + list(TECHNICAL)
    while len(seen) < employees:
        nip = _nip(rng, len(seen))
        if nip in seen:
            continue
        seen.add(nip)
        ptype = rng.choice(TYPES)
        employee_rows.append(
            f"{nip},Pegawai {len(seen)},U{rng.randrange(units):03d},{ptype.upper()}-{rng.randrange(5)},,"
            f"{'PPPK' if rng.random() < 0.2 else 'PNS'}"
        )
        for code in codes:
            shortfall = rng.choices((0, 1, 2), weights=(70, 20, 10))[0]
            assessment_rows.append(f"{nip},{code},{max(1, 3 - shortfall)},assessment_centre,2027-02-01")
    return {
        kind: "\n".join(rows) + "\n"
        for kind, rows in (
            ("units", unit_rows),
            ("positions", position_rows),
            ("employees", employee_rows),
            ("assessments", assessment_rows),
        )
    }


def _per_document_rate(files: dict[str, str], sample: int) -> float:
    """Rows per second through mongoengine, one save() per document (employees + their assessments)."""
    lines = files["employees"].splitlines()[1 : sample + 1]
    nips = {line.split(",")[0] for line in lines}
    assessments = [a.split(",") for a in files["assessments"].splitlines()[1:] if a.split(",")[0] in nips]
    now = datetime.now(UTC)
    started = time.perf_counter()
    for line in lines:
        nip, name, unit, position, _, status = line.split(",")
        EmployeeDocument(
            nip=f"9{nip[1:]}", name=name, unit_code=unit, position_code=position, employment_type=status
        ).save(force_insert=True)
    for nip, code, level, source, day in assessments:
        on = date.fromisoformat(day)
        AssessmentDocument(
            id=assessment_id(f"9{nip[1:]}", code, source, on),
            nip=f"9{nip[1:]}",
            competency_code=code,
            level=int(level),
            source=source,
            assessed_on=on,
            recorded_at=now,
        ).save(force_insert=True)
    return (len(lines) + len(assessments)) / (time.perf_counter() - started)


async def _publish_all(kafka: str, naming: Naming) -> tuple[int, float]:
    broker, relay = needs_relay(kafka, naming, batch_size=2000)
    await broker.start()
    try:
        started, total = time.perf_counter(), 0
        while published := await relay.run_once():
            total += published
        return total, time.perf_counter() - started
    finally:
        await broker.stop()


def noop(phase: str, done: int, total: int) -> None:
    """Progress of an import or analysis, unreported in a benchmark."""


def load_workforce(
    settings: NeedsSettings, scale: str
) -> tuple[dict[str, str], dict[str, int], float, NeedsService, dict[str, Any], float]:
    """Import a workforce of ``scale`` into the (connected) needs database and analyse it: the files,
    their row counts, the import's seconds, the service, the analysis report and its seconds."""
    employees, units = SCALES[scale]
    ensure_indexes(settings, bulk.DOCUMENTS.values())
    seed_standard_competencies()
    for code in TECHNICAL:
        CompetencyDocument(code=code, name=f"Teknis {code}", kind="technical").save()
    print(f"\n[{scale}] generating {employees:,} employees x 12 competencies ...", flush=True)
    files = workforce(employees, units)
    rows = {k: v.count("\n") - 1 for k, v in files.items()}

    reference = Reference(
        ReferenceCache(
            ttl_s=settings.reference_cache_ttl_s,
            max_entries=settings.reference_cache_max_entries,
            service=settings.service_name,
        )
    )
    started = time.perf_counter()
    for kind in ("units", "positions", "employees", "assessments"):
        report = bulk.import_file(kind, files[kind].encode(), "text/csv", noop, settings.import_limits(), reference)
        assert report["inserted"] == rows[kind], report
    import_s = time.perf_counter() - started
    print(f"[{scale}] imported {sum(rows.values()):,} rows in {import_s:.1f} s", flush=True)

    service = NeedsService(
        rules=NeedsRules(priority=settings.rules(), jp_rules=settings.jp_rules(), skm=settings.skm_policy()),
        notify=lambda: None,
        reference=reference,
    )
    started = time.perf_counter()
    report = bulk.analyse_all(service, 2027, noop)
    analysis_s = time.perf_counter() - started
    print(f"[{scale}] analysis: {report['needs_open']:,} needs in {analysis_s:.1f} s", flush=True)
    return files, rows, import_s, service, report, analysis_s


def run(kafka: str, mongo: str, scale: str) -> dict[str, Any]:
    employees, units = SCALES[scale]
    namespace = f"bench{uuid.uuid4().hex[:8]}"
    naming = Naming(namespace)
    ensure_topics(kafka, [naming(NEED_IDENTIFIED.topic)], partitions=6, replication_factor=1, retention_ms=3_600_000)
    settings = NeedsSettings(mongodb_uri=mongo, mongodb_database=f"{namespace}_needs")
    connect_database(settings)
    try:
        files, rows, import_s, service, report, analysis_s = load_workforce(settings, scale)
        published, publish_s = asyncio.run(_publish_all(kafka, naming))
        print(f"[{scale}] published {published:,} NeedIdentified in {publish_s:.1f} s", flush=True)

        started = time.perf_counter()
        rerun = bulk.analyse_all(service, 2027, noop)
        rerun_s = time.perf_counter() - started
        assert rerun["new"] == 0 and rerun["unchanged"] == report["needs_open"], rerun

        bulk_rows_per_s = (rows["employees"] + rows["assessments"]) / import_s
        per_doc_rows_per_s = _per_document_rate(files, sample=300)
    finally:
        disconnect_database(settings)
        clean_up(kafka, mongo, namespace)

    result = {
        "benchmark": f"needs-{scale}",
        "employees": employees,
        "units": units,
        "rows_imported": sum(rows.values()),
        "needs": report["needs_open"],
        "import_s": round(import_s, 2),
        "analysis_s": round(analysis_s, 2),
        "publication_s": round(publish_s, 2),
        "rerun_analysis_s": round(rerun_s, 2),
        "employees_per_s_end_to_end": round(employees / (import_s + analysis_s + publish_s), 1),
        "needs_per_s_analysis_and_publication": round(report["needs_open"] / (analysis_s + publish_s), 1),
        "import_rows_per_s_bulk": round(bulk_rows_per_s, 1),
        "import_rows_per_s_per_document": round(per_doc_rows_per_s, 1),
        "ratio_bulk_vs_per_document": round(bulk_rows_per_s / per_doc_rows_per_s, 2),
    }
    print(f"[{scale}] " + ", ".join(f"{k}={v}" for k, v in result.items() if k != "benchmark"))
    return result
