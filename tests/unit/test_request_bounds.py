"""Every number and date a request can carry is bounded, as each service's OpenAPI document says.

Walks the request side of the four documents (query, path and header parameters; JSON and form bodies,
through every ``$ref``, property, item, map value (keyed by pattern too) and union member) and lists
each numeric field without both a lower and an upper bound, and each date or date-time field without
``formatMinimum`` and ``formatMaximum``. An unbounded value answered 500 (issue 12: ``1e999`` as a
budget, ``10**20`` as a capacity, an audit ``since`` in year 1): the fix is one of the bounded types of
``shared.http.bounds``.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from importlib import import_module
from typing import Any

import pytest

SERVICES = ("needs", "training", "evaluation", "notifications")
HOW_TO_FIX = (
    "Give each a bounded type from shared.http.bounds (Count, People, Rupiah, Measure, CompetencyLevel, "
    "FiscalYearNumber, BoundedDate, PlanningDate, Moment), or Field/Query(ge=..., le=...) where the domain "
    "is narrower; request models derive from shared.http.schemas.RequestModel."
)


@cache
def openapi(service: str) -> dict[str, Any]:
    document: dict[str, Any] = import_module(f"services.{service}.main").create_app().openapi()
    return document


def _problem(schema: dict[str, Any]) -> str | None:
    kind = schema.get("type")
    if "enum" in schema or "const" in schema:
        return None
    if kind in ("integer", "number"):
        low = "minimum" in schema or "exclusiveMinimum" in schema
        high = "maximum" in schema or "exclusiveMaximum" in schema
        return None if low and high else f"{kind} without {'a minimum' if not low else 'a maximum'}"
    if kind == "string" and schema.get("format") in ("date", "date-time"):
        bounded = "formatMinimum" in schema and "formatMaximum" in schema
        return None if bounded else f"{schema['format']} without formatMinimum/formatMaximum"
    return None


def unbounded(document: dict[str, Any], schema: dict[str, Any], where: str, seen: frozenset[str]) -> Iterator[str]:
    """``where: problem`` for each unbounded leaf under ``schema`` (a model's name starts each path)."""
    ref = schema.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        if name not in seen:  # a recursive model is walked once
            yield from unbounded(document, document["components"]["schemas"][name], name, seen | {name})
        return
    problem = _problem(schema)
    if problem:
        yield f"{where}: {problem}"
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for member in schema.get(key, []):
            yield from unbounded(document, member, where, seen)
    for name, member in schema.get("properties", {}).items():
        yield from unbounded(document, member, f"{where}.{name}", seen)
    for member in schema.get("patternProperties", {}).values():
        yield from unbounded(document, member, f"{where}{{}}", seen)
    for key, suffix in (("items", "[]"), ("additionalProperties", "{}")):
        if isinstance(schema.get(key), dict):
            yield from unbounded(document, schema[key], f"{where}{suffix}", seen)


def request_problems(service: str) -> list[str]:
    document = openapi(service)
    problems = []
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            route = f"{service} {method.upper()} {path}"
            for param in operation.get("parameters", []):
                where = f"{param['in']} parameter {param['name']}"
                problems += [f"{route} {p}" for p in unbounded(document, param.get("schema", {}), where, frozenset())]
            for media, content in operation.get("requestBody", {}).get("content", {}).items():
                body = unbounded(document, content.get("schema", {}), f"body ({media})", frozenset())
                problems += [f"{route} {p}" for p in body]
    return sorted(set(problems))


@pytest.mark.parametrize("service", SERVICES)
def test_every_number_and_date_of_every_request_is_bounded(service):
    problems = request_problems(service)
    assert not problems, "Unbounded request fields:\n  " + "\n  ".join(problems) + "\n" + HOW_TO_FIX


def test_the_walk_finds_an_unbounded_field():
    document = {
        "components": {
            "schemas": {
                "PhaseIn": {
                    "properties": {
                        "budget": {"type": "number", "minimum": 0},
                        "starts_on": {"anyOf": [{"type": "string", "format": "date"}, {"type": "null"}]},
                        "levels": {"type": "object", "additionalProperties": {"type": "integer", "maximum": 5}},
                        "answers": {"patternProperties": {"^[a-z]+$": {"type": "number", "maximum": 5}}},
                        "fine": {"type": "integer", "minimum": 1, "maximum": 5},
                    }
                }
            }
        }
    }
    found = list(unbounded(document, {"$ref": "#/components/schemas/PhaseIn"}, "body", frozenset()))
    assert found == [
        "PhaseIn.budget: number without a maximum",
        "PhaseIn.starts_on: date without formatMinimum/formatMaximum",
        "PhaseIn.levels{}: integer without a minimum",
        "PhaseIn.answers{}: number without a minimum",
    ]
