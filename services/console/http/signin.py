"""Signing in and out, and the language switch.

- Production: OpenID Connect, authorization code with PKCE, against the city's identity provider
  (``services/console/oidc.py``, built beside this module; OIDC_* settings). The callback checks the
  state it sent and keeps the person and their access token in the session.
- Development only (ENVIRONMENT=development): a page to choose a demo person, whose token the console
  mints with the services' development JWT secret. Anywhere else the page answers 404.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from services.console import domain
from services.console.demo import DEMO_PEOPLE, demo_person
from services.console.domain import Person
from services.console.http.web import (
    LANGUAGE_COOKIE,
    Refused,
    checked_form,
    console_of,
    redirect,
    render,
    replace_session,
    save_session,
    session_of,
)
from services.console.oidc import OidcClient
from services.console.sessions import Session
from shared.domain.identity import Role
from shared.http.auth import mint_token
from shared.settings import ServiceSettings


def oidc_client(request: Request) -> OidcClient:
    console = console_of(request)
    return OidcClient(console.settings, console.client)


def _callback_url(request: Request) -> str:
    public = console_of(request).settings.console_public_url.rstrip("/")
    return f"{public}/auth/callback" if public else str(request.url_for("auth_callback"))


def _local(path: str) -> str:
    """Only a path on this console: a crafted ``next`` cannot send the person elsewhere."""
    return path if path.startswith("/") and not path.startswith("//") and "\\" not in path else "/"


def build_router() -> APIRouter:
    router = APIRouter()

    @router.get("/login")
    async def login_page(request: Request) -> Response:
        settings = console_of(request).settings
        if not settings.dev_sign_in and settings.oidc_configured:
            return await begin_oidc(request)
        return render(
            request, "login.html", people=DEMO_PEOPLE if settings.dev_sign_in else (), oidc=settings.oidc_configured
        )

    @router.post("/login/oidc")
    async def login_oidc(request: Request) -> Response:
        await checked_form(request)
        return await begin_oidc(request)

    async def begin_oidc(request: Request) -> Response:
        client = oidc_client(request)
        if not console_of(request).settings.oidc_configured:
            raise Refused(503, "signin.oidc_pending")
        url, state, verifier, nonce = await client.begin(_callback_url(request))
        pending = {"state": state, "verifier": verifier, "nonce": nonce}
        replace_session(request, Session(csrf=session_of(request).csrf, pending_login=pending))
        return save_session(request, RedirectResponse(url, status_code=303))

    @router.get("/auth/callback", name="auth_callback")
    async def auth_callback(request: Request, code: str = "", state: str = "") -> Response:
        pending = session_of(request).pending_login
        if not pending:
            raise Refused(403, "error.csrf")
        # The client compares the state (in constant time) and refuses unknown roles and missing claims.
        found = await oidc_client(request).finish(
            code, state, pending["state"], pending["verifier"], pending["nonce"], _callback_url(request)
        )
        person = Person(
            nip=found.nip,
            name=found.name or found.nip,
            roles=frozenset(Role(r) for r in found.roles),
            unit=found.unit,
            institution=found.institution,
        )
        replace_session(request, session_of(request).signed_in(person, found.access_token))
        return redirect(request, domain.home_of(person))

    @router.post("/login/dev")
    async def dev_sign_in(request: Request) -> Response:
        if not console_of(request).settings.dev_sign_in:
            raise Refused(404, "error.not_found")
        form = await checked_form(request)
        person = demo_person(form.get("person", ""))
        if person is None:
            raise Refused(404, "error.not_found")
        # The services' own development secret (JWT_* in the environment), as `python -m shared.tokens` uses.
        token = mint_token(
            ServiceSettings(service_name="console", http_port=1),
            nip=person.nip,
            roles=sorted(person.roles),
            unit_code=person.unit,
            institution=person.institution,
        )
        replace_session(request, session_of(request).signed_in(person, token))
        return redirect(request, domain.home_of(person))

    @router.post("/logout")
    async def logout(request: Request) -> Response:
        await checked_form(request)
        replace_session(request, Session())
        return redirect(request, "/login")

    @router.post("/language")
    async def switch_language(request: Request) -> Response:
        form = await checked_form(request)
        language = "en" if form.get("language") == "en" else "id"
        response = redirect(request, _local(form.get("next", "/")))
        response.set_cookie(LANGUAGE_COOKIE, language, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
        return response

    return router
