"""The console's HTTP edge alone (no service is called): signing in, the session cookie's flags, and
forms without their CSRF token or pages of another role refused before any call."""

from fastapi.testclient import TestClient

from services.console.main import create_app
from services.console.settings import ConsoleSettings
from tests.support.console import csrf_of, post_form, sign_in


def test_forms_without_their_csrf_token_and_other_roles_pages_are_refused():
    with TestClient(create_app(ConsoleSettings())) as console:
        assert console.get("/me/needs", follow_redirects=False).headers["location"] == "/login"
        refused = console.post("/login/dev", data={"person": "pegawai"})
        assert refused.status_code == 403 and "Formulir ini kedaluwarsa" in refused.text
        sign_in(console, "pegawai")
        cookie = console.cookies.get("console_session")
        assert cookie
        forbidden = console.get("/bkpsdm")
        assert forbidden.status_code == 403 and "bukan untuk peran Anda" in forbidden.text
        # A token taken from one session is no good in another.
        other = TestClient(console.app)
        assert other.post("/logout", data={"csrf_token": csrf_of(console.get("/login"))}).status_code == 403
        assert post_form(console, "/login", "/logout").headers["location"] == "/login"
        assert console.get("/me/needs", follow_redirects=False).status_code == 303


def test_the_cookie_is_httponly_lax_and_secure_only_in_production():
    with TestClient(create_app(ConsoleSettings())) as console:
        cookie = console.get("/login").headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=lax" in cookie and "secure" not in cookie
    production = ConsoleSettings(
        environment="production", console_session_secret="s" * 40, oidc_issuer="https://sso.test", oidc_client_id="c"
    )
    with TestClient(create_app(production)) as console:
        # Production sends people to the city's identity provider (here unreachable: a page says so).
        page = console.get("/login", follow_redirects=False)
        assert page.status_code == 503 and "tidak dapat dihubungi" in page.text
        assert "secure" in page.headers["set-cookie"].lower()
        # No demo people outside development, and their sign-in route does not exist.
        assert "Siti Rahmawati" not in page.text
        assert post_form(console, "/login", "/login/dev", person="pegawai").status_code == 404
