"""The console's HTTP plumbing: the session cookie, the language, CSRF checks and rendering pages.

Every answer that starts a session sets its cookie HttpOnly and SameSite=Lax (Secure in production).
Every POST is checked against the session's CSRF token before anything else reads it."""

from __future__ import annotations

import hmac
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.exceptions import HTTPException

from services.console import domain
from services.console.api import Service, ServiceApi, ServiceRefused
from services.console.domain import Language, Person
from services.console.oidc import IdentityProviderUnavailable, SignInRefused
from services.console.sessions import Session, SessionSigner
from services.console.settings import ConsoleSettings
from services.console.texts import text
from shared.domain.errors import DomainError

SESSION_COOKIE = "console_session"
LANGUAGE_COOKIE = "console_lang"
TEMPLATES = Path(__file__).resolve().parent.parent / "templates"
# Only what the console serves itself: its stylesheet and pages; no script runs anywhere.
PAGE_POLICY = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


class NotSignedIn(Exception):
    pass


class Refused(Exception):
    """A page the console will not show: the message key, in the person's language, and the status."""

    def __init__(self, status: int, key: str) -> None:
        super().__init__(key)
        self.status, self.key = status, key


@dataclass
class Console:
    settings: ConsoleSettings
    signer: SessionSigner
    client: httpx.AsyncClient
    environment: Environment

    @property
    def urls(self) -> dict[Service, str]:
        s = self.settings
        return {
            "needs": s.needs_url,
            "training": s.training_url,
            "evaluation": s.evaluation_url,
            "notifications": s.notifications_url,
        }


def build_console(settings: ConsoleSettings, client: httpx.AsyncClient) -> Console:
    env = Environment(loader=FileSystemLoader(TEMPLATES), autoescape=select_autoescape(["html"]))
    env.filters |= {
        "rupiah": domain.format_rupiah,
        "number": domain.format_number,
        # The services answer in JSON: days as ISO dates, instants as ISO date-times.
        "isoday": date.fromisoformat,
        "instant": datetime.fromisoformat,
    }
    signer = SessionSigner(settings.console_session_secret.get_secret_value(), settings.console_session_max_age_s)
    return Console(settings, signer, client, env)


def console_of(request: Request) -> Console:
    console: Console = request.app.state.console
    return console


def language_of(request: Request) -> Language:
    return "en" if request.cookies.get(LANGUAGE_COOKIE) == "en" else "id"


def session_of(request: Request) -> Session:
    """The visitor's session; a first visit gets a fresh one (saved with the answer)."""
    cached = getattr(request.state, "session", None)
    if cached is None:
        loaded = console_of(request).signer.load(request.cookies.get(SESSION_COOKIE))
        cached = loaded or Session()
        request.state.session = cached
        request.state.session_changed = loaded is None
    session: Session = cached
    return session


def replace_session(request: Request, session: Session) -> None:
    request.state.session, request.state.session_changed = session, True


def save_session(request: Request, response: Response) -> Response:
    if getattr(request.state, "session_changed", False):
        console = console_of(request)
        response.set_cookie(
            SESSION_COOKIE,
            console.signer.dump(request.state.session),
            max_age=console.settings.console_session_max_age_s,
            httponly=True,  # no page script may read the token
            samesite="lax",  # sent on links from elsewhere, never on their forms' POSTs
            secure=console.settings.secure_cookies,
        )
    return response


def person_of(request: Request, path: str | None = None) -> Person:
    """The signed-in person, or a redirect to sign in; 403 when the page is not one of their role's."""
    person = session_of(request).person
    if person is None:
        raise NotSignedIn()
    if not domain.may_open(person, path or request.url.path):
        raise Refused(403, "error.forbidden")
    return person


def api_for(request: Request) -> ServiceApi:
    console = console_of(request)
    return ServiceApi(console.client, console.urls, session_of(request).token, language_of(request))


@dataclass(frozen=True)
class Upload:
    filename: str
    content_type: str
    content: bytes


@dataclass(frozen=True)
class Form:
    fields: dict[str, list[str]]
    files: dict[str, Upload] = field(default_factory=dict)

    def get(self, name: str, default: str = "") -> str:
        values = self.fields.get(name)
        return values[-1].strip() if values else default

    def all(self, name: str) -> list[str]:
        """Every value of a field sent more than once (checkboxes)."""
        return self.fields.get(name, [])


def _multipart(content_type: str, body: bytes) -> Form:
    """A multipart/form-data body (a file upload), parsed by the standard library's MIME parser."""
    message = BytesParser(policy=policy.HTTP).parsebytes(f"Content-Type: {content_type}\r\n\r\n".encode() + body)
    fields: dict[str, list[str]] = {}
    files: dict[str, Upload] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        if filename := part.get_filename():
            files[name] = Upload(filename, part.get_content_type(), data)
        else:
            fields.setdefault(name, []).append(data.decode("utf-8", errors="replace"))
    return Form(fields, files)


async def checked_form(request: Request) -> Form:
    """The posted form, once its CSRF token matches the session's (403 page otherwise). Forms are
    url-encoded, or multipart when they carry a file; both parsed with the standard library."""
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    if content_type.startswith("multipart/form-data"):
        form = _multipart(content_type, body)
    else:
        form = Form(parse_qs(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    if not hmac.compare_digest(form.get("csrf_token").encode(), session_of(request).csrf.encode()):
        raise Refused(403, "error.csrf")
    return form


def render(request: Request, template: str, status: int = 200, **values: Any) -> Response:
    language = language_of(request)
    session = session_of(request)
    person = session.person

    def t(key: str, **fill: object) -> str:
        return text(key, language, **fill)

    page = (
        console_of(request)
        .environment.get_template(template)
        .render(
            t=t,
            lang=language,
            person=person,
            menu=domain.menu(person) if person else [],
            path=request.url.path,
            csrf_token=session.csrf,
            date=lambda d: domain.format_date(d, language),
            when=lambda d: domain.format_datetime(d, language),
            count=lambda v: domain.format_number(v, language),
            money=domain.format_rupiah,
            flash=request.query_params.get("done"),
            **values,
        )
    )
    response = HTMLResponse(page, status_code=status, headers={"Content-Security-Policy": PAGE_POLICY})
    return save_session(request, response)


def redirect(request: Request, to: str) -> Response:
    """After a form: see the page again (303, so a reload does not post twice)."""
    return save_session(request, RedirectResponse(to, status_code=303))


# How long after signing in a refused token means "not trusted" rather than "expired".
FRESH_SIGN_IN_S = 120


def install_error_pages(app: FastAPI) -> None:
    async def not_signed_in(request: Request, _: Exception) -> Response:
        return redirect(request, "/login")

    async def refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, Refused)
        return render(request, "error.html", exc.status, message=text(exc.key, language_of(request)))

    async def service_refused(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ServiceRefused)
        if exc.status == 401:
            # A token refused minutes after sign-in has not expired: the services do not trust the identity
            # provider's tokens (their JWT_* settings). Signing in again would loop between the console and
            # the provider (ERR_TOO_MANY_REDIRECTS), so the person is told instead, still signed in.
            if time.time() - session_of(request).issued_at < FRESH_SIGN_IN_S:
                return render(request, "error.html", 401, message=text("error.token_refused", language_of(request)))
            replace_session(request, Session())  # the token expired: sign in again
            return redirect(request, "/login")
        return render(request, "error.html", exc.status, message=exc.message(language_of(request)))

    async def sign_in_failed(request: Request, exc: Exception) -> Response:
        # OIDC refusals and an unreachable identity provider, in the person's language.
        assert isinstance(exc, DomainError)
        status = 503 if isinstance(exc, IdentityProviderUnavailable) else 403
        message = exc.message_en if language_of(request) == "en" else exc.message_id
        return render(request, "error.html", status, message=message)

    async def framework_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        key = "error.not_found" if exc.status_code == 404 else "error.title"
        return render(request, "error.html", exc.status_code, message=text(key, language_of(request)))

    app.add_exception_handler(HTTPException, framework_error)
    app.add_exception_handler(NotSignedIn, not_signed_in)
    app.add_exception_handler(Refused, refused)
    app.add_exception_handler(ServiceRefused, service_refused)
    app.add_exception_handler(SignInRefused, sign_in_failed)
    app.add_exception_handler(IdentityProviderUnavailable, sign_in_failed)


def query_of(request: Request, *names: str) -> dict[str, str]:
    """The list filters the page was asked for (empty ones left out)."""
    return {n: v for n in names if (v := request.query_params.get(n, "").strip())}


def year_of(request: Request) -> int:
    """The fiscal year asked for (?year=), within the services' bounds, else the console's default."""
    asked = request.query_params.get("year", "")
    if asked.isdigit() and 2000 <= int(asked) <= 2100:
        return int(asked)
    return console_of(request).settings.default_year()


def offset_of(request: Request) -> int:
    asked = request.query_params.get("offset", "")
    return min(int(asked), 10_000_000) if asked.isdigit() else 0
