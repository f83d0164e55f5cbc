"""Every service's API documentation, as a person opens it on an office network without internet:
/docs (Swagger UI) and /redoc (ReDoc) render from files the service serves itself, no request leaves
127.0.0.1, and axe-core finds no serious or critical WCAG 2.1 AA violation beyond the known ones below."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from playwright.sync_api import Page, expect

from tests.conftest import forget_namespace, service_environment
from tests.support.browser import KnownViolation, check_accessibility, screenshot
from tests.support.infra import Endpoints
from tests.support.processes import SERVICES, ServiceProcess

TITLES = {
    "needs": "BKPSDM Medan — Needs",
    "training": "BKPSDM Medan — Training",
    "evaluation": "BKPSDM Medan — Evaluation",
    "notifications": "BKPSDM Medan — Notifications",
}
# What axe-core 4.14 flags in Swagger UI and ReDoc as fastapi-offline pins them (third-party markup and
# colours), found on every service's pages at both sizes. Our console's pages have no such list.
NO_LANG = KnownViolation(
    "html-has-lang", "html", "FastAPI's get_swagger_ui_html/get_redoc_html write <html> without lang"
)
KNOWN_SWAGGER = (
    NO_LANG,
    KnownViolation("color-contrast", ".opblock-summary-method", "Swagger UI's white GET/POST badges (2.3:1)"),
    KnownViolation("color-contrast", ".json-schema-2020-12-expand-deep-button", "Swagger UI's 'Expand all' (1.9:1)"),
    KnownViolation("color-contrast", ".info pre.version", "Swagger UI's version badges (3.8:1)"),
    KnownViolation("color-contrast", ".info .url", "Swagger UI's link to openapi.json (3.3:1)"),
    KnownViolation(
        "nested-interactive", ".opblock-summary-control", "Swagger UI puts the copy button inside the row's button"
    ),
)
KNOWN_REDOC = (
    NO_LANG,
    KnownViolation("color-contrast", "h5", "ReDoc's grey 'query Parameters' headings (2.9:1)"),
    KnownViolation("color-contrast", "li.tab-error[role=tab]", "ReDoc's red error-response tabs on dark (3.5:1)"),
    KnownViolation("select-name", "select.dropdown-select", "ReDoc's unlabelled content-type switch"),
)


@pytest.fixture(scope="module")
def services(infra: Endpoints, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, ServiceProcess]]:
    """The four services as their own processes, as in tests/e2e, once for every page of this module."""
    namespace = f"t{uuid.uuid4().hex[:10]}"
    env = service_environment(infra, namespace)
    log_dir = tmp_path_factory.mktemp("logs")
    started = {}
    try:
        for name in SERVICES:
            started[name] = ServiceProcess(name, {**env, "MONGODB_DATABASE": f"{namespace}_{name}"}, log_dir)
            started[name].start().wait_ready()
        yield started
    finally:
        for proc in started.values():
            proc.stop()
        forget_namespace(infra, namespace)


@pytest.mark.parametrize("service", SERVICES)
def test_swagger_ui_renders_offline_and_accessibly(page: Page, services: dict[str, ServiceProcess], service: str):
    page.goto(f"{services[service].url}/docs")
    expect(page.locator(".swagger-ui .info .title")).to_contain_text(TITLES[service])
    expect(page.locator(".opblock").first).to_be_visible()
    check_accessibility(page, KNOWN_SWAGGER)
    screenshot(page, f"docs-{service}", full_page=False)


@pytest.mark.parametrize("service", SERVICES)
def test_redoc_renders_offline_and_accessibly(
    page: Page, viewport: str, services: dict[str, ServiceProcess], service: str
):
    page.goto(f"{services[service].url}/redoc")
    expect(page.locator("h1").first).to_contain_text(TITLES[service])
    expect(page.locator("h2").first).to_be_visible()
    # ReDoc's phone layout only hides its menu; axe over its thousands of nodes takes ~20 s on a loaded
    # machine, so it runs once, at desktop size.
    if viewport == "desktop":
        check_accessibility(page, KNOWN_REDOC)
    screenshot(page, f"redoc-{service}", full_page=False)
