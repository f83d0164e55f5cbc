"""A service started before its database and Kafka answer: it stays up, says it is not ready, and starts
its consumers and relay once both answer. The dependencies are the real FerretDB and Kafka behind TCP
forwarders that open only when the test says so (Kafka's clients bootstrap through the forwarder, then
reach the broker at the address it advertises)."""

import time
from urllib.parse import urlsplit

import httpx
from pymongo import MongoClient

from tests.reliability.harness import completion
from tests.support.events import send
from tests.support.forwarder import Forwarder
from tests.support.processes import ServiceProcess
from tests.support.waiting import eventually


def endpoint(address: str) -> tuple[str, int]:
    parts = urlsplit(address if "//" in address else f"//{address}")
    assert parts.hostname and parts.port, address
    return parts.hostname, parts.port


def test_a_service_started_before_its_database_and_kafka_waits_for_them_then_consumes(
    service_env, namespace, log_dir, infra, admin
):
    database = Forwarder(endpoint(infra.mongodb_uri))
    kafka = Forwarder(endpoint(infra.kafka_bootstrap_servers.split(",")[0]))
    env = {
        **service_env,
        "MONGODB_URI": f"mongodb://127.0.0.1:{database.port}",
        "KAFKA_BOOTSTRAP_SERVERS": f"127.0.0.1:{kafka.port}",
        "MONGODB_DATABASE": f"{namespace}_needs",
        "MONGODB_TIMEOUT_MS": "1000",
        "STARTUP_RETRY_MAX_S": "1",
        "LOG_LEVEL": "INFO",
    }
    needs = ServiceProcess("needs", env, log_dir).start()
    http = httpx.Client(base_url=needs.url, timeout=10)
    try:
        eventually(lambda: _answers(http, "/health/live") == 200, what="the process answering")
        for _ in range(3):  # a few rounds of retries: it keeps running and keeps saying why
            time.sleep(1)
            assert needs.proc is not None and needs.proc.poll() is None, needs.tail()
            ready = http.get("/health/ready")
            assert ready.status_code == 503 and ready.json()["checks"]["started"] != "ok"
        refused = http.get("/employees", headers=admin)
        assert (refused.status_code, refused.json()["error"]["code"]) == (503, "starting")
        assert refused.headers["retry-after"] == "5"

        database.open()
        time.sleep(3)  # the database answers now, Kafka still does not
        assert http.get("/health/ready").status_code == 503
        kafka.open()
        eventually(lambda: _answers(http, "/health/ready") == 200, timeout_s=60, what="readiness")

        # Its consumers run: a completion announced now is booked in the JP ledger.
        record = completion(1, "startup")
        send(infra, namespace, record)
        with MongoClient(infra.mongodb_uri) as client:
            ledgers = client[f"{namespace}_needs"]["jp_ledgers"]
            ledger = eventually(lambda: ledgers.find_one({"nip": record.key}), what="the JP ledger")
        assert ledger["total_jp"] > 0
        assert "dependencies not reachable yet; retrying" in needs.log_path.read_text()
    finally:
        http.close()
        needs.stop()
        database.close()
        kafka.close()


def _answers(http: httpx.Client, path: str) -> int | None:
    try:
        return http.get(path).status_code
    except httpx.HTTPError:
        return None
