"""A real OpenID Provider for the tests: panva's oidc-provider on node (tests/support/oidc/provider.mjs,
pinned in its package-lock.json), on a free loopback port, with one confidential client and the demo
accounts listed there. Sign in with ``provider.sign_in(client, authorize_url, account)`` over HTTP, or
in a browser by filling the provider's form (fields ``login`` and ``password``, button "Masuk").

Use the ``oidc_provider`` fixture (import it into a test module or conftest), or
``running_oidc_provider(...)`` for other redirect URIs. A machine without node fails, never skips."""

from __future__ import annotations

import html
import os
import re
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives import serialization

from services.console.oidc import OidcClient, OidcPerson, OidcSettings
from tests.support.infra import REPO
from tests.support.node import NodeToolUnavailable, ensure_node_tool
from tests.support.processes import free_port, stop

PROVIDER_DIR = REPO / "tests" / "support" / "oidc"
CLIENT_ID = "bkpsdm-console"
CLIENT_SECRET = "console-test-secret-0123456789abcdef"
PASSWORD = "rahasia"  # every demo account's (provider.mjs)
# The client is a native-type client: a loopback redirect URI matches on any port (RFC 8252 7.3).
REDIRECT_URIS = ("http://127.0.0.1/auth/callback",)
CALLBACK = "http://127.0.0.1:8000/auth/callback"  # one of them, for a sign-in over HTTP
# The services' resource indicator at the provider, and the audience of the access tokens it issues for
# it (the services' default JWT_AUDIENCE).
RESOURCE = "urn:bkpsdm-medan:services"
AUDIENCE = "bkpsdm-medan"


@dataclass(frozen=True)
class OidcProvider:
    issuer: str
    client_id: str
    client_secret: str
    log_path: Path

    def settings_env(self) -> dict[str, str]:
        """The OIDC_* environment a console needs to sign in against this provider, asking for the
        services' resource so that the access token it gets is one they verify."""
        return {
            "OIDC_ISSUER": self.issuer,
            "OIDC_CLIENT_ID": self.client_id,
            "OIDC_CLIENT_SECRET": self.client_secret,
            "OIDC_RESOURCE": RESOURCE,
        }

    def services_env(self) -> dict[str, str]:
        """The JWT_* environment under which the four services accept this provider's access tokens:
        RS256 with its signing key's public half (read from its JWKS, as PEM), its issuer, the audience."""
        discovery = httpx.get(f"{self.issuer}/.well-known/openid-configuration", timeout=10).raise_for_status()
        jwks = httpx.get(discovery.json()["jwks_uri"], timeout=10).raise_for_status().json()
        (key,) = [jwt.PyJWK(k).key for k in jwks["keys"] if k.get("alg") == "RS256"]
        pem = key.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        return {
            "JWT_ALGORITHM": "RS256",
            "JWT_PUBLIC_KEY": pem.decode(),
            "JWT_ISSUER": self.issuer,
            "JWT_AUDIENCE": AUDIENCE,
        }

    def sign_in(self, client: httpx.Client, authorize_url: str, account: str, password: str = PASSWORD) -> str:
        """Follow ``authorize_url`` through the provider's login form as ``account``; the URL the provider
        finally redirects to (the client's redirect URI with ``code`` and ``state``), not followed."""
        page = client.get(authorize_url, follow_redirects=True)
        assert page.status_code == 200 and 'name="login"' in page.text, f"no login form: {page.status_code} {page.text}"
        action = re.search(r'<form method="post" action="([^"]+)"', page.text)
        assert action, page.text
        response = client.post(page.url.join(html.unescape(action[1])), data={"login": account, "password": password})
        while response.is_redirect:
            target = response.url.join(response.headers["location"])
            if not str(target).startswith(self.issuer):
                return str(target)
            response = client.get(target)
        raise AssertionError(f"the provider did not redirect back: {response.status_code} {response.text}")

    async def signed_in(self, client: OidcClient, account: str, callback: str = CALLBACK) -> tuple[str, OidcPerson]:
        """A console's whole sign-in as ``account`` over HTTP: ``client.begin``, the provider's form, and
        ``client.finish`` with what the session kept; the authorization URL sent and the person."""
        start = await client.begin(callback)
        with httpx.Client() as browser:
            back = self.sign_in(browser, start.url, account)
        assert back.startswith(callback), back
        returned = {k: v[0] for k, v in parse_qs(urlsplit(back).query).items()}
        person = await client.finish(
            returned["code"], returned["state"], start.state, start.code_verifier, start.nonce, callback
        )
        return start.url, person

    async def access_token(self, account: str) -> str:
        """The access token for the services that a console signed in as ``account`` holds (from a
        browser test: ``in_own_loop(provider.access_token(account))``)."""
        settings = OidcSettings(**{name.lower(): value for name, value in self.settings_env().items()})
        return (await self.signed_in(OidcClient(settings), account))[1].access_token

    def tail(self, lines: int = 40) -> str:
        return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])


@contextmanager
def running_oidc_provider(
    log_dir: Path, redirect_uris: tuple[str, ...] = REDIRECT_URIS, timeout_s: float = 30
) -> Iterator[OidcProvider]:
    try:
        ensure_node_tool(PROVIDER_DIR, "oidc-provider")
    except NodeToolUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    port = free_port()
    provider = OidcProvider(f"http://127.0.0.1:{port}", CLIENT_ID, CLIENT_SECRET, log_dir / "oidc-provider.log")
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_REDIRECT_URIS": ",".join(redirect_uris),
        "OIDC_RESOURCE": RESOURCE,
        "OIDC_AUDIENCE": AUDIENCE,
    }
    with provider.log_path.open("ab") as log:
        proc = subprocess.Popen(
            ["node", "provider.mjs"], cwd=PROVIDER_DIR, env=env, stdout=log, stderr=subprocess.STDOUT
        )
    try:
        _wait_for_discovery(provider, proc, timeout_s)
        yield provider
    finally:
        stop(proc, timeout_s=10)


def _wait_for_discovery(provider: OidcProvider, proc: subprocess.Popen[bytes], timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"the OpenID provider exited with {proc.returncode}:\n{provider.tail()}")
        try:
            if httpx.get(f"{provider.issuer}/.well-known/openid-configuration", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"the OpenID provider published no discovery document in {timeout_s}s:\n{provider.tail()}")


@pytest.fixture(scope="session")
def oidc_provider(tmp_path_factory: pytest.TempPathFactory) -> Iterator[OidcProvider]:
    with running_oidc_provider(tmp_path_factory.mktemp("oidc")) as provider:
        yield provider


# The NIPs of provider.mjs's demo accounts, and what the needs service must know of them for their pages
# to show data: their units, one position, and who reports to whom.
PEGAWAI_NIP = "199001012015031001"
ATASAN_NIP = "198505052010011002"
KEPALA_NIP = "197703032000031003"
BKPSDM_NIP = "197805122003121002"
MASTER_DATA = (
    ("/units/DISKOMINFO", {"name": "Dinas Komunikasi dan Informatika", "kind": "opd"}),
    ("/units/BKPSDM", {"name": "BKPSDM Kota Medan", "kind": "opd"}),
    ("/positions/PRAKOM", {"title": "Pranata Komputer Ahli Pertama", "type": "fungsional", "standard": {"M.05": 3}}),
    (f"/employees/{KEPALA_NIP}", {"name": "Citra Kepala", "unit_code": "DISKOMINFO", "position_code": "PRAKOM"}),
    (
        f"/employees/{ATASAN_NIP}",
        {"name": "Budi Atasan", "unit_code": "DISKOMINFO", "position_code": "PRAKOM", "supervisor_nip": KEPALA_NIP},
    ),
    (
        f"/employees/{PEGAWAI_NIP}",
        {"name": "Andi Pegawai", "unit_code": "DISKOMINFO", "position_code": "PRAKOM", "supervisor_nip": ATASAN_NIP},
    ),
    (f"/employees/{BKPSDM_NIP}", {"name": "Dewi BKPSDM", "unit_code": "BKPSDM", "position_code": "PRAKOM"}),
)


def load_accounts(needs: httpx.Client, headers: dict[str, str]) -> None:
    """PUT the accounts' master data into a needs service, as BKPSDM (``headers``)."""
    for path, body in MASTER_DATA:
        response = needs.put(path, json=body, headers=headers)
        assert response.status_code == 200, (path, response.text)
