"""A small client for a Learning Record Store's statement resource (xAPI 1.0.3, Communication §2.1).

Every answer is classified, so the caller's delivery log can decide without reading HTTP codes:

- ``stored``: 200 or 204, the LRS holds the statement;
- ``already_stored``: 409, the LRS already holds a statement with this id. With deterministic ids that
  is the earlier send of the same event; it counts as delivered, and ``detail`` keeps the LRS's words
  because a 409 from a spec-following LRS (Ralph) also means the stored content differs;
- ``retryable``: no answer (connection refused or reset, timeout), 408, 425, 429 or 5xx: send it again
  later (``retry_after_s`` when the LRS said how long to wait);
- ``permanent``: any other answer (400 malformed, 401/403 credentials or scope, 404 wrong endpoint, 413):
  sending the same thing again cannot succeed until someone changes the statement or the settings.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import httpx

from shared.interop.xapi import XAPI_VERSION, Statement

VERSION_HEADER = "X-Experience-API-Version"
RETRYABLE_STATUS = frozenset({408, 425, 429})


class Outcome(StrEnum):
    STORED = "stored"
    ALREADY_STORED = "already_stored"
    RETRYABLE = "retryable"
    PERMANENT = "permanent"


@dataclass(frozen=True)
class SendResult:
    outcome: Outcome
    status_code: int | None = None
    detail: str = ""
    retry_after_s: float | None = None

    @property
    def delivered(self) -> bool:
        return self.outcome in (Outcome.STORED, Outcome.ALREADY_STORED)


def classify(response: httpx.Response) -> SendResult:
    status = response.status_code
    detail = response.text[:500]
    if status in (200, 204):
        return SendResult(Outcome.STORED, status)
    if status == 409:
        return SendResult(Outcome.ALREADY_STORED, status, detail)
    if status in RETRYABLE_STATUS or status >= 500:
        return SendResult(Outcome.RETRYABLE, status, detail, _retry_after(response))
    return SendResult(Outcome.PERMANENT, status, detail)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after", "")
    return float(value) if value.strip().isdigit() else None


class LrsClient:
    """``endpoint`` is the LRS's xAPI base (for Ralph ``http://host:port/xAPI``); statements live at
    ``<endpoint>/statements``. Basic auth; one ``httpx.AsyncClient`` per LRS, closed by ``aclose``."""

    def __init__(
        self,
        endpoint: str,
        username: str,
        password: str,
        *,
        timeout_s: float = 10.0,
        transport: httpx.AsyncBaseTransport | None = None,
    ) -> None:
        self._statements = endpoint.rstrip("/") + "/statements"
        self._client = httpx.AsyncClient(
            auth=httpx.BasicAuth(username, password),
            headers={VERSION_HEADER: XAPI_VERSION},
            timeout=timeout_s,
            transport=transport,
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    async def __aenter__(self) -> LrsClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def put(self, statement: Statement) -> SendResult:
        """One statement at its own id (``PUT ?statementId=``): the natural unit of one delivery."""
        return await self._send("PUT", statement.body, params={"statementId": statement.id})

    async def post(self, statements: Sequence[Statement]) -> SendResult:
        """Several statements in one request. The LRS stores all or none of them (a 409 on one refuses the
        batch), so prefer ``put`` where each statement is its own delivery."""
        return await self._send("POST", [s.body for s in statements])

    async def _send(self, method: str, body: Any, params: dict[str, str] | None = None) -> SendResult:
        try:
            response = await self._client.request(
                method,
                self._statements,
                params=params,
                content=json.dumps(body, ensure_ascii=False).encode(),
                headers={"content-type": "application/json"},
            )
        except httpx.TransportError as exc:
            return SendResult(Outcome.RETRYABLE, None, f"{type(exc).__name__}: {exc}")
        return classify(response)

    async def get(self, statement_id: str) -> dict[str, Any] | None:
        """The stored statement, or None when the LRS holds none with this id. The spec answers a single
        statement; some LRSs (Ralph) answer a StatementResult holding it, so both are read."""
        response = await self._client.get(self._statements, params={"statementId": statement_id})
        if response.status_code == 404:
            return None
        response.raise_for_status()
        found: dict[str, Any] = response.json()
        if "statements" in found:
            listed: list[dict[str, Any]] = found["statements"]
            return listed[0] if listed else None
        return found
