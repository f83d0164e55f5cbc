"""The browser harness itself: what leaves 127.0.0.1 is refused and named, and axe-core's serious
findings fail a test unless they are known, by rule and selector."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from tests.support.browser import KnownViolation, OfflineGuard, check_accessibility

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
