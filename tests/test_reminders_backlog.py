"""Issue 8, fault 1: a backlog behind a slow SMTP relay. More reminders are due
than the workers can send within a lease; none may be dropped, and an attempt
counts only when a send was tried.

The relay is a real SMTP server on localhost that takes 20 ms a message. The
broker is a queue in this process with Celery's expiry rule (a task still
queued after its `expires` is dropped unrun), worked by one worker that runs
the real tasks of hiring/tasks.py in order, while beat queues a sweep every
second. The lease is three seconds, so the backlog outlasts several leases.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import re
import time
from collections import Counter, deque

import pytest
from aiosmtpd.controller import Controller
from celery.app.task import Task
from django.utils import timezone

from hiring import tasks
from hiring.models import Reminder, ReminderKind, ReminderStatus
from hiring.reminders import sending
from tests.test_celery_e2e import free_port

pytestmark = pytest.mark.django_db

DUE = 200
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.MULTILINE | re.IGNORECASE)


class SlowRelay:
    """An SMTP server that needs 20 ms to accept each message (a throttled relay)."""

    def __init__(self) -> None:
        self.ids: Counter[bytes] = Counter()

    async def handle_DATA(self, server, session, envelope):
        await asyncio.sleep(0.02)
        found = MESSAGE_ID.search(envelope.content)
        self.ids[found.group(1) if found else b"?"] += 1
        return "250 OK"


class Broker:
    """A FIFO of task calls with Celery's expiry rule, worked by one worker."""

    def __init__(self) -> None:
        self.queue: deque = deque()
        self.expired = 0

    def publish(self, task, args=None, kwargs=None, expires=None, **_options) -> None:
        if isinstance(expires, int | float):
            expires = timezone.now() + dt.timedelta(seconds=expires)
        self.queue.append((task, tuple(args or ()), dict(kwargs or {}), expires))

    def work_one(self) -> None:
        task, args, kwargs, expires = self.queue.popleft()
        if expires is not None and timezone.now() > expires:
            self.expired += 1  # what a Celery worker does with an expired task: drop it
            return
        task(*args, **kwargs)


@pytest.fixture
def relay():
    sink = SlowRelay()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield sink, controller.port
    controller.stop()


def seed(count: int) -> None:
    now = timezone.now()
    Reminder.objects.bulk_create(
        Reminder(
            key=f"backlog:{i}",
            kind=ReminderKind.INVITATION,
            email=f"person{i}@example.com",
            time_zone="Europe/London",
            urgent=True,
            due_at=now - dt.timedelta(seconds=count - i),
            payload={
                "audience": "interviewer",
                "language": "en",
                "name": f"Interviewer {i}",
                "round_id": i,
                "loop_id": i,
                "sequence": 0,
                "round": "Technical",
                "position": "Backend Engineer",
                "candidate": f"Candidate {i}",
                "starts_at": (now + dt.timedelta(days=2)).isoformat(),
                "duration_minutes": 60,
                "other_zone": "Asia/Tokyo",
            },
        )
        for i in range(count)
    )


def test_a_backlog_behind_a_slow_relay_is_sent_in_full_and_only_tried_sends_count_as_attempts(
    relay, settings, monkeypatch
):
    sink, port = relay
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", port, 1
    settings.HIRING_REMINDER_LEASE_SECONDS = 3
    settings.CELERY_TASK_SOFT_TIME_LIMIT = 2
    settings.HIRING_REMINDER_SWEEP_SECONDS = 1
    settings.HIRING_REMINDER_BATCH_SIZE = 10
    settings.HIRING_REMINDER_MAX_ATTEMPTS = 2
    # Scaled down with the lease: a message starts only with 1.2 s of claim left.
    monkeypatch.setattr(sending, "SEND_MARGIN", dt.timedelta(seconds=0.2))
    broker = Broker()
    monkeypatch.setattr(Task, "apply_async", lambda task, *args, **options: broker.publish(task, *args, **options))
    seed(DUE)
    # 200 messages at 20 ms take at least 4 s: more than a lease's worth.
    rows = Reminder.objects.filter(key__startswith="backlog:")

    deadline = time.monotonic() + 60
    next_beat = 0.0
    while rows.filter(status__in=[ReminderStatus.PENDING, ReminderStatus.CLAIMED]).exists():
        assert time.monotonic() < deadline, f"not drained: {dict(Counter(rows.values_list('status', flat=True)))}"
        if time.monotonic() >= next_beat:
            tasks.sweep_reminders.apply_async(expires=float(settings.HIRING_REMINDER_SWEEP_SECONDS))
            next_beat = time.monotonic() + settings.HIRING_REMINDER_SWEEP_SECONDS
        if broker.queue:
            broker.work_one()
        else:
            time.sleep(0.01)

    statuses = Counter(rows.values_list("status", flat=True))
    assert statuses == {ReminderStatus.SENT: DUE}, [
        (r.attempts, r.last_error) for r in rows.exclude(status=ReminderStatus.SENT)[:3]
    ]
    assert len(sink.ids) == DUE and set(sink.ids.values()) == {1}
    # Every row was claimed once, by the worker that sent it.
    assert set(rows.values_list("attempts", flat=True)) == {1}
