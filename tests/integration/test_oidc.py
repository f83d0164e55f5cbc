"""The console's OpenID Connect sign-in against a real OpenID Provider (oidc-provider on node, started
by tests/support/oidc.py): the authorization code flow with PKCE over HTTP, from the authorization URL
through the provider's login form and its redirect to the token exchange and ID-token validation; and the
access token it gets, taken by a service as the person it names."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest

from services.console.oidc import (
    IdentityProviderUnavailable,
    OidcClient,
    OidcPerson,
    OidcSettings,
    SignInRefused,
)
from shared.domain.identity import Role
from tests.support.oidc import (  # noqa: F401 (oidc_provider: the session's provider fixture)
    ATASAN_NIP,
    CALLBACK,
    KEPALA_NIP,
    PEGAWAI_NIP,
    RESOURCE,
    OidcProvider,
    load_accounts,
    oidc_provider,
)
from tests.support.processes import free_port


@pytest.fixture
def provider(oidc_provider: OidcProvider) -> OidcProvider:  # noqa: F811 (that fixture, by name)
    return oidc_provider


def settings_for(provider: OidcProvider, **changes: str) -> OidcSettings:
    return OidcSettings(
        oidc_issuer=provider.issuer,
        oidc_client_id=provider.client_id,
        oidc_client_secret=provider.client_secret,
        **changes,
    )


def query_of(url: str) -> dict[str, str]:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


async def sign_in(provider: OidcProvider, client: OidcClient, account: str) -> tuple[dict[str, str], OidcPerson]:
    """begin, the provider's form as ``account``, and finish; what went to the provider, and the person."""
    sent, person = await provider.signed_in(client, account, CALLBACK)
    return query_of(sent), person


async def code_for(provider: OidcProvider, client: OidcClient, account: str = "pegawai") -> tuple[str, str, object]:
    start = await client.begin(CALLBACK)
    with httpx.Client() as browser:
        back = query_of(provider.sign_in(browser, start.url, account))
    return back["code"], back["state"], start


async def test_a_unit_head_signs_in_with_code_flow_and_pkce(provider):
    sent, person = await sign_in(provider, OidcClient(settings_for(provider)), "kepala")

    assert person.nip == "197703032000031003"
    assert person.roles == {Role.EMPLOYEE, Role.UNIT_HEAD}
    assert (person.unit, person.institution, person.name) == ("DISKOMINFO", None, "Citra Kepala")
    assert person.id_token.count(".") == 2 and person.access_token
    # What went to the provider: the code flow, PKCE S256, a state and a nonce, the configured scopes.
    assert sent["response_type"] == "code" and sent["code_challenge_method"] == "S256"
    assert sent["scope"] == "openid profile" and sent["client_id"] == provider.client_id
    assert len(sent["state"]) >= 32 and len(sent["nonce"]) >= 32


async def test_claims_are_read_from_the_names_the_settings_give(provider):
    # A provider that puts the NIP in sub and the display name elsewhere: only the settings change.
    client = OidcClient(settings_for(provider, oidc_nip_claim="sub", oidc_name_claim="nip"))
    _, partner = await sign_in(provider, client, "mitra")
    assert partner.nip == "mitra"  # the account's subject
    assert partner.name == "mitra-usu-01"
    assert partner.roles == {Role.PARTNER}
    assert (partner.unit, partner.institution) == (None, "USU")


async def test_a_callback_with_another_state_is_refused(provider):
    client = OidcClient(settings_for(provider))
    code, state, start = await code_for(provider, client)
    other = await client.begin(CALLBACK)  # the attacker's own sign-in, whose callback the victim follows
    with pytest.raises(SignInRefused) as refused:
        await client.finish(code, state, other.state, start.code_verifier, start.nonce, CALLBACK)
    assert refused.value.code == "state_mismatch"
    assert "peramban" in refused.value.message_id and "state mismatch" in refused.value.message_en


async def test_the_provider_refuses_a_code_without_its_verifier_or_used_twice(provider):
    client = OidcClient(settings_for(provider))
    code, state, start = await code_for(provider, client)
    other = await client.begin(CALLBACK)
    # PKCE: a stolen code with another verifier is worthless.
    with pytest.raises(SignInRefused) as refused:
        await client.finish(code, state, start.state, other.code_verifier, start.nonce, CALLBACK)
    assert refused.value.code == "code_refused" and "invalid_grant" in refused.value.message_en

    code, state, start = await code_for(provider, client)
    await client.finish(code, state, start.state, start.code_verifier, start.nonce, CALLBACK)
    with pytest.raises(SignInRefused) as refused:
        await client.finish(code, state, start.state, start.code_verifier, start.nonce, CALLBACK)
    assert refused.value.code == "code_refused"


async def test_an_id_token_from_another_sign_in_is_refused_by_its_nonce(provider):
    client = OidcClient(settings_for(provider))
    code, state, start = await code_for(provider, client)
    with pytest.raises(SignInRefused) as refused:
        await client.finish(code, state, start.state, start.code_verifier, "another-sign-in-nonce", CALLBACK)
    assert refused.value.code == "id_token_invalid" and "nonce" in refused.value.message_en


def tampered_in_transit(forge: Callable[[str], str]) -> httpx.AsyncClient:
    """A client whose token responses have their ID token replaced on the way by ``forge(id_token)``."""

    class Tampering(httpx.AsyncBaseTransport):
        def __init__(self) -> None:
            self.inner = httpx.AsyncHTTPTransport()

        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            response = await self.inner.handle_async_request(request)
            if not request.url.path.endswith("/token"):
                return response
            body = json.loads(await response.aread())
            body["id_token"] = forge(body["id_token"])
            return httpx.Response(response.status_code, json=body)

    return httpx.AsyncClient(transport=Tampering())


def promoted(id_token: str) -> str:
    """The same token, signature kept, naming the person BKPSDM."""
    header, payload, signature = id_token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["roles"] = ["employee", "bkpsdm_admin"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


def resigned_with_the_client_secret(provider: OidcProvider) -> Callable[[str], str]:
    """Algorithm confusion: the claims signed HS256 with the client secret, which the attacker may know."""

    def forge(id_token: str) -> str:
        claims = jwt.decode(id_token, options={"verify_signature": False})
        return jwt.encode({**claims, "roles": ["bkpsdm_admin"]}, provider.client_secret, algorithm="HS256")

    return forge


@pytest.mark.parametrize("kind", ["claims changed", "re-signed HS256"])
async def test_a_tampered_id_token_is_refused(provider, kind):
    forge = promoted if kind == "claims changed" else resigned_with_the_client_secret(provider)
    async with tampered_in_transit(forge) as http:
        client = OidcClient(settings_for(provider), http)
        code, state, start = await code_for(provider, client)
        with pytest.raises(SignInRefused) as refused:
            await client.finish(code, state, start.state, start.code_verifier, start.nonce, CALLBACK)
    assert refused.value.code == "id_token_invalid"
    reason = "Signature verification failed" if kind == "claims changed" else "not an accepted asymmetric algorithm"
    assert reason in refused.value.message_en


async def test_an_account_without_a_nip_or_with_an_unknown_role_is_refused(provider):
    client = OidcClient(settings_for(provider))
    with pytest.raises(SignInRefused) as missing:
        await sign_in(provider, client, "tanpanip")
    assert missing.value.code == "claim_missing"
    assert "'nip'" in missing.value.message_id and "BKPSDM" in missing.value.message_id

    with pytest.raises(SignInRefused) as unknown:
        await sign_in(provider, client, "asing")
    assert unknown.value.code == "role_unknown" and "superuser" in unknown.value.message_en


async def test_an_unreachable_provider_is_said_so(tmp_path: Path):
    settings = OidcSettings(oidc_issuer=f"http://127.0.0.1:{free_port()}", oidc_client_id="x", oidc_timeout_s=2)
    with pytest.raises(IdentityProviderUnavailable) as down:
        await OidcClient(settings).begin(CALLBACK)
    assert down.value.code == "idp_unavailable" and "tidak dapat dihubungi" in down.value.message_id


def bearer_of(person: OidcPerson) -> dict[str, str]:
    return {"Authorization": f"Bearer {person.access_token}"}


async def test_a_service_accepts_the_access_token_the_console_got(provider, run_service):
    """Asked for the services' resource, the provider issues a JWT access token (RS256) that the needs
    service, set to the provider's key, issuer and audience, takes as the person: their NIP, their roles."""
    client = OidcClient(settings_for(provider, oidc_resource=RESOURCE))
    sent, _ = await sign_in(provider, client, "pegawai")
    assert sent["resource"] == RESOURCE
    people = {account: (await sign_in(provider, client, account))[1] for account in ("bkpsdm", "pegawai", "kepala")}
    assert jwt.get_unverified_header(people["pegawai"].access_token)["alg"] == "RS256"
    _, unasked = await sign_in(provider, OidcClient(settings_for(provider)), "bkpsdm")
    with run_service("needs", **provider.services_env()) as needs:
        load_accounts(needs, bearer_of(people["bkpsdm"]))  # bkpsdm_admin: master data is BKPSDM's to write

        def visible_to(account: str) -> list[str]:
            response = needs.get("/employees", headers=bearer_of(people[account]))
            assert response.status_code == 200, response.text
            return [employee["nip"] for employee in response.json()["items"]]

        # The employee sees only the record of the NIP their token names; the unit head, their unit.
        assert visible_to("pegawai") == [PEGAWAI_NIP]
        assert visible_to("kepala") == sorted([PEGAWAI_NIP, ATASAN_NIP, KEPALA_NIP])
        refused = needs.put("/units/X", json={"name": "X", "kind": "opd"}, headers=bearer_of(people["pegawai"]))
        assert refused.status_code == 403
        # Without the resource, the access token is the provider's opaque one, for its userinfo only.
        assert needs.get("/employees", headers=bearer_of(unasked)).status_code == 401
