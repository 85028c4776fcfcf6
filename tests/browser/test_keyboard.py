"""The console by keyboard alone: sign in without a mouse, the skip link appears on the first
Tab and leads past the navigation, and focus is visible."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import enrolled, totp_code
from tests.factories import DEFAULT_PASSWORD

FOCUSED = "document.activeElement"


def focused_id(page) -> str:
    return page.evaluate(f"{FOCUSED}.id || {FOCUSED}.className || {FOCUSED}.tagName")


def test_sign_in_and_skip_link_by_keyboard(page):
    inspector = factories.InspectorFactory(country="TH")
    key = enrolled(inspector).bin_key

    page.goto("/console/login/")
    assert focused_id(page) == "id_username"  # autofocus
    page.keyboard.type(inspector.username)
    page.keyboard.press("Tab")
    assert focused_id(page) == "id_password"
    page.keyboard.type(DEFAULT_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url("**/console/login/verify/**")
    page.focus("#id_token")
    page.keyboard.type(totp_code(key))
    page.keyboard.press("Enter")
    expect(page.locator("#sign-out")).to_be_visible()

    page.goto("/console/queue/")
    page.keyboard.press("Tab")
    assert focused_id(page) == "skip"
    box = page.locator("a.skip").bounding_box()
    assert box and box["x"] >= 0 and box["y"] >= 0  # on screen while focused
    outline = page.evaluate(f"getComputedStyle({FOCUSED}).outlineStyle")
    assert outline != "none"
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile(r"#main$"))
    page.keyboard.press("Tab")  # the next stop is inside <main>, past the navigation
    assert page.evaluate(f"document.getElementById('main').contains({FOCUSED})")
    assert page.evaluate(f"getComputedStyle({FOCUSED}).outlineStyle") != "none"
