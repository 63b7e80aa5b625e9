"""Webhooks with a real Celery worker (issue 8): a delivery goes out when its
change commits, not at the next sweep.

The worker's webhook sweep is set to an hour here, so a delivery that arrives
within seconds can only have come from the on-commit path. Uses the worker,
database and Redis fixtures of tests/test_celery_e2e.py (PostgreSQL + Redis).
"""

from __future__ import annotations

import time

import pytest

from hiring import services
from hiring.models import DeliveryStatus, EventKind, WebhookDelivery
from tests.test_celery_e2e import redis_url, shared_database_url, smtp, start_worker, wait_for  # noqa: F401
from tests.test_webhooks import SECRET, Receiver

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def receiver(settings):
    settings.HIRING_WEBHOOK_ALLOW_PRIVATE_URLS = True  # the receiver is on 127.0.0.1 (the worker runs with DEBUG)
    server = Receiver()
    yield server
    server.close()


def test_a_real_worker_delivers_a_webhook_within_seconds_of_the_commit(
    world,
    receiver,
    redis_url,  # noqa: F811 (the fixture imported above)
    start_worker,  # noqa: F811
    monkeypatch,
):
    from config.celery import app

    monkeypatch.setenv("HIRING_WEBHOOK_SWEEP_SECONDS", "3600")
    worker = start_worker(redis_url)
    # Publish where this worker listens (its own queue, so no other run's worker takes the task).
    arguments = list(worker.process.args)
    monkeypatch.setitem(app.conf, "task_default_queue", arguments[arguments.index("-Q") + 1])
    services.create_webhook_subscription(url=receiver.url, events=[EventKind.CANDIDATE_CREATED], secret=SECRET, by=None)

    committed = time.monotonic()
    services.create_candidate(full_name="Ada", email="ada@example.org", time_zone="UTC", by=world.recruiter)
    wait_for(lambda: receiver.requests, timeout=8, what="the webhook, sent on commit", log=worker.log)
    latency = time.monotonic() - committed
    assert latency < 8
    [request] = receiver.requests
    assert request["signature_ok"] and request["headers"]["X-Hiring-Event"] == "candidate.created"
    wait_for(
        lambda: WebhookDelivery.objects.filter(status=DeliveryStatus.DELIVERED).exists(),
        timeout=5,
        what="the delivery marked delivered",
        log=worker.log,
    )
    print(f"commit to receiver: {latency * 1000:.0f} ms")
