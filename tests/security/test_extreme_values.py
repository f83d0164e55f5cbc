"""Extreme values found by the outside probe (issue 12, Why 7), each once a 500: now a 422 naming the field.

Bodies are sent as raw JSON text, since ``1e999`` (infinity, as the JSON parser reads it) has no JSON
form a client library would write. The rest of each body is valid, so the field named is the only one.
"""

from __future__ import annotations

import json

import pytest

from tests.conftest import ADMIN_NIP
from tests.security.test_attacks import ADMIN, NIP

INFINITY = "1e999"
HUGE = str(10**20)
SKM = {"fiscal_year": 2027, "respondents": 120, "nrr": {f"U{i}": 3.2 for i in range(1, 10)}}
PHASE = {"fiscal_year": 2027, "title": "Tahap I", "starts_on": "2027-01-01", "ends_on": "2027-06-30", "budget": 1e8}
PROGRAM = {"title": "Pelayanan Prima", "form": "training", "competencies": {"M.05": 3}, "jp": 24, "provider": "BPSDM"}
PERFORMANCE = {"nip": NIP, "fiscal_year": 2027, "target": 100, "realisation": 80}
ASSESSMENT = {"nip": NIP, "competency_code": "M.05", "level": 2, "source": "test", "assessed_on": "2027-03-01"}

CASES = [
    ("training", "PUT", "/phases/T1", PHASE, "budget", INFINITY),
    ("training", "PUT", "/programs/P1", PROGRAM, "cost_per_participant", INFINITY),
    ("needs", "POST", "/performance", PERFORMANCE, "target", INFINITY),
    ("needs", "POST", "/performance", PERFORMANCE, "realisation", INFINITY),
    ("training", "PUT", "/phases/T1", PHASE, "capacity", HUGE),
    ("needs", "POST", "/units/PKM-01/skm", SKM, "respondents", HUGE),
    ("needs", "POST", "/assessments", ASSESSMENT, "assessed_on", '"9999-12-31"'),
]


def raw_json(body: dict[str, object], field: str, literal: str) -> str:
    """``body`` as JSON text with ``field`` set to ``literal`` verbatim (a number JSON libraries won't write)."""
    marker = "__extreme__"
    return json.dumps(body | {field: marker}).replace(f'"{marker}"', literal)


@pytest.mark.parametrize(("service", "method", "path", "body", "field", "literal"), CASES, ids=lambda v: str(v)[:24])
def test_an_extreme_value_is_a_422_naming_its_field(services, service, method, path, body, field, literal):
    response = services(service).request(
        method,
        path,
        content=raw_json(body, field, literal),
        headers={**ADMIN, "Content-Type": "application/json", "Accept-Language": "en"},
    )
    assert response.status_code == 422, response.text
    error = response.json()["error"]
    assert [f["location"] for f in error["fields"]] == [f"body.{field}"]
    assert f"body.{field}" in error["message"]


@pytest.mark.parametrize("service", ["needs", "training", "evaluation", "notifications"])
@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"])
def test_an_audit_period_far_outside_the_system_years_is_a_422_naming_it(services, service, moment):
    response = services(service).get("/audit/entries", params={"since": moment, "actor": ADMIN_NIP}, headers=ADMIN)
    assert response.status_code == 422, response.text
    assert [f["location"] for f in response.json()["error"]["fields"]] == ["query.since"]


def test_the_largest_sane_values_are_still_accepted(services):
    """The bounds refuse only what no real record holds: a phase of a trillion rupiah for a million people."""
    client = services("training")
    phase = PHASE | {"budget": 10**12, "capacity": 1_000_000}
    response = client.put("/phases/T-BIG", json=phase, headers=ADMIN)
    assert response.status_code == 200, response.text
    assert response.json()["budget"] == 10**12


def test_a_unit_code_outside_ascii_in_a_download_name_is_no_500(services):
    # Found by schemathesis: the CSV's file name carried the query's unit_code into a header.
    response = services("needs").get(
        "/reports/jp-compliance", params={"fiscal_year": 2027, "unit_code": 'ï"x', "format": "csv"}, headers=ADMIN
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-disposition"] == 'attachment; filename="kepatuhan-jp-2027---x.csv"'
