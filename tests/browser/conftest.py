"""Browser tests (tests/browser): Playwright over Debian's Chromium, every page offline-guarded; the
fixtures are tests/support/browser.py's, and the OpenID provider of tests/support/oidc.py. They start
real processes (services, node, Chromium), so they are slow."""

from __future__ import annotations

import pytest

from tests.support.browser import browser, offline_guard, page, playwright_driver, viewport
from tests.support.oidc import oidc_provider

__all__ = ["browser", "offline_guard", "oidc_provider", "page", "playwright_driver", "viewport"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "/tests/browser/" in str(item.path):
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.slow)
