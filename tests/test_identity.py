"""Password sign-in that resists guessing (django-axes on the interviewer login,
the admin login and API tokens), password reset by email through a real SMTP
server, password change, and the single sign-on matching rules.

The whole single sign-on flow against a real provider is in tests/test_oidc.py.
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from axes.models import AccessAttempt
from django.conf import settings as django_settings
from django.contrib.auth.models import Group, User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from hiring import services
from hiring.models import SsoIdentity
from hiring.services import identity
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 4
NEW = "a-new-Long-passphrase-9"


@pytest.fixture
def lockout(settings):
    """A small limit so the tests are quick; the defaults are checked on their own."""
    settings.AXES_FAILURE_LIMIT = LIMIT
    settings.AUTH_FAILURE_LIMIT = LIMIT
    return settings


def login_page(client: Client, username: str, password: str, *, address: str = "198.51.100.7"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=address, follow=False
    )


def admin_login(client: Client, username: str, password: str, *, address: str = "198.51.100.7"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def signed_in(client: Client) -> bool:
    return "_auth_user_id" in client.session


def age_failures(minutes: int) -> None:
    """Moves every recorded failure into the past, as the clock would."""
    AccessAttempt.objects.update(attempt_time=timezone.now() - dt.timedelta(minutes=minutes))


# --- the limits -----------------------------------------------------------------


def test_the_default_limits_allow_at_most_a_few_dozen_guesses_an_hour_per_account():
    per_hour = django_settings.AUTH_FAILURE_LIMIT * 60 / django_settings.AUTH_COOLOFF_MINUTES
    assert django_settings.AXES_FAILURE_LIMIT == django_settings.AUTH_FAILURE_LIMIT
    cool_off = dt.timedelta(minutes=django_settings.AUTH_COOLOFF_MINUTES)
    assert cool_off == django_settings.AXES_COOLOFF_TIME
    assert per_hour <= 36
    assert django_settings.AXES_HANDLER.endswith("AxesDatabaseHandler")  # not the cache: Redis may be down


@pytest.mark.parametrize("entry", [login_page, admin_login], ids=["interviewer login", "admin login"])
def test_an_account_is_locked_after_the_limit_and_even_its_right_password_is_refused(lockout, entry):
    user = UserFactory(username="amara", is_staff=True)
    client = Client()
    for _ in range(LIMIT - 1):
        response = entry(client, user.username, "wrong-guess")
        assert response.status_code == 200 and not signed_in(client)
    locked = entry(client, user.username, "wrong-guess")
    assert locked.status_code == 429
    assert "Too many failed sign-ins" in locked.content.decode()
    assert "Try again in 30 minutes" in locked.content.decode()
    assert locked["Retry-After"] == "1800"

    # The right password, from another address: still refused, never checked.
    response = entry(client, user.username, PASSWORD, address="203.0.113.9")
    assert response.status_code == 429 and not signed_in(client)


@pytest.mark.parametrize("entry", [login_page, admin_login], ids=["interviewer login", "admin login"])
def test_an_address_is_locked_after_the_limit_whatever_accounts_it_tries(lockout, entry):
    victim = UserFactory(username="victim", is_staff=True)
    client = Client()
    for n in range(LIMIT):
        entry(client, f"someone{n}", "wrong-guess")
    response = entry(client, victim.username, PASSWORD)
    assert response.status_code == 429 and not signed_in(client)
    # Another address signs in as usual.
    other = Client()
    assert entry(other, victim.username, PASSWORD, address="203.0.113.9").status_code == 302
    assert signed_in(other)


def test_after_the_cool_off_the_right_password_works_again(lockout):
    user = UserFactory(username="amara")
    client = Client()
    for _ in range(LIMIT):
        login_page(client, user.username, "wrong-guess")
    assert login_page(client, user.username, PASSWORD).status_code == 429
    age_failures(django_settings.AUTH_COOLOFF_MINUTES + 1)
    assert login_page(client, user.username, PASSWORD).status_code == 302
    assert signed_in(client)


def test_the_interviewer_and_admin_logins_share_one_count(lockout):
    user = UserFactory(username="amara", is_staff=True)
    for n in range(LIMIT):
        entry = login_page if n % 2 else admin_login
        entry(Client(), user.username, "wrong-guess", address=f"192.0.2.{n + 1}")
    assert admin_login(Client(), user.username, PASSWORD, address="192.0.2.99").status_code == 429


def test_a_failed_attempt_is_counted_in_the_database_not_the_cache(lockout):
    login_page(Client(), "amara", "wrong-guess")
    attempt = AccessAttempt.objects.get()
    assert (attempt.username, attempt.ip_address, attempt.failures_since_start) == ("amara", "198.51.100.7", 1)


def test_behind_trusted_proxies_the_address_is_the_one_the_proxy_saw(lockout, settings):
    settings.AUTH_TRUSTED_PROXY_COUNT = 1
    client = Client()
    for n in range(LIMIT):
        # The client forges the left part of the header differently each time; the proxy appends the truth.
        client.post(
            "/accounts/login/",
            {"username": f"someone{n}", "password": "x"},
            REMOTE_ADDR="10.0.0.2",
            HTTP_X_FORWARDED_FOR=f"1.2.3.{n}, 198.51.100.7",
        )
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"198.51.100.7"}
    response = client.post(
        "/accounts/login/",
        {"username": "anyone", "password": "x"},
        REMOTE_ADDR="10.0.0.2",
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )
    assert response.status_code == 429


# --- API tokens ------------------------------------------------------------------


def bearer(raw: str, address: str = "198.51.100.7"):
    return APIClient().get("/api/v1/departments/", HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR=address)


def test_guessing_api_tokens_locks_the_address_and_a_valid_token_from_it_waits(lockout, world, api_rate):
    _, raw = services.create_api_token(user=world.recruiter, name="HRIS", scopes=["read"], by=None)
    for n in range(LIMIT):
        response = bearer(f"hl_guess{n}")
        assert response.status_code == 401, response.content
    locked = bearer(raw)
    assert locked.status_code == 429
    assert locked["Content-Type"].startswith("application/json")
    assert "Too many invalid API keys" in locked.json()["detail"]
    assert int(locked["Retry-After"]) == 30 * 60
    # The same valid token from another address is served.
    assert bearer(raw, address="203.0.113.9").status_code == 200


def test_token_failures_do_not_lock_any_account(lockout, world, api_rate):
    for n in range(LIMIT):
        APIClient().post(
            "/api/v1/departments/",
            {"username": world.recruiter.username},
            format="multipart",
            HTTP_AUTHORIZATION=f"Bearer hl_guess{n}",
            REMOTE_ADDR="198.51.100.7",
        )
    assert set(AccessAttempt.objects.values_list("username", flat=True)) == {None}
    assert login_page(Client(), world.recruiter.username, PASSWORD, address="203.0.113.9").status_code == 302


def test_a_revoked_or_expired_token_is_refused_but_not_counted_as_a_guess(lockout, world, api_rate):
    token, raw = services.create_api_token(user=world.recruiter, name="HRIS", scopes=["read"], by=None)
    services.revoke_api_token(token=token, by=None)
    for _ in range(LIMIT + 2):
        assert bearer(raw).status_code == 401
    assert not AccessAttempt.objects.exists()


# --- password change ---------------------------------------------------------------


def test_a_signed_in_person_changes_their_password_in_the_sites_look():
    user = UserFactory(username="amara")
    client = Client()
    client.force_login(user)
    page = client.get("/accounts/password/change/")
    assert page.status_code == 200
    assert 'class="brand"' in page.content.decode()  # the site's base template, not the admin's
    response = client.post(
        "/accounts/password/change/",
        {"old_password": PASSWORD, "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/password/change/done/"
    user.refresh_from_db()
    assert user.check_password(NEW)


def test_changing_a_password_needs_the_old_one():
    user = UserFactory(username="amara")
    client = Client()
    client.force_login(user)
    response = client.post(
        "/accounts/password/change/",
        {"old_password": "not-it", "new_password1": NEW, "new_password2": NEW},
    )
    assert response.status_code == 200
    assert "Your old password was entered incorrectly" in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_needs_sign_in():
    response = Client().get("/accounts/password/change/")
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


# --- password reset through a real SMTP server -----------------------------------------


class Sink:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        message["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield sink
    finally:
        controller.stop()


def wait_for_mail(sink: Sink, count: int = 1) -> list[email.message.EmailMessage]:
    deadline = time.monotonic() + 10
    while len(sink.messages) < count and time.monotonic() < deadline:
        time.sleep(0.05)
    return sink.messages


def test_a_forgotten_password_is_reset_through_a_link_sent_by_email(smtp, settings):
    settings.SITE_URL = "https://hiring.example.com"
    user = UserFactory(username="amara", email="amara@example.com")
    client = Client()
    form = client.get("/accounts/password/reset/")
    assert form.status_code == 200 and 'class="brand"' in form.content.decode()

    response = client.post("/accounts/password/reset/", {"email": "AMARA@example.com"}, HTTP_HOST="localhost")
    assert response.status_code == 302 and response["Location"] == "/accounts/password/reset/sent/"
    (message,) = wait_for_mail(smtp)
    assert message["X-Envelope-To"] == "amara@example.com"
    assert message["Subject"] == "Reset your Hiring Loop password"
    body = message.get_content()
    # The link is built from SITE_URL, never from the Host header the requester chose.
    link = re.search(r"https://hiring\.example\.com(/accounts/password/reset/\S+/\S+/)", body).group(1)
    assert "localhost" not in body and "Your username: amara" in body

    page = client.get(link, follow=True)
    assert page.status_code == 200 and "Choose a new password" in page.content.decode()
    set_url = page.redirect_chain[-1][0]
    done = client.post(
        set_url, {"new_password1": "Fresh-start-passphrase-42", "new_password2": "Fresh-start-passphrase-42"}
    )
    assert done.status_code == 302 and done["Location"] == "/accounts/password/reset/done/"

    fresh = Client()
    assert login_page(fresh, "amara", "Fresh-start-passphrase-42").status_code == 302
    assert signed_in(fresh)
    user.refresh_from_db()
    assert not user.check_password(PASSWORD)

    # The link works once.
    again = Client().get(link, follow=True)
    assert "This link no longer works" in again.content.decode()


def test_resetting_the_password_by_email_lifts_the_accounts_lock_out(smtp, lockout):
    UserFactory(username="amara", email="amara@example.com")
    for n in range(LIMIT):
        login_page(Client(), "amara", "wrong-guess", address=f"192.0.2.{n + 1}")
    assert login_page(Client(), "amara", PASSWORD, address="203.0.113.9").status_code == 429

    client = Client()
    client.post("/accounts/password/reset/", {"email": "amara@example.com"})
    (message,) = wait_for_mail(smtp)
    link = re.search(r"https?://\S+?(/accounts/password/reset/\S+/\S+/)", message.get_content()).group(1)
    set_url = client.get(link, follow=True).redirect_chain[-1][0]
    client.post(set_url, {"new_password1": NEW, "new_password2": NEW})

    assert not AccessAttempt.objects.filter(username="amara").exists()
    assert login_page(Client(), "amara", NEW, address="203.0.113.9").status_code == 302


def test_a_reset_for_an_unknown_address_sends_nothing_and_says_the_same(smtp):
    response = Client().post("/accounts/password/reset/", {"email": "nobody@example.com"}, follow=True)
    assert "If an account has this address" in response.content.decode()
    time.sleep(0.3)
    assert smtp.messages == []


def test_the_login_pages_offer_a_password_reset_and_no_sso_when_it_is_not_configured():
    page = Client().get("/accounts/login/").content.decode()
    assert 'href="/accounts/password/reset/"' in page
    assert "Sign in with" not in page
    admin_page = Client().get("/admin/login/").content.decode()
    assert "Forgotten your login credentials" in admin_page and "Sign in with" not in admin_page
    assert Client().get("/accounts/sso/login/").status_code == 404
    assert Client().get("/accounts/sso/callback/?code=x&state=y").status_code == 404


def test_the_login_pages_offer_sso_by_the_providers_name_when_configured(settings):
    settings.OIDC_ENABLED = True
    settings.OIDC_PROVIDER_NAME = "Acme ID"
    page = Client().get("/accounts/login/?next=/rounds/1/").content.decode()
    assert "Sign in with Acme ID" in page
    assert 'href="/accounts/sso/login/?next=/rounds/1/"' in page
    admin_page = Client().get("/admin/login/?next=/admin/").content.decode()
    assert "Sign in with Acme ID" in admin_page and 'href="/accounts/sso/login/?next=/admin/"' in admin_page


# --- configuration ---------------------------------------------------------------------


def settings_in_a_fresh_process(**env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("OIDC_", "AUTH_"))}
    environment.update({"DJANGO_SETTINGS_MODULE": "config.settings", "SECRET_KEY": "x", **env})
    code = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.OIDC_ENABLED, s.AUTHENTICATION_BACKENDS[-1], s.OIDC_DISCOVERY_URL, s.AXES_FAILURE_LIMIT)"
    )
    return subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )


def test_without_oidc_variables_only_passwords_sign_in():
    result = settings_in_a_fresh_process()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "django.contrib.auth.backends.ModelBackend", "10"]


def test_an_issuer_and_a_client_id_turn_single_sign_on_on():
    result = settings_in_a_fresh_process(
        OIDC_ISSUER="https://id.example.com/", OIDC_CLIENT_ID="hiring", OIDC_CLIENT_SECRET="s"
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "True",
        "hiring.auth.oidc.OidcBackend",
        "https://id.example.com/.well-known/openid-configuration",
        "10",
    ]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"AUTH_FAILURE_LIMIT": "0"}, "AUTH_FAILURE_LIMIT must be at least 1"),
        ({"AUTH_COOLOFF_MINUTES": "soon"}, "AUTH_COOLOFF_MINUTES must be a whole number"),
        ({"OIDC_CREATE_USERS": "maybe"}, "OIDC_CREATE_USERS must be true or false"),
        ({"OIDC_ISSUER": "https://id.example.com"}, "Single sign-on needs both OIDC_CLIENT_ID and OIDC_ISSUER"),
        ({"OIDC_CLIENT_ID": "hiring"}, "Single sign-on needs both OIDC_CLIENT_ID and OIDC_ISSUER"),
    ],
)
def test_a_bad_sign_in_setting_fails_at_start_up_naming_the_variable(env, message):
    result = settings_in_a_fresh_process(**env)
    assert result.returncode != 0 and message in result.stderr


# --- single sign-on: who is matched, linked, refused ------------------------------------

ISSUER = "https://id.example.com"


def sso(claims: dict, **options):
    return identity.sign_in_with_sso(issuer=ISSUER, claims=claims, now=timezone.now(), **options)


def test_a_known_employee_is_linked_by_verified_email_and_then_matched_by_subject():
    user = UserFactory(username="amara", email="Amara@Example.com")
    assert sso({"sub": "abc", "email": "amara@example.com", "email_verified": True}) == user
    link = SsoIdentity.objects.get()
    assert (link.user, link.issuer, link.subject) == (user, ISSUER, "abc")
    # Later the email changes at the provider: the subject still finds the account.
    assert sso({"sub": "abc", "email": "amara.o@example.com", "email_verified": False}) == user
    assert SsoIdentity.objects.count() == 1


@pytest.mark.parametrize(
    ("claims", "code"),
    [
        ({"sub": "abc", "email": "amara@example.com", "email_verified": False}, "email_unverified"),
        ({"sub": "abc", "email": "amara@example.com"}, "email_unverified"),
        ({"sub": "abc", "email": "nobody@example.com", "email_verified": True}, "unknown_email"),
        ({"sub": "abc", "email_verified": True}, "no_email"),
        ({"email": "amara@example.com", "email_verified": True}, "no_subject"),
    ],
)
def test_it_refuses_what_it_cannot_match_safely_and_creates_nothing(claims, code):
    UserFactory(username="amara", email="amara@example.com")
    users_before = User.objects.count()
    with pytest.raises(identity.SsoRefused) as refused:
        sso(claims)
    assert refused.value.code == code
    assert User.objects.count() == users_before and not SsoIdentity.objects.exists()


def test_an_account_linked_to_one_subject_is_not_taken_by_another():
    UserFactory(username="amara", email="amara@example.com")
    sso({"sub": "abc", "email": "amara@example.com", "email_verified": True})
    with pytest.raises(identity.SsoRefused) as refused:
        sso({"sub": "someone-else", "email": "amara@example.com", "email_verified": True})
    assert refused.value.code == "already_linked"


def test_a_deactivated_account_is_refused():
    user = UserFactory(username="amara", email="amara@example.com")
    sso({"sub": "abc", "email": "amara@example.com", "email_verified": True})
    User.objects.filter(pk=user.pk).update(is_active=False)
    with pytest.raises(identity.SsoRefused) as refused:
        sso({"sub": "abc", "email": "amara@example.com", "email_verified": True})
    assert refused.value.code == "inactive"


def test_an_unknown_verified_email_gets_an_account_only_when_the_setting_allows():
    user = sso(
        {"sub": "n1", "email": "new.person@example.com", "email_verified": True, "given_name": "New"},
        create_users=True,
    )
    assert (user.username, user.email, user.first_name) == ("new.person", "new.person@example.com", "New")
    assert not user.has_usable_password() and not user.is_staff


def test_the_group_claim_makes_and_unmakes_a_recruiter_when_configured(world):
    user = UserFactory(username="amara", email="amara@example.com")
    recruiters = Group.objects.get(name="Recruiters")
    options = {"groups_claim": "groups", "recruiter_groups": ["talent-acquisition"]}
    claims = {"sub": "abc", "email": "amara@example.com", "email_verified": True, "groups": ["talent-acquisition"]}
    sso(claims, **options)
    user.refresh_from_db()
    assert user.is_staff and recruiters in user.groups.all()
    sso({"sub": "abc", "groups": ["engineering"]}, **options)
    assert recruiters not in user.groups.all()
    # Without the setting the claim changes nothing.
    sso({"sub": "abc", "groups": ["talent-acquisition"]})
    assert recruiters not in user.groups.all()


def test_the_admin_lists_sso_links_with_a_constant_number_of_queries(admin_client):
    def link(n: int) -> None:
        user = UserFactory(username=f"person{n}", email=f"person{n}@example.com")
        sso({"sub": f"s{n}", "email": user.email, "email_verified": True})

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as queries:
            response = admin_client.get("/admin/hiring/ssoidentity/")
        assert response.status_code == 200
        return len(queries)

    for n in range(2):
        link(n)
    few = page_queries()
    for n in range(2, 12):
        link(n)
    # The session, the signed-in user, the counts, one page of links joined to their users.
    assert page_queries() == few
    assert "person11@example.com" in admin_client.get("/admin/hiring/ssoidentity/").content.decode()
