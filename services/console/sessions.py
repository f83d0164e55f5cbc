"""The session cookie's content, signed so nobody can forge or edit it: ``payload.signature`` with an
HMAC-SHA256 of the payload under CONSOLE_SESSION_SECRET, and the moment it was issued, so an old cookie
expires whatever the browser keeps. The cookie is signed, not encrypted: it holds the person's own token, which
the person may read anyway; HttpOnly keeps page scripts from it."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, field, replace
from typing import Any

from services.console.domain import Person
from shared.domain.identity import Role


@dataclass(frozen=True)
class Session:
    """A visitor's session: a CSRF token from the first page on, the person and their token once signed in,
    and during an OIDC sign-in the values the callback checks (state, PKCE verifier, nonce)."""

    csrf: str = field(default_factory=lambda: secrets.token_urlsafe(24))
    person: Person | None = None
    token: str | None = None
    pending_login: dict[str, str] | None = None
    issued_at: float = field(default_factory=time.time)

    def signed_in(self, person: Person, token: str) -> Session:
        """A fresh session for the person: a new CSRF token, so one learnt before sign-in is useless after."""
        return Session(person=person, token=token)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class SessionSigner:
    def __init__(self, secret: str, max_age_s: int) -> None:
        self._key = hashlib.sha256(b"console-session:" + secret.encode()).digest()
        self._max_age_s = max_age_s

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def dump(self, session: Session) -> str:
        person = session.person
        data: dict[str, Any] = {"c": session.csrf, "i": session.issued_at}
        if person is not None:
            data["p"] = [person.nip, person.name, sorted(person.roles), person.unit, person.institution]
            data["t"] = session.token
        if session.pending_login:
            data["l"] = session.pending_login
        payload = _b64(json.dumps(data, separators=(",", ":")).encode())
        return f"{payload}.{self._mac(payload)}"

    def load(self, cookie: str | None) -> Session | None:
        """The session, or None when the cookie is missing, forged, edited or too old."""
        if not cookie or "." not in cookie:
            return None
        payload, _, mac = cookie.partition(".")
        if not hmac.compare_digest(mac, self._mac(payload)):
            return None
        try:
            data = json.loads(_unb64(payload))
            issued_at = float(data["i"])
            if time.time() - issued_at > self._max_age_s:
                return None
            session = Session(csrf=str(data["c"]), issued_at=issued_at, pending_login=data.get("l"))
            if "p" in data:
                nip, name, roles, unit, institution = data["p"]
                person = Person(nip, name, frozenset(Role(r) for r in roles), unit, institution)
                session = replace(session, person=person, token=str(data["t"]))
        except (ValueError, KeyError, TypeError):
            return None  # signed by us, so only an older layout lands here: start afresh
        return session
