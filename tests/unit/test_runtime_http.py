"""The HTTP edge every service shares, without Kafka or the database (no lifespan is run)."""

from fastapi import APIRouter
from fastapi.testclient import TestClient

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
