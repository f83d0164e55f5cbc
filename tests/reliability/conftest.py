"""Fault tests run against a broker and database of their own (see harness.PrivateInfra), started once
per session on other ports than the shared ones, so killing them disturbs no one (and in CI they run
next to the default infrastructure). Every row's counts are printed at the end of the run."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import forget_namespace
from tests.reliability.harness import PrivateInfra, Row
from tests.support.infra import Endpoints
from tests.support.processes import ServiceProcess

ROWS: list[Row] = []


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/tests/reliability/" in str(item.path):
            item.add_marker(pytest.mark.slow)


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not ROWS:
        return
    columns = ("sent", "acknowledged", "applied", "lost", "business_duplicates", "raw_redeliveries")
    terminalreporter.section("fault tests: acknowledged events vs applied")
    terminalreporter.write_line(f"{'fault':<44}" + "".join(f"{c.replace('_', ' '):>21}" for c in columns))
    for row in ROWS:
        cells = "".join(f"{getattr(row, c):>21}" for c in columns)
        terminalreporter.write_line(f"{row.fault:<44}{cells}  {row.note}")


@pytest.fixture(scope="session")
def private_infra() -> Iterator[PrivateInfra]:
    infra = PrivateInfra()
    infra.up()
    yield infra
    infra.script("down")


@pytest.fixture
def rns(private_infra: PrivateInfra) -> Iterator[str]:
    """A namespace (topics, groups, databases) of one test on the private infrastructure."""
    ns = f"r{uuid.uuid4().hex[:10]}"
    yield ns
    private_infra.up()  # a test that failed mid-fault may have left something stopped
    # Its topics too: left behind, they made every start of the private broker slower, run after run,
    # until it no longer started within local.sh's two minutes.
    forget_namespace(Endpoints(private_infra.kafka, private_infra.mongodb_uri, "private"), ns)


@pytest.fixture
def service_env_private(private_infra: PrivateInfra, rns: str) -> dict[str, str]:
    return {
        "KAFKA_BOOTSTRAP_SERVERS": private_infra.kafka,
        "MONGODB_URI": private_infra.mongodb_uri,
        "FERRETDB_POSTGRESQL_URL": private_infra.postgresql_url,
        "KAFKA_NAMESPACE": rns,
        "KAFKA_TOPIC_PARTITIONS": "2",
        "OUTBOX_POLL_INTERVAL_S": "0.2",
        "CONSUMER_RETRY_BACKOFF_S": "0.05",
        "KAFKA_GRACEFUL_TIMEOUT_S": "5",
        "MONGODB_TIMEOUT_MS": "2000",
        "METRICS_REFRESH_INTERVAL_S": "1",
        "JP_CHECK_ENABLED": "false",
        "LOG_LEVEL": "INFO",
    }


@pytest.fixture
def start(service_env_private: dict[str, str], rns: str, tmp_path: Path) -> Iterator[Callable[..., ServiceProcess]]:
    """Start a service process on the private infrastructure; all are stopped after the test."""
    started: list[ServiceProcess] = []

    def run(service: str, **extra_env: str) -> ServiceProcess:
        env = {**service_env_private, "MONGODB_DATABASE": f"{rns}_{service}"}
        proc = ServiceProcess(service, env, tmp_path).start(**extra_env).wait_ready()
        started.append(proc)
        return proc

    yield run
    for proc in started:
        proc.stop()
