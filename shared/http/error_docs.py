"""The error statuses each route can answer, in its OpenAPI document, with the shared error body's schema.

Derived once, from what the route is, rather than listed route by route (a list by hand goes stale):

- every route: 422 (the request screen refuses unknown query parameters and NUL characters anywhere,
  and FastAPI refuses invalid parameters and bodies), and 503 while the service waits for its database
  and Kafka (``shared.runtime.starting``) or cannot record a read of personal data (the audit trail);
- a route that needs a token: 401 (missing, expired or malformed token) and 403 (a role or scope refused);
- a route naming a record in its path, or that writes: 404 (the record, or one its body names, is not there);
- a route that writes (POST, PUT, PATCH, DELETE): 409 (a state or a concurrent change refuses it);
- a route that takes a body (POST, PUT, PATCH): 413 (the body limit).

No route answers 400: malformed JSON is a 422 (FastAPI), and no route takes a form body.

A route that says more about one of them (an import's rejected rows) gives its description in its own
``responses``; the body's schema is still the shared one (its detail may carry more fields).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.openapi.constants import REF_PREFIX
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel, ConfigDict, Field
from starlette.routing import BaseRoute

from shared.audit.trail import OPERATIONS_PATHS
from shared.http.auth import current_principal

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
WITH_BODY = {"POST", "PUT", "PATCH"}
DESCRIPTIONS = {
    401: "No valid token: missing, expired, or with claims of the wrong type",
    403: "The token's role or scope does not allow this",
    404: "The record named (in the path or the body) does not exist",
    409: "The record's state, or a concurrent change, refuses this",
    413: "The body is larger than this route accepts",
    422: "The request is not valid: each problem names its field",
    503: "The service is starting (waiting for its database and Kafka), or cannot audit this read; retry",
}


class ErrorMessages(BaseModel):
    id: str = Field(description="Bahasa Indonesia")
    en: str = Field(description="English")


class FieldProblem(BaseModel):
    location: str = Field(description="Where, e.g. body.budget or query.since")
    problem: str
    type: str


class ErrorDetail(BaseModel):
    # Some refusals carry more detail beside these (an import's problems, by line and column).
    model_config = ConfigDict(extra="allow")

    code: str = Field(description="Stable, for programs: e.g. invalid_request, not_found, plan_running")
    message: str = Field(description="For people, in the language asked for (Accept-Language), Bahasa by default")
    messages: ErrorMessages
    fields: list[FieldProblem] | None = Field(default=None, description="422: each invalid field")


class ErrorBody(BaseModel):
    error: ErrorDetail


def _all(dependant: Dependant) -> list[Dependant]:
    return [dependant, *(d for sub in dependant.dependencies for d in _all(sub))]


def statuses_of(route: APIRoute, path: str) -> set[int]:
    dependants = _all(route.dependant)
    methods = route.methods or set()
    found = {422}
    if not path.startswith(OPERATIONS_PATHS):
        found.add(503)
    if any(d.call is current_principal for d in dependants):
        found |= {401, 403}
    if any(d.path_params for d in dependants) or methods & WRITES:
        found.add(404)
    if methods & WRITES:
        found.add(409)
    if methods & WITH_BODY:
        found.add(413)
    return found


def _by_fastapi(response: dict[str, Any]) -> bool:
    """FastAPI's own 422 (its HTTPValidationError body), which these services never send."""
    return "HTTPValidationError" in json.dumps(response)


def add_error_responses(document: dict[str, Any], routes: list[BaseRoute]) -> None:
    """Each route's error statuses with the error body's schema, into an OpenAPI document."""
    schema = ErrorBody.model_json_schema(ref_template=REF_PREFIX + "{model}")
    components = document.setdefault("components", {}).setdefault("schemas", {})
    components |= schema.pop("$defs", {}) | {"ErrorBody": schema}
    body = {"application/json": {"schema": {"$ref": REF_PREFIX + "ErrorBody"}}}
    for context in iter_route_contexts(routes):
        route = context.original_route
        path = context.path_format or ""
        if not isinstance(route, APIRoute) or path not in document.get("paths", {}):
            continue
        for method in route.methods or ():
            responses = document["paths"][path][method.lower()]["responses"]
            for status in sorted(statuses_of(route, path)):
                own = responses.get(str(status))
                if own is None or _by_fastapi(own):
                    responses[str(status)] = {"description": DESCRIPTIONS[status], "content": body}
                else:  # a route that describes this answer itself (an import's rejected rows) keeps its words
                    own.setdefault("content", body)
            for status, own in responses.items():  # refusals only some routes make (429 rate-limited)
                if status.startswith(("4", "5")):
                    own.setdefault("content", body)
    if not _by_fastapi(document.get("paths", {})):
        for unused in ("HTTPValidationError", "ValidationError"):
            components.pop(unused, None)


def document_errors(app: FastAPI) -> None:
    """The app's OpenAPI document, once generated, lists each route's error statuses."""
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            add_error_responses(generate(), list(app.routes))
        return app.openapi_schema or {}

    app.openapi = openapi  # type: ignore[method-assign]
