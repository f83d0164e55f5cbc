"""``make bench``: run every benchmark against the running Kafka and database, print and save figures.

``python -m bench e2e`` (or ``BENCH_ONLY=e2e make bench``) runs only the benchmarks named: outbox,
planner, needs, e2e, credentials, lookups, console, http.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import console, credentials, e2e, hot_paths, lookups, needs, outbox, planner
from bench.common import postgresql_url

RESULTS = Path(__file__).with_name("results")
NAMES = ("outbox", "planner", "needs", "e2e", "credentials", "lookups", "console", "http")


def main(argv: list[str]) -> int:
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    mongo = os.environ.get("MONGODB_URI", "mongodb://127.0.0.1:27017")
    # As `make bench` exports it: without it the services (and the benchmarks' own loads) run without the
    # lookup indexes, and every figure measures FerretDB's collection scans (shared/ferretdb.py).
    os.environ.setdefault("FERRETDB_POSTGRESQL_URL", postgresql_url())
    events = int(os.environ.get("BENCH_EVENTS", "2000"))
    chosen = argv or [n.strip() for n in os.environ.get("BENCH_ONLY", ",".join(NAMES)).split(",") if n.strip()]
    if unknown := set(chosen) - set(NAMES):
        print(f"unknown benchmark(s) {sorted(unknown)}; choose from {', '.join(NAMES)}", file=sys.stderr)
        return 2
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"machine: {machine}; Kafka {kafka}; database {mongo}")
    stamp = {"machine": machine, "measured_at": datetime.now(UTC).isoformat(timespec="seconds")}
    RESULTS.mkdir(exist_ok=True)
    # North Sumatra (204,000 employees) takes tens of minutes here; BENCH_SCALES=medan for a quick run.
    scales = [s.strip() for s in os.environ.get("BENCH_SCALES", "medan,sumut").split(",") if s.strip()]
    runs: dict[str, Callable[[], dict[str, Any]]] = {}
    if "outbox" in chosen:
        runs["outbox"] = lambda: asyncio.run(outbox.run(kafka, mongo, events))
    for scale in scales:
        if "planner" in chosen:
            runs[f"planner-{scale}"] = lambda scale=scale: planner.run(scale, mongo)  # type: ignore[misc]
        if "needs" in chosen:
            runs[f"needs-{scale}"] = lambda scale=scale: needs.run(kafka, mongo, scale)  # type: ignore[misc]
    if "e2e" in chosen:
        runs["e2e"] = lambda: e2e.run(kafka, mongo)
    if "credentials" in chosen:
        runs["credentials"] = credentials.run
    if "console" in chosen:
        runs["console"] = lambda: console.run(kafka, mongo)
    if "http" in chosen:
        runs["http"] = lambda: hot_paths.run(kafka, mongo)
    if "lookups" in chosen:
        runs["lookups"] = lambda: lookups.run(kafka, mongo)
    for name, run in runs.items():
        result = run()
        (RESULTS / f"{name}.json").write_text(json.dumps(result | stamp, indent=2) + "\n")
        print(f"written: {RESULTS / f'{name}.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
