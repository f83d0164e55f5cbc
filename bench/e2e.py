"""End to end, in one run on one broker and database:

(a) ceiling: Kafka's own ProducerPerformance and ConsumerPerformance (kafka-tools jars, JVM clients);
(b) floor:   raw aiokafka produce + consume, with a pymongo insert_many per fetched batch, the same
             NeedIdentified records (value and CloudEvents headers) and the same count;
(c) ours:    the four services as uvicorn processes in a namespace of their own; the needs service
             records one assessment per employee (POST /assessments) -> NeedIdentified -> training
             plans a seat -> EnrolmentChanged -> notifications stores the employee's inbox message.
             BENCH_E2E_RECORDING=bulk records them as an assessment centre's files instead
             (POST /assessments/bulk, 1,000 a request, one after another): one request per 1,000.

Latency is per event, from its production timestamp to the moment it is stored: (a) send to broker
acknowledgement (the tools measure no more), (b) Kafka record timestamp to insert_many returning,
(c) the need document's write (it holds the outbox entry) to the EnrolmentChanged inbox message's
``created_at``. CPU seconds and peak RSS come from /proc (utime+stime, VmHWM) and wait4's rusage for
the JVM tools: exact figures, where sampling (psutil, not a dependency here) would miss short peaks.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import resource
import statistics
import subprocess
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from pathlib import Path
from typing import Any

import httpx
import psycopg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from prometheus_client.parser import text_string_to_metric_families
from pymongo import MongoClient

from bench.common import clean_up, postgresql_url
from bench.needs import TECHNICAL, workforce
from shared.events import ENROLMENT_CHANGED, NEED_IDENTIFIED, EventRecord, build_record
from shared.http.auth import Role, mint_token
from shared.messaging.topics import ensure_topics
from shared.settings import ServiceSettings
from tests.support.events import need_payload
from tests.support.infra import REPO
from tests.support.processes import SERVICES, ServiceProcess

PARTITIONS = 3  # what the services create their topics with by default
POLL_S = 10  # how often (c) counts the inbox messages stored, to know when all have arrived
BULK_CHUNK = 1_000  # results per POST /assessments/bulk with BENCH_E2E_RECORDING=bulk
ADMIN_TOKEN = mint_token(
    ServiceSettings(service_name="bench", http_port=1),
    nip="197805122003121002",
    roles=[Role.BKPSDM_ADMIN],
    unit_code="BKPSDM",
)
ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}


# --- measuring processes ------------------------------------------------------------------------------


def _stat(pid: int | str) -> tuple[str, list[str]]:
    """A process's name and the fields of /proc/<pid>/stat after it (proc(5) field n is index n - 3)."""
    comm, _, rest = Path(f"/proc/{pid}/stat").read_text().split("(", 1)[1].rpartition(")")
    return comm, rest.split()


def _cpu_s(fields: list[str], *, children: bool = False) -> float:
    """utime + stime (fields 14 and 15), and with ``children`` the reaped children's cutime + cstime."""
    ticks = sum(int(f) for f in fields[11 : 15 if children else 13])
    return ticks / os.sysconf("SC_CLK_TCK")


def proc_usage(pid: int) -> tuple[float, int]:
    """CPU seconds used so far (user + system) and peak resident memory in bytes of a live process."""
    status = Path(f"/proc/{pid}/status").read_text()
    peak_kb = int(re.search(r"^VmHWM:\s+(\d+) kB", status, re.M).group(1))  # type: ignore[union-attr]
    return _cpu_s(_stat(pid)[1]), peak_kb * 1024


def infrastructure_cpu() -> dict[str, float]:
    """CPU seconds used so far by the broker and the database on this machine: Kafka's JVM, FerretDB and
    every PostgreSQL process, with what the backends that have exited used (FerretDB's pool closes idle
    connections; the postmaster's cutime and cstime hold their CPU once it has reaped them)."""
    totals = {"kafka": 0.0, "ferretdb": 0.0, "postgresql": 0.0}
    for path in Path("/proc").glob("[0-9]*"):
        with suppress(OSError):
            comm, fields = _stat(path.name)
            kind = "ferretdb" if comm.startswith("ferretdb") else "postgresql" if comm == "postgres" else None
            if comm == "java" and b"kafka.Kafka" in (path / "cmdline").read_bytes():
                kind = "kafka"
            if kind:
                totals[kind] += _cpu_s(fields, children=kind == "postgresql")
    return totals


def database_activity() -> dict[str, int]:
    """PostgreSQL's counters for FerretDB's database (pg_stat_database): transactions (FerretDB runs each
    statement in one) and rows read and written; empty when the database is not FerretDB on PostgreSQL."""
    try:
        with psycopg.connect(postgresql_url(), connect_timeout=5) as conn:
            row = conn.execute(
                "SELECT xact_commit + xact_rollback, tup_returned + tup_fetched, tup_inserted, tup_updated,"
                " tup_deleted FROM pg_stat_database WHERE datname = current_database()"
            ).fetchone()
    except psycopg.Error:
        return {}
    assert row is not None
    return dict(zip(("transactions", "rows_read", "rows_inserted", "rows_updated", "rows_deleted"), row, strict=True))


def database_commands(urls: dict[str, str]) -> dict[str, dict[str, float]]:
    """Each service's database commands so far, by "command collection" (its /metrics,
    shared.persistence.DatabaseCommands)."""
    counts: dict[str, dict[str, float]] = {}
    for service, url in urls.items():
        families = text_string_to_metric_families(httpx.get(f"{url}/metrics", timeout=30).text)
        counts[service] = {
            f"{sample.labels['command']} {sample.labels['collection']}".strip(): sample.value
            for family in families
            if family.name == "database_commands"
            for sample in family.samples
            if sample.name == "database_commands_total"
        }
    return counts


def commands_per_event(
    before: dict[str, dict[str, float]], after: dict[str, dict[str, float]], n: int
) -> dict[str, dict[str, float]]:
    """Per event and service: the total first, then each kind, most frequent first."""
    result = {}
    for service, counts in after.items():
        kinds = {k: (v - before[service].get(k, 0.0)) / n for k, v in counts.items()}
        kinds = {k: v for k, v in sorted(kinds.items(), key=lambda kv: -kv[1]) if v > 0}
        result[service] = {"total": sum(kinds.values()), **kinds}
    return result


def machine_busy_cpu() -> float:
    """CPU seconds all cores spent on anything but idle and I/O wait since boot (proc(5): /proc/stat)."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = map(int, Path("/proc/stat").read_text().split()[1:9])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def reset_peak_rss() -> None:
    """Start this process's VmHWM afresh (proc(5): clear_refs 5), so (b) is not charged for earlier work."""
    with suppress(OSError):
        Path("/proc/self/clear_refs").write_text("5")


def percentiles(latencies_s: list[float]) -> dict[str, float]:
    cuts = statistics.quantiles(latencies_s, n=100, method="inclusive")
    return {"p50_ms": cuts[49] * 1000, "p95_ms": cuts[94] * 1000, "p99_ms": cuts[98] * 1000}


def records(n: int, run: str) -> list[EventRecord]:
    """``n`` NeedIdentified records of distinct employees, as the needs service publishes them."""
    out = []
    for i in range(n):
        nip = f"19900220201503{i % 10_000:04d}"
        out.append(build_record(NEED_IDENTIFIED, need_payload(nip=nip, need_id=f"{run}-{i}"), subject=nip))
    return out


# --- (a) Kafka's own tools -----------------------------------------------------------------------------


def kafka_libs() -> Path:
    # Where infra/local.sh put them (it honours INFRA_DIR too).
    libs = Path(os.environ.get("KAFKA_LIBS", Path(os.environ.get("INFRA_DIR", REPO / ".infra")) / "kafka" / "libs"))
    if not any(libs.glob("kafka-tools-*.jar")):
        raise SystemExit(f"no kafka-tools jar in {libs}: run infra/local.sh install, or set KAFKA_LIBS")
    return libs


def _java(libs: Path, tool: str, *args: str) -> tuple[str, float, int]:
    """Run a Kafka tool; its output, CPU seconds and peak RSS (wait4 reports both for the child)."""
    proc = subprocess.Popen(
        ["java", "-cp", f"{libs}/*", f"org.apache.kafka.tools.{tool}", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    assert proc.stdout is not None
    output = proc.stdout.read()
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        raise RuntimeError(f"{tool} failed ({proc.returncode}):\n{output[-3000:]}")
    return output, usage.ru_utime + usage.ru_stime, usage.ru_maxrss * 1024


def ceiling(kafka: str, libs: Path, topic: str, n: int, size: int) -> dict[str, Any]:
    out, p_cpu, p_rss = _java(
        libs,
        "ProducerPerformance",
        *("--topic", topic, "--num-records", str(n), "--record-size", str(size), "--throughput", "-1"),
        *("--producer-props", f"bootstrap.servers={kafka}", "acks=all", "enable.idempotence=true"),
    )
    # "N records sent, R records/sec (M MB/sec), A ms avg latency, X ms max latency, P ms 50th, ..."
    final = re.findall(
        r"(\d+) records sent, ([\d.]+) records/sec .*?, (\d+) ms 50th, (\d+) ms 95th, (\d+) ms 99th", out
    )[-1]
    produced_per_s = float(final[1])
    out, c_cpu, c_rss = _java(
        libs,
        "ConsumerPerformance",
        *("--bootstrap-server", kafka, "--topic", topic, "--num-records", str(n), "--timeout", "60000"),
        *("--group", f"{topic}.perf"),
    )
    # CSV: start.time, end.time, MB, MB.sec, nMsg, nMsg.sec, rebalance.time.ms, fetch.time.ms, fetch.MB.sec,
    # fetch.nMsg.sec. The fetch rate leaves out joining the group, which (b) and (c) do before timing.
    row = [c.strip() for c in out.strip().splitlines()[-1].split(",")]
    consumed, fetch_ms = int(row[4]), float(row[7])
    consumed_per_s = consumed / (fetch_ms / 1000)
    seconds = n / produced_per_s + n / consumed_per_s  # moving every record in, then out
    return {
        "events_per_s": n / seconds,
        "produce_events_per_s": produced_per_s,
        "consume_events_per_s": consumed_per_s,
        "latency": {"p50_ms": float(final[2]), "p95_ms": float(final[3]), "p99_ms": float(final[4])},
        "latency_is": "producer send to acknowledgement (the tools measure no more)",
        "cpu_s_per_1000": (p_cpu + c_cpu) / n * 1000,
        "peak_rss_mb": {"producer-perf (JVM)": p_rss / 2**20, "consumer-perf (JVM)": c_rss / 2**20},
    }


# --- (b) raw aiokafka + pymongo bulk -------------------------------------------------------------------


async def floor(kafka: str, mongo: str, topic: str, database: str, batch: list[EventRecord]) -> dict[str, Any]:
    n = len(batch)
    client: MongoClient[dict[str, Any]] = MongoClient(mongo)
    collection = client[database]["raw_needs"]
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=kafka, group_id=f"{topic}.raw", auto_offset_reset="earliest", enable_auto_commit=False
    )
    producer = AIOKafkaProducer(bootstrap_servers=kafka, acks="all", enable_idempotence=True, linger_ms=5)
    await asyncio.gather(consumer.start(), producer.start())
    try:
        while not consumer.assignment():  # joined the group before the clock starts, as (c)'s services have
            await consumer.getmany(timeout_ms=100)
        reset_peak_rss()
        before = resource.getrusage(resource.RUSAGE_SELF)

        async def produce() -> None:
            futures = [
                await producer.send(
                    topic, r.value, key=r.key.encode(), headers=[(k, v.encode()) for k, v in r.headers.items()]
                )
                for r in batch
            ]
            await asyncio.gather(*futures)

        latencies: list[float] = []
        first_produced = time.time()
        sending = asyncio.create_task(produce())
        deadline = time.monotonic() + 300
        while len(latencies) < n and time.monotonic() < deadline:
            fetched = await consumer.getmany(timeout_ms=200, max_records=500)
            messages = [m for part in fetched.values() for m in part]
            if not messages:
                continue
            docs = [
                {
                    "_id": dict(m.headers)["ce_id"].decode(),
                    "nip": m.key.decode() if m.key else None,
                    "headers": {k: v.decode() for k, v in m.headers},
                    "payload": json.loads(m.value) if m.value else None,
                }
                for m in messages
            ]
            await asyncio.to_thread(collection.insert_many, docs, ordered=False)
            stored = time.time()
            latencies += [stored - m.timestamp / 1000 for m in messages]
            await consumer.commit()
        last_stored = time.time()
        await sending
        after = resource.getrusage(resource.RUSAGE_SELF)
    finally:
        await asyncio.gather(consumer.stop(), producer.stop())
        client.close()
    if len(latencies) < n:
        raise RuntimeError(f"raw path stored {len(latencies)} of {n} records")
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    return {
        "events_per_s": n / (last_stored - first_produced),
        "latency": percentiles(latencies),
        "latency_is": "Kafka record timestamp (at send) to insert_many returning",
        "cpu_s_per_1000": cpu / n * 1000,
        "peak_rss_mb": {"bench process": after.ru_maxrss / 1024},
    }


# --- (c) the four services -----------------------------------------------------------------------------


def _job_done(http: httpx.Client, job: dict[str, Any]) -> None:
    deadline = time.monotonic() + 600
    while job["status"] not in ("done", "failed") and time.monotonic() < deadline:
        time.sleep(0.5)
        job = http.get(f"/jobs/{job['job_id']}").json()
    if job["status"] != "done":
        raise RuntimeError(f"import job did not finish: {job}")


def _master_data(needs: str, training: str, employees: int) -> list[str]:
    """Units, positions and employees (bulk CSV imports, not timed) and a plan with a seat for each."""
    files = workforce(employees, units=51)
    with httpx.Client(base_url=needs, headers=ADMIN, timeout=120) as http:
        for code in TECHNICAL:
            assert http.put(f"/competencies/{code}", json={"name": f"Teknis {code}"}).status_code == 200
        for kind in ("units", "positions", "employees"):
            response = http.post(f"/imports/{kind}", content=files[kind].encode(), headers={"content-type": "text/csv"})
            assert response.status_code == 202, response.text
            _job_done(http, response.json())
    program = {
        "title": "Pelatihan Pelayanan Prima",
        "form": "training",
        "competencies": {"M.05": 4},
        "jp": 24,
        "provider": "BPSDM Provinsi Sumatera Utara",
        "capacity_per_batch": 10_000,
    }
    phase = {"fiscal_year": 2027, "title": "Tahap I", "starts_on": "2027-03-01", "ends_on": "2027-06-30", "budget": 0}
    with httpx.Client(base_url=training, headers=ADMIN, timeout=60) as http:
        for path, body in [("/programs/PEL-PRIMA", program), ("/phases/T1-2027", phase)] + [
            (
                f"/batches/PEL-PRIMA-{b}",
                {"phase_code": "T1-2027", "program_code": "PEL-PRIMA", "starts_on": "2027-03-01"}
                | {"ends_on": "2027-03-04", "sessions": 2, "capacity": 10_000},
            )
            for b in range(1, employees // 10_000 + 2)
        ]:
            response = http.put(path, json=body)
            assert response.status_code == 200, (path, response.text)
    return [line.split(",")[0] for line in files["employees"].splitlines()[1:]]


def _stored_latencies(mongo: str, namespace: str) -> tuple[list[float], list[float], float]:
    """Per employee: need written -> NeedIdentified message stored, and -> EnrolmentChanged message stored;
    and when the last EnrolmentChanged message was stored (epoch seconds)."""
    client: MongoClient[dict[str, Any]] = MongoClient(mongo, tz_aware=True)
    try:
        written = {
            d["nip"]: d["updated_at"] for d in client[f"{namespace}_needs"]["needs"].find({}, {"nip", "updated_at"})
        }
        first_hop, whole = [], []
        last = 0.0
        for m in client[f"{namespace}_notifications"]["messages"].find(
            {"channel": "inbox"}, {"recipient_nip", "event_type", "created_at"}
        ):
            if m["recipient_nip"] not in written:
                continue
            latency = (m["created_at"] - written[m["recipient_nip"]]).total_seconds()
            if m["event_type"] == ENROLMENT_CHANGED.type:
                whole.append(latency)
                last = max(last, m["created_at"].timestamp())
            elif m["event_type"] == NEED_IDENTIFIED.type:
                first_hop.append(latency)
        return first_hop, whole, last
    finally:
        client.close()


def _wait_for_enrolment_messages(mongo: str, namespace: str, n: int, idle_s: float) -> int:
    """Wait until all ``n`` are stored, or none more arrived for ``idle_s``; how many were stored."""
    client: MongoClient[dict[str, Any]] = MongoClient(mongo)
    messages = client[f"{namespace}_notifications"]["messages"]
    try:
        count, last_change = 0, time.monotonic()
        while count < n and time.monotonic() - last_change < idle_s:
            # Seldom: messages have no index on event_type, so on FerretDB v1 each count decodes every
            # message stored (at 1 s it took a large share of the database's CPU that (c) is charged).
            # The figures come from the messages' own timestamps, not from when this loop saw them.
            time.sleep(POLL_S)
            now = messages.count_documents({"event_type": ENROLMENT_CHANGED.type, "channel": "inbox"})
            if now != count:
                count, last_change = now, time.monotonic()
        return count
    finally:
        client.close()


def pipeline(kafka: str, mongo: str, namespace: str, n: int, concurrency: int, recording: str) -> dict[str, Any]:
    log_dir = Path(tempfile.mkdtemp(prefix="bench-e2e-"))
    env = {
        "KAFKA_BOOTSTRAP_SERVERS": kafka,
        "MONGODB_URI": mongo,
        "KAFKA_NAMESPACE": namespace,
        "JP_CHECK_ENABLED": "false",  # a periodic whole-population check would add its own events
    }
    procs = {s: ServiceProcess(s, env | {"MONGODB_DATABASE": f"{namespace}_{s}"}, log_dir) for s in SERVICES}
    try:
        for p in procs.values():
            p.start()
        for p in procs.values():
            p.wait_ready(timeout_s=180)
        print(f"[e2e] four services up (logs in {log_dir}); importing {n:,} employees ...", flush=True)
        nips = _master_data(procs["needs"].url, procs["training"].url, n)
        pids = {s: p.proc.pid for s, p in procs.items() if p.proc}
        before = {s: proc_usage(pid)[0] for s, pid in pids.items()}
        infra_before, machine_before, db_before = infrastructure_cpu(), machine_busy_cpu(), database_activity()
        urls = {s: p.url for s, p in procs.items()}
        commands_before = database_commands(urls)

        http = httpx.Client(base_url=procs["needs"].url, headers=ADMIN, timeout=600)

        def body(nip: str) -> dict[str, Any]:
            return {"nip": nip, "competency_code": "M.05", "level": 1, "source": "assessment_centre"} | {
                "assessed_on": "2027-02-10"
            }

        def assess(nip: str) -> int:
            return http.post("/assessments", json=body(nip)).status_code

        def assess_file(chunk: list[str]) -> int:
            return http.post("/assessments/bulk", json={"assessments": [body(nip) for nip in chunk]}).status_code

        first_write = time.time()
        if recording == "bulk":  # an assessment centre's files, BULK_CHUNK results each, one after another
            print(f"[e2e] recording {n:,} assessments in files of {BULK_CHUNK:,} ...", flush=True)
            chunks = [nips[i : i + BULK_CHUNK] for i in range(0, n, BULK_CHUNK)]
            statuses = []
            for chunk in chunks:
                statuses += [assess_file(chunk)] * len(chunk)
        else:
            print(f"[e2e] recording {n:,} assessments over {concurrency} connections ...", flush=True)
            with ThreadPoolExecutor(concurrency) as pool:
                statuses = list(pool.map(assess, nips))
        http.close()
        recorded_s = time.time() - first_write
        assert statuses.count(201) == n, {s: statuses.count(s) for s in set(statuses)}
        done = _wait_for_enrolment_messages(mongo, namespace, n, idle_s=60)
        usage = {s: proc_usage(pid) for s, pid in pids.items()}
        infra_after, machine_after, db_after = infrastructure_cpu(), machine_busy_cpu(), database_activity()
        commands = commands_per_event(commands_before, database_commands(urls), n)
        if done < n:  # reported, not hidden: the figures below cover what arrived
            print(f"[e2e] WARNING: only {done:,} of {n:,} EnrolmentChanged messages stored", flush=True)
        first_hop, whole, last_stored = _stored_latencies(mongo, namespace)
    finally:
        for p in procs.values():
            p.stop()
    cpu = {s: usage[s][0] - before[s] for s in pids}
    return {
        "events_per_s": done / (last_stored - first_write),
        "not_arrived": n - done,
        "events_are": f"needs carried from POST /assessments{'/bulk' if recording == 'bulk' else ''} to the "
        "EnrolmentChanged inbox message (2 Kafka events, 2 inbox messages each)",
        "recording_per_s": n / recorded_s,
        "latency": percentiles(whole),
        "latency_first_hop": percentiles(first_hop),
        "latency_is": "need (and its outbox entry) written to the EnrolmentChanged inbox message stored; "
        "first hop: to the NeedIdentified inbox message",
        "cpu_s_per_1000": sum(cpu.values()) / n * 1000,
        "cpu_s_per_1000_by_service": {s: c / n * 1000 for s, c in cpu.items()},
        "peak_rss_mb": {s: usage[s][1] / 2**20 for s in pids},
        # Where else the machine's CPU went meanwhile: the broker and the database, and everything.
        "infrastructure_cpu_s_per_1000": {k: (infra_after[k] - v) / n * 1000 for k, v in infra_before.items()},
        "machine_cpu_s_per_1000": (machine_after - machine_before) / n * 1000,
        # PostgreSQL's counters are updated a moment after each transaction, and count the whole server.
        "postgresql_per_event": {k: (db_after[k] - v) / n for k, v in db_before.items() if k in db_after},
        "database_commands_per_event": commands,
    }


# --- the run -------------------------------------------------------------------------------------------


def run(kafka: str, mongo: str) -> dict[str, Any]:
    n = int(os.environ.get("BENCH_E2E_EVENTS", "5000"))
    concurrency = int(os.environ.get("BENCH_E2E_CONCURRENCY", "8"))
    recording = os.environ.get("BENCH_E2E_RECORDING", "single")
    if recording not in ("single", "bulk"):
        raise SystemExit(f"BENCH_E2E_RECORDING is single or bulk, not {recording!r}")
    libs = kafka_libs()
    namespace = f"benche2e{uuid.uuid4().hex[:8]}"
    batch = records(n, namespace)
    size = len(batch[0].value)
    tool_topic, raw_topic = f"{namespace}.perf-tools", f"{namespace}.raw"
    ensure_topics(kafka, [tool_topic, raw_topic], partitions=PARTITIONS, replication_factor=1, retention_ms=3_600_000)
    try:
        print(f"\n[e2e] (a) Kafka's perf tools: {n:,} records of {size} bytes ...", flush=True)
        a = ceiling(kafka, libs, tool_topic, n, size)
        print("[e2e] (b) raw aiokafka + pymongo insert_many ...", flush=True)
        b = asyncio.run(floor(kafka, mongo, raw_topic, f"{namespace}_raw", batch))
        print("[e2e] (c) the four services ...", flush=True)
        c = pipeline(kafka, mongo, namespace, n, concurrency, recording)
    finally:
        clean_up(kafka, mongo, namespace)

    cases = {"a_kafka_tools": a, "b_raw_aiokafka_pymongo": b, "c_our_pipeline": c}
    print(f"\nend to end, {n:,} events of {size} bytes, {PARTITIONS} partitions, acks=all, idempotent")
    print(f"{'case':<26}{'events/s':>10}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'CPU s/1k':>10}  peak RSS MB")
    for name, case in cases.items():
        lat = case["latency"]
        rss = ", ".join(f"{k} {v:.0f}" for k, v in case["peak_rss_mb"].items())
        print(
            f"{name:<26}{case['events_per_s']:>10.0f}{lat['p50_ms']:>9.1f}{lat['p95_ms']:>9.1f}{lat['p99_ms']:>9.1f}"
            f"{case['cpu_s_per_1000']:>10.2f}  {rss}"
        )
    ratios = {
        "c_vs_b": c["events_per_s"] / b["events_per_s"],
        "b_vs_a": b["events_per_s"] / a["events_per_s"],
    }
    print(f"ratios: (c)/(b) = {ratios['c_vs_b']:.3f}, (b)/(a) = {ratios['b_vs_a']:.3f}")
    by_service = ", ".join(f"{s} {v:.2f}" for s, v in c["cpu_s_per_1000_by_service"].items())
    infra = ", ".join(f"{k} {v:.2f}" for k, v in c["infrastructure_cpu_s_per_1000"].items())
    print(f"(c) CPU s per 1,000 events: {by_service}; {infra}; the whole machine {c['machine_cpu_s_per_1000']:.2f}")
    if per_event := c["postgresql_per_event"]:
        print("(c) PostgreSQL under FerretDB, per event: " + ", ".join(f"{k} {v:.1f}" for k, v in per_event.items()))
    print("(c) database commands per event, by service (the most frequent kinds):")
    for service, kinds in c["database_commands_per_event"].items():
        top = ", ".join(f"{k} {v:.2f}" for k, v in list(kinds.items())[1:9])
        print(f"    {service:<14}{kinds['total']:6.2f}  {top}")
    print(f"(c) recorded at {c['recording_per_s']:.0f} assessments/s; {c['not_arrived']} never arrived")
    return {
        "benchmark": "e2e",
        "events": n,
        "record_bytes": size,
        "partitions": PARTITIONS,
        "http_concurrency": concurrency,
        "recording": recording,
        **cases,
        "ratios": ratios,
    }
