"""docs/authorization.md is the specification: every route of every app has a row, and every route called
with a token of every role answers as its cell says (403 where denied, neither 401 nor 403 where allowed).

Object-level scope (own, reports, unit, inst) is tested with real records in test_object_access.py; here the
placeholder identifiers name nothing, so an allowed caller may get 404 or 422, never 401/403 or a 5xx.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from pathlib import Path
from typing import Any

import pytest

from shared.http.auth import Role
from tests.conftest import bearer
from tests.security.conftest import SERVICES

DOC = Path(__file__).parents[2] / "docs" / "authorization.md"
ROLES = tuple(Role)
DENIED = "—"
NO_TOKEN = ("public", "docs")
NIPS = {
    Role.EMPLOYEE: "199002202015032001",
    Role.SUPERVISOR: "197911232006041003",
    Role.UNIT_HEAD: "198001012005011001",
    Role.BKPSDM_ADMIN: "197805122003121002",
    Role.PARTNER: "198505052010011005",
}
PLACEHOLDER_NIP = "199101012020011001"


@dataclass(frozen=True)
class Row:
    service: str
    method: str
    path: str
    cells: dict[Role, str]

    def __str__(self) -> str:
        return f"{self.service} {self.method} {self.path}"


def read_matrix() -> list[Row]:
    rows = []
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cols = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cols) == 9 and cols[0] in SERVICES:
            rows.append(Row(cols[0], cols[1], cols[2], dict(zip(ROLES, cols[3:8], strict=True))))
    return rows


ROWS = read_matrix()


def app_routes(service: str) -> list[tuple[str, str]]:
    app = import_module(f"services.{service}.main").create_app()
    return [(method.upper(), path) for path, ops in app.openapi()["paths"].items() for method in ops]


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_has_exactly_one_row_and_every_row_a_route(service):
    documented = [(r.method, r.path) for r in ROWS if r.service == service]
    assert len(documented) == len(set(documented)), "a route has two rows"
    routes = app_routes(service)
    assert sorted(set(routes) - set(documented)) == [], f"routes of {service} missing from {DOC.name}"
    assert sorted(set(documented) - set(routes)) == [], f"rows of {service} naming no route"
    assert all(
        cell in {DENIED, "yes", "own", "reports", "unit", "inst", "all", *NO_TOKEN}
        for r in ROWS
        for cell in r.cells.values()
    )


def _value(param: dict[str, Any]) -> Any:
    schema = param.get("schema", {})
    if "enum" in schema:
        return schema["enum"][0]
    if schema.get("type") == "integer":
        return min(max(2027, schema.get("minimum", 2027)), schema.get("maximum", 2027))
    return PLACEHOLDER_NIP if param["name"] == "nip" else "X1"


def request_for(client, row: Row) -> dict[str, Any]:
    operation = client.app.openapi()["paths"][row.path][row.method.lower()]
    params = operation.get("parameters", [])
    path = row.path
    for p in params:
        if p["in"] == "path":
            path = path.replace("{" + p["name"] + "}", str(_value(p)))
    query = {p["name"]: _value(p) for p in params if p["in"] == "query" and p.get("required")}
    body = {"json": {}} if row.method in ("POST", "PUT", "PATCH") else {}
    return {"method": row.method, "url": path, "params": query, **body}


CASES = [pytest.param(row, role, id=f"{row}-{role.value}") for row in ROWS for role in ROLES]


@pytest.mark.parametrize(("row", "role"), CASES)
def test_each_role_is_allowed_or_denied_as_the_matrix_says(services, row, role):
    client = services(row.service)
    cell = row.cells[role]
    institution = "MATRIX-UNIVERSITY" if role == Role.PARTNER else None
    headers = {} if cell in NO_TOKEN else bearer(NIPS[role], role, unit="PKM-MATRIX", institution=institution)
    response = client.request(**request_for(client, row), headers=headers)
    if cell == DENIED:
        assert response.status_code == 403, response.text
        assert response.json()["error"]["code"] == "forbidden"
    else:
        assert response.status_code not in (401, 403), response.text
        assert response.status_code < 500, response.text


@pytest.mark.parametrize("row", [pytest.param(r, id=str(r)) for r in ROWS if r.cells[Role.EMPLOYEE] not in NO_TOKEN])
def test_without_a_token_every_other_route_answers_401(services, row):
    client = services(row.service)
    response = client.request(**request_for(client, row))
    assert response.status_code == 401, response.text
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
