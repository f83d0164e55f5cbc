"""Every route documents the error statuses it can answer, with the shared error body (shared/http/error_docs.py)."""

from __future__ import annotations

import pytest

from tests.unit.test_request_bounds import SERVICES, openapi

ERROR_BODY = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorBody"}}}


def statuses(service: str, method: str, path: str) -> set[int]:
    return {int(s) for s in openapi(service)["paths"][path][method]["responses"]}


def test_each_kind_of_route_documents_what_it_can_answer():
    # A write naming a record, with a token: every refusal a caller can meet.
    assert statuses("needs", "put", "/units/{code}") == {200, 401, 403, 404, 409, 413, 422, 503}
    # A listing with a token: no record named, nothing written.
    assert statuses("training", "get", "/enrolments") == {200, 401, 403, 422, 503}
    # Operations answer without a token and while the service starts.
    assert statuses("evaluation", "get", "/health/live") == {200, 422}


@pytest.mark.parametrize("service", SERVICES)
def test_every_error_status_has_the_shared_error_body(service):
    document = openapi(service)
    wrong = [
        f"{method.upper()} {path} {status}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        if status.startswith(("4", "5")) and path != "/health/ready" and response.get("content") != ERROR_BODY
    ]
    assert wrong == []
    assert "HTTPValidationError" not in document["components"]["schemas"]
    assert document["components"]["schemas"]["ErrorBody"]["required"] == ["error"]


def test_a_route_that_describes_its_own_refusal_keeps_its_words_and_gets_the_shared_body():
    rejected = openapi("notifications")["paths"]["/directory/import"]["post"]["responses"]["422"]
    assert rejected == {"description": "The file was rejected; each problem names its line and column"} | {
        "content": ERROR_BODY
    }
