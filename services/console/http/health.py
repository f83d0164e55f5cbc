"""Liveness, and readiness: the console is ready when the four services it calls answer ready."""

from __future__ import annotations

import asyncio

import httpx
from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from services.console.api import SERVICES
from services.console.http.web import console_of


def build_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health/live")
    async def live() -> dict[str, str]:
        return {"status": "ok"}

    @router.get("/health/ready")
    async def ready(request: Request) -> JSONResponse:
        console = console_of(request)

        async def answers(url: str) -> bool:
            try:
                return (await console.client.get(f"{url}/health/ready", timeout=3)).status_code == 200
            except httpx.HTTPError:
                return False

        states = await asyncio.gather(*(answers(console.urls[s]) for s in SERVICES))
        services = {s: "ready" if ok else "not ready" for s, ok in zip(SERVICES, states, strict=True)}
        ok = all(states)
        return JSONResponse({"status": "ready" if ok else "not ready", "services": services}, 200 if ok else 503)

    return router
