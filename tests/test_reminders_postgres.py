"""Sweeps racing over the same rows on PostgreSQL, each in its own thread with
its own connection, as two beats (or a beat and a worker's follow-up sweep)
would: every reminder is sent exactly once."""

from __future__ import annotations

import datetime as dt
import os
import threading
from collections import Counter

import pytest
from django.core import mail
from django.db import connection
from django.utils import timezone

from hiring.models import Reminder, ReminderKind, ReminderStatus
from tests.test_reminders import run_sweep

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
    # tests/conftest.py makes CI fail without PostgreSQL, so this skip is local only.
    pytestmark.append(pytest.mark.skip(reason="needs PostgreSQL row locks: set DATABASE_URL=postgres://..."))


def test_three_sweeps_at_once_over_the_same_rows_send_each_reminder_once(world, settings):
    settings.HIRING_REMINDER_BATCH_SIZE = 7  # many small claims, so the sweeps interleave
    world.scheduled_loop(start=timezone.now() + dt.timedelta(days=3))
    invitations = list(Reminder.objects.filter(kind=ReminderKind.INVITATION))
    Reminder.objects.bulk_create(
        [
            Reminder(
                key=f"{r.key}:copy{i}",
                kind=r.kind,
                round_id=r.round_id,
                recipient_user_id=r.recipient_user_id,
                recipient_candidate_id=r.recipient_candidate_id,
                email=r.email,
                time_zone=r.time_zone,
                urgent=r.urgent,
                due_at=r.due_at,
                payload=r.payload,
            )
            for i in range(40)
            for r in invitations
        ]
    )
    due = Reminder.objects.filter(due_at__lte=timezone.now()).count()
    assert due == 12 * 41
    now = timezone.now()
    start = threading.Barrier(3)
    handed: list[int] = []
    errors: list[BaseException] = []

    def beat() -> None:
        try:
            start.wait(timeout=10)
            total = 0
            while count := run_sweep(now):
                total += count
            handed.append(total)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()  # each thread has its own connection; let the test database go

    threads = [threading.Thread(target=beat) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert errors == []
    assert sum(handed) == due
    # They really raced: the work was shared (it takes seconds; they start together).
    assert len([count for count in handed if count]) >= 2
    per_message = Counter(m.extra_headers["Message-ID"] for m in mail.outbox)
    assert len(per_message) == due
    assert set(per_message.values()) == {1}
    assert Reminder.objects.filter(status=ReminderStatus.SENT).count() == due
    assert set(Reminder.objects.filter(status=ReminderStatus.SENT).values_list("attempts", flat=True)) == {1}
