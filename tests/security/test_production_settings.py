"""In production a service fails closed: it will not start on development defaults, and its API docs are off."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError

from services.needs.main import create_app
from services.needs.settings import NeedsSettings
from shared.messaging.broker import broker_security
from shared.settings import DEV_JWT_SECRET

SAFE = {
    "environment": "production",
    "jwt_secret": "a-real-secret-from-the-vault-0123456789abcdef",
    "kafka_security_protocol": "SASL_SSL",
    "kafka_sasl_username": "needs",
    "kafka_sasl_password": "from-the-vault",
}


def test_safe_production_settings_are_accepted():
    settings = NeedsSettings(**SAFE)
    assert settings.docs_enabled is False
    options = settings.kafka_client_options()
    assert (options["security_protocol"], options["sasl_mechanism"]) == ("SASL_SSL", "SCRAM-SHA-512")
    assert options["ssl_context"] is not None
    security = broker_security(settings)
    assert (type(security).__name__, security.use_ssl) == ("SASLScram512", True)


@pytest.mark.parametrize(
    ("override", "complaint"),
    [
        ({"jwt_secret": DEV_JWT_SECRET}, "JWT_SECRET still has the development default"),
        ({"jwt_secret": "short"}, "at least 32 characters"),
        ({"cors_allowed_origins": "https://simpeg.pemkomedan.go.id, *"}, "CORS_ALLOWED_ORIGINS may not be '*'"),
        ({"kafka_security_protocol": "PLAINTEXT"}, "must be SASL_SSL"),
        ({"kafka_security_protocol": "SASL_PLAINTEXT"}, "must be SASL_SSL"),
        ({"kafka_sasl_password": ""}, "KAFKA_SASL_USERNAME and KAFKA_SASL_PASSWORD are required"),
    ],
    ids=["default-jwt-secret", "short-jwt-secret", "open-cors", "plaintext-kafka", "unencrypted-sasl", "no-password"],
)
def test_production_refuses_to_start_on_an_unsafe_setting(override, complaint):
    with pytest.raises(ValidationError, match=complaint):
        NeedsSettings(**(SAFE | override))


def test_the_same_settings_from_the_environment_stop_the_process(monkeypatch):
    monkeypatch.setenv("ENVIRONMENT", "production")
    with pytest.raises(ValidationError, match="development default"):
        create_app()


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/docs-assets/swagger-ui.css", "/openapi.json", "/asyncapi.json"])
def test_api_docs_are_off_in_production_unless_enabled(path):
    # No lifespan (no `with`): the routes exist or not from construction, no broker needed.
    hidden = TestClient(create_app(NeedsSettings(**SAFE)))
    assert hidden.get(path).status_code == 404
    shown = TestClient(create_app(NeedsSettings(**SAFE, api_docs_enabled=True)))
    assert shown.get(path).status_code == 200


def test_cors_answers_only_the_listed_origins():
    allowed = "https://simpeg.pemkomedan.go.id"
    app = create_app(NeedsSettings(**SAFE, cors_allowed_origins=allowed))
    app.state.runtime.started = True  # as once its dependencies answered; no lifespan runs here
    client = TestClient(app)
    preflight = {"Access-Control-Request-Method": "GET", "Access-Control-Request-Headers": "authorization"}
    ok = client.options("/needs", headers={"Origin": allowed, **preflight})
    assert ok.headers["access-control-allow-origin"] == allowed
    other = client.options("/needs", headers={"Origin": "https://evil.example", **preflight})
    assert "access-control-allow-origin" not in other.headers
    closed = TestClient(create_app(NeedsSettings(**SAFE)))
    assert "access-control-allow-origin" not in closed.get("/health/live", headers={"Origin": allowed}).headers


def test_training_refuses_to_start_in_production_without_its_own_certificate_signing_key(monkeypatch):
    from services.training.main import create_app as create_training
    from services.training.settings import TrainingSettings
    from shared.credentials.keys import generate_seed
    from shared.credentials.settings import DEV_SIGNING_KEY_SEED

    monkeypatch.setenv("CREDENTIALS_BASE_URL", "https://pelatihan.bkpsdm.pemkomedan.go.id")
    for seed in ("", DEV_SIGNING_KEY_SEED):
        monkeypatch.setenv("CREDENTIALS_SIGNING_KEY_SEED", seed)
        with pytest.raises(ValidationError, match="CREDENTIALS_SIGNING_KEY_SEED is required in production"):
            create_training(TrainingSettings(**SAFE))
    monkeypatch.setenv("CREDENTIALS_SIGNING_KEY_SEED", generate_seed())
    app = create_training(TrainingSettings(**SAFE))
    app.state.runtime.started = True  # as once its dependencies answered; no lifespan runs here
    issuer = TestClient(app).get("/credentials/issuer").json()
    assert issuer["id"] == "https://pelatihan.bkpsdm.pemkomedan.go.id/credentials/issuer"
