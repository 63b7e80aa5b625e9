"""Single sign-on end to end: headless Chromium, this site on the live test server,
and a real OpenID Connect provider (django-oauth-toolkit, tests/oidc_provider/)
running as a separate process with its own database and signing key. Nothing is
mocked: the client discovers the provider, redirects the browser to it, exchanges
the code at its token endpoint, checks the ID token against its published keys
and reads its userinfo endpoint.

The provider is at http://127.0.0.1:<port>, the site at http://localhost:<port>,
so the two keep separate cookies as two real hosts would.
"""

from __future__ import annotations

import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import pytest
import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from hiring.auth import oidc
from hiring.models import SsoIdentity
from tests.factories import UserFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ROOT = Path(__file__).resolve().parent.parent
CLIENT_ID = "hiring-loop"
CLIENT_SECRET = "provider-test-secret-0123456789"
PASSWORD = "directory-password"
# The company directory at the provider.
PEOPLE = [
    {"username": "amara.o", "email": "amara@example.com", "password": PASSWORD, "groups": ["engineering"]},
    {"username": "rita.r", "email": "rita@example.com", "password": PASSWORD, "groups": ["talent-acquisition"]},
    {"username": "unverified", "email": "uma@example.com", "password": PASSWORD, "groups": ["email-unverified"]},
    {"username": "stranger", "email": "stranger@example.com", "password": PASSWORD, "groups": []},
]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Provider:
    def __init__(self, url: str, database: Path) -> None:
        self.url = url
        self.issuer = f"{url}/o"
        self.database = database

    def expire_codes(self) -> None:
        """Ages every authorization code the provider has issued past its expiry."""
        with sqlite3.connect(self.database) as db:
            db.execute("UPDATE oauth2_provider_grant SET expires = '2000-01-01 00:00:00'")

    def subject_of(self, username: str) -> str:
        with sqlite3.connect(self.database) as db:
            return str(db.execute("SELECT id FROM auth_user WHERE username = ?", (username,)).fetchone()[0])


@pytest.fixture(scope="module")
def provider(live_server, tmp_path_factory):
    """The provider process, seeded with the directory and this site as its client."""
    folder = tmp_path_factory.mktemp("oidc-provider")
    port = free_port()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    env = {
        **{k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}},
        "DJANGO_SETTINGS_MODULE": "tests.oidc_provider.settings",
        "PYTHONPATH": str(ROOT),
        "OP_DATABASE": str(folder / "provider.sqlite3"),
        "OP_RSA_KEY": pem,
        "OP_ISSUER": f"http://127.0.0.1:{port}/o",
    }
    run = {"cwd": ROOT, "env": env, "check": True, "capture_output": True, "timeout": 120}
    subprocess.run([sys.executable, "-m", "django", "migrate", "--noinput", "-v0"], **run)
    spec = {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uri": f"{live_server.url}/accounts/sso/callback/",
        "people": PEOPLE,
    }
    subprocess.run([sys.executable, "-m", "tests.oidc_provider.seed", json.dumps(spec)], **run)
    log = folder / "provider.log"
    with log.open("w") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "django", "runserver", f"127.0.0.1:{port}", "--noreload", "--skip-checks"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(f"{url}/o/.well-known/openid-configuration", timeout=2).ok:
                    break
            except requests.ConnectionError:
                pass
            if time.monotonic() > deadline or process.poll() is not None:
                pytest.fail(f"The test OIDC provider did not start:\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield Provider(url, folder / "provider.sqlite3")
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def sso(provider, settings):
    """This site configured for the provider, as the OIDC_* variables would configure it."""
    settings.OIDC_ENABLED = True
    settings.OIDC_DISCOVERY_URL = f"{provider.issuer}/.well-known/openid-configuration"
    settings.OIDC_RP_CLIENT_ID = CLIENT_ID
    settings.OIDC_RP_CLIENT_SECRET = CLIENT_SECRET
    settings.OIDC_PROVIDER_NAME = "Acme ID"
    settings.OIDC_GROUPS_CLAIM = "groups"
    settings.OIDC_RECRUITER_GROUPS = ["talent-acquisition"]
    settings.AUTHENTICATION_BACKENDS = [*settings.AUTHENTICATION_BACKENDS, "hiring.auth.oidc.OidcBackend"]
    oidc.forget_discovery()
    yield provider
    oidc.forget_discovery()


def sign_in_at_provider(page, username: str) -> None:
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/login/"))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()


def start_sso(page, going_to: str = "/") -> None:
    page.goto(going_to)
    page.get_by_role("link", name="Sign in with Acme ID").click()


def code_for(page, username: str) -> str:
    """The provider's redirect back to this site, held before the browser follows it.

    The browser starts the flow (page.request shares its cookies, so this site's
    session keeps the state, nonce and PKCE verifier); the provider sign-in is done
    by a plain HTTP client, which does not follow the final redirect. (Playwright
    cannot stop a browser inside a redirect chain.)"""
    start = page.request.get("/accounts/sso/login/", max_redirects=0)
    assert start.status == 302
    authorize = start.headers["location"]
    at_provider = requests.Session()
    login = at_provider.get(authorize, timeout=10)  # -> the provider's sign-in form
    csrf = at_provider.cookies["op_csrf"]
    answer = at_provider.post(
        login.url,
        data={
            "username": username,
            "password": PASSWORD,
            "csrfmiddlewaretoken": csrf,
            "next": next_of(login.url),
        },
        headers={"Referer": login.url},
        allow_redirects=False,
        timeout=10,
    )
    while answer.status_code == 302 and "/accounts/sso/callback/" not in answer.headers["Location"]:
        answer = at_provider.get(urljoin(answer.url, answer.headers["Location"]), allow_redirects=False, timeout=10)
    assert answer.status_code == 302, answer.text[:500]
    return answer.headers["Location"]


def next_of(login_url: str) -> str:
    return parse_qs(urlsplit(login_url).query)["next"][0]


def test_a_known_employee_signs_in_through_the_provider_and_is_linked_by_verified_email(sso, web_page):
    amara = UserFactory(username="amara", email="Amara@example.com")
    page = web_page
    start_sso(page, "/")
    sign_in_at_provider(page, "amara.o")
    page.wait_for_url(re.compile(r"^http://localhost:\d+/$"))
    assert page.get_by_role("heading", name="My interviews").is_visible()
    assert amara.get_full_name() in page.locator(".who").inner_text()

    link = SsoIdentity.objects.get()
    assert (link.user_id, link.issuer, link.subject) == (amara.pk, sso.issuer, sso.subject_of("amara.o"))

    # Signed out here, the provider still knows the browser: back in without a password.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/$"))
    page.get_by_role("link", name="Sign in with Acme ID").click()
    page.wait_for_url(re.compile(r"^http://localhost:\d+/$"))
    assert SsoIdentity.objects.count() == 1


def test_a_recruiter_reaches_the_admin_through_single_sign_on(sso, web_page):
    rita = UserFactory(username="rita", email="rita@example.com")
    page = web_page
    page.goto("/admin/")
    page.wait_for_url(re.compile(r"/admin/login/"))
    page.get_by_role("link", name="Sign in with Acme ID").click()
    sign_in_at_provider(page, "rita.r")
    page.wait_for_url(re.compile(r"^http://localhost:\d+/admin/$"))
    assert page.get_by_role("link", name=re.compile("Candidates")).first.is_visible()
    rita.refresh_from_db()
    assert rita.is_staff and rita.groups.filter(name="Recruiters").exists()  # from the provider's group claim


def test_an_unknown_email_is_refused_with_a_clear_page_and_no_account(sso, web_page):
    page = web_page
    start_sso(page)
    sign_in_at_provider(page, "stranger")
    page.wait_for_url(re.compile(r"/accounts/sso/callback/"))
    alert = page.locator("#sso-failed")
    assert alert.get_attribute("data-reason") == "unknown_email"
    assert "There is no Hiring Loop account for this email address" in alert.inner_text()
    assert not SsoIdentity.objects.exists()
    page.goto("/")
    assert "/accounts/login/" in page.url  # not signed in


def test_an_unverified_email_is_refused_even_when_it_matches_an_account(sso, web_page):
    UserFactory(username="uma", email="uma@example.com")
    page = web_page
    start_sso(page)
    sign_in_at_provider(page, "unverified")
    page.wait_for_url(re.compile(r"/accounts/sso/callback/"))
    alert = page.locator("#sso-failed")
    assert alert.get_attribute("data-reason") == "email_unverified"
    assert "has not verified your email address" in alert.inner_text()
    assert not SsoIdentity.objects.exists()
    page.goto("/")
    assert "/accounts/login/" in page.url


def test_a_callback_with_a_state_this_browser_did_not_start_is_refused(sso, web_page):
    UserFactory(username="amara", email="amara@example.com")
    page = web_page
    callback = code_for(page, "amara.o")
    forged = re.sub(r"state=[^&]+", "state=forged-state", callback)
    response = page.goto(forged)
    assert response.status == 400
    assert page.locator("#sso-failed").get_attribute("data-reason") == "state"
    assert not SsoIdentity.objects.exists()
    page.goto("/")
    assert "/accounts/login/" in page.url


def test_a_callback_in_another_browser_than_the_one_that_started_is_refused(sso, web_page, chromium, live_server):
    UserFactory(username="amara", email="amara@example.com")
    callback = code_for(web_page, "amara.o")
    other = chromium.new_context(base_url=live_server.url).new_page()
    response = other.goto(callback)
    assert response.status == 400
    assert other.locator("#sso-failed").get_attribute("data-reason") == "state"
    assert not SsoIdentity.objects.exists()


def test_an_expired_code_is_refused_by_the_provider_and_signs_nobody_in(sso, web_page):
    UserFactory(username="amara", email="amara@example.com")
    page = web_page
    callback = code_for(page, "amara.o")
    sso.expire_codes()
    response = page.goto(callback)
    assert response.status == 400
    alert = page.locator("#sso-failed")
    assert alert.get_attribute("data-reason") == "provider"
    assert "code had expired or was already used" in alert.inner_text()
    assert not SsoIdentity.objects.exists()
    page.goto("/")
    assert "/accounts/login/" in page.url


def test_a_used_code_cannot_sign_in_a_second_time(sso, web_page):
    UserFactory(username="amara", email="amara@example.com")
    page = web_page
    first = code_for(page, "amara.o")
    page.goto(first)
    page.wait_for_url(re.compile(r"^http://localhost:\d+/$"))
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/$"))

    # A new flow gives this browser a fresh state; replaying the spent code with it fails at the provider.
    fresh_state = re.search(r"state=([^&]+)", code_for(page, "amara.o")).group(1)
    replay = re.sub(r"state=[^&]+", f"state={fresh_state}", first)
    response = page.goto(replay)
    assert response.status == 400
    assert page.locator("#sso-failed").get_attribute("data-reason") == "provider"
    page.goto("/")
    assert "/accounts/login/" in page.url
