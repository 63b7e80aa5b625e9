"""Liveness and readiness.

Liveness says the process answers (no dependency is touched: a database outage
must not make an orchestrator restart every web process). Readiness says the
service is doing its job: the database and Redis answer, beat has swept
recently (the sweep writes a Heartbeat row), and the outbox (reminders and
webhook deliveries that are due and not yet done) is within bounds, by size and
by the age of its oldest due row. Each check reports on its own, so the answer
names what failed.

The backlog is counted with a cap (COUNT over LIMIT bound+1) and the oldest row
is one ordered LIMIT 1 per status, both on the (status, due) indexes: a check
costs the same with a million rows due as with ten.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable

from django.conf import settings
from django.db import connection
from django.db.models import Model
from django.utils import timezone

from hiring.models import DeliveryStatus, Heartbeat, Reminder, ReminderStatus, WebhookDelivery

log = logging.getLogger(__name__)

SWEEP_HEARTBEAT = "reminder-sweep"


def record_heartbeat(name: str = SWEEP_HEARTBEAT, *, at: dt.datetime | None = None) -> None:
    """Say that `name` ran just now: one upsert, safe from two processes at once."""
    Heartbeat.objects.bulk_create(
        [Heartbeat(name=name, at=at or timezone.now())],
        update_conflicts=True,
        unique_fields=["name"],
        update_fields=["at"],
    )


def heartbeat_age(name: str = SWEEP_HEARTBEAT, *, now: dt.datetime | None = None) -> float | None:
    """Seconds since `name` last ran, or None if it never has."""
    at = Heartbeat.objects.filter(name=name).values_list("at", flat=True).first()
    if at is None:
        return None
    return max(((now or timezone.now()) - at).total_seconds(), 0.0)


@dataclasses.dataclass
class Check:
    ok: bool
    detail: dict = dataclasses.field(default_factory=dict)

    def as_dict(self) -> dict:
        return {"ok": self.ok, **self.detail}


def _failure(exc: BaseException) -> Check:
    # The class name only: the body of a health check is not the place for hostnames
    # or credentials that a driver's message may hold. The whole error goes to the log.
    return Check(False, {"error": type(exc).__name__})


def check_database() -> Check:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return Check(True)


def check_redis() -> Check:
    url = getattr(settings, "REDIS_URL", None)
    if not url:
        return Check(True, {"skipped": "REDIS_URL is not set"})
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
    try:
        client.ping()
    finally:
        client.close()
    return Check(True)


def check_beat(*, now: dt.datetime) -> Check:
    age = heartbeat_age(now=now)
    bound = settings.HIRING_HEALTH_BEAT_MAX_AGE_SECONDS
    if age is None:
        return Check(False, {"error": "the reminder sweep has never run", "max_age_seconds": bound})
    return Check(age <= bound, {"age_seconds": round(age, 1), "max_age_seconds": bound})


def capped_count(queryset, cap: int) -> int:
    """COUNT(*) of at most `cap` rows: constant cost however many match."""
    return queryset.order_by()[:cap].count()


def oldest_due(model: type[Model], *, due_field: str, statuses: list[str], now: dt.datetime) -> dt.datetime | None:
    """The due time of the oldest row not done yet: one indexed LIMIT 1 per status."""
    firsts = [
        model.objects.filter(status=status, **{f"{due_field}__lte": now})
        .order_by(due_field)
        .values_list(due_field, flat=True)
        .first()
        for status in statuses
    ]
    found = [first for first in firsts if first is not None]
    return min(found) if found else None


def _check_outbox(model: type[Model], *, due_field: str, statuses: list[str], max_due: int, now: dt.datetime) -> Check:
    due = capped_count(model.objects.filter(status__in=statuses, **{f"{due_field}__lte": now}), max_due + 1)
    oldest = oldest_due(model, due_field=due_field, statuses=statuses, now=now)
    age = (now - oldest).total_seconds() if oldest is not None else 0.0
    max_age = settings.HIRING_HEALTH_MAX_DUE_AGE_SECONDS
    detail = {
        # Capped: "more than max_due" is all a readiness check needs to know.
        "due": due if due <= max_due else f">{max_due}",
        "max_due": max_due,
        "oldest_due_seconds": round(age, 1),
        "max_age_seconds": max_age,
    }
    return Check(due <= max_due and age <= max_age, detail)


def check_reminders(*, now: dt.datetime) -> Check:
    return _check_outbox(
        Reminder,
        due_field="due_at",
        statuses=[ReminderStatus.PENDING, ReminderStatus.CLAIMED],
        max_due=settings.HIRING_HEALTH_MAX_DUE_REMINDERS,
        now=now,
    )


def check_webhooks(*, now: dt.datetime) -> Check:
    return _check_outbox(
        WebhookDelivery,
        due_field="next_attempt_at",
        statuses=[DeliveryStatus.PENDING, DeliveryStatus.CLAIMED],
        max_due=settings.HIRING_HEALTH_MAX_DUE_WEBHOOKS,
        now=now,
    )


def readiness(*, now: dt.datetime | None = None) -> tuple[bool, dict[str, dict]]:
    """Run every check; return (all passed, each check's result by name)."""
    now = now or timezone.now()
    checks: dict[str, Callable[[], Check]] = {
        "database": check_database,
        "redis": check_redis,
        "beat": lambda: check_beat(now=now),
        "reminders": lambda: check_reminders(now=now),
        "webhooks": lambda: check_webhooks(now=now),
    }
    results: dict[str, dict] = {}
    for name, run in checks.items():
        try:
            result = run()
        except Exception as exc:  # a check that cannot run has failed; say which
            log.warning("Readiness check %s failed.", name, exc_info=True)
            result = _failure(exc)
        results[name] = result.as_dict()
    return all(result["ok"] for result in results.values()), results


def worker_answers(*, node: str, timeout: float) -> bool:
    """Whether the Celery worker `node` (e.g. celery@host) answers a ping over the broker."""
    from config.celery import app

    try:
        replies = app.control.ping(destination=[node], timeout=timeout)
    except Exception:
        log.warning("Could not ping the worker %s.", node, exc_info=True)
        return False
    return any(node in reply for reply in replies)
