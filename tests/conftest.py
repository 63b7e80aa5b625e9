import os

import pytest

from tests.factories import World, make_recruiter


def pytest_configure(config):
    # In CI every service the suite needs must be there; nothing skips quietly.
    if os.environ.get("CI") and not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        raise pytest.UsageError("CI must run the tests against PostgreSQL: set DATABASE_URL.")


@pytest.fixture(autouse=True)
def _fast_password_hasher(settings):
    # PBKDF2 costs ~0.3 s a user by design; tests create dozens of users and check no strength.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english_between_tests():
    # A request through the test client runs the language middleware in this thread and leaves
    # the reader's language active afterwards; the next test starts in English again.
    yield
    from django.utils import translation

    translation.activate("en")


@pytest.fixture
def world(db):
    return World()


@pytest.fixture
def recruiter(db):
    return make_recruiter()


# --- browser (issue 3): headless Debian Chromium driven by Playwright ---------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture
def chromium(monkeypatch):
    """A fresh Chromium per test.

    Playwright's sync API leaves an asyncio loop marked as running in this
    thread, which makes Django refuse ORM calls; the variable lifts that for
    this test only (function scope, so no other test runs with it set).
    """
    if not os.path.exists(CHROMIUM):
        message = f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)."
        if os.environ.get("CI"):
            pytest.fail(f"{message} CI must run the browser tests.", pytrace=False)
        pytest.skip(message)
    monkeypatch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield browser
        finally:
            browser.close()


@pytest.fixture
def web_page(chromium, live_server, settings):
    """A desktop-sized page on the live server (plain http, so cookies cannot be Secure-only)."""
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = chromium.new_context(base_url=live_server.url, viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        yield page
    finally:
        context.close()


# --- API (issue 5) ----------------------------------------------------------------


@pytest.fixture
def api_rate(settings):
    """API throttling loose enough that no test but the throttling one meets it."""
    settings.HIRING_API_RATE = "100000/min"
    settings.HIRING_API_ANON_RATE = "100000/min"
    return settings


@pytest.fixture
def token_for(db, api_rate):
    """token_for(user, scopes=...) -> an APIClient sending that user's fresh API token."""
    from rest_framework.test import APIClient

    from hiring import services
    from hiring.services import API_SCOPES

    def make(user, scopes=tuple(API_SCOPES)):
        _, raw = services.create_api_token(user=user, name=f"test token for {user}", scopes=scopes, by=None)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        client.raw_key = raw
        return client

    return make
