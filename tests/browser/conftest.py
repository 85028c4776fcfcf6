"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

* ``live_server`` (pytest-django) serves the app from a thread of this process, on the test
  database (transactional: the rows a test writes are committed, so the server thread sees them;
  they are flushed after each test). One server per xdist worker.
* ``browser`` is one headless Chromium per test module; ``page`` is a fresh context (no cookies)
  for each test, at 1280x800, English, UTC.
* Playwright's sync API keeps an asyncio loop running in the main thread while the browser is
  open, and Django refuses ORM calls from a thread with a running loop
  (``SynchronousOnlyOperation``). The tests here are plain synchronous code that only *talks* to
  the browser, so ``DJANGO_ALLOW_ASYNC_UNSAFE`` is set exactly while a browser is open (per
  module), and the loop is gone again before a test of another module runs in this worker.
* No browser is downloaded: ``scripts/install-browser.sh`` installs Debian's ``chromium`` (and
  ``scripts/test.sh`` runs it). Without it these tests fail under ``CI`` and are skipped, with the
  reason, elsewhere. ``CHROMIUM=/path/to/chromium`` points at another build.
* ``FAIRTRAIL_SCREENSHOTS=DIR`` makes ``shoot(name)`` write ``DIR/<name>.png`` (``make
  screenshots`` writes ``docs/screenshots``); otherwise the shots go to the test's tmp_path.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright

from tests.factories import DEFAULT_PASSWORD

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",  # root in CI containers; Chromium's sandbox needs user namespaces
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--no-first-run",
    "--no-default-browser-check",
]
VIEWPORT = {"width": 1280, "height": 800}
TIMEOUT_MS = 15_000


def _chromium_or_skip() -> str:
    if os.access(CHROMIUM, os.X_OK):
        return CHROMIUM
    message = f"{CHROMIUM} is missing: run scripts/install-browser.sh (as root) or set CHROMIUM"
    if os.environ.get("CI"):
        pytest.fail(f"CI must run the browser tests: {message}")
    pytest.skip(message)


@pytest.fixture(scope="module")
def browser():
    executable = _chromium_or_skip()

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(
                executable_path=executable, args=CHROMIUM_ARGS, headless=True
            )
            yield chromium
            chromium.close()


class PageProblems:
    """Uncaught script errors and Content-Security-Policy violations seen by a page."""

    def __init__(self, page):
        self.errors: list[str] = []
        page.on("pageerror", lambda error: self.errors.append(f"script error: {error}"))
        page.on("console", self._console)

    def _console(self, message) -> None:
        if message.type == "error" and "Content Security Policy" in message.text:
            self.errors.append(f"CSP: {message.text}")


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(
        base_url=live_server.url,
        viewport=VIEWPORT,
        locale="en-GB",
        timezone_id="UTC",
        accept_downloads=False,
    )
    context.set_default_timeout(TIMEOUT_MS)
    page = context.new_page()
    problems = PageProblems(page)
    yield page
    context.close()
    assert not problems.errors, problems.errors


@pytest.fixture
def new_page(browser, live_server):
    """More pages, each in its own context (a second person at another desk)."""
    contexts = []

    def make():
        context = browser.new_context(base_url=live_server.url, viewport=VIEWPORT, locale="en-GB")
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture
def shoot(page, tmp_path):
    """``shoot(name)``: a screenshot of the viewport as a person sees it now."""
    target = Path(os.environ.get("FAIRTRAIL_SCREENSHOTS") or tmp_path)
    target.mkdir(parents=True, exist_ok=True)

    def take(name: str, on=None) -> Path:
        path = target / f"{name}.png"
        (on or page).screenshot(path=str(path), animations="disabled", caret="hide")
        assert path.stat().st_size > 1000, f"{path} is empty"
        return path

    return take


# --- Signing in as a person would -------------------------------------------------------------


def totp_code(key: bytes, *, step_offset: int = 0) -> str:
    """What an authenticator app holding ``key`` shows now (``step_offset`` steps of 30 s on)."""
    from django_otp.oath import TOTP

    totp = TOTP(key, step=30, t0=0, digits=6)
    totp.time = time.time() + 30 * step_offset
    return f"{totp.token():06d}"


def enrolled(user):
    """A confirmed TOTP device, as if ``user`` had scanned the QR code on an earlier day."""
    from django_otp.plugins.otp_totp.models import TOTPDevice

    return TOTPDevice.objects.create(user=user, name="console", confirmed=True)


def sign_in(page, user, *, key: bytes | None = None, step_offset: int = 0) -> None:
    """Password, then the 6-digit code, typed into the console's sign-in pages."""
    if key is None:
        key = enrolled(user).bin_key
    page.goto("/console/login/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", DEFAULT_PASSWORD)
    page.click("#login-submit")
    page.wait_for_url("**/console/login/verify/**")
    page.fill("#id_token", totp_code(key, step_offset=step_offset))
    page.click("#verify-submit")
    expect(page.locator("#sign-out")).to_be_visible()
