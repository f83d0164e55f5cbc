"""Composition root of the web console: ``uvicorn services.console.main:create_app --factory``."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import Response
from fastapi.staticfiles import StaticFiles
from starlette.middleware.base import RequestResponseEndpoint

from services.console.http import build_router
from services.console.http.web import build_console, install_error_pages
from services.console.settings import ConsoleSettings

STATIC = Path(__file__).resolve().parent / "static"


def create_app(settings: ConsoleSettings | None = None, client: httpx.AsyncClient | None = None) -> FastAPI:
    """Settings are read from the environment unless given; ``client`` carries the calls to the services
    (tests route it to in-process services)."""
    s = settings or ConsoleSettings()
    http = client or httpx.AsyncClient(timeout=s.service_timeout_s, follow_redirects=False)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        yield
        await http.aclose()

    # No /docs: the console is pages for people, not an API.
    app = FastAPI(title="BKPSDM Medan — Console", lifespan=lifespan, docs_url=None, redoc_url=None, openapi_url=None)
    app.state.console = build_console(s, http)
    install_error_pages(app)

    @app.middleware("http")
    async def nosniff(request: Request, call_next: RequestResponseEndpoint) -> Response:
        response = await call_next(request)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.include_router(build_router())
    return app
