"""Browser tests: Playwright driving Debian's Chromium (``apt-get install chromium``; no browser download,
PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1), with three guarantees for every page a test opens.

- **Offline.** Every request is routed: one leaving 127.0.0.1/localhost is refused before it reaches the
  network and fails the test at teardown, listed (issue 13: nothing from the internet at run time).
- **Accessible.** ``check_accessibility(page)`` runs axe-core (pinned in tests/support/axe) in the page and
  fails on any serious or critical WCAG 2.1 A/AA violation, with a readable list.
- **Seen.** ``screenshot(page, name)`` saves a full-page PNG under test-artifacts/screenshots/.

The ``page`` fixture runs each test at the two sizes the pages must fit, 1366×768 and a phone's 360×740;
a test can pick one with ``@pytest.mark.parametrize("viewport", ["phone"], indirect=True)``. Chromium is
CHROMIUM_PATH, else /usr/bin/chromium; a machine without it fails with how to install it, never skips.
Browser tests are synchronous (Playwright's sync API); ``in_own_loop(coroutine)`` awaits async code.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Coroutine, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, Playwright, Request, Route, ViewportSize, expect, sync_playwright

from tests.support.infra import REPO
from tests.support.node import NodeToolUnavailable, ensure_node_tool

T = TypeVar("T")
AXE_DIR = REPO / "tests" / "support" / "axe"
SCREENSHOTS = REPO / "test-artifacts" / "screenshots"
VIEWPORTS: dict[str, ViewportSize] = {"desktop": {"width": 1366, "height": 768}, "phone": {"width": 360, "height": 740}}
LOOPBACK = frozenset({"127.0.0.1", "localhost", "[::1]", "::1"})
# The WCAG 2.1 A and AA rules; serious and critical findings fail (issue 13, Deliver 7).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING_IMPACTS = frozenset({"serious", "critical"})
# Headless, and none of Chromium's own calls home (updates, sync, safe browsing, field trials): on a
# closed network they are refused many times over and slow every start.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",  # root in CI; the sandbox needs an unprivileged user
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-default-apps",
    "--disable-domain-reliability",
    "--metrics-recording-only",
]

HOW_TO_INSTALL = (
    "Browser tests need Debian's Chromium: apt-get install chromium fonts-dejavu-core "
    "(or set CHROMIUM_PATH to a Chromium or Chrome binary). Playwright downloads no browser here."
)


def chromium_path() -> str:
    configured = os.environ.get("CHROMIUM_PATH")
    candidates = [configured] if configured else ["/usr/bin/chromium", "chromium", "chromium-browser"]
    for candidate in candidates:
        found = shutil.which(candidate)
        if found:
            return found
    pytest.fail(f"{HOW_TO_INSTALL} (looked for: {', '.join(candidates)})", pytrace=False)


@dataclass
class OfflineGuard:
    """Every request of a browser context: loopback ones go on, any other is refused and remembered."""

    refused: list[str] = field(default_factory=list)

    def handle(self, route: Route, request: Request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme in {"data", "blob", "about"} or (parts.hostname or "") in LOOPBACK:
            route.continue_()
        else:
            self.refused.append(f"{request.method} {request.url} ({request.resource_type})")
            route.abort("blockedbyclient")


# Per module, not per session: while Playwright's synchronous driver runs, its event loop counts as
# running in this thread, so the async tests of every later module (pytest-asyncio) could not start.
# Within a browser test module, await async code with ``in_own_loop``.
@pytest.fixture(scope="module")
def playwright_driver() -> Iterator[Playwright]:
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright_driver: Playwright) -> Iterator[Browser]:
    launched = playwright_driver.chromium.launch(executable_path=chromium_path(), args=CHROMIUM_ARGS)
    yield launched
    launched.close()


@pytest.fixture(params=list(VIEWPORTS), ids=list(VIEWPORTS))
def viewport(request: pytest.FixtureRequest) -> str:
    name: str = request.param
    return name


@pytest.fixture
def offline_guard() -> OfflineGuard:
    return OfflineGuard()


@pytest.fixture
def page(browser: Browser, viewport: str, offline_guard: OfflineGuard) -> Iterator[Page]:
    """A fresh page (own cookies and storage) at ``viewport``, in Indonesian and the city's time zone."""
    context = browser.new_context(
        viewport=VIEWPORTS[viewport],
        locale="id-ID",
        timezone_id="Asia/Jakarta",
        service_workers="block",  # a service worker's requests would bypass the routing below
    )
    # Generous: CI shares two cores between the services, Kafka, the database and the browser.
    context.set_default_timeout(30_000)
    expect.set_options(timeout=30_000)
    context.route("**/*", offline_guard.handle)
    opened = context.new_page()
    yield opened
    context.close()
    if offline_guard.refused:
        pytest.fail(
            "The page tried to reach beyond 127.0.0.1 (refused):\n  " + "\n  ".join(offline_guard.refused),
            pytrace=False,
        )


@dataclass(frozen=True)
class KnownViolation:
    """A violation shipped knowingly, in third-party markup we do not control: the axe rule, a CSS
    selector the offending element matches, and why it stays."""

    rule: str
    selector: str
    reason: str


def _axe_source() -> str:
    try:
        ensure_node_tool(AXE_DIR, "axe-core/axe.min.js")
    except NodeToolUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    return (AXE_DIR / "node_modules" / "axe-core" / "axe.min.js").read_text()


def check_accessibility(page: Page, known: Iterable[KnownViolation] = ()) -> list[dict[str, Any]]:
    """Run axe-core on the page as it is now; fail on serious or critical WCAG 2.1 A/AA violations that
    are not ``known``. Returns every violation axe found (any impact), for a test to look further."""
    # Evaluated by the driver, not added as a <script>: the page's Content-Security-Policy stays as served.
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    options = {"runOnly": {"type": "tag", "values": WCAG_TAGS}, "resultTypes": ["violations"]}
    violations: list[dict[str, Any]] = page.evaluate("options => window.axe.run(document, options)", options)[
        "violations"
    ]
    known = list(known)
    failing = []
    for violation in violations:
        if violation["impact"] not in FAILING_IMPACTS:
            continue
        excuses = [k.selector for k in known if k.rule == violation["id"]]
        targets = [node["target"] for node in violation["nodes"]]
        excused = page.evaluate(_MATCHES, [targets, excuses]) if excuses else [False] * len(targets)
        failing += [
            f"[{violation['impact']}] {violation['id']}: {violation['help']}\n      at {' '.join(map(str, target))}"
            for target, ok in zip(targets, excused, strict=True)
            if not ok
        ]
    if failing:
        pytest.fail(f"axe-core found on {page.url}:\n  " + "\n  ".join(failing), pytrace=False)
    return violations


# Whether the element at each axe target (one selector; deeper ones are in frames or shadow roots, never
# excused) matches one of the known selectors.
_MATCHES = """([targets, selectors]) => targets.map(target => {
  const element = target.length === 1 ? document.querySelector(target[0]) : null;
  return element !== null && selectors.some(selector => element.matches(selector));
})"""


def in_own_loop(work: Coroutine[Any, Any, T]) -> T:
    """Await ``work`` (the OIDC client, an async helper) from a test that drives the synchronous
    browser API: in a thread with its own event loop, as the driver's loop holds this thread's."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, work).result()


def screenshot(page: Page, name: str, *, full_page: bool = True) -> Path:
    """A PNG under test-artifacts/screenshots/, named after ``name`` and the viewport size: the whole
    page, or with ``full_page=False`` what fits the viewport (a very long page takes seconds)."""
    size = page.viewport_size or {"width": 0, "height": 0}
    path = SCREENSHOTS / f"{name}-{size['width']}x{size['height']}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=full_page)
    return path
