"""Authentication (API tokens stored hashed, with expiry and revocation; the
browser's session), throttling, and the admin pages that create tokens and
subscriptions and show their secret once."""

from __future__ import annotations

import datetime as dt
import hashlib
import re

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.utils import timezone
from rest_framework.test import APIClient

from hiring import services
from hiring.models import ApiToken, WebhookSubscription
from hiring.rules import NotPermitted

pytestmark = pytest.mark.django_db


def _client(raw: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    return client


def test_a_token_is_stored_as_its_sha256_and_never_in_clear(world):
    token, raw = services.create_api_token(user=world.recruiter, name="HRIS", scopes=["read"], by=None)
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw.startswith(token.prefix) and raw not in str(ApiToken.objects.values().get())


@pytest.mark.parametrize("spoil", ["expired", "revoked", "inactive user", "wrong key", "malformed header"])
def test_a_token_that_is_expired_revoked_or_wrong_is_a_401(world, api_rate, spoil):
    token, raw = services.create_api_token(user=world.recruiter, name="HRIS", scopes=["read"], by=None)
    client = _client(raw)
    if spoil == "expired":
        ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    elif spoil == "revoked":
        services.revoke_api_token(token=token, by=None)
    elif spoil == "inactive user":
        User.objects.filter(pk=world.recruiter.pk).update(is_active=False)
    elif spoil == "wrong key":
        client = _client(raw + "x")
    else:
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw} extra")
    response = client.get("/api/v1/loops/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")


def test_a_request_without_credentials_is_a_401_that_says_how_to_authenticate(db, api_rate):
    response = APIClient().get("/api/v1/loops/")
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'


def test_a_token_records_when_it_was_last_used(world, api_rate):
    token, raw = services.create_api_token(user=world.recruiter, name="HRIS", scopes=["read"], by=None)
    assert _client(raw).get("/api/v1/departments/").status_code == 200
    token.refresh_from_db()
    assert timezone.now() - token.last_used_at < dt.timedelta(seconds=5)


def test_the_browser_session_reads_the_api_and_needs_a_csrf_token_to_write(world, api_rate):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(world.recruiter)
    assert client.get("/api/v1/loops/").status_code == 200
    body = {"full_name": "Ada", "email": "ada@example.org", "time_zone": "UTC"}
    assert client.post("/api/v1/candidates/", body, format="json").status_code == 403


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"scopes": ["everything"]}, "scopes"),
        ({"scopes": []}, "scopes"),
        ({"name": " "}, "name"),
        ({"expires_at": dt.datetime(2020, 1, 1, tzinfo=dt.UTC)}, "expires_at"),
        ({"expires_at": timezone.now() + dt.timedelta(days=800)}, "expires_at"),
    ],
)
def test_a_token_with_bad_scopes_name_or_expiry_is_refused(world, kwargs, field):
    with pytest.raises(ValidationError) as excinfo:
        services.create_api_token(**{"user": world.recruiter, "name": "HRIS", "scopes": ["read"], "by": None, **kwargs})
    assert field in excinfo.value.message_dict


def test_only_an_administrator_creates_or_revokes_tokens(world):
    with pytest.raises(NotPermitted):
        services.create_api_token(user=world.recruiter, name="Mine", scopes=["read"], by=world.recruiter)
    token, _ = services.create_api_token(user=world.recruiter, name="HRIS", scopes=["read"], by=None)
    with pytest.raises(NotPermitted):
        services.revoke_api_token(token=token, by=world.interviewers[0].user)


def test_too_many_requests_get_a_429_with_retry_after(world, settings):
    settings.HIRING_API_RATE = "3/min"
    token, raw = services.create_api_token(user=world.recruiter, name="HRIS", scopes=["read"], by=None)
    # The count lives in the shared cache (Redis in CI): clear this token's key only.
    cache.delete(f"hiring-api-throttle:user:token-{token.pk}")
    client = _client(raw)
    codes = [client.get("/api/v1/departments/").status_code for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    response = client.get("/api/v1/departments/")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 60
    cache.delete(f"hiring-api-throttle:user:token-{token.pk}")


# --- admin ---------------------------------------------------------------------------------


@pytest.fixture
def admin_client(client, db):
    root = User.objects.create_superuser("root", "root@example.com", "pw")
    client.force_login(root)
    return client


def test_the_admin_creates_a_token_and_shows_its_key_once(world, admin_client, api_rate):
    response = admin_client.post(
        "/admin/hiring/apitoken/add/",
        {"user": world.recruiter.pk, "name": "Careers site", "scopes": ["read", "candidates:write"]},
    )
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    raw = re.search(r'<code id="secret"[^>]*>([^<]+)</code>', response.content.decode()).group(1)
    token = ApiToken.objects.get(name="Careers site")
    assert token.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert _client(raw).get("/api/v1/candidates/").status_code == 200
    detail = admin_client.get(f"/admin/hiring/apitoken/{token.pk}/change/").content.decode()
    assert raw not in detail and token.prefix in detail


def test_the_admin_shows_a_service_refusal_on_the_token_form(world, admin_client):
    response = admin_client.post(
        "/admin/hiring/apitoken/add/",
        {"user": world.recruiter.pk, "name": "x", "scopes": ["read"], "expires_at": "2001-01-01 00:00"},
    )
    assert response.status_code == 200
    assert "must be in the future" in response.content.decode()
    assert not ApiToken.objects.exists()


def test_the_admin_revokes_tokens_with_an_action(world, admin_client, api_rate):
    token, raw = services.create_api_token(user=world.recruiter, name="HRIS", scopes=["read"], by=None)
    response = admin_client.post(
        "/admin/hiring/apitoken/", {"action": "revoke", "_selected_action": [token.pk]}, follow=True
    )
    assert response.status_code == 200
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert _client(raw).get("/api/v1/loops/").status_code == 401


def test_the_admin_creates_a_subscription_and_lists_deliveries_with_their_attempts(world, admin_client):
    response = admin_client.post(
        "/admin/hiring/webhooksubscription/add/",
        {"url": "https://hooks.example.com/in", "events": ["candidate.created"], "description": "chat"},
    )
    assert response.status_code == 200
    subscription = WebhookSubscription.objects.get()
    assert subscription.secret in response.content.decode()
    services.create_candidate(full_name="Ada", email="ada@example.org", time_zone="UTC", by=world.recruiter)
    assert admin_client.get("/admin/hiring/webhookdelivery/").status_code == 200
    delivery = subscription.deliveries.get()
    page = admin_client.get(f"/admin/hiring/webhookdelivery/{delivery.pk}/change/")
    assert page.status_code == 200 and "candidate.created" in page.content.decode()
    assert admin_client.get(f"/admin/hiring/webhooksubscription/{subscription.pk}/change/").status_code == 200
    assert admin_client.get("/admin/hiring/webhookattempt/").status_code == 200


def test_a_recruiter_sees_the_integrations_admin_but_cannot_create_a_token(world, client):
    client.force_login(world.recruiter)
    assert client.get("/admin/hiring/apitoken/").status_code == 200
    assert client.get("/admin/hiring/apitoken/add/").status_code == 403
