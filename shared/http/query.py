"""Screening every request before its route runs.

- Query strings carry only the parameters a route declares: an undeclared key such as ``nip[$ne]``
  (operator-injection syntax of some frameworks) or a misspelt filter would otherwise be dropped
  silently, widening a listing the caller thought was filtered; it is a 422.
- No NUL character anywhere (query, path, JSON body): the database cannot store or compare it, so it
  would surface as a 500.
"""

from __future__ import annotations

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


async def screen_request(request: Request) -> None:
    _reject_unknown_query(request)
    texts = [*request.query_params.keys(), *request.query_params.values(), *map(str, request.path_params.values())]
    body = await request.body() if request.headers.get("content-type", "").startswith("application/json") else b""
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
