"""``make bench``: run every benchmark against the running Kafka and database, print and save figures."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import sys
from datetime import UTC, datetime
from pathlib import Path

from bench import needs, outbox, planner

RESULTS = Path(__file__).with_name("results")


def main() -> int:
    kafka = os.environ.get("KAFKA_BOOTSTRAP_SERVERS", "127.0.0.1:9092")
    mongo = os.environ.get("MONGODB_URI", "mongodb://127.0.0.1:27017")
    events = int(os.environ.get("BENCH_EVENTS", "2000"))
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    print(f"machine: {machine}; Kafka {kafka}; database {mongo}")
    stamp = {"machine": machine, "measured_at": datetime.now(UTC).isoformat(timespec="seconds")}
    RESULTS.mkdir(exist_ok=True)
    results = {"outbox": asyncio.run(outbox.run(kafka, mongo, events))}
    # North Sumatra (204,000 employees) takes tens of minutes here; BENCH_SCALES=medan for a quick run.
    for scale in filter(None, (s.strip() for s in os.environ.get("BENCH_SCALES", "medan,sumut").split(","))):
        results[f"planner-{scale}"] = planner.run(scale)
        results[f"needs-{scale}"] = needs.run(kafka, mongo, scale)
    for name, result in results.items():
        (RESULTS / f"{name}.json").write_text(json.dumps(result | stamp, indent=2) + "\n")
        print(f"written: {RESULTS / f'{name}.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
