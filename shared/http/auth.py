"""Who is calling: bearer JWTs naming the person's NIP, roles and unit, and role checks for routes."""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any

import jwt
from fastapi import Depends, Request

from shared.domain.identity import Principal, Role
from shared.http.errors import ApiError
from shared.settings import ServiceSettings

__all__ = ["CurrentPrincipal", "Principal", "Role", "TokenVerifier", "current_principal", "mint_token", "require_roles"]


def _unauthorized(code: str, message_id: str, message_en: str) -> ApiError:
    return ApiError(401, code, message_id, message_en, headers={"WWW-Authenticate": 'Bearer realm="bkpsdm-medan"'})


# Tokens already verified, by their exact text: a person's token comes back with every request of their
# session, and decoding it again was a tenth of a read's time (py-spy under bench/hot_paths.py). The
# same text can only verify the same way again, except for time, so an entry serves until the token's
# ``exp`` and no later. Bounded: the oldest entries go first.
VERIFIED_TOKENS_MAX = 4_096


class TokenVerifier:
    def __init__(self, settings: ServiceSettings) -> None:
        self._key = settings.jwt_verification_key
        self._algorithm = settings.jwt_algorithm
        self._audience = settings.jwt_audience
        self._issuer = settings.jwt_issuer
        self._institution_claim = settings.jwt_institution_claim
        self._verified: dict[str, tuple[Principal, float]] = {}
        self._lock = threading.Lock()

    def verify(self, token: str) -> Principal:
        hit = self._verified.get(token)
        if hit is not None and time.time() < hit[1]:
            return hit[0]
        try:
            claims = jwt.decode(
                token,
                self._key,
                algorithms=[self._algorithm],  # one algorithm only: no alg=none, no HS/RS confusion
                audience=self._audience,
                issuer=self._issuer,
                options={"require": ["exp", "iat", "sub", "aud", "iss"]},
                leeway=0,  # the cache above relies on it: valid strictly before exp
            )
        except jwt.ExpiredSignatureError as exc:
            raise _unauthorized(
                "token_expired", "Token sudah kedaluwarsa; silakan masuk lagi.", "The token has expired; sign in again."
            ) from exc
        except jwt.InvalidTokenError as exc:
            raise _unauthorized("token_invalid", "Token tidak sah.", f"The token is not valid: {exc}.") from exc
        principal = _principal_of(claims, self._institution_claim)
        if "nbf" not in claims:  # a not-before would make a later answer differ from this one
            with self._lock:
                while len(self._verified) >= VERIFIED_TOKENS_MAX:
                    del self._verified[next(iter(self._verified))]
                self._verified[token] = (principal, float(claims["exp"]))
        return principal


KNOWN_ROLES = frozenset(r.value for r in Role)
MAX_CLAIM_CHARS = 100


def _principal_of(claims: dict[str, Any], institution_claim: str = "institution") -> Principal:
    """The claims as types, or 401. A signature proves who issued a token, not that its claims have the
    shape this code reads: ``roles`` as an object once granted its keys (admin), ``unit`` as a list
    reached the database queries. sub: a string; roles: a list of known role names; unit and the
    institution (under the claim name the settings give): a string or absent."""
    sub, roles, unit = claims.get("sub"), claims.get("roles", []), claims.get("unit")
    institution = claims.get(institution_claim)
    problems = []
    if not isinstance(sub, str) or not 0 < len(sub) <= MAX_CLAIM_CHARS:
        problems.append("sub must be a non-empty string")
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        problems.append("roles must be a list of role names")
    elif not set(roles) <= KNOWN_ROLES:
        raise _unauthorized(
            "token_invalid", "Token memuat peran yang tidak dikenal.", "The token names an unknown role."
        )
    if unit is not None and (not isinstance(unit, str) or not 0 < len(unit) <= MAX_CLAIM_CHARS):
        problems.append("unit must be a string")
    if institution is not None and (not isinstance(institution, str) or not 0 < len(institution) <= MAX_CLAIM_CHARS):
        problems.append(f"{institution_claim} must be a string")
    if problems:
        raise _unauthorized(
            "token_invalid",
            "Isi token tidak sesuai bentuknya.",
            f"The token's claims have the wrong shape: {'; '.join(problems)}.",
        )
    return Principal(nip=str(sub), roles=frozenset(Role(r) for r in roles), unit_code=unit, institution=institution)


def mint_token(
    settings: ServiceSettings,
    *,
    nip: str,
    roles: list[Role],
    unit_code: str | None,
    institution: str | None = None,
    ttl: timedelta = timedelta(hours=8),
    signing_key: str | None = None,
) -> str:
    """Issue a token the services accept (demo and tests; production tokens come from the city's SSO)."""
    now = datetime.now(UTC)
    claims: dict[str, Any] = {
        "sub": nip,
        "roles": [r.value for r in roles],
        "aud": settings.jwt_audience,
        "iss": settings.jwt_issuer,
        "iat": now,
        "exp": now + ttl,
    }
    if unit_code:
        claims["unit"] = unit_code
    if institution:
        claims[settings.jwt_institution_claim] = institution
    key = signing_key or settings.jwt_secret.get_secret_value()
    return jwt.encode(claims, key, algorithm=settings.jwt_algorithm)


async def current_principal(request: Request) -> Principal:
    """The verified caller; the app keeps its TokenVerifier in ``app.state.token_verifier``. Async (no
    I/O), so it runs on the event loop rather than through the thread pool."""
    verifier: TokenVerifier = request.app.state.token_verifier
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized(
            "token_missing", "Permintaan ini memerlukan token Bearer.", "This request needs a Bearer token."
        )
    return verifier.verify(token.strip())


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def require_roles(*roles: Role) -> Callable[[Principal], Awaitable[Principal]]:
    async def check(principal: CurrentPrincipal) -> Principal:
        if not principal.has_any(*roles):
            names = ", ".join(r.value for r in roles)
            raise ApiError(
                403,
                "forbidden",
                f"Tindakan ini hanya untuk peran: {names}.",
                f"This action is only for the roles: {names}.",
            )
        return principal

    return check
