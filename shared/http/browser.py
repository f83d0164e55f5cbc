"""What browsers get: security headers on every answer, and API docs whose files this process serves.

- ``X-Content-Type-Options: nosniff`` on everything, so a browser never reads a CSV or JSON answer as
  a page or a script.
- A ``Content-Security-Policy`` on every HTML answer that has none of its own: the pages here are the
  quarterly report (no scripts at all) and the API docs (only the scripts served from here, plus the
  one inline script that starts Swagger UI, allowed by its hash).
- ``/docs`` and ``/redoc`` load Swagger UI and ReDoc from the pinned ``fastapi-offline`` package under
  ``/docs-assets``, not from a CDN: nothing is fetched from the internet, and the policy can say 'self'.
"""

from __future__ import annotations

import base64
import hashlib
import re
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders

ASSETS = "/docs-assets"
# An HTML page with no scripts (the reports): styles inline in the page, nothing else.
PAGE_POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; base-uri 'none'; " + (
    "form-action 'none'; frame-ancestors 'none'"
)
_DOCS_COMMON = (
    "default-src 'none'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; "
    "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)


def add_security_headers(headers: MutableHeaders) -> None:
    headers.setdefault("X-Content-Type-Options", "nosniff")
    if headers.get("content-type", "").startswith("text/html"):
        headers.setdefault("Content-Security-Policy", PAGE_POLICY)


def _inline_script_hashes(html: str) -> str:
    scripts = re.findall(r"<script>(.*?)</script>", html, flags=re.DOTALL)
    return " ".join(f"'sha256-{base64.b64encode(hashlib.sha256(s.encode()).digest()).decode()}'" for s in scripts)


def _text(page: HTMLResponse) -> str:
    return bytes(page.body).decode()


def install_docs(app: FastAPI, openapi_url: str) -> None:
    """``/docs`` (Swagger UI, "try it out" against this service) and ``/redoc``, each with its policy."""
    app.mount(ASSETS, StaticFiles(directory=Path(fastapi_offline.__file__).parent / "static"), name="docs-assets")
    swagger = _text(
        get_swagger_ui_html(
            openapi_url=openapi_url,
            title=f"{app.title} - Swagger UI",
            swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
            swagger_css_url=f"{ASSETS}/swagger-ui.css",
            swagger_favicon_url=f"{ASSETS}/favicon.png",
            oauth2_redirect_url=None,  # bearer tokens only: no OAuth2 flow runs in the page
            swagger_ui_parameters=app.swagger_ui_parameters,
        )
    )
    swagger_policy = f"script-src 'self' {_inline_script_hashes(swagger)}; {_DOCS_COMMON}"
    redoc = _text(
        get_redoc_html(
            openapi_url=openapi_url,
            title=f"{app.title} - ReDoc",
            redoc_js_url=f"{ASSETS}/redoc.standalone.js",
            redoc_favicon_url=f"{ASSETS}/favicon.png",
            with_google_fonts=False,
        )
    )
    # ReDoc runs its search in a worker it creates from a blob.
    redoc_policy = f"script-src 'self'; worker-src blob:; {_DOCS_COMMON}"

    @app.get("/docs", include_in_schema=False)
    async def docs() -> HTMLResponse:
        return HTMLResponse(swagger, headers={"Content-Security-Policy": swagger_policy})

    @app.get("/redoc", include_in_schema=False)
    async def redoc_page() -> HTMLResponse:
        return HTMLResponse(redoc, headers={"Content-Security-Policy": redoc_policy})
