"""Fixtures shared by every test tier.

Unit tests (tests/unit) need nothing. Integration tests (tests/integration) run the services in-process
over the real Kafka broker and MongoDB-wire database. End-to-end tests (tests/e2e) run each service as its
own uvicorn process. Each test gets its own Kafka namespace (topics and consumer groups) and its own
databases, so tests never read each other's events.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import mongoengine
import pytest
from fastapi.testclient import TestClient
from kafka.admin import KafkaAdminClient
from pymongo import MongoClient

from shared.http.auth import Role, mint_token
from shared.settings import ServiceSettings
from tests.support.infra import Endpoints, InfrastructureUnavailable, endpoints


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = str(item.path)
        if "/tests/e2e/" in path:
            item.add_marker(pytest.mark.e2e)
            item.add_marker(pytest.mark.slow)
        elif "/tests/integration/" in path:
            item.add_marker(pytest.mark.integration)


@pytest.fixture(scope="session")
def infra() -> Iterator[Endpoints]:
    try:
        with endpoints() as found:
            yield found
    except InfrastructureUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)


@pytest.fixture
def namespace(infra: Endpoints) -> Iterator[str]:
    ns = f"t{uuid.uuid4().hex[:10]}"
    yield ns
    forget_namespace(infra, ns)


def forget_namespace(infra: Endpoints, ns: str) -> None:
    """Drop a test's databases and topics. Topics left behind pile up run after run until the broker
    holds more partition files than it may open (it then stops: "Too many open files")."""
    client: MongoClient[dict[str, Any]] = MongoClient(infra.mongodb_uri)
    for name in client.list_database_names():
        if name.startswith(f"{ns}_"):
            client.drop_database(name)
    client.close()
    with KafkaAdminClient(bootstrap_servers=infra.kafka_bootstrap_servers) as admin:
        doomed = [topic for topic in admin.list_topics() if topic.startswith(f"{ns}.")]
        if doomed:
            admin.delete_topics(doomed)


@pytest.fixture
def service_env(infra: Endpoints, namespace: str) -> dict[str, str]:
    return service_environment(infra, namespace)


def service_environment(infra: Endpoints, namespace: str) -> dict[str, str]:
    """Environment for a service of this test: its own namespace, quick polling, small topics."""
    return {
        "KAFKA_BOOTSTRAP_SERVERS": infra.kafka_bootstrap_servers,
        "MONGODB_URI": infra.mongodb_uri,
        "FERRETDB_POSTGRESQL_URL": infra.postgresql_url,
        "KAFKA_NAMESPACE": namespace,
        "KAFKA_TOPIC_PARTITIONS": "2",
        "OUTBOX_POLL_INTERVAL_S": "0.2",
        "NEED_COUNTS_INTERVAL_S": "0.2",
        "CONSUMER_RETRY_BACKOFF_S": "0.05",
        "KAFKA_GRACEFUL_TIMEOUT_S": "5",
        "LOG_LEVEL": "WARNING",
        # The periodic JP check would race the tests' own data; the JP tests trigger it explicitly.
        "JP_CHECK_ENABLED": "false",
        # The tests' plans are for 2027; plan as on a day before their batches start, whatever today is.
        "PLANNER_AS_OF": "2027-01-04",
    }


def dev_token(nip: str, *roles: Role, unit: str | None = None, institution: str | None = None) -> str:
    settings = ServiceSettings(service_name="tests", http_port=1)
    return mint_token(settings, nip=nip, roles=list(roles), unit_code=unit, institution=institution)


def bearer(nip: str, *roles: Role, unit: str | None = None, institution: str | None = None) -> dict[str, str]:
    return {"Authorization": f"Bearer {dev_token(nip, *roles, unit=unit, institution=institution)}"}


ADMIN_NIP = "197805122003121002"


@pytest.fixture
def admin() -> dict[str, str]:
    return bearer(ADMIN_NIP, Role.BKPSDM_ADMIN, unit="BKPSDM")


@pytest.fixture
def run_service(service_env: dict[str, str], namespace: str, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """Run one service in this process (TestClient runs its lifespan: consumers and relay included)."""

    def run(service: str, *, ready: bool = True, **overrides: str) -> Any:
        env = {**service_env, "MONGODB_DATABASE": f"{namespace}_{service}", **overrides}
        return running(service, env, monkeypatch, ready=ready)

    return run


@contextmanager
def running(
    service: str, env: dict[str, str], monkeypatch: pytest.MonkeyPatch, *, ready: bool = True
) -> Iterator[TestClient]:
    """The service in this process; unless ``ready`` is false, once it is ready."""
    from importlib import import_module

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    create_app = import_module(f"services.{service}.main").create_app
    try:
        with TestClient(create_app()) as client:
            # The process answers at once and starts its work once the database and Kafka answer.
            if ready:
                wait_ready(client)
            yield client
    finally:
        # A lifespan cut short (a test's timeout while the service hung) leaves its connection registered,
        # and every later test of the service would fail to connect: one failure, not hundreds.
        mongoengine.disconnect(alias=service)


def wait_ready(client: TestClient, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while (response := client.get("/health/ready")).status_code != 200:
        if time.monotonic() > deadline:
            raise AssertionError(f"the service was not ready within {timeout_s}s: {response.text}")
        time.sleep(0.1)


@pytest.fixture
def log_dir(tmp_path: Path) -> Path:
    return tmp_path
