"""Count-and-compare for fault tests, after Kafka's own ReplicationTest: a producer records every event
the broker acknowledged (the ledger), faults are injected, the system is let to catch up (consumer lag
0), and what the consumer applied is compared with the ledger.

The consumer under test is the needs service's ``jp-ledger`` (ProgramCompleted -> the employee's JP
ledger for the year). Its effect is a sum, so an event applied twice shows as a wrong total: a business
duplicate, which the inbox and the handler's enrolment key must prevent. Raw redeliveries (the same
record delivered again, absorbed by the inbox) are allowed and reported.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from kafka import KafkaProducer
from pymongo import MongoClient

from shared.events import PROGRAM_COMPLETED, EventRecord, ProgramCompleted, build_record
from shared.messaging.lag import total_lag
from tests.support.infra import REPO

JP_PER_COMPLETION = 2
NIPS = [f"199001012015011{i:03d}" for i in range(1, 41)]  # 40 employees share the completions


class PrivateInfra:
    """A Kafka broker and FerretDB of this test session only, on their own ports, so they can be
    killed and stopped without touching the shared ones (infra/local.sh with another INFRA_DIR)."""

    def __init__(self) -> None:
        self.kafka_port = int(os.environ.get("RELIABILITY_KAFKA_PORT", "19092"))
        self.mongodb_port = int(os.environ.get("RELIABILITY_MONGODB_PORT", "37017"))
        self.dir = Path(os.environ.get("RELIABILITY_INFRA_DIR", REPO / ".infra" / "reliability"))
        self.env = {
            "INFRA_DIR": str(self.dir),
            "KAFKA_HOST": "127.0.0.1",
            "KAFKA_PORT": str(self.kafka_port),
            "KAFKA_CONTROLLER_PORT": str(self.kafka_port + 1),
            "KAFKA_HEAP": "512m",
            "MONGODB_HOST": "127.0.0.1",
            "MONGODB_PORT": str(self.mongodb_port),
            "FERRETDB_PG_PORT": os.environ.get("RELIABILITY_PG_PORT", "54339"),
        }
        self.kafka = f"127.0.0.1:{self.kafka_port}"
        self.mongodb_uri = f"mongodb://127.0.0.1:{self.mongodb_port}"
        self.postgresql_url = f"postgres://ferretdb@127.0.0.1:{self.env['FERRETDB_PG_PORT']}/ferretdb"

    def script(self, action: str) -> None:
        result = subprocess.run(
            [str(REPO / "infra" / "local.sh"), action],
            env={**os.environ, **self.env},
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"infra/local.sh {action} failed:\n{result.stderr[-3000:]}")

    def up(self) -> None:
        """Start whatever is not running (idempotent)."""
        self.script("up")

    def _pid(self, component: str) -> int:
        return int((self.dir / component / f"{component}.pid").read_text())

    def pause(self, component: str) -> None:
        """Freeze the broker or the database (SIGSTOP): connections stay open, nothing answers."""
        os.kill(self._pid(component), signal.SIGSTOP)

    def resume(self, component: str) -> None:
        os.kill(self._pid(component), signal.SIGCONT)

    def signal(self, component: str, sig: signal.Signals) -> None:
        """Send ``sig`` to the broker ("kafka") or the database ("ferretdb") and wait until it is gone."""
        pid = self._pid(component)
        os.kill(pid, sig)
        deadline = time.monotonic() + 60
        while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        if Path(f"/proc/{pid}").exists():
            os.kill(pid, signal.SIGKILL)
            time.sleep(1)


def completion(seq: int, run: str) -> EventRecord:
    nip = NIPS[seq % len(NIPS)]
    payload = ProgramCompleted(
        enrolment_id=f"{run}-enr-{seq}",
        nip=nip,
        unit_code="PKM-PADANGBULAN",
        program_code="PELAYANAN-PRIMA",
        program_title="Pelatihan Pelayanan Prima",
        form="training",
        competencies=[],
        jp=JP_PER_COMPLETION,
        attendance_pct=100,
        started_on=date(2027, 3, 8),
        completed_on=date(2027, 3, 11),
        certificate_number=f"CERT-{run}-{seq}",
    )
    return build_record(PROGRAM_COMPLETED, payload, subject=nip)


@dataclass
class Ledger:
    """An outside producer (acks=all, idempotent) that remembers which events the broker acknowledged."""

    bootstrap: str
    topic: str
    sent: list[str] = field(default_factory=list)
    acked: set[str] = field(default_factory=set)
    failed: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._producer = KafkaProducer(
            bootstrap_servers=self.bootstrap,
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
            request_timeout_ms=5000,
            # Long enough to ride out a broker restart: a send is retried until it is acknowledged.
            delivery_timeout_ms=120_000,
            max_block_ms=120_000,
        )

    def send(self, record: EventRecord, poison: bytes | None = None) -> None:
        """Send ``record``; with ``poison``, that body under the record's headers, kept off the ledger
        (it is not an event anyone can apply: it belongs in the dead-letter topic)."""
        event_id = record.event_id
        if poison is None:
            with self._lock:
                self.sent.append(event_id)
        future = self._producer.send(
            self.topic,
            value=record.value if poison is None else poison,
            key=record.key.encode(),
            headers=[(k, v.encode()) for k, v in record.headers.items()],
        )
        if poison is None:
            future.add_callback(lambda _: self._done(self.acked, event_id))
            future.add_errback(lambda _: self._done(self.failed, event_id))

    def _done(self, into: set[str], event_id: str) -> None:
        with self._lock:
            into.add(event_id)

    def stream(self, records: list[EventRecord], per_second: float) -> threading.Thread:
        """Send the records at a steady rate in the background (load while a fault happens)."""

        def run() -> None:
            for i, record in enumerate(records):
                self.send(record)
                time.sleep(max(0.0, i / per_second - (time.monotonic() - started)))

        started = time.monotonic()
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        return thread

    def flush(self) -> None:
        self._producer.flush(timeout=180)

    def close(self) -> None:
        self.flush()
        self._producer.close(timeout=30)


@dataclass
class Row:
    fault: str
    sent: int
    acknowledged: int
    applied: int
    lost: int
    business_duplicates: int
    raw_redeliveries: int
    note: str = ""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def wait_caught_up(bootstrap: str, group: str, topic: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if total_lag(bootstrap, {group: [topic]}) == 0:
                return
        except Exception:  # the coordinator may still be moving after a broker restart
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"{group} did not catch up with {topic} within {timeout_s}s")
        time.sleep(0.5)


def applied_completions(mongodb_uri: str, database: str) -> tuple[Counter[str], int]:
    """Event ids booked in the JP ledgers (with how often each was booked), and how many ledgers'
    totals disagree with their entries."""
    client: MongoClient[dict[str, Any]] = MongoClient(mongodb_uri)
    try:
        booked: Counter[str] = Counter()
        wrong_totals = 0
        for ledger in client[database]["jp_ledgers"].find():
            entries = ledger.get("entries", [])
            booked.update(e["event_id"] for e in entries)
            wrong_totals += ledger.get("total_jp") != JP_PER_COMPLETION * len({e["enrolment_id"] for e in entries})
        return booked, wrong_totals
    finally:
        client.close()


def compare(
    fault: str, ledger: Ledger, booked: Counter[str], wrong_totals: int, redeliveries: int, note: str = ""
) -> Row:
    applied = set(booked)
    return Row(
        fault=fault,
        sent=len(set(ledger.sent)),
        acknowledged=len(ledger.acked),
        applied=len(applied),
        lost=len(ledger.acked - applied),
        business_duplicates=sum(n - 1 for n in booked.values()) + wrong_totals,
        raw_redeliveries=redeliveries,
        note=note,
    )
