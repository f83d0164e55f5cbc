"""The browser harness itself: what leaves 127.0.0.1 is refused and named, axe-core's serious findings
fail a test unless they are known, by rule and selector, and a person signs in at the test OpenID
provider's form in Chromium."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page

from services.console.oidc import OidcClient, OidcSettings
from shared.domain.identity import Role
from tests.support.browser import KnownViolation, OfflineGuard, check_accessibility, in_own_loop
from tests.support.oidc import PASSWORD, OidcProvider

# An unlabelled form field: axe-core's "label" rule, critical under WCAG 2.1 A.
UNLABELLED = '<!doctype html><html lang="id"><title>Uji</title><main><input id="nip"></main></html>'


def test_a_request_beyond_loopback_is_refused_and_named(browser: Browser):
    guard = OfflineGuard()
    context = browser.new_context()
    context.route("**/*", guard.handle)
    page = context.new_page()
    page.set_content('<img src="https://cdn.example.org/logo.png" alt="logo">')
    failed = page.evaluate("() => fetch('https://fonts.example.org/a.woff2').then(() => 'loaded', () => 'refused')")
    context.close()
    assert failed == "refused"
    assert guard.refused == [
        "GET https://cdn.example.org/logo.png (image)",
        "GET https://fonts.example.org/a.woff2 (fetch)",
    ]


@pytest.mark.parametrize("viewport", ["desktop"], indirect=True)
def test_a_serious_violation_fails_with_its_rule_and_element(page: Page):
    page.set_content(UNLABELLED)
    with pytest.raises(pytest.fail.Exception) as failed:
        check_accessibility(page)
    assert "[critical] label: Form elements must have labels" in str(failed.value)
    assert "at #nip" in str(failed.value)


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_a_known_violation_is_excused_only_where_its_selector_matches(page: Page):
    page.set_content(UNLABELLED)
    found = check_accessibility(page, [KnownViolation("label", "main > input", "test")])
    assert [v["id"] for v in found] == ["label"]
    with pytest.raises(pytest.fail.Exception):
        check_accessibility(page, [KnownViolation("label", "input.elsewhere", "test")])


@pytest.fixture
def callback_url() -> Iterator[str]:
    """A loopback page for the provider to redirect to, as the console's callback would be."""

    class Landing(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = b'<!doctype html><html lang="id"><title>Kembali</title><main><h1>Kembali</h1></main></html>'
            self.send_response(200)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *_: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Landing)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/auth/callback"
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize("viewport", ["phone"], indirect=True)
def test_the_provider_signs_a_person_in_from_the_browser(page: Page, oidc_provider: OidcProvider, callback_url: str):
    client = OidcClient(
        OidcSettings(
            oidc_issuer=oidc_provider.issuer,
            oidc_client_id=oidc_provider.client_id,
            oidc_client_secret=oidc_provider.client_secret,
        )
    )
    start = in_own_loop(client.begin(callback_url))
    page.goto(start.url)
    check_accessibility(page)  # the provider's own form, which the console's browser tests pass through
    page.get_by_label("Akun").select_option("bkpsdm")
    page.get_by_label("Kata sandi").fill(PASSWORD)
    page.get_by_role("button", name="Masuk").click()
    page.wait_for_url(f"{callback_url}?*")
    back = {k: v[0] for k, v in parse_qs(urlsplit(page.url).query).items()}
    person = in_own_loop(
        client.finish(back["code"], back["state"], start.state, start.code_verifier, start.nonce, callback_url)
    )
    assert (person.nip, person.unit) == ("197805122003121002", "BKPSDM")
    assert person.roles == {Role.EMPLOYEE, Role.BKPSDM_ADMIN}
