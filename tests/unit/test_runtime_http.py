"""The HTTP edge every service shares, without Kafka or the database (no lifespan is run)."""

import base64
import hashlib
import re

from fastapi import APIRouter
from fastapi.responses import HTMLResponse
from fastapi.testclient import TestClient
from pymongo.errors import NetworkTimeout

from shared.runtime import ServiceRuntime
from shared.settings import ServiceSettings
from tests.support.metrics import sample


def app_with_a_failing_route():
    runtime = ServiceRuntime(
        ServiceSettings(service_name="edge", http_port=1), produces=[], documents=[], outbox_documents=[]
    )
    router = APIRouter()

    @router.get("/boom")
    def boom():
        raise RuntimeError("disk on fire")

    @router.get("/silent-database")
    def silent_database():
        raise NetworkTimeout("timed out")

    runtime.started = True  # as once the database and Kafka answered; no lifespan runs here
    return runtime.create_app(title="edge", description="test", routers=[router])


def test_an_unexpected_error_answers_500_in_indonesian_is_counted_and_keeps_its_correlation_id():
    client = TestClient(app_with_a_failing_route(), raise_server_exceptions=False)
    response = client.get("/boom", headers={"X-Correlation-ID": "req-7"})
    assert response.status_code == 500
    assert response.headers["x-correlation-id"] == "req-7"
    error = response.json()["error"]
    assert error["code"] == "internal_error"
    assert error["message"].startswith("Terjadi kesalahan pada sistem")
    assert "disk on fire" not in response.text  # internals stay in the log
    metrics = client.get("/metrics").text
    assert sample(metrics, "http_requests_total", service="edge", route="/boom", status="500") == 1


def test_a_database_that_does_not_answer_is_a_503_that_asks_to_check_what_was_saved():
    client = TestClient(app_with_a_failing_route(), raise_server_exceptions=False)
    response = client.get("/silent-database", headers={"Accept-Language": "en"})
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    error = response.json()["error"]
    assert error["code"] == "database_unavailable"
    assert "check first whether it was saved" in error["message"]
    assert error["messages"]["id"].startswith("Basis data sedang tidak menjawab")


def test_a_correlation_id_is_kept_only_as_a_short_token_of_safe_characters():
    client = TestClient(app_with_a_failing_route(), raise_server_exceptions=False)
    kept = client.get("/health/live", headers={"X-Correlation-ID": "4bf92f35-77b3:req_7.1"})
    assert kept.headers["x-correlation-id"] == "4bf92f35-77b3:req_7.1"
    for hostile in ("x" * 65, "a b", "req<script>", "line\tbreak", "50%"):
        replaced = client.get("/health/live", headers={"X-Correlation-ID": hostile}).headers["x-correlation-id"]
        assert replaced != hostile and re.fullmatch(r"[0-9a-f-]{36}", replaced), hostile


def test_every_answer_says_nosniff_and_html_gets_a_policy_that_runs_nothing_foreign():
    runtime = ServiceRuntime(
        ServiceSettings(service_name="edge", http_port=1), produces=[], documents=[], outbox_documents=[]
    )
    router = APIRouter()

    @router.get("/page", response_class=HTMLResponse)
    def page():
        return "<!doctype html><style>p{color:red}</style><p>laporan</p>"

    runtime.started = True
    client = TestClient(runtime.create_app(title="edge", description="test", routers=[router]))
    live = client.get("/health/live")
    assert live.headers["x-content-type-options"] == "nosniff" and "content-security-policy" not in live.headers
    html = client.get("/page")
    policy = html.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "script-src" not in policy and "frame-ancestors 'none'" in policy
    assert html.headers["x-content-type-options"] == "nosniff"


def test_the_interactive_docs_are_served_from_here_under_a_policy_that_lets_them_run():
    client = TestClient(app_with_a_failing_route())
    docs = client.get("/docs")
    assert docs.status_code == 200
    # Every script and stylesheet the page loads is this service's own; none comes from a CDN.
    sources = re.findall(r'(?:src|href)="([^"]+)"', docs.text)
    assert sources and all(s.startswith("/docs-assets/") for s in sources), sources
    for source in sources:
        asset = client.get(source)
        assert asset.status_code == 200 and asset.headers["x-content-type-options"] == "nosniff", source
    # The one inline script (it starts Swagger UI) is allowed by its hash, nothing else inline.
    (inline,) = re.findall(r"<script>(.*?)</script>", docs.text, flags=re.DOTALL)
    digest = base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode()
    policy = docs.headers["content-security-policy"]
    assert f"script-src 'self' 'sha256-{digest}';" in policy and "unsafe-eval" not in policy
    assert "connect-src 'self'" in policy  # the page reads /openapi.json and tries calls on this service
    assert client.get("/openapi.json").status_code == 200

    redoc = client.get("/redoc")
    assert re.findall(r'src="([^"]+)"', redoc.text) == ["/docs-assets/redoc.standalone.js"]
    assert "worker-src blob:" in redoc.headers["content-security-policy"]
