"""Crafted input and a Redis outage (issue 8, faults 2 and 6).

Each request here once answered 500 on PostgreSQL + Redis: a JSON body nested
a thousand deep, a forged page cursor, a NUL byte in an admin search or filter,
and every API request while the throttle's Redis was down. Each must now be a
clear 400 (or simply work, for the outage)."""

from __future__ import annotations

import base64
import datetime as dt
import time
from urllib.parse import quote

import pytest
from django.test import Client

from hiring import services
from hiring.models import Candidate, EventKind, Reminder, ReminderStatus, RoundStatus, WebhookDelivery
from tests.factories import ANY_HOUR, CandidateFactory

pytestmark = pytest.mark.django_db


def _cursor(raw: str) -> str:
    return quote(base64.b64encode(raw.encode()).decode())


@pytest.fixture
def admin_client(world) -> Client:
    client = Client()
    client.force_login(world.recruiter)
    return client


# --- fault 6: a body nested 1,000 deep ---------------------------------------------------


@pytest.mark.parametrize("opening", ["[", '{"a":'])
def test_a_json_body_nested_a_thousand_deep_is_a_400_not_a_500(world, token_for, opening):
    closing = "]" if opening == "[" else "}"
    body = opening * 1000 + "1" + closing * 1000
    response = token_for(world.recruiter).generic("POST", "/api/v1/candidates/", body, content_type="application/json")
    assert response.status_code == 400, response.content[:300]
    assert response["Content-Type"].startswith("application/json")
    assert "nested" in response.json()["detail"]
    assert not Candidate.objects.exists()


def test_a_json_body_nested_deeper_than_any_field_needs_is_refused_before_the_view(world, token_for):
    # 200 levels parse without a RecursionError, but no field of this API goes past a few.
    body = "[" * 200 + "]" * 200
    response = token_for(world.recruiter).generic("POST", "/api/v1/candidates/", body, content_type="application/json")
    assert response.status_code == 400
    assert "nested" in response.json()["detail"]


def test_a_nul_byte_in_a_json_value_is_a_400_naming_the_field(world, token_for):
    # Held before this change too (DRF's CharField refuses a NUL): kept as a guard.
    client = token_for(world.recruiter)
    for body, field in (
        ({"full_name": "A\u0000da", "email": "ada@example.org", "time_zone": "UTC"}, "full_name"),
        ({"full_name": "Ada", "email": "ada@example.org", "time_zone": "UTC", "source": "care\u0000ers"}, "source"),
    ):
        response = client.post("/api/v1/candidates/", body, format="json")
        assert response.status_code == 400, response.content
        assert field in response.json()
    assert not Candidate.objects.exists()


# --- fault 6: forged page cursors --------------------------------------------------------


@pytest.mark.parametrize(
    "cursor",
    [
        "cD1hYmM%3D",  # base64 of "p=abc": an id that is not a number
        _cursor("p=1e999"),
        _cursor("p=\u0000"),
        _cursor("o=1&r=x"),
        _cursor("o=-5"),
        "!!!not-base64!!!",
        "%FF%FE",
        _cursor("p=" + "9" * 400),
    ],
)
def test_a_forged_page_cursor_is_a_400_on_every_list(world, token_for, cursor):
    CandidateFactory.create_batch(3)
    client = token_for(world.recruiter)
    for path in ("/api/v1/candidates/", "/api/v1/events/"):
        response = client.get(f"{path}?cursor={cursor}")
        assert response.status_code in (200, 400), (path, cursor, response.status_code)
        if response.status_code == 400:
            assert "cursor" in response.json()


def test_the_cursor_from_the_report_is_a_400_naming_the_cursor(world, token_for):
    response = token_for(world.recruiter).get("/api/v1/candidates/?cursor=cD1hYmM%3D")
    assert response.status_code == 400
    assert "cursor" in response.json()


@pytest.mark.parametrize(
    ("ordering", "position"),
    [("created_at", "yesterday"), ("created_at", "9999-12-31 23:59:59-23:59"), ("-updated_at", "\u0000")],
)
def test_a_forged_cursor_position_on_a_time_ordering_is_a_400(world, token_for, ordering, position):
    CandidateFactory.create_batch(2)
    response = token_for(world.recruiter).get(
        f"/api/v1/candidates/?ordering={ordering}&cursor={_cursor('p=' + position)}"
    )
    assert response.status_code == 400, response.content
    assert "cursor" in response.json()


def test_the_cursors_the_api_hands_out_still_page_through_every_row(world, token_for):
    CandidateFactory.create_batch(5)
    client = token_for(world.recruiter)
    for ordering in ("-id", "created_at", "-updated_at"):
        seen, url = [], f"/api/v1/candidates/?page_size=2&ordering={ordering}"
        while url:
            page = client.get(url).json()
            seen += [row["id"] for row in page["results"]]
            url = page["next"]
        assert sorted(seen) == sorted(Candidate.objects.values_list("pk", flat=True)), ordering


# --- fault 6: NUL bytes in query strings, forms and cookies ---------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/admin/hiring/candidate/?q=%00",
        "/admin/hiring/candidate/?q=ada%00lovelace",
        "/admin/hiring/loop/?status=%00",
        "/admin/hiring/round/?kind=%00",
        "/admin/hiring/webhookdelivery/?event__kind=%00",
        "/admin/hiring/webhooksubscription/?q=%00",
        "/admin/hiring/candidate/?%00=1",
        "/admin/hiring/candidate/%00/change/",
    ],
)
def test_a_nul_byte_in_an_admin_search_or_filter_is_a_400(admin_client, path):
    response = admin_client.get(path)
    assert response.status_code == 400


@pytest.mark.parametrize("path", ["/api/v1/candidates/?email=a%00@example.org", "/api/v1/candidates/%00/"])
def test_a_nul_byte_in_an_api_query_or_path_is_a_json_400(world, token_for, path):
    response = token_for(world.recruiter).get(path)
    assert response.status_code == 400
    assert "NUL" in response.json()["detail"]


def test_a_nul_byte_in_a_posted_form_is_left_to_the_form(admin_client):
    # Forms refuse a NUL beside the field (tests/test_web.py); the admin's action form too.
    response = admin_client.post("/admin/hiring/candidate/", {"action": "x\u0000", "_selected_action": "1"})
    assert response.status_code == 302


def test_a_nul_byte_in_the_session_cookie_is_a_400_not_a_database_error(world):
    client = Client()
    # An octal escape in a quoted cookie value decodes to a NUL (http.cookies does that).
    client.cookies.load('sessionid="\\000abcdefghijklmnop"')
    assert "\x00" in client.cookies["sessionid"].value
    assert client.get("/admin/hiring/candidate/").status_code == 400


def test_an_admin_search_without_a_nul_byte_still_works(admin_client):
    CandidateFactory(full_name="Ada Lovelace")
    response = admin_client.get("/admin/hiring/candidate/?q=lovelace")
    assert response.status_code == 200
    assert b"Ada Lovelace" in response.content


# --- fault 2: the API while Redis is down ---------------------------------------------------


@pytest.fixture
def own_redis(tmp_path):
    """A redis-server of our own on a spare port (never the shared one), to stop."""
    import shutil

    from tests.test_celery_e2e import RedisServer, require

    require(shutil.which("redis-server") is not None, "Needs the redis-server binary for the outage test.")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def redis_everywhere(own_redis, settings, monkeypatch):
    """The cache (the throttle's counts) and the Celery broker both on our own Redis."""
    from config.celery import app
    from hiring.api import throttling

    monkeypatch.setattr(throttling, "_cache_down_until", 0.0, raising=False)

    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": own_redis.url,
            "OPTIONS": settings.CACHES["default"].get("OPTIONS", {}),
        }
    }
    monkeypatch.setitem(app.conf, "broker_url", own_redis.url)
    # Connection and producer pools are made on first use: drop any made for the usual broker.
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)
    yield own_redis
    if app._pool is not None:
        app._pool.force_close_all()
    monkeypatch.setattr(app, "_pool", None)
    monkeypatch.setattr(app.amqp, "_producer_pool", None)


def test_the_api_reads_and_schedules_while_redis_is_down(
    world, token_for, redis_everywhere, settings, django_capture_on_commit_callbacks
):
    import redis

    settings.HIRING_API_RATE = "5/min"
    services.create_webhook_subscription(
        url="https://hooks.example.com/in", events=[EventKind.ROUND_SCHEDULED], by=None
    )
    loop = world.start_loop()
    first = loop.rounds.order_by("order").first()
    client = token_for(world.recruiter)

    # Redis up: the throttle counts in our own Redis.
    assert client.get("/api/v1/candidates/").status_code == 200
    assert redis.Redis.from_url(redis_everywhere.url).keys("*hiring-api-throttle*")

    redis_everywhere.stop()
    started = time.monotonic()
    # More requests than the rate allows: with no counts to go by, the throttle lets them through.
    for _ in range(8):
        assert client.get("/api/v1/candidates/").status_code == 200
    assert client.get(f"/api/v1/loops/{loop.pk}/").status_code == 200
    starts_at = (dt.datetime.now(dt.UTC) + dt.timedelta(days=3)).replace(hour=14, minute=0, second=0, microsecond=0)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            f"/api/v1/rounds/{first.pk}/schedule/",
            {"interviewer": world.manager.interviewer.pk, "starts_at": starts_at.isoformat(), **ANY_HOUR},
            format="json",
        )
    assert response.status_code == 200, response.content
    # Ten requests and a commit that could not reach the broker: a few seconds in all.
    assert time.monotonic() - started < 5, "an outage must not make each request wait long"
    first.refresh_from_db()
    assert first.status == RoundStatus.SCHEDULED
    # The outbox has the reminders and the webhook delivery, waiting for Redis.
    assert Reminder.objects.filter(round=first, status=ReminderStatus.PENDING).exists()
    assert WebhookDelivery.objects.filter(event__round=first, status="pending").count() == 1


def test_a_commit_while_the_broker_is_down_answers_at_once_and_leaves_the_delivery_to_the_sweep(
    world, redis_everywhere, django_capture_on_commit_callbacks
):
    import redis

    from config.celery import app

    services.create_webhook_subscription(
        url="https://hooks.example.com/in", events=[EventKind.CANDIDATE_CREATED], by=None
    )
    # Broker up: the delivery is queued on commit (and the process now holds a broker connection).
    with django_capture_on_commit_callbacks(execute=True):
        services.create_candidate(full_name="Ada", email="ada@example.org", time_zone="UTC", by=world.recruiter)
    assert redis.Redis.from_url(redis_everywhere.url).llen(app.conf.task_default_queue) == 1

    redis_everywhere.stop()
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        services.create_candidate(full_name="Bob", email="bob@example.org", time_zone="UTC", by=world.recruiter)
    # Kombu's default is to keep trying to connect for about six seconds.
    assert time.monotonic() - started < 2
    waiting = WebhookDelivery.objects.get(event__candidate__full_name="Bob")
    assert waiting.status == "pending" and waiting.attempts == 0

    # Redis comes back (empty, on the same port): the next commit is queued again by the same process.
    redis_everywhere.start()
    with django_capture_on_commit_callbacks(execute=True):
        services.create_candidate(full_name="Cy", email="cy@example.org", time_zone="UTC", by=world.recruiter)
    assert redis.Redis.from_url(redis_everywhere.url).llen(app.conf.task_default_queue) == 1
