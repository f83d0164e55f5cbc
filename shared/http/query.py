"""Screening every request before its route runs.

- Query strings carry only the parameters a route declares: an undeclared key such as ``nip[$ne]``
  (operator-injection syntax of some frameworks) or a misspelt filter would otherwise be dropped
  silently, widening a listing the caller thought was filtered; it is a 422.
- No NUL character anywhere (query, path, JSON body): the database cannot store or compare it, so it
  would surface as a 500. "JSON body" means every body FastAPI decodes as JSON, by FastAPI's own rule
  (``Application/JSON``, ``application/vnd.api+json`` and the like too), not only ``application/json``.
"""

from __future__ import annotations

import email.message
from typing import Annotated

from fastapi import Query, Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from shared.http.errors import ApiError


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def parsed_as_json(content_type: str | None) -> bool:
    """Whether FastAPI decodes a body of this content type as JSON: its rule in fastapi.routing
    (get_request_handler), an ``application/json`` or ``application/*+json`` media type in any case,
    with any parameters. A body without a content type is not decoded (strict_content_type, the default)."""
    if not content_type:
        return False
    message = email.message.Message()
    message["content-type"] = content_type
    subtype = message.get_content_subtype()
    return message.get_content_maintype() == "application" and (subtype == "json" or subtype.endswith("+json"))


async def screen_request(request: Request) -> None:
    _reject_unknown_query(request)
    texts = [*request.query_params.keys(), *request.query_params.values(), *map(str, request.path_params.values())]
    body = await request.body() if parsed_as_json(request.headers.get("content-type")) else b""
    if any("\x00" in t for t in texts) or b"\\u0000" in body:
        raise ApiError(
            422, "invalid_character", "Permintaan memuat karakter NUL.", "The request contains a NUL character."
        )


def _reject_unknown_query(request: Request) -> None:
    route = request.scope.get("route")
    if not isinstance(route, APIRoute):
        return
    unknown = sorted(set(request.query_params) - _query_names(route.dependant))
    if unknown:
        names = ", ".join(unknown)[:200]
        raise ApiError(
            422,
            "unknown_query_parameter",
            f"Parameter kueri tidak dikenal: {names}.",
            f"Unknown query parameters: {names}.",
        )


# Bounded numbers in query strings and paths: an unbounded int reaches MongoDB, which holds 8 bytes at most.
FiscalYear = Annotated[int, Query(ge=2000, le=2100, description="Fiscal year (tahun anggaran)")]
