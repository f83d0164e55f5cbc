"""Lookups against collection size: find_one by _id, find_one by an indexed field, update_one by _id with
a version guard, at 1,000, 100,000 and 1,000,000 documents of one collection, each with the lookup
indexes start-up creates (shared/ferretdb.py) and, on FerretDB, without them (FerretDB's own indexes only,
as before) in the same run; then GET /employees/{nip} through the needs service at 1,000 and 100,000
employees, both ways.

The collection grows in place (inserts pay for the indexes, as in service); before each measurement
without, the lookup indexes are dropped, and start-up's own step builds them again (timed: that is what
the first start after an upgrade costs at that size). Target: flat, at most 2x from 1k to 1M.

Sizes: BENCH_LOOKUP_SIZES (1000,100000,1000000), BENCH_LOOKUP_API_SIZES (1000,100000); lookups per
measurement: BENCH_LOOKUP_OPS (300; a tenth of that without indexes past 100,000 documents, where each
one scans). PostgreSQL under FerretDB: FERRETDB_POSTGRESQL_URL (infra/local.sh's by default).
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import psycopg
from mongoengine import BooleanField, Document, IntField, StringField
from psycopg import sql

from bench.common import clean_up, postgresql_url
from services.needs.documents import EmployeeDocument
from services.needs.settings import NeedsSettings
from shared.ferretdb import LookupReport, is_ferretdb
from shared.http.auth import Role, mint_token
from shared.persistence import connect_database, disconnect_database, document_meta, ensure_indexes
from shared.settings import ServiceSettings
from tests.support.processes import ServiceProcess

ALIAS = "bench-lookups"


class NeedLike(Document):
    """The shape of a stored need: an _id of year, NIP and competency; the NIP, the unit and the outbox
    flag indexed, as NeedDocument's."""

    meta = document_meta(ALIAS, "needs", "nip", "unit_code", "outbox_pending")

    id = StringField(primary_key=True)
    nip = StringField()
    unit_code = StringField()
    fiscal_year = IntField()
    competency_code = StringField()
    status = StringField()
    priority = IntField()
    version = IntField()
    outbox_pending = BooleanField()


def _need(i: int) -> dict[str, Any]:
    nip = f"1990{i:014d}"
    return {
        "_id": f"2027-{nip}-M.05",
        "nip": nip,
        "unit_code": f"U{i % 400:03d}",
        "fiscal_year": 2027,
        "competency_code": "M.05",
        "status": "open",
        "priority": i % 7,
        "reason_id": "Kesenjangan kompetensi manajerial M.05 antara standar jabatan dan hasil asesmen",
        "reason_en": "Managerial competency gap M.05 between the position's standard and the assessment",
        "version": 1,
        "outbox": [],
        "outbox_pending": i % 1000 == 0,
    }


def _grow(coll: Any, have: int, want: int, make: Any) -> float:
    """Insert documents have..want-1 in commands of 1,000; returns documents per second."""
    started = time.perf_counter()
    for start in range(have, want, 1000):
        coll.insert_many([make(i) for i in range(start, min(start + 1000, want))], ordered=False)
    return (want - have) / (time.perf_counter() - started) if want > have else 0.0


def _ms_per_op(ops: int, size: int, action: Any) -> float:
    """Median milliseconds of ``ops`` operations on random keys: the median, so that a pause of the shared
    machine does not pass for a cost of the lookup."""
    rng = random.Random(size)
    keys = [rng.randrange(size) for _ in range(ops)]
    action(keys[0])  # connection and statement warm
    took = []
    for k in keys:
        started = time.perf_counter()
        action(k)
        took.append(time.perf_counter() - started)
    return statistics.median(took) * 1000


def _drop_lookup_indexes(url: str, schema: str) -> int:
    with psycopg.connect(url, autocommit=True) as pg:
        names = [
            n
            for (n,) in pg.execute(
                "SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                "WHERE n.nspname = %s AND c.relkind = 'i' AND c.relname LIKE '%%\\_lookup'",
                [schema],
            ).fetchall()
        ]
        for name in names:
            pg.execute(sql.SQL("DROP INDEX {}").format(sql.Identifier(schema, name)))
    return len(names)


def _rebuild(settings: ServiceSettings, documents: list[type[Document]]) -> tuple[float, LookupReport]:
    started = time.perf_counter()
    report = ensure_indexes(settings, documents)
    if not report.indexed:
        raise RuntimeError(f"lookups not indexed: {report.problems}")
    return time.perf_counter() - started, report


def _driver(mongo: str, namespace: str, url: str, sizes: list[int], ops: int) -> dict[str, Any]:
    settings = ServiceSettings(
        service_name=ALIAS,
        http_port=1,
        mongodb_uri=mongo,
        mongodb_database=f"{namespace}_lookups",
        ferretdb_postgresql_url=url,
    )
    connect_database(settings)
    try:
        coll = NeedLike._get_collection()
        ferret = is_ferretdb(coll.database)
        _, report = _rebuild(settings, [NeedLike])
        rows: dict[int, dict[str, Any]] = {}
        have = 0
        for size in sizes:
            print(f"[lookups] growing the collection to {size:,} documents ...", flush=True)
            rate = _grow(coll, have, size, _need)
            have = size
            shapes = {
                "find_one _id": lambda i: coll.find_one({"_id": f"2027-1990{i:014d}-M.05"}),
                "find_one nip": lambda i: coll.find_one({"nip": f"1990{i:014d}"}),
                "update_one _id+version": lambda i: coll.update_one(
                    {"_id": f"2027-1990{i:014d}-M.05", "version": 1}, {"$set": {"priority": 9}}
                ),
            }
            row: dict[str, Any] = {"insert_docs_per_s": rate, "indexed_ms": {}, "scanned_ms": {}}
            for name, action in shapes.items():
                row["indexed_ms"][name] = _ms_per_op(ops, size, action)
            if ferret:
                _drop_lookup_indexes(url, coll.database.name)
                few = ops if size <= 100_000 else max(ops // 10, 10)
                for name, action in shapes.items():
                    row["scanned_ms"][name] = _ms_per_op(few, size, action)
                row["build_s"], report = _rebuild(settings, [NeedLike])
            rows[size] = row
            print(
                f"[lookups] {size:>9,}: "
                + ", ".join(f"{k} {v:.2f} ms" for k, v in row["indexed_ms"].items())
                + (f"; without lookup indexes {row['scanned_ms']['find_one _id']:.1f} ms by _id" if ferret else ""),
                flush=True,
            )
        return {"ferretdb": ferret, "rows": rows, "warnings": report.warnings}
    finally:
        disconnect_database(settings)


def _employee(i: int) -> dict[str, Any]:
    return {
        "_id": f"1985{i:014d}",
        "name": f"Pegawai {i}",
        "unit_code": f"U{i % 400:03d}",
        "position_code": f"JAB-{i % 50:02d}",
        "employment_type": "PNS" if i % 5 else "PPPK",
    }


def _api(kafka: str, mongo: str, namespace: str, url: str, sizes: list[int], ops: int) -> dict[str, Any]:
    """GET /employees/{nip} through the needs service (a uvicorn process), employees written directly."""
    token = mint_token(
        ServiceSettings(service_name="bench", http_port=1),
        nip="197805122003121002",
        roles=[Role.BKPSDM_ADMIN],
        unit_code="BKPSDM",
    )
    database = f"{namespace}_needs"
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "MONGODB_URI": mongo,
        "MONGODB_DATABASE": database,
        "KAFKA_NAMESPACE": namespace,
        "FERRETDB_POSTGRESQL_URL": url,
        "JP_CHECK_ENABLED": "false",
        "LOG_LEVEL": "WARNING",
    }
    service = ServiceProcess("needs", env, Path(tempfile.mkdtemp(prefix="bench-lookups-"))).start().wait_ready(180)
    settings = NeedsSettings(mongodb_uri=mongo, mongodb_database=database, ferretdb_postgresql_url=url)
    connect_database(settings)
    try:
        coll = EmployeeDocument._get_collection()
        ferret = is_ferretdb(coll.database)
        nips: list[str] = []
        rows: dict[int, dict[str, float]] = {}
        with httpx.Client(base_url=service.url, headers={"Authorization": f"Bearer {token}"}, timeout=60) as http:

            def get(i: int) -> None:
                response = http.get(f"/employees/{nips[i]}")
                if response.status_code != 200:
                    raise RuntimeError(f"GET /employees/{nips[i]}: {response.status_code} {response.text}")

            for size in sizes:
                print(f"[lookups] {size:,} employees behind GET /employees/{{nip}} ...", flush=True)
                docs = [_employee(i) for i in range(len(nips), size)]
                for start in range(0, len(docs), 1000):
                    coll.insert_many(docs[start : start + 1000], ordered=False)
                nips += [d["_id"] for d in docs]
                row = {"indexed_ms": _ms_per_op(ops, size, get)}
                if ferret:
                    _drop_lookup_indexes(url, database)
                    row["scanned_ms"] = _ms_per_op(ops if size <= 100_000 else ops // 10, size, get)
                    _rebuild(settings, [EmployeeDocument])
                rows[size] = row
        return {"rows": rows}
    finally:
        disconnect_database(settings)
        service.stop()


def _sizes(name: str, default: str) -> list[int]:
    return [int(s) for s in os.environ.get(name, default).split(",") if s.strip()]


def run(kafka: str, mongo: str) -> dict[str, Any]:
    sizes = _sizes("BENCH_LOOKUP_SIZES", "1000,100000,1000000")
    api_sizes = _sizes("BENCH_LOOKUP_API_SIZES", "1000,100000")
    ops = int(os.environ.get("BENCH_LOOKUP_OPS", "300"))
    url = postgresql_url()
    namespace = f"benchlk{uuid.uuid4().hex[:8]}"
    try:
        driver = _driver(mongo, namespace, url, sizes, ops)
        api = _api(kafka, mongo, namespace, url, api_sizes, ops)
    finally:
        clean_up(kafka, mongo, namespace)

    rows, first, last = driver["rows"], sizes[0], sizes[-1]
    shapes = list(rows[first]["indexed_ms"])
    print(f"\nlookups on one collection (median ms per operation of {ops}, one client)")
    header = f"{'documents':>10}" + "".join(f"{s:>24}" for s in shapes)
    print(header + ("   without lookup indexes (_id / nip / update)   build s" if driver["ferretdb"] else ""))
    for size, row in rows.items():
        line = f"{size:>10,}" + "".join(f"{row['indexed_ms'][s]:>24.2f}" for s in shapes)
        if driver["ferretdb"]:
            scanned = " / ".join(f"{row['scanned_ms'][s]:.1f}" for s in shapes)
            line += f"   {scanned:>36}   {row['build_s']:>8.1f}"
        print(line)
    ratios = {s: rows[last]["indexed_ms"][s] / rows[first]["indexed_ms"][s] for s in shapes}
    print(f"ratio {last:,}/{first:,}: " + ", ".join(f"{s} {r:.2f}x" for s, r in ratios.items()) + " (target <= 2x)")
    api_rows = api["rows"]
    print(f"\nGET /employees/{{nip}} through the needs service (median ms per request of {ops}, one client)")
    for size, row in api_rows.items():
        without = f"   without lookup indexes {row['scanned_ms']:.1f}" if "scanned_ms" in row else ""
        print(f"{size:>10,} employees: {row['indexed_ms']:.2f}{without}")
    api_first, api_last = api_sizes[0], api_sizes[-1]
    api_ratio = api_rows[api_last]["indexed_ms"] / api_rows[api_first]["indexed_ms"]
    print(f"ratio {api_last:,}/{api_first:,}: {api_ratio:.2f}x")
    for warning in driver["warnings"]:
        print(f"note: {warning}")
    return {
        "benchmark": "lookups",
        "ops": ops,
        "ferretdb": driver["ferretdb"],
        "collection": {str(k): v for k, v in rows.items()},
        "ratio_largest_vs_smallest": ratios,
        "api_get_employee": {str(k): v for k, v in api_rows.items()},
        "api_ratio_largest_vs_smallest": api_ratio,
    }
