"""The security tests send many single requests: each module starts a service once, in its own namespace."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import ExitStack

import pytest
from fastapi.testclient import TestClient

from tests.conftest import forget_namespace, running, service_environment
from tests.support.infra import Endpoints

SERVICES = ("needs", "training", "evaluation", "notifications")


@pytest.fixture(scope="module")
def module_namespace(infra: Endpoints) -> Iterator[str]:
    ns = f"s{uuid.uuid4().hex[:10]}"
    yield ns
    forget_namespace(infra, ns)


@pytest.fixture(scope="module")
def services(infra: Endpoints, module_namespace: str) -> Iterator[Callable[[str], TestClient]]:
    """``services("needs")``: that service, started at first use and stopped when the module is done."""
    with ExitStack() as stack, pytest.MonkeyPatch.context() as monkeypatch:
        started: dict[str, TestClient] = {}

        def client(service: str) -> TestClient:
            if service not in started:
                env = service_environment(infra, module_namespace) | {
                    "MONGODB_DATABASE": f"{module_namespace}_{service}"
                }
                started[service] = stack.enter_context(running(service, env, monkeypatch))
            return started[service]

        yield client
