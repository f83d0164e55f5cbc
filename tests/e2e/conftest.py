from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.support.processes import SERVICES, ServiceProcess


@pytest.fixture
def start_service(
    service_env: dict[str, str], namespace: str, log_dir: Path
) -> Iterator[Callable[..., ServiceProcess]]:
    """Start a service as its own uvicorn process; every process started is stopped after the test."""
    started: list[ServiceProcess] = []

    def start(service: str, **extra_env: str) -> ServiceProcess:
        env = {**service_env, "MONGODB_DATABASE": f"{namespace}_{service}", "LOG_LEVEL": "INFO"}
        proc = ServiceProcess(service, env, log_dir).start(**extra_env).wait_ready()
        started.append(proc)
        return proc

    yield start
    for proc in started:
        proc.stop()


@pytest.fixture
def system(start_service: Callable[..., ServiceProcess]) -> dict[str, ServiceProcess]:
    return {name: start_service(name) for name in SERVICES}
