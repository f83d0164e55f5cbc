"""Query strings carry only the parameters a route declares.

An undeclared key such as ``nip[$ne]`` (operator-injection syntax of some frameworks) or a misspelt filter
would otherwise be dropped silently, widening a listing the caller thought was filtered; it is a 422.
"""

from __future__ import annotations

from fastapi import Request
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from shared.http.errors import ApiError


def _query_names(dependant: Dependant) -> set[str]:
    names = {p.alias for p in dependant.query_params}
    for sub in dependant.dependencies:
        names |= _query_names(sub)
    return names


def reject_unknown_query(request: Request) -> None:
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
