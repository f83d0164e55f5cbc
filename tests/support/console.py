"""The console in tests: its calls to the services routed to services running in this process (each a
TestClient over the real broker and database), and signing in through its own forms."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import anyio
import httpx

from services.console.main import create_app
from services.console.settings import ConsoleSettings

if TYPE_CHECKING:
    from fastapi.testclient import TestClient


class InProcessTransport(httpx.AsyncBaseTransport):
    """Hands each call to a service's TestClient, on a worker thread so the console's loop keeps running."""

    def __init__(self, service: TestClient, calls: list[str] | None = None) -> None:
        self.service = service
        self.calls = calls

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        if self.calls is not None:
            self.calls.append(f"{request.method} {request.url.host.removesuffix('.test')}{request.url.path}")

        def call() -> httpx.Response:
            return self.service.request(
                request.method, request.url.raw_path.decode(), content=body, headers=dict(request.headers)
            )

        answer = await anyio.to_thread.run_sync(call)
        return httpx.Response(answer.status_code, headers=answer.headers, content=answer.content)


def console_over(services: Mapping[str, TestClient], calls: list[str] | None = None, **settings: object) -> TestClient:
    """A TestClient of the console whose calls reach the given in-process services; each call is noted in
    ``calls`` (``GET needs/jp-ledgers``), if given, so a test can tell how many a page makes."""
    from fastapi.testclient import TestClient

    urls = {f"{name}_url": f"http://{name}.test" for name in ("needs", "training", "evaluation", "notifications")}
    mounts = {f"http://{name}.test": InProcessTransport(client, calls) for name, client in services.items()}
    client = httpx.AsyncClient(mounts=mounts)
    app = create_app(ConsoleSettings(**(urls | settings)), client)  # type: ignore[arg-type]
    return TestClient(app, base_url="http://127.0.0.1:8000")


def csrf_of(page: httpx.Response) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert found, f"no CSRF token on the page: {page.text[:500]}"
    return found.group(1)


def sign_in(console: TestClient, person: str) -> httpx.Response:
    """Sign in as a demo person (pegawai, atasan, kepala-unit, bkpsdm, mitra) through the sign-in page."""
    token = csrf_of(console.get("/login"))
    answer = console.post("/login/dev", data={"person": person, "csrf_token": token}, follow_redirects=False)
    assert answer.status_code == 303, answer.text
    return answer


def post_form(console: TestClient, page_path: str, target: str, /, **fields: str) -> httpx.Response:
    """Post a form as the browser would: the CSRF token read from the page the form is on."""
    token = csrf_of(console.get(page_path))
    return console.post(target, data={**fields, "csrf_token": token}, follow_redirects=False)


@contextmanager
def nurse_with_a_seat(run_service: Callable[..., Any], admin: dict[str, str]) -> Iterator[dict[str, TestClient]]:
    """The four services in this process, the puskesmas loaded and its nurse proposed a seat in PRIMA-1."""
    from tests.support.demo import NURSE, assess, load_puskesmas, program_body, schedule
    from tests.support.events import enrolments
    from tests.support.waiting import eventually

    with (
        run_service("needs") as needs,
        run_service("training") as training,
        run_service("evaluation") as evaluation,
        run_service("notifications") as notifications,
    ):
        load_puskesmas(needs, admin)
        training.put("/programs/PRIMA", json=program_body({"M.05": 3}), headers=admin)
        schedule(training, admin, "PRIMA-1", "PRIMA", location="BPSDM Sumut, Medan")
        assess(needs, admin, 1)
        eventually(lambda: enrolments(training, admin, nip=NURSE)["items"], what="the nurse's seat")
        yield {"needs": needs, "training": training, "evaluation": evaluation, "notifications": notifications}
