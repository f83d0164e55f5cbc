"""Hot HTTP paths at Medan scale against a bare FastAPI hello-world, in one run, with one load generator.

The services hold Medan's workforce and a Medan-sized year (bench/console.py's medan_services: 13,000
employees, ~38,000 open needs, 1,800 seats, five inbox messages each). The load generator is vegeta
(github.com/tsenart/vegeta, built once from the Go module proxy into .infra/bin), on the same 2 cores
as the servers, as wrk was when issue 16 was measured. BENCH_CONSOLE_KEEP=<name> keeps the loaded
workforce for the next run, as for bench/console.py.

- Reads: GET /employees/{nip} (needs), GET /enrolments?nip= (training, NIPs holding a seat), GET /inbox
  (notifications, each request a different employee's token), each at its maximum rate over
  BENCH_HTTP_WORKERS connections (16) for BENCH_HTTP_SECONDS (10 s), as a ratio to hello-world's rate
  measured before and after them (target: at least 0.3x; bench/hello.py: its ``def`` endpoint, and the
  ratio to its ``async def`` one beside it), once every target was asked (``warm``): the
  steady state of a console in use, its users' tokens and languages remembered. The first two seconds
  of that first pass are reported too. The needs service's /health/live is measured too: what the
  middleware (auth aside) costs on a route that reads nothing.
- Writes: POST /assessments (distinct employees and competencies, random levels) at its maximum rate,
  then at half of it, open loop, for the same time: p50/p95/p99 (target: p99 under 50 ms).
"""

from __future__ import annotations

import base64
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx
from pymongo import MongoClient

from bench.console import medan_services
from bench.needs import TECHNICAL
from services.needs import domain
from services.needs.documents import EmployeeDocument
from services.training.documents import EnrolmentDocument
from shared.http.auth import Role, mint_token
from shared.settings import ServiceSettings
from tests.support.infra import REPO

VEGETA = "github.com/tsenart/vegeta/v12@v12.13.0"
WORKERS = int(os.environ.get("BENCH_HTTP_WORKERS", "16"))
SECONDS = int(os.environ.get("BENCH_HTTP_SECONDS", "10"))
HELLO_PORT = int(os.environ.get("BENCH_HELLO_PORT", "8099"))
SAMPLE = 2_000  # distinct employees (and tokens) per read route
SIGNER = ServiceSettings(service_name="bench", http_port=1)
ADMIN = f"Bearer {mint_token(SIGNER, nip='197805122003121002', roles=[Role.BKPSDM_ADMIN], unit_code='BKPSDM')}"


def vegeta() -> Path:
    binary = Path(os.environ.get("INFRA_DIR", REPO / ".infra")) / "bin" / "vegeta"
    if not binary.exists():
        print(f"[http] building vegeta ({VEGETA}) with go install, once ...", flush=True)
        subprocess.run(["go", "install", VEGETA], env=os.environ | {"GOBIN": str(binary.parent)}, check=True)
    return binary


def target(url: str, auth: str | None = ADMIN, body: dict[str, Any] | None = None) -> str:
    """One line of vegeta's JSON target format."""
    line: dict[str, Any] = {"method": "POST" if body else "GET", "url": url, "header": {}}
    if auth:
        line["header"]["Authorization"] = [auth]
    if body:
        line["header"]["Content-Type"] = ["application/json"]
        line["body"] = base64.b64encode(json.dumps(body).encode()).decode()
    return json.dumps(line)


def attack(tool: Path, lines: list[str], rate: float = 0, seconds: int = SECONDS) -> dict[str, Any]:
    """vegeta over the targets (round robin): at its maximum rate over WORKERS connections (rate 0), or
    open loop at ``rate`` a second. Rates are of successful requests; latencies in ms."""
    with tempfile.TemporaryDirectory() as tmp:
        targets, results = Path(tmp, "targets.json"), Path(tmp, "results.bin")
        targets.write_text("\n".join(lines) + "\n")
        pace = ["-rate=0", f"-workers={WORKERS}", f"-max-workers={WORKERS}"] if rate == 0 else [f"-rate={rate:.0f}/s"]
        command = [tool, "attack", "-format=json", f"-targets={targets}", f"-duration={seconds}s", "-timeout=30s"]
        subprocess.run([*command, *pace, f"-output={results}"], check=True)
        report = json.loads(
            subprocess.run([tool, "report", "-type=json", results], check=True, capture_output=True).stdout
        )
    latencies = report["latencies"]
    return {
        "rate_per_s": report["throughput"],
        "requests": report["requests"],
        "success": report["success"],
        "status_codes": report["status_codes"],
        **{f"p{q}_ms": latencies[f"{q}th"] / 1e6 for q in (50, 95, 99)},
    }


def _hello() -> subprocess.Popen[bytes]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "bench.hello:app", "--host", "127.0.0.1", "--port", str(HELLO_PORT)],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{HELLO_PORT}/hello").status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError(f"the hello-world app did not start on port {HELLO_PORT}")


def _people(mongo: str, namespace: str) -> tuple[dict[str, str], list[str]]:
    """A sample of employees (NIP -> unit) and NIPs holding a seat, read straight from the databases."""
    client: MongoClient[dict[str, Any]] = MongoClient(mongo)
    try:
        employees = client[f"{namespace}_needs"][EmployeeDocument._meta["collection"]].find({}, {"unit_code": 1})
        unit_of = {e["_id"]: e["unit_code"] for e in employees}
        seats = client[f"{namespace}_training"][EnrolmentDocument._meta["collection"]].distinct("nip")
    finally:
        client.close()
    rng = random.Random(5)
    sample = rng.sample(sorted(unit_of), SAMPLE)
    return {nip: unit_of[nip] for nip in sample}, seats


def _row(name: str, figures: dict[str, Any], baseline: float) -> None:
    print(
        f"{name:<34}{figures['rate_per_s']:>9.0f}{figures['rate_per_s'] / baseline:>10.2f}"
        f"{figures['p50_ms']:>9.1f}{figures['p95_ms']:>9.1f}{figures['p99_ms']:>9.1f}{figures['success']:>8.1%}",
        flush=True,
    )


def warm(tool: Path, lines: list[str]) -> dict[str, Any]:
    """Every target asked once before a route is measured, as a console in use has asked already: each
    employee's token verified and their language read (both remembered, shared/http/auth.py and
    shared/cache.py, well within the cache's TTL). What the first pass measured is returned, the route
    with nothing remembered yet, over its first two seconds."""
    first = attack(tool, lines, seconds=2)
    if (left := len(lines) - first["requests"]) > 0:
        attack(tool, lines[first["requests"] :], seconds=math.ceil(left / max(first["rate_per_s"], 1)))
    return first


def run(kafka: str, mongo: str) -> dict[str, Any]:
    tool = vegeta()
    hello = _hello()
    try:
        with medan_services(kafka, mongo) as medan:
            people, seated = _people(mongo, medan.namespace)
            needs, training, notifications = (medan.urls[s] for s in ("needs", "training", "notifications"))
            employee_token = {
                nip: f"Bearer {mint_token(SIGNER, nip=nip, roles=[Role.EMPLOYEE], unit_code=unit)}"
                for nip, unit in people.items()
            }
            codes = [c.code for c in domain.STANDARD_COMPETENCIES] + list(TECHNICAL)
            rng = random.Random(11)
            assessments = [
                target(
                    f"{needs}/assessments",
                    body={"nip": nip, "competency_code": code, "level": rng.randint(1, 5)}
                    | {"source": "assessment_centre", "assessed_on": "2027-02-10"},
                )
                for nip in people
                for code in rng.sample(codes, 3)
            ]
            reads = {
                "GET /employees/{nip}": [target(f"{needs}/employees/{nip}") for nip in people],
                "GET /enrolments?nip=": [target(f"{training}/enrolments?nip={nip}") for nip in seated],
                "GET /inbox": [target(f"{notifications}/inbox", auth=employee_token[nip]) for nip in people],
                "needs GET /health/live": [target(f"{needs}/health/live", auth=None)],
            }
            hello_target = [target(f"http://127.0.0.1:{HELLO_PORT}/hello", auth=None)]
            hello_async_target = [target(f"http://127.0.0.1:{HELLO_PORT}/hello-async", auth=None)]
            attack(tool, hello_target, seconds=2)  # warm-up of the generator and the baseline
            print(f"\n[http] {WORKERS} connections, {SECONDS} s each, Medan scale ({medan.needs_open:,} open needs)")
            before, before_async = attack(tool, hello_target), attack(tool, hello_async_target)
            figures: dict[str, Any] = {}
            first_pass: dict[str, Any] = {}
            for name, lines in reads.items():
                print(f"[http] {name} ...", flush=True)
                first_pass[name] = warm(tool, lines)
                figures[name] = attack(tool, lines)
            after, after_async = attack(tool, hello_target), attack(tool, hello_async_target)
            print("[http] POST /assessments ...", flush=True)
            peak = attack(tool, assessments)
            half_rate = peak["rate_per_s"] / 2
            half = attack(tool, assessments[::-1], rate=half_rate)
    finally:
        hello.terminate()
        hello.wait(timeout=10)
    baseline = (before["rate_per_s"] + after["rate_per_s"]) / 2
    baseline_async = (before_async["rate_per_s"] + after_async["rate_per_s"]) / 2
    print(f"\n{'route':<34}{'req/s':>9}{'vs hello':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'ok':>8}")
    rows = {"hello-world (before)": before, "async hello-world (before)": before_async, **figures}
    rows |= {"hello-world (after)": after, "async hello-world (after)": after_async}
    rows |= {"POST /assessments, maximum": peak, f"POST /assessments at {half_rate:.0f}/s": half}
    for name, measured in rows.items():
        _row(name, measured, baseline)
    ratios = {name: f["rate_per_s"] / baseline for name, f in figures.items()}
    print(
        f"reads vs hello-world (mean of before and after, {baseline:.0f} req/s): "
        + ", ".join(f"{name} {r:.2f}x" for name, r in ratios.items())
    )
    print(
        f"reads vs the async hello-world ({baseline_async:.0f} req/s): "
        + ", ".join(f"{name} {f['rate_per_s'] / baseline_async:.2f}x" for name, f in figures.items())
    )
    print(
        "first pass, nothing remembered yet: "
        + ", ".join(f"{name} {f['rate_per_s'] / baseline:.2f}x" for name, f in first_pass.items())
    )
    print(f"POST /assessments: maximum {peak['rate_per_s']:.0f}/s; at half of it p99 {half['p99_ms']:.1f} ms")
    return {
        "benchmark": "http",
        "workers": WORKERS,
        "seconds": SECONDS,
        "needs_open": medan.needs_open,
        "hello_world": {"before": before, "after": after, "mean_rate_per_s": baseline},
        "async_hello_world": {"before": before_async, "after": after_async, "mean_rate_per_s": baseline_async},
        "reads": figures,
        "reads_vs_hello_world": ratios,
        "reads_first_pass": first_pass,
        "post_assessments": {"maximum": peak, "half_rate_per_s": half_rate, "at_half": half},
    }
