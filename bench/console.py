"""The console's pages at Medan scale: each page's time beside the time of the API calls it makes, in
the same run, as a ratio (what the console adds on top of the services).

The needs service holds Medan's workforce (13,000 employees in 51 units, twelve competencies each, about
40,000 open needs, imported and analysed as in bench/needs.py); the four services run as their own
uvicorn processes; the console runs in this process with its calls timed at its HTTP client. The needs
service's outbox relay is off, so the other services do not spend the run planning 40,000 needs; what
they would hold for that workforce (the planner's needs, seats, evaluations, inboxes) is written straight
into their databases (bench/console_data.py). Each page's calls are also broken down per route.
"""

from __future__ import annotations

import asyncio
import os
import re
import statistics
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

from bench.common import clean_up, postgresql_url
from bench.console_data import seed
from bench.needs import load_workforce
from services.console.domain import Person
from services.console.http.web import SESSION_COOKIE
from services.console.main import create_app
from services.console.sessions import Session
from services.console.settings import ConsoleSettings
from services.needs.application.need_counts import NeedCounts
from services.needs.documents import ALL_DOCUMENTS, EmployeeDocument, NeedDocument
from services.needs.settings import NeedsSettings
from shared.domain.identity import Role
from shared.http.auth import mint_token
from shared.persistence import connect_database, disconnect_database, ensure_indexes
from shared.settings import ServiceSettings
from tests.support.processes import SERVICES, ServiceProcess

# Fewer rounds when a page still reads every need (BKPSDM's whole-city list on FerretDB: seconds each).
ROUNDS = int(os.environ.get("BENCH_CONSOLE_ROUNDS", "30"))
# Loading Medan's workforce takes minutes: a named namespace is loaded once, kept, and reused by the next
# run with the same name (its databases and topics stay until dropped by hand).
KEEP = os.environ.get("BENCH_CONSOLE_KEEP", "")
# Comma-separated paths (as in the list below) to measure only those pages.
ONLY = [p for p in os.environ.get("BENCH_CONSOLE_PAGES", "").split(",") if p]


class TimedTransport(httpx.AsyncBaseTransport):
    """Records the span of every call the console makes (body read included), so a page's API time is
    the union of its calls' spans: calls made side by side count once. Each span is labelled with the
    service and route it called, for the per-call breakdown."""

    def __init__(self, services: dict[str, str]) -> None:
        self.inner = httpx.AsyncHTTPTransport()
        self.services = services  # host:port -> service name
        self.spans: list[tuple[float, float]] = []
        self.labels: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        started = time.perf_counter()
        response = await self.inner.handle_async_request(request)
        body = await response.aread()
        self.spans.append((started, time.perf_counter()))
        self.labels.append(route_of(self.services, request.url))
        return httpx.Response(response.status_code, headers=response.headers, content=body)


def route_of(services: dict[str, str], url: httpx.URL) -> str:
    """``service GET /path`` with NIPs and batch codes replaced by placeholders, query keys kept."""
    path = re.sub(r"\b\d{18}\b", "{nip}", url.path)
    path = re.sub(r"^/batches/[^/]+", "/batches/{code}", path)
    keys = ",".join(sorted({k for k, _ in url.params.multi_items()}))
    return f"{services.get(f'{url.host}:{url.port}', url.host)} {path}" + (f"?{keys}" if keys else "")


def covered(spans: list[tuple[float, float]]) -> float:
    """Seconds covered by the spans (overlaps counted once)."""
    total, end = 0.0, float("-inf")
    for start, stop in sorted(spans):
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return total


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1] if len(values) >= 2 else values[0]


def breakdown(calls: dict[str, list[float]], rounds: int) -> list[dict[str, Any]]:
    """Per route a page called: calls per page view and the p95 of one call, slowest first."""
    rows = [
        {"call": label, "per_page": round(len(times) / rounds, 1), "p95_ms": round(1000 * p95(times), 1)}
        for label, times in calls.items()
    ]
    return sorted(rows, key=lambda r: -r["p95_ms"])


async def measure(
    settings: ConsoleSettings, who: dict[str, Person], pages: list[tuple[str, str]]
) -> list[dict[str, Any]]:
    urls = {"needs": settings.needs_url, "training": settings.training_url}
    urls |= {"evaluation": settings.evaluation_url, "notifications": settings.notifications_url}
    timed = TimedTransport({httpx.URL(u).netloc.decode(): name for name, u in urls.items()})
    app = create_app(settings, httpx.AsyncClient(transport=timed, timeout=120))
    signer = app.state.console.signer
    rows = []
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://console") as client:
        for role, path in pages:
            person = who[role]
            token = mint_token(
                ServiceSettings(service_name="bench", http_port=1),
                nip=person.nip,
                roles=sorted(person.roles),
                unit_code=person.unit,
            )
            client.cookies.set(SESSION_COOKIE, signer.dump(Session().signed_in(person, token)))
            page_s, api_s = [], []
            calls: dict[str, list[float]] = {}
            for _ in range(ROUNDS):
                timed.spans.clear()
                timed.labels.clear()
                started = time.perf_counter()
                answer = await client.get(path)
                page_s.append(time.perf_counter() - started)
                api_s.append(covered(timed.spans))
                for label, (start, stop) in zip(timed.labels, timed.spans, strict=True):
                    calls.setdefault(label, []).append(stop - start)
                if answer.status_code != 200:
                    alert = re.search(r'role="alert">([^<]*)', answer.text)
                    raise SystemExit(
                        f"{path} answered {answer.status_code}: {alert.group(1) if alert else answer.text}"
                    )
            calls_of = breakdown(calls, ROUNDS)
            row: dict[str, Any] = {
                "page": path,
                "as": role,
                "page_p95_ms": round(1000 * p95(page_s), 1),
                "api_p95_ms": round(1000 * p95(api_s), 1),
                "calls": len(timed.spans),
                "breakdown": calls_of,
            }
            row["ratio"] = round(row["page_p95_ms"] / row["api_p95_ms"], 2) if row["api_p95_ms"] else None
            rows.append(row)
            print(
                f"  {path:<34} {role:<10} page p95 {row['page_p95_ms']:>7.1f} ms   API p95 {row['api_p95_ms']:>7.1f} ms"
                f"   ratio {row['ratio']}   ({row['calls']} calls)",
                flush=True,
            )
            for call in calls_of:
                print(f"      {call['call']:<60} x{call['per_page']:<5} p95 {call['p95_ms']:>7.1f} ms", flush=True)
    return rows


@dataclass(frozen=True)
class MedanServices:
    namespace: str
    urls: dict[str, str]  # service -> base URL
    employee_nip: str  # the measured employee (and supervisor of ten)
    unit: str
    needs_open: int


def workforce_of(needs_settings: NeedsSettings) -> tuple[str, str, int]:
    """An employee's NIP, their unit and the open needs of the loaded workforce (loaded now unless kept)."""
    connect_database(needs_settings)
    try:
        if KEEP and EmployeeDocument.objects.limit(1).first() is not None:
            print(f"[console] reusing the workforce kept in {needs_settings.mongodb_database}", flush=True)
        else:
            load_workforce(needs_settings, "medan")
            # The relay stays off here, so the analysis' announcements would stay pending, and every 15 s
            # each service's backlog gauge (outbox_pending_documents) would count them: about 18 s of
            # FerretDB v1's time for 37,000 documents, competing with the pages measured. Cleared as the
            # relay would once they were published.
            NeedDocument._get_collection().update_many(
                {"outbox_pending": True},
                {
                    "$set": {"outbox_pending": False, "outbox": []},
                    "$unset": {"outbox_batch": "", "outbox_batch_size": ""},
                },
            )
        # What the needs service's start-up does for needs written without it (bench/needs.py's analysis
        # runs in this process), timed here rather than inside the services' start; a unit's recount is
        # an equality on unit_code, answered from its lookup index once that exists.
        started = time.perf_counter()
        ensure_indexes(needs_settings, ALL_DOCUMENTS)
        counts = NeedCounts()
        counts.backfill()
        needs_open = sum(g["needs"] for g in counts.groups(None, None) if g["status"] == "open")
        print(f"[console] needs counted per unit and year in {time.perf_counter() - started:.1f} s", flush=True)
        employee = EmployeeDocument.objects.order_by("nip").limit(1).first()
        assert employee is not None
        return employee.nip, employee.unit_code, needs_open
    finally:
        disconnect_database(needs_settings)


@contextmanager
def medan_services(kafka: str, mongo: str) -> Iterator[MedanServices]:
    """The four services as uvicorn processes over Medan's workforce (loaded unless kept) and a
    Medan-sized year in the other services' databases; stopped (and dropped unless kept) afterwards."""
    namespace = KEEP or f"bench{uuid.uuid4().hex[:8]}"
    # The lookup indexes the services create at start-up (without FerretDB's PostgreSQL URL every lookup
    # scans, and the figures would be a scan's, not a service's).
    needs_settings = NeedsSettings(
        mongodb_uri=mongo, mongodb_database=f"{namespace}_needs", ferretdb_postgresql_url=postgresql_url()
    )
    processes: dict[str, ServiceProcess] = {}
    try:
        employee_nip, unit, needs_open = workforce_of(needs_settings)
        env = {
            "KAFKA_BOOTSTRAP_SERVERS": kafka,
            "MONGODB_URI": mongo,
            "FERRETDB_POSTGRESQL_URL": postgresql_url(),
            "KAFKA_NAMESPACE": namespace,
            "LOG_LEVEL": "WARNING",
            "JP_CHECK_ENABLED": "false",
        }
        logs = Path(tempfile.mkdtemp(prefix="bench-console-"))
        for service in SERVICES:
            # The relay off (needs only): the analysis' 40,000 announcements are never sent (cleared above).
            extra = {"OUTBOX_RELAY_ENABLED": "false"} if service == "needs" else {}
            proc = ServiceProcess(service, {**env, "MONGODB_DATABASE": f"{namespace}_{service}", **extra}, logs)
            processes[service] = proc.start().wait_ready(timeout_s=180)
        started = time.perf_counter()
        if seed(mongo, namespace, employee_nip):
            print(f"[console] seats, evaluations and inboxes written in {time.perf_counter() - started:.1f} s")
        yield MedanServices(namespace, {s: p.url for s, p in processes.items()}, employee_nip, unit, needs_open)
    finally:
        for proc in processes.values():
            proc.stop()
        if not KEEP:
            clean_up(kafka, mongo, namespace)


def run(kafka: str, mongo: str) -> dict[str, Any]:
    with medan_services(kafka, mongo) as medan:
        settings = ConsoleSettings(**{f"{s}_url": url for s, url in medan.urls.items()}, fiscal_year=2027)  # type: ignore[arg-type]
        employee_nip, unit = medan.employee_nip, medan.unit
        who = {
            "pegawai": Person(employee_nip, "Pegawai", frozenset({Role.EMPLOYEE}), unit),
            "atasan": Person(employee_nip, "Atasan", frozenset({Role.EMPLOYEE, Role.SUPERVISOR}), unit),
            "kepala": Person(employee_nip, "Kepala", frozenset({Role.EMPLOYEE, Role.UNIT_HEAD}), unit),
            "bkpsdm": Person("197805122003121002", "BKPSDM", frozenset({Role.BKPSDM_ADMIN}), "BKPSDM"),
        }
        pages = [
            ("pegawai", "/me/needs"),
            ("pegawai", "/me/seats"),
            ("pegawai", "/me/evaluations"),
            ("pegawai", "/inbox"),
            ("atasan", "/team"),
            ("kepala", "/unit"),
            ("bkpsdm", "/bkpsdm"),
            ("bkpsdm", "/bkpsdm/needs"),
            ("bkpsdm", f"/bkpsdm/needs?unit_code={unit}&source=competency_gap"),
            ("bkpsdm", "/bkpsdm/needs?offset=20000"),
            ("bkpsdm", "/bkpsdm/batches"),
            ("bkpsdm", "/partner/curricula"),
        ]
        pages = [(role, path) for role, path in pages if not ONLY or path in ONLY]
        print(f"\n[console] {medan.needs_open:,} open needs; {ROUNDS} rounds per page", flush=True)
        rows = asyncio.run(measure(settings, who, pages))
    return {"benchmark": "console-medan", "needs": medan.needs_open, "rounds": ROUNDS, "pages": rows}
