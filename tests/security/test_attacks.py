"""Attacks tried against the running services: operator injection in bodies and query strings, forged
and broken tokens, oversized bodies, huge pages and bulk lists, unknown fields (mass assignment)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import jwt
import pytest

from shared.http.auth import Role
from shared.settings import DEV_JWT_SECRET
from tests.conftest import ADMIN_NIP, bearer
from tests.security.conftest import SERVICES
from tests.unit.test_auth import claims

ADMIN = bearer(ADMIN_NIP, Role.BKPSDM_ADMIN, unit="BKPSDM")
NIP = "199002202015032001"
OPERATORS = [{"$ne": None}, {"$gt": ""}, {"$where": "return true"}, {"$regex": ".*"}]

# One string field of a body per service, replaced by an operator object.
BODIES = [
    ("needs", "POST", "/assessments", {"competency_code": "M.05", "level": 2, "source": "assessment_centre",
                                        "assessed_on": "2027-03-01"}, "nip"),
    ("needs", "PUT", "/employees/" + NIP, {"name": "Siti", "position_code": "PERAWAT"}, "unit_code"),
    ("needs", "POST", "/unit-requests", {"competency_code": "M.05", "fiscal_year": 2027,
                                          "justification": "Pelayanan perlu ditingkatkan"}, "unit_code"),
    ("training", "PUT", "/batches/B1", {"program_code": "P1", "starts_on": "2027-03-01",
                                         "ends_on": "2027-03-02"}, "phase_code"),
    ("training", "POST", "/enrolments/B1:1/withdraw", {}, "reason"),
    ("evaluation", "POST", "/evaluations/E1/submission", {"answers": {}}, "indicators"),
    ("notifications", "PUT", "/directory/" + NIP, {"language": "id"}, "name"),
    ("notifications", "POST", "/webhooks", {"event_types": ["x"]}, "url"),
]  # fmt: skip


@pytest.mark.parametrize("operator", OPERATORS, ids=lambda o: next(iter(o)))
@pytest.mark.parametrize(("service", "method", "path", "body", "field"), BODIES, ids=lambda v: str(v)[:30])
def test_an_operator_where_a_value_belongs_is_a_422(services, service, method, path, body, field, operator):
    response = services(service).request(method, path, json=body | {field: operator}, headers=ADMIN)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_request"


LISTINGS = [
    ("needs", "/employees", "unit_code"),
    ("needs", "/needs", "nip"),
    ("training", "/enrolments", "nip"),
    ("training", "/batches?fiscal_year=2027", "phase_code"),
    ("evaluation", "/evaluations", "nip"),
    ("notifications", "/directory", "unit_code"),
    ("notifications", "/deliveries", "recipient_nip"),
]


@pytest.mark.parametrize("suffix", ["[$ne]", "[$gt]", "[$regex]", "[]"])
@pytest.mark.parametrize(("service", "path", "field"), LISTINGS, ids=lambda v: str(v))
def test_operator_syntax_in_a_query_key_is_a_422_not_an_ignored_filter(services, service, path, field, suffix):
    sep = "&" if "?" in path else "?"
    response = services(service).get(f"{path}{sep}{field}{suffix}=x", headers=ADMIN)
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "unknown_query_parameter"


@pytest.mark.parametrize("key", ["$where", "$gt", "a.b", "answers.$ne"])
def test_an_operator_as_an_answer_key_is_a_422(services, key):
    response = services("evaluation").post("/evaluations/E1/submission", json={"answers": {key: 1}}, headers=ADMIN)
    assert response.status_code == 422, response.text


def test_an_operator_as_a_query_value_is_only_a_string(services):
    needs = services("needs")
    assert needs.put("/units/INJ", json={"name": "Unit uji", "kind": "opd"}, headers=ADMIN).status_code == 200
    assert needs.put("/positions/INJ-P", json={"title": "Staf", "type": "pelaksana"}, headers=ADMIN).status_code == 200
    person = {"name": "Siti", "unit_code": "INJ", "position_code": "INJ-P"}
    assert needs.put(f"/employees/{NIP}", json=person, headers=ADMIN).status_code == 200
    assert needs.get("/employees", params={"unit_code": "INJ"}, headers=ADMIN).json()["total"] == 1
    for value in ('{"$ne": null}', '{"$gt": ""}', "$where", ".*"):
        found = needs.get("/employees", params={"unit_code": value}, headers=ADMIN)
        assert (found.status_code, found.json()["total"]) == (200, 0), value


def test_no_raw_queries_or_server_side_javascript_in_the_code():
    root = Path(__file__).parents[2]
    offenders = [
        f"{path.relative_to(root)}:{n}"
        for top in ("services", "shared")
        for path in (root / top).rglob("*.py")
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if re.search(r"__raw__|\$where|\$function|\$accumulator|find\(\s*request", line)
    ]
    assert offenders == []


def _token(**overrides):
    return jwt.encode(claims(**overrides), DEV_JWT_SECRET, "HS256")


TOKENS = {
    "alg-none": jwt.encode(claims(roles=["bkpsdm_admin"]), None, algorithm="none"),
    "alg-hs512-not-configured": jwt.encode(claims(roles=["bkpsdm_admin"]), DEV_JWT_SECRET, "HS512"),
    "wrong-key": jwt.encode(claims(roles=["bkpsdm_admin"]), "another-key-of-sufficient-length-000000", "HS256"),
    "expired": _token(roles=["bkpsdm_admin"], exp=datetime.now(UTC) - timedelta(seconds=1)),
    "wrong-audience": _token(roles=["bkpsdm_admin"], aud="another-system"),
    "wrong-issuer": _token(roles=["bkpsdm_admin"], iss="someone-else"),
    "no-expiry": _token(roles=["bkpsdm_admin"], exp=None),
    "no-subject": _token(roles=["bkpsdm_admin"], sub=None),
    "unknown-role": _token(roles=["superuser"]),
    "tampered-payload": ".".join(
        [_token().split(".")[0], _token(roles=["bkpsdm_admin"]).split(".")[1], _token().split(".")[2]]
    ),
}
PROTECTED = {"needs": "/needs", "training": "/enrolments", "evaluation": "/evaluations", "notifications": "/inbox"}


@pytest.mark.parametrize("kind", TOKENS)
@pytest.mark.parametrize("service", SERVICES)
def test_forged_broken_or_stale_tokens_get_401(services, service, kind):
    response = services(service).get(PROTECTED[service], headers={"Authorization": f"Bearer {TOKENS[kind]}"})
    assert response.status_code == 401, response.text
    assert response.json()["error"]["code"] in ("token_invalid", "token_expired")


@pytest.mark.parametrize("service", SERVICES)
def test_a_body_over_the_limit_is_a_413_before_it_is_read(services, service):
    path = {"needs": "/assessments", "training": "/phases/P1", "evaluation": "/evaluations/E1/submission",
            "notifications": "/webhooks"}[service]  # fmt: skip
    method = "PUT" if service == "training" else "POST"
    big = b'{"x": "' + b"a" * 1_100_000 + b'"}'
    response = services(service).request(
        method, path, content=big, headers=ADMIN | {"Content-Type": "application/json"}
    )
    assert response.status_code == 413, response.text[:300]


def test_file_imports_take_more_than_the_default_limit(services):
    csv = b"nip,nama\n" + b"199002202015032001,Siti\n" * 60_000  # ~1.5 MB
    response = services("notifications").post(
        "/directory/import", content=csv, headers=ADMIN | {"Content-Type": "text/csv"}
    )
    assert response.status_code != 413, response.text[:300]


@pytest.mark.parametrize("params", [{"limit": 501}, {"limit": 10**12}, {"limit": 0}, {"offset": -1}])
@pytest.mark.parametrize(("service", "path", "field"), LISTINGS, ids=lambda v: str(v))
def test_pages_are_bounded(services, service, path, field, params):
    response = services(service).get(path, params=params, headers=ADMIN)
    assert response.status_code == 422, response.text


BULK = [
    ("needs", "POST", "/unit-requests", {"unit_code": "U", "competency_code": "M.05", "fiscal_year": 2027,
     "justification": "Pelayanan perlu ditingkatkan", "nips": [NIP] * 501}),
    ("training", "PUT", "/batches/B1/sessions/1/attendance", {"present": [NIP] * 10_001}),
    ("training", "POST", "/curricula/C1/versions", {"modules": [{"title": "M", "jp": 1, "competency_code": "M.05",
     "learning_outcome": "x"}] * 101}),
    ("evaluation", "POST", "/evaluations/E1/submission", {"answers": {f"q{i}": 1 for i in range(101)}}),
    ("notifications", "POST", "/webhooks", {"url": "https://x.example", "event_types": ["t"] * 51}),
    ("notifications", "PUT", f"/directory/{NIP}", {"head_of_units": ["U"] * 101}),
    ("notifications", "PATCH", "/directory/me", {"channels": ["inbox"] * 11}),
]  # fmt: skip


@pytest.mark.parametrize(("service", "method", "path", "body"), BULK, ids=lambda v: str(v)[:40])
def test_bulk_lists_are_bounded(services, service, method, path, body):
    response = services(service).request(method, path, json=body, headers=ADMIN)
    assert response.status_code == 422, response.text[:300]


def _request_models(schema: dict, name: str, seen: set[str]) -> None:
    """Every object schema reachable from request bodies, by component name."""
    if name in seen:
        return
    seen.add(name)
    body = schema["components"]["schemas"][name]
    for ref in re.findall(r'"\$ref": "#/components/schemas/([^"]+)"', str(body).replace("'", '"')):
        _request_models(schema, ref, seen)


@pytest.mark.parametrize("service", SERVICES)
def test_every_request_model_forbids_unknown_fields(services, service):
    schema = services(service).app.openapi()
    roots = set(
        re.findall(
            r"#/components/schemas/([^\"']+)",
            str([op.get("requestBody", {}) for ops in schema["paths"].values() for op in ops.values()]),
        )
    )
    names: set[str] = set()
    for root in roots:
        _request_models(schema, root, names)
    lenient = [
        n
        for n in sorted(names)
        if "properties" in schema["components"]["schemas"][n]
        and schema["components"]["schemas"][n].get("additionalProperties") is not False
    ]
    assert roots and lenient == []


@pytest.mark.parametrize(
    ("service", "method", "path", "body"),
    [
        ("needs", "PUT", f"/employees/{NIP}", {"name": "S", "unit_code": "INJ", "position_code": "INJ-P",
                                               "role": "bkpsdm_admin"}),
        ("notifications", "PATCH", "/directory/me", {"language": "en", "bkpsdm_admin": True}),
        ("notifications", "PATCH", "/directory/me", {"head_of_units": ["BKPSDM"]}),
        ("training", "PUT", "/curricula/C1", {"title": "K", "partner": "USU", "created_by": ADMIN_NIP}),
    ],
)  # fmt: skip
def test_unknown_fields_are_refused_not_ignored(services, service, method, path, body):
    response = services(service).request(method, path, json=body, headers=ADMIN)
    assert response.status_code == 422, response.text
    assert "extra_forbidden" in response.text


# Every spelling of a JSON media type FastAPI decodes as JSON; a NUL in any of them once reached the database.
JSON_TYPES = [
    "application/json",
    "Application/JSON",
    "application/vnd.api+json",
    "APPLICATION/merge-patch+JSON; charset=utf-8",
]
NUL_BODIES = [
    ("needs", "PUT", "/units/DINKES", '{"name": "Dinas\\u0000Kesehatan", "kind": "opd"}'),
    ("training", "PUT", "/programs/P-NUL", '{"title": "Pelatihan\\u0000", "form": "training"}'),
    ("evaluation", "PUT", "/evaluations/E1/evaluator", '{"evaluator_nip": "x", "reason": "pindah\\u0000"}'),
    ("notifications", "PUT", "/directory/" + NIP, '{"name": "Siti\\u0000", "language": "id"}'),
]


@pytest.mark.parametrize("content_type", JSON_TYPES)
@pytest.mark.parametrize(("service", "method", "path", "body"), NUL_BODIES, ids=lambda v: str(v)[:24])
def test_a_nul_in_any_json_body_is_a_422(services, service, method, path, body, content_type):
    response = services(service).request(
        method, path, content=body.encode(), headers={**ADMIN, "content-type": content_type}
    )
    assert response.status_code == 422, response.text
    assert response.json()["error"]["code"] == "invalid_character"
