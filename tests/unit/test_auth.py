import time
from datetime import UTC, datetime, timedelta

import jwt
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from shared.http.auth import VERIFIED_TOKENS_MAX, CurrentPrincipal, Role, TokenVerifier, require_roles
from shared.http.errors import ApiError, install_error_handlers
from shared.settings import DEV_JWT_SECRET, ServiceSettings
from tests.conftest import bearer

SETTINGS = ServiceSettings(service_name="auth-test", http_port=1)


@pytest.fixture(scope="module")
def client():
    app = FastAPI()
    app.state.token_verifier = TokenVerifier(SETTINGS)
    install_error_handlers(app)

    @app.get("/me")
    def me(who: CurrentPrincipal):
        return {"nip": who.nip, "roles": sorted(who.roles), "unit": who.unit_code}

    @app.post("/admin-only", dependencies=[Depends(require_roles(Role.BKPSDM_ADMIN))])
    def admin_only():
        return {"ok": True}

    return TestClient(app)


def claims(**overrides):
    now = datetime.now(UTC)
    base = {
        "sub": "199002202015032001",
        "roles": ["employee"],
        "unit": "PKM-TELADAN",
        "aud": "bkpsdm-medan",
        "iss": "bkpsdm-medan-sso",
        "iat": now,
        "exp": now + timedelta(hours=1),
    }
    return {k: v for k, v in (base | overrides).items() if v is not None}


def call(client, token, path="/me", **headers):
    return client.get(path, headers={"Authorization": f"Bearer {token}", **headers})


def test_a_valid_token_names_the_caller(client):
    response = client.get("/me", headers=bearer("199002202015032001", Role.EMPLOYEE, Role.SUPERVISOR, unit="DINKES"))
    assert response.status_code == 200
    assert response.json() == {"nip": "199002202015032001", "roles": ["employee", "supervisor"], "unit": "DINKES"}


def test_no_token_gets_401_with_a_bearer_challenge_in_indonesian(client):
    response = client.get("/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["error"]["code"] == "token_missing"
    assert response.json()["error"]["message"] == "Permintaan ini memerlukan token Bearer."


def test_english_is_available_on_request(client):
    response = client.get("/me", headers={"Accept-Language": "en-US"})
    assert response.json()["error"]["message"] == "This request needs a Bearer token."


@pytest.mark.parametrize(
    ("token", "code"),
    [
        (jwt.encode(claims(exp=datetime.now(UTC) - timedelta(minutes=1)), DEV_JWT_SECRET, "HS256"), "token_expired"),
        (jwt.encode(claims(), "another-key-of-sufficient-length-000000", "HS256"), "token_invalid"),
        (jwt.encode(claims(aud="other-system"), DEV_JWT_SECRET, "HS256"), "token_invalid"),
        (jwt.encode(claims(iss="somebody-else"), DEV_JWT_SECRET, "HS256"), "token_invalid"),
        (jwt.encode(claims(exp=None), DEV_JWT_SECRET, "HS256"), "token_invalid"),
        (jwt.encode(claims(roles=["superuser"]), DEV_JWT_SECRET, "HS256"), "token_invalid"),
        (jwt.encode(claims(roles={"bkpsdm_admin": True}), DEV_JWT_SECRET, "HS256"), "token_invalid"),
        (jwt.encode(claims(roles="bkpsdm_admin"), DEV_JWT_SECRET, "HS256"), "token_invalid"),
        (jwt.encode(claims(roles=["employee", 7]), DEV_JWT_SECRET, "HS256"), "token_invalid"),
        (jwt.encode(claims(unit=["PKM-TELADAN", "DINKES"]), DEV_JWT_SECRET, "HS256"), "token_invalid"),
        (jwt.encode(claims(unit={"$ne": None}), DEV_JWT_SECRET, "HS256"), "token_invalid"),
        (jwt.encode(claims(sub=""), DEV_JWT_SECRET, "HS256"), "token_invalid"),
        (jwt.encode(claims(institution=["USU", "ITM"]), DEV_JWT_SECRET, "HS256"), "token_invalid"),
        (jwt.encode(claims(), None, algorithm="none"), "token_invalid"),
        ("not.a.jwt", "token_invalid"),
    ],
    ids=[
        "expired",
        "wrong-key",
        "wrong-audience",
        "wrong-issuer",
        "no-expiry",
        "unknown-role",
        "roles-as-object",
        "roles-as-string",
        "role-not-a-string",
        "unit-as-list",
        "unit-as-object",
        "empty-sub",
        "institution-as-list",
        "alg-none",
        "garbage",
    ],
)
def test_bad_tokens_get_401(client, token, code):
    response = call(client, token)
    assert response.status_code == 401
    assert response.json()["error"]["code"] == code


def test_the_wrong_role_gets_403(client):
    response = client.post("/admin-only", headers=bearer("199002202015032001", Role.EMPLOYEE))
    assert response.status_code == 403
    assert "bkpsdm_admin" in response.json()["error"]["message"]
    ok = client.post("/admin-only", headers=bearer("197805122003121002", Role.BKPSDM_ADMIN))
    assert ok.status_code == 200


def test_a_token_without_roles_or_unit_is_a_caller_with_neither(client):
    response = call(client, jwt.encode(claims(roles=None, unit=None), DEV_JWT_SECRET, "HS256"))
    assert response.status_code == 200
    assert response.json() == {"nip": "199002202015032001", "roles": [], "unit": None}


def test_a_claim_of_the_wrong_shape_is_named_in_the_refusal(client):
    response = call(
        client, jwt.encode(claims(roles={"bkpsdm_admin": True}), DEV_JWT_SECRET, "HS256"), **{"Accept-Language": "en"}
    )
    assert "roles must be a list of role names" in response.json()["error"]["message"]


def test_the_institution_claim_is_read_under_the_name_the_settings_give():
    token = jwt.encode(claims(roles=["partner"], org_code="USU", institution="ITM"), DEV_JWT_SECRET, "HS256")
    assert TokenVerifier(SETTINGS).verify(token).institution == "ITM"
    renamed = ServiceSettings(service_name="auth-test", http_port=1, jwt_institution_claim="org_code")
    assert TokenVerifier(renamed).verify(token).institution == "USU"
    assert TokenVerifier(renamed).verify(jwt.encode(claims(), DEV_JWT_SECRET, "HS256")).institution is None


def test_a_token_accepted_before_is_refused_once_it_expires_though_verified_tokens_are_remembered():
    verifier = TokenVerifier(SETTINGS)
    expires = int(time.time()) + 2
    token = jwt.encode(claims(exp=expires), DEV_JWT_SECRET, "HS256")
    assert verifier.verify(token).nip == verifier.verify(token).nip == "199002202015032001"
    time.sleep(max(0.0, expires - time.time()) + 0.05)
    with pytest.raises(ApiError) as refused:
        verifier.verify(token)
    assert refused.value.code == "token_expired"


def test_remembered_tokens_are_bounded_and_a_forged_twin_is_never_served_from_memory():
    verifier = TokenVerifier(SETTINGS)
    for i in range(VERIFIED_TOKENS_MAX + 10):
        verifier.verify(jwt.encode(claims(sub=f"nip-{i}"), DEV_JWT_SECRET, "HS256"))
    assert len(verifier._verified) == VERIFIED_TOKENS_MAX
    token = jwt.encode(claims(), DEV_JWT_SECRET, "HS256")
    verifier.verify(token)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    with pytest.raises(ApiError) as refused:
        verifier.verify(forged)
    assert refused.value.code == "token_invalid"
