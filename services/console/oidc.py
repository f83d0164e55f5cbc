"""Signing in with the city's identity provider: OpenID Connect, authorization code flow with PKCE.

- ``begin`` reads the provider's discovery document (``{issuer}/.well-known/openid-configuration``) and
  gives the URL to send the person to, with a fresh ``state`` (against login CSRF), ``nonce`` (against a
  replayed ID token) and PKCE ``code_verifier`` (S256, RFC 7636: a stolen code is useless without it).
  The caller keeps those three in the person's session until the callback.
- ``finish`` checks the state, exchanges the code at the token endpoint with the client secret, and
  validates the ID token (OpenID Connect Core 1.0 section 3.1.3.7): its signature against the provider's
  published keys (JWKS), and its ``iss``, ``aud``, ``azp``, ``exp`` and ``nonce``. Then it reads the NIP,
  roles, unit, institution and name from the claims the settings name.

Every refusal is a ``SignInRefused`` (403 at an HTTP edge) or, when the provider cannot be reached,
``IdentityProviderUnavailable``; both carry the reason in Bahasa Indonesia and English. JWT handling is
PyJWT's (with ``cryptography`` for RSA/EC keys); nothing here is hand-rolled crypto beyond the SHA-256
of the PKCE challenge.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any, NamedTuple
from urllib.parse import quote, urlencode

import httpx
import jwt
from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from shared.domain.errors import DomainError, Forbidden
from shared.domain.identity import Role

# The same bound the services put on a token's claims (shared/http/auth.py).
MAX_CLAIM_CHARS = 100
# Only asymmetric signatures: an HS256 ID token would be signed with our own client secret, and "none"
# with nothing at all.
SIGNING_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"})
# How long discovery and the provider's keys are reused before they are read again; an unknown key id
# reads the keys at once (the provider rotated them).
METADATA_TTL_S = 3600.0


class OidcSettings(BaseSettings):
    """OIDC_* settings. The claim names are the ones the city's provider puts the person's data in."""

    model_config = SettingsConfigDict(env_file=None, extra="ignore", frozen=True)

    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: SecretStr = SecretStr("")
    oidc_nip_claim: str = "nip"
    oidc_roles_claim: str = "roles"
    oidc_unit_claim: str = "unit"
    oidc_institution_claim: str = "institution"
    oidc_name_claim: str = "name"
    oidc_scopes: str = "openid profile"
    # The services' resource indicator (RFC 8707), for a provider that issues the JWT access tokens the
    # services verify only to a client naming them (oidc-provider, and others with an audience of their
    # own); sent at the authorization and the token endpoint. Empty: not sent.
    oidc_resource: str = Field(default="", max_length=2000)
    oidc_timeout_s: float = Field(default=10.0, gt=0, le=120)
    # Clock difference allowed between the provider and this host when checking exp and iat.
    oidc_leeway_s: int = Field(default=60, ge=0, le=600)


class OidcStart(NamedTuple):
    url: str
    state: str
    code_verifier: str
    nonce: str


@dataclass(frozen=True)
class OidcPerson:
    nip: str
    roles: frozenset[Role]
    unit: str | None
    institution: str | None
    name: str | None
    id_token: str
    # What the console sends to the services as the person's bearer token.
    access_token: str


class SignInRefused(Forbidden):
    """The sign-in did not prove who the person is, or named someone this system cannot serve."""


class IdentityProviderUnavailable(DomainError):
    def __init__(self, detail: str) -> None:
        super().__init__(
            "idp_unavailable",
            "Layanan masuk (identity provider) Pemko Medan tidak dapat dihubungi; coba lagi beberapa saat lagi.",
            f"The city's identity provider cannot be reached ({detail}); try again shortly.",
        )


def _refused(code: str, message_id: str, message_en: str) -> SignInRefused:
    return SignInRefused(code, message_id, message_en)


def _invalid_token(reason: str) -> SignInRefused:
    return _refused(
        "id_token_invalid", "Token identitas dari layanan masuk tidak sah.", f"The ID token is not valid: {reason}."
    )


def _missing_claim(name: str) -> SignInRefused:
    return _refused(
        "claim_missing",
        f"Akun Anda di layanan masuk tidak memuat data '{name}'; hubungi BKPSDM.",
        f"Your identity provider account has no '{name}' claim; contact BKPSDM.",
    )


def pkce_challenge(verifier: str) -> str:
    """RFC 7636 section 4.2: BASE64URL(SHA256(verifier)) without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


@dataclass
class _Provider:
    metadata: dict[str, Any]
    jwks: jwt.PyJWKSet | None
    read_at: float


# Per issuer, shared by every client of this process: a console builds a client per request.
_PROVIDERS: dict[str, _Provider] = {}


class OidcClient:
    def __init__(self, settings: OidcSettings, http: httpx.AsyncClient | None = None) -> None:
        """``http``: a client to reuse (the console's own, for its connection pool); else one per call."""
        self._settings = settings
        self._issuer = settings.oidc_issuer.rstrip("/")
        self._http = http

    async def begin(self, redirect_uri: str) -> OidcStart:
        metadata = await self._metadata()
        state, nonce = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
        verifier = secrets.token_urlsafe(64)  # 86 characters: RFC 7636 asks for 43 to 128
        query = urlencode(
            {
                "response_type": "code",
                "client_id": self._settings.oidc_client_id,
                "redirect_uri": redirect_uri,
                "scope": self._settings.oidc_scopes,
                "state": state,
                "nonce": nonce,
                "code_challenge": pkce_challenge(verifier),
                "code_challenge_method": "S256",
            }
            | self._resource()
        )
        endpoint = str(metadata["authorization_endpoint"])
        return OidcStart(f"{endpoint}{'&' if '?' in endpoint else '?'}{query}", state, verifier, nonce)

    async def finish(
        self, code: str, state: str, expected_state: str, code_verifier: str, nonce: str, redirect_uri: str
    ) -> OidcPerson:
        # A callback whose state is not the one this browser's session holds was started by someone else
        # (login CSRF, OAuth 2.0 Security BCP section 4.7).
        if not state or not hmac.compare_digest(state.encode(), expected_state.encode()):
            raise _refused(
                "state_mismatch",
                "Permintaan masuk ini tidak dimulai dari peramban Anda; silakan masuk lagi.",
                "This sign-in was not started from your browser (state mismatch); sign in again.",
            )
        if not code:
            raise _refused(
                "code_missing",
                "Layanan masuk tidak memberikan kode masuk; silakan masuk lagi.",
                "The identity provider sent no sign-in code; sign in again.",
            )
        tokens = await self._exchange(code, code_verifier, redirect_uri)
        id_token, access_token = tokens.get("id_token"), tokens.get("access_token")
        if not isinstance(id_token, str) or not isinstance(access_token, str):
            raise _invalid_token("the token response lacks an id_token or access_token")
        claims = await self._validated(id_token, nonce)
        return self._person(claims, id_token, access_token)

    def _resource(self) -> dict[str, str]:
        resource = self._settings.oidc_resource
        return {"resource": resource} if resource else {}

    async def _metadata(self) -> dict[str, Any]:
        return (await self._provider()).metadata

    async def _provider(self, *, fresh_keys: bool = False) -> _Provider:
        known = _PROVIDERS.get(self._issuer)
        if known is None or time.monotonic() - known.read_at > METADATA_TTL_S:
            metadata = await self._get_json(f"{self._issuer}/.well-known/openid-configuration")
            # OpenID Connect Discovery 1.0 section 4.3: the document must name the issuer it was read from.
            if str(metadata.get("issuer", "")).rstrip("/") != self._issuer:
                raise IdentityProviderUnavailable(f"its discovery document names issuer {metadata.get('issuer')!r}")
            for needed in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
                if not isinstance(metadata.get(needed), str):
                    raise IdentityProviderUnavailable(f"its discovery document has no {needed}")
            known = _PROVIDERS[self._issuer] = _Provider(metadata, None, time.monotonic())
        if known.jwks is None or fresh_keys:
            try:
                known.jwks = jwt.PyJWKSet.from_dict(await self._get_json(known.metadata["jwks_uri"]))
            except jwt.PyJWKSetError as exc:
                raise IdentityProviderUnavailable(f"its keys cannot be read: {exc}") from exc
        return known

    async def _send(self, method: str, url: str, **options: Any) -> httpx.Response:
        try:
            if self._http is not None:
                response = await self._http.request(method, url, timeout=self._settings.oidc_timeout_s, **options)
            else:
                async with httpx.AsyncClient(timeout=self._settings.oidc_timeout_s) as client:
                    response = await client.request(method, url, **options)
        except httpx.HTTPError as exc:
            raise IdentityProviderUnavailable(f"{url}: {exc!r}") from exc
        if response.status_code >= 500:
            raise IdentityProviderUnavailable(f"{url} answered {response.status_code}")
        return response

    async def _get_json(self, url: str) -> dict[str, Any]:
        response = await self._send("GET", url)
        if response.status_code != 200:
            raise IdentityProviderUnavailable(f"{url} answered {response.status_code}")
        return _json_object(response, url)

    async def _exchange(self, code: str, code_verifier: str, redirect_uri: str) -> dict[str, Any]:
        metadata = await self._metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": redirect_uri,
            "code_verifier": code_verifier,
        } | self._resource()
        client_id, secret = self._settings.oidc_client_id, self._settings.oidc_client_secret.get_secret_value()
        headers = {"Accept": "application/json"}
        methods = metadata.get("token_endpoint_auth_methods_supported", ["client_secret_basic"])
        if "client_secret_basic" in methods:
            # RFC 6749 section 2.3.1: id and secret are form-encoded before they are joined and base64-ed.
            pair = f"{quote(client_id, safe='')}:{quote(secret, safe='')}".encode()
            headers["Authorization"] = f"Basic {base64.b64encode(pair).decode()}"
        else:
            form |= {"client_id": client_id, "client_secret": secret}
        url = str(metadata["token_endpoint"])
        response = await self._send("POST", url, data=form, headers=headers)
        body = _json_object(response, url)
        if response.status_code != 200:
            # invalid_grant: a code used twice, expired, or a verifier that does not match its challenge.
            error = f"{body.get('error', response.status_code)}: {body.get('error_description', '')}".strip(": ")
            raise _refused(
                "code_refused",
                "Layanan masuk menolak kode masuk ini; silakan masuk lagi.",
                f"The identity provider refused the sign-in code ({error}); sign in again.",
            )
        return body

    async def _validated(self, id_token: str, nonce: str) -> dict[str, Any]:
        try:
            header = jwt.get_unverified_header(id_token)
        except jwt.InvalidTokenError as exc:
            raise _invalid_token(str(exc)) from exc
        algorithm, kid = header.get("alg"), header.get("kid")
        if algorithm not in SIGNING_ALGORITHMS:
            raise _invalid_token(f"it is signed with {algorithm!r}, not an accepted asymmetric algorithm")
        key = await self._key(kid)
        try:
            claims: dict[str, Any] = jwt.decode(
                id_token,
                key.key,
                algorithms=[algorithm],
                audience=self._settings.oidc_client_id,
                issuer=_PROVIDERS[self._issuer].metadata["issuer"],
                leeway=self._settings.oidc_leeway_s,
                options={"require": ["iss", "sub", "aud", "exp", "iat"]},
            )
        except jwt.InvalidTokenError as exc:
            raise _invalid_token(str(exc)) from exc
        audiences = claims["aud"] if isinstance(claims["aud"], list) else [claims["aud"]]
        if len(audiences) > 1 and claims.get("azp") != self._settings.oidc_client_id:
            raise _invalid_token("it is meant for several clients and not authorized for this one (azp)")
        if not hmac.compare_digest(str(claims.get("nonce", "")).encode(), nonce.encode()):
            raise _invalid_token("its nonce is not the one this sign-in sent")
        return claims

    async def _key(self, kid: object) -> jwt.PyJWK:
        for fresh in (False, True):
            keys = (await self._provider(fresh_keys=fresh)).jwks
            assert keys is not None
            found = [k for k in keys.keys if kid is None or k.key_id == kid]
            if len(found) == 1:
                return found[0]
        raise _invalid_token(f"no single key of the provider has the id {kid!r}")

    def _person(self, claims: dict[str, Any], id_token: str, access_token: str) -> OidcPerson:
        settings = self._settings
        nip = _text_claim(claims, settings.oidc_nip_claim)
        if nip is None:
            raise _missing_claim(settings.oidc_nip_claim)
        roles = claims.get(settings.oidc_roles_claim)
        if isinstance(roles, str):
            roles = roles.split()
        if not isinstance(roles, list) or not roles or not all(isinstance(r, str) for r in roles):
            raise _missing_claim(settings.oidc_roles_claim)
        # The services refuse a token naming a role they do not know (shared/http/auth.py), so a person
        # holding one could sign in and then be refused everything.
        unknown = sorted(set(roles) - {r.value for r in Role})
        if unknown:
            raise _refused(
                "role_unknown",
                f"Peran {', '.join(unknown)} dari layanan masuk tidak dikenal sistem ini; hubungi BKPSDM.",
                f"The roles {', '.join(unknown)} from the identity provider are not known here; contact BKPSDM.",
            )
        return OidcPerson(
            nip=nip,
            roles=frozenset(Role(r) for r in roles),
            unit=_text_claim(claims, settings.oidc_unit_claim),
            institution=_text_claim(claims, settings.oidc_institution_claim),
            name=_text_claim(claims, settings.oidc_name_claim),
            id_token=id_token,
            access_token=access_token,
        )


def _text_claim(claims: dict[str, Any], name: str) -> str | None:
    """A claim as a bounded string; absent, empty or of another shape: None."""
    value = claims.get(name)
    return value if isinstance(value, str) and 0 < len(value) <= MAX_CLAIM_CHARS else None


def _json_object(response: httpx.Response, url: str) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError as exc:
        raise IdentityProviderUnavailable(f"{url} did not answer JSON") from exc
    if not isinstance(body, dict):
        raise IdentityProviderUnavailable(f"{url} did not answer a JSON object")
    return body
