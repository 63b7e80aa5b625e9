"""Sending once: claims, crashes, retries, a broker outage, back-pressure; the
resend service and the admin. Two sweeps racing on PostgreSQL are in
tests/test_reminders_postgres.py; the real worker in tests/test_celery_e2e.py."""

from __future__ import annotations

import datetime as dt
import smtplib
from collections import Counter

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend
from django.urls import reverse
from django.utils import timezone
from kombu.exceptions import OperationalError

from hiring import notifications, reminders, services
from hiring.models import Event, EventKind, Reminder, ReminderKind, ReminderStatus
from hiring.reminders import sending
from hiring.rules import DomainError, NotPermitted
from tests.factories import ANY_HOUR
from tests.test_reminders import LONDON, run_sweep, schedule_one, sent, upcoming

Kind = ReminderKind
Status = ReminderStatus
LEASE = dt.timedelta(seconds=600)

pytestmark = pytest.mark.django_db


@pytest.fixture
def invitations(world):
    """A loop scheduled three days ahead: twelve invitations due now."""
    world.scheduled_loop(start=timezone.now() + dt.timedelta(days=3))
    due = Reminder.objects.filter(kind=Kind.INVITATION, due_at__lte=timezone.now())
    assert due.count() == 12
    return due


class Lost:
    """A dispatch whose tasks never run: the broker took them and they expired, or
    the worker died before starting them."""

    def __init__(self) -> None:
        self.tasks: list[dt.datetime] = []

    def __call__(self, expires: dt.datetime) -> None:
        self.tasks.append(expires)


def message_ids() -> Counter:
    return Counter(m.extra_headers["Message-ID"] for m in mail.outbox)


# --- once, whatever happens -------------------------------------------------------------


def test_a_claim_whose_worker_died_is_taken_again_after_its_lease_and_sent_once(invitations):
    now = timezone.now()
    token, ids = reminders.claim(now=now)  # a worker takes the batch and dies
    assert len(ids) == 12
    assert run_sweep(now + dt.timedelta(minutes=5)) == 0  # still claimed: nobody else sends them
    assert mail.outbox == []

    assert run_sweep(now + LEASE + dt.timedelta(seconds=1)) == 12
    assert len(mail.outbox) == 12
    # The dead worker's batch is handed to send_claimed again late: its claim is gone.
    late = reminders.send_claimed(token=token, ids=ids, now=now + LEASE + dt.timedelta(minutes=1))
    assert (late.sent, late.skipped) == (0, 12)
    assert set(message_ids().values()) == {1}
    # Two claims by workers about to send, two attempts: the dead one may have started.
    assert Reminder.objects.filter(kind=Kind.INVITATION, status=Status.SENT, attempts=2).count() == 12


def test_a_task_delivered_twice_sends_each_reminder_once(invitations):
    now = timezone.now()
    token, ids = reminders.claim(now=now)
    first = reminders.send_claimed(token=token, ids=ids, now=now)
    again = reminders.send_claimed(token=token, ids=ids, now=now + dt.timedelta(seconds=5))
    assert (first.sent, again.sent, again.skipped) == (12, 0, 12)
    assert len(mail.outbox) == 12


class Crash(BaseException):
    """The worker process dies (SIGKILL, OOM): nothing after this line runs."""


def test_a_worker_killed_between_the_smtp_reply_and_marking_sent_resends_with_the_same_message_id(
    invitations, monkeypatch
):
    """The one window that remains (see hiring/reminders/__init__.py): at-least-once for
    the run of accepted messages not yet marked, each copy with the same Message-ID so
    the receiver can drop it."""
    monkeypatch.setattr(sending, "MARK_EVERY", 5)
    now = timezone.now()
    first_five = list(invitations.order_by("due_at", "pk")[:5])
    real_mark_sent = sending._mark_sent

    def dies_once(rows, token, moment):
        monkeypatch.setattr(sending, "_mark_sent", real_mark_sent)
        raise Crash

    monkeypatch.setattr(sending, "_mark_sent", dies_once)
    with pytest.raises(Crash):
        run_sweep(now)
    assert len(mail.outbox) == 5
    assert invitations.filter(status=Status.CLAIMED).count() == 12

    run_sweep(now + LEASE + dt.timedelta(seconds=1))
    counts = message_ids()
    assert [counts[notifications.message_id(r.key)] for r in first_five] == [2] * 5
    assert sum(counts.values()) == 17  # the seven others once each
    assert invitations.filter(status=Status.SENT).count() == 12


def test_a_message_is_not_started_when_its_claim_is_about_to_run_out(invitations):
    now = timezone.now()
    token, ids = reminders.claim(now=now)
    # The batch is started so late that a slow SMTP server could outlast the claim.
    late = reminders.send_claimed(token=token, ids=ids, now=now + LEASE - dt.timedelta(seconds=5))
    assert (late.sent, late.released) == (0, 12)
    assert Reminder.objects.filter(pk__in=ids, status=Status.PENDING, claim_token="", attempts=0).count() == 12
    run_sweep(now + dt.timedelta(minutes=1))
    assert len(mail.outbox) == 12


def test_a_batch_that_runs_out_of_time_releases_the_rest_for_the_next_sweep(invitations):
    now = timezone.now()
    token, ids = reminders.claim(now=now)
    result = reminders.send_claimed(token=token, ids=ids, now=now, budget=1.0)  # less than the SMTP timeout
    assert (result.sent, result.released) == (0, 12)
    assert Reminder.objects.filter(pk__in=ids, status=Status.PENDING).count() == 12


# --- failures ---------------------------------------------------------------------------


class FlakyBackend(LocmemBackend):
    """Refuses one address for good; the server is away for the first `away` messages."""

    refused = "candidate-bounce@example.org"
    away = 0

    def send_messages(self, messages):
        if FlakyBackend.away:
            FlakyBackend.away -= 1
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        for message in messages:
            if message.to == [self.refused]:
                raise smtplib.SMTPRecipientsRefused({self.refused: (550, b"5.1.1 No such user")})
        return super().send_messages(messages)


@pytest.fixture
def flaky(settings):
    settings.EMAIL_BACKEND = f"{__name__}.FlakyBackend"
    FlakyBackend.away = 0
    yield FlakyBackend
    FlakyBackend.away = 0


def test_a_server_that_is_away_is_tried_again_later_and_the_message_goes_once(invitations, flaky):
    now = timezone.now()
    flaky.away = 1
    run_sweep(now)
    [retrying] = Reminder.objects.filter(status=Status.PENDING, kind=Kind.INVITATION)
    assert retrying.due_at == now + dt.timedelta(minutes=1)
    assert "SMTPServerDisconnected" in retrying.last_error
    assert len(mail.outbox) == 11

    run_sweep(now + dt.timedelta(minutes=1))
    retrying.refresh_from_db()
    assert (retrying.status, retrying.last_error) == (Status.SENT, "")
    assert len(mail.outbox) == 12


def test_a_refused_address_fails_at_once_and_says_why(world, flaky):
    from tests.factories import CandidateFactory

    candidate = CandidateFactory(email=flaky.refused)
    round_ = schedule_one(
        world, interviewer=world.manager.interviewer, start=upcoming(LONDON, 3, 11), candidate=candidate
    )
    run_sweep(timezone.now())
    failed = Reminder.objects.get(round=round_, kind=Kind.INVITATION, email=flaky.refused)
    assert failed.status == Status.FAILED
    assert "550" in failed.last_error and "No such user" in failed.last_error
    assert len(sent(Kind.INVITATION, "hank@example.com")) == 1


def test_a_reminder_that_keeps_failing_gives_up_after_the_set_number_of_attempts(invitations, flaky, settings):
    settings.HIRING_REMINDER_MAX_ATTEMPTS = 3
    flaky.away = 10**6
    now = timezone.now()
    for minute in range(0, 30):
        run_sweep(now + dt.timedelta(minutes=minute))
    assert Reminder.objects.filter(kind=Kind.INVITATION, status=Status.FAILED, attempts=3).count() == 12
    assert mail.outbox == []


def test_when_the_broker_is_down_the_sweep_hands_back_its_claim_and_nothing_is_lost(invitations):
    now = timezone.now()

    def broker_down(expires):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    assert reminders.sweep(now=now, dispatch=broker_down) == 0
    assert invitations.filter(status=Status.PENDING, attempts=0, claim_token="").count() == 12
    assert run_sweep(now + dt.timedelta(minutes=1)) == 12
    assert len(mail.outbox) == 12


def test_the_sweep_queues_tasks_for_no_more_than_the_in_flight_limit_and_claims_nothing_itself(invitations, settings):
    settings.HIRING_REMINDER_MAX_IN_FLIGHT = 5
    settings.HIRING_REMINDER_BATCH_SIZE = 2
    now = timezone.now()
    lost = Lost()
    assert reminders.sweep(now=now, dispatch=lost) == 5
    assert lost.tasks == [now + dt.timedelta(seconds=settings.HIRING_REMINDER_SWEEP_SECONDS)] * 3
    # Tasks that expire in the queue held no rows and cost no attempt.
    assert invitations.filter(status=Status.PENDING, attempts=0).count() == 12
    # Each of the three tasks claims a whole batch when it runs.
    assert run_sweep(now + dt.timedelta(minutes=1)) == 6
    assert run_sweep(now + dt.timedelta(minutes=2)) == 6
    assert run_sweep(now + dt.timedelta(minutes=3)) == 0
    assert len(mail.outbox) == 12
    assert set(invitations.values_list("attempts", flat=True)) == {1}


def test_a_claimed_reminder_whose_round_moved_meanwhile_is_withdrawn_not_sent(world):
    start = upcoming(LONDON, 3, 11)
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=start)
    now = timezone.now()
    token, ids = reminders.claim(now=now)  # both invitations claimed, on their way
    services.reschedule_round(round=round_, starts_at=start + dt.timedelta(hours=2), by=world.recruiter, **ANY_HOUR)
    result = reminders.send_claimed(token=token, ids=ids, now=now)
    assert (result.sent, result.withdrawn) == (0, 2)
    assert "moved" in Reminder.objects.get(pk=ids[0]).last_error
    run_sweep(timezone.now())
    # The new schedule's notices go out instead. The invitations were in flight when
    # the round moved and may have arrived, so these are updates (with the full time).
    assert sorted(m.extra_headers["X-Hiring-Reminder"] for m in mail.outbox) == [Kind.UPDATE, Kind.UPDATE]
    assert all("13:00 your time" in m.body or "21:00 your time" in m.body for m in mail.outbox)


# --- resend ---------------------------------------------------------------------------------


def test_resending_a_sent_reminder_sends_a_copy_now_with_its_own_message_id_and_puts_it_on_record(world):
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=upcoming(LONDON, 3, 11))
    candidate = round_.loop.candidate
    run_sweep(timezone.now())
    original = Reminder.objects.get(round=round_, kind=Kind.INVITATION, email=candidate.email)
    services.update_candidate(candidate=candidate, email="new-address@example.org", by=world.recruiter)

    copy = services.resend_reminder(reminder=original, by=world.recruiter, reason="Candidate lost it.")
    assert (copy.status, copy.email, copy.kind) == (Status.PENDING, "new-address@example.org", Kind.INVITATION)
    event = Event.objects.get(kind=EventKind.REMINDER_RESENT)
    assert (event.actor, event.round_id, event.candidate_id) == (world.recruiter, round_.pk, candidate.pk)
    assert event.data["reminder_id"] == original.pk and event.reason == "Candidate lost it."

    run_sweep(timezone.now())
    [again] = sent(Kind.INVITATION, "new-address@example.org")
    [before] = [m for m in mail.outbox if m.to == [candidate.email]]
    assert again.extra_headers["Message-ID"] != before.extra_headers["Message-ID"]
    assert again.body == before.body
    second = services.resend_reminder(reminder=original, by=world.recruiter)
    assert second.key.endswith(":resend2")


def test_only_a_sent_or_failed_reminder_that_is_still_true_can_be_resent(world):
    start = upcoming(LONDON, 3, 11)
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=start)
    pending = Reminder.objects.get(round=round_, kind=Kind.BEFORE_24H, email="hank@example.com")
    with pytest.raises(DomainError, match="pending"):
        services.resend_reminder(reminder=pending, by=world.recruiter)

    run_sweep(timezone.now())
    invitation = Reminder.objects.get(round=round_, kind=Kind.INVITATION, email="hank@example.com")
    services.reschedule_round(round=round_, starts_at=start + dt.timedelta(hours=1), by=world.recruiter, **ANY_HOUR)
    with pytest.raises(DomainError, match="out of date"):
        services.resend_reminder(reminder=invitation, by=world.recruiter)
    assert not Event.objects.filter(kind=EventKind.REMINDER_RESENT).exists()


def test_an_interviewer_cannot_resend_reminders(world):
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=upcoming(LONDON, 3, 11))
    run_sweep(timezone.now())
    reminder = Reminder.objects.get(round=round_, kind=Kind.INVITATION, email="hank@example.com")
    with pytest.raises(NotPermitted):
        services.resend_reminder(reminder=reminder, by=world.interviewers[0].user)


# --- admin ----------------------------------------------------------------------------------


def _changelist_queries(client) -> tuple[int, str]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = client.get(reverse("admin:hiring_reminder_changelist"))
    assert response.status_code == 200
    return len(queries), response.content.decode()


def test_the_reminder_list_shows_each_state_in_a_number_of_queries_that_does_not_grow(world, client, flaky):
    client.force_login(world.recruiter)
    world.scheduled_loop(start=timezone.now() + dt.timedelta(days=3))
    run_sweep(timezone.now())
    few, _ = _changelist_queries(client)

    from tests.factories import CandidateFactory

    world.scheduled_loop(candidate=CandidateFactory(email=flaky.refused), start=timezone.now() + dt.timedelta(days=5))
    run_sweep(timezone.now())
    many, html = _changelist_queries(client)
    assert Reminder.objects.count() > 70
    assert many == few
    assert "failed: SMTPRecipientsRefused" in html
    assert "sent 20" in html  # "sent 2026-11-21 10:00 EST", in the viewer's zone
    assert "Pending" in html


def test_a_recruiter_resends_reminders_from_the_admin(world, client):
    client.force_login(world.recruiter)
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=upcoming(LONDON, 3, 11))
    run_sweep(timezone.now())
    chosen = Reminder.objects.filter(round=round_, kind=Kind.INVITATION)
    pending = Reminder.objects.get(round=round_, kind=Kind.BEFORE_1H)
    response = client.post(
        reverse("admin:hiring_reminder_changelist"),
        {"action": "resend", "_selected_action": [*chosen.values_list("pk", flat=True), pending.pk]},
        follow=True,
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "2 reminders will be sent again" in text
    assert "only a sent or failed one can be sent again" in text
    assert Reminder.objects.filter(key__contains=":resend1").count() == 2
    assert Event.objects.filter(kind=EventKind.REMINDER_RESENT, actor=world.recruiter).count() == 2


def test_reminders_cannot_be_edited_added_or_deleted_in_the_admin(world, client):
    superuser = User.objects.create_superuser("root", "root@example.com", "x")
    client.force_login(superuser)
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=upcoming(LONDON, 3, 11))
    reminder = Reminder.objects.filter(round=round_).first()
    page = client.get(reverse("admin:hiring_reminder_change", args=[reminder.pk])).content.decode()
    assert 'name="due_at"' not in page
    assert client.get(reverse("admin:hiring_reminder_add")).status_code == 403
    assert client.get(reverse("admin:hiring_reminder_delete", args=[reminder.pk])).status_code == 403


class WatchingBackend(LocmemBackend):
    """Records, as each message goes, how many earlier ones are already marked sent."""

    marked_before: list[int] = []

    def send_messages(self, messages):
        WatchingBackend.marked_before.append(Reminder.objects.filter(status=Status.SENT).count())
        return super().send_messages(messages)


def test_a_run_of_sent_messages_waits_no_longer_than_mark_seconds_to_be_marked(invitations, settings, monkeypatch):
    """A slow server must not keep accepted messages unmarked (the re-send window)."""
    settings.EMAIL_BACKEND = f"{__name__}.WatchingBackend"
    WatchingBackend.marked_before = []
    monkeypatch.setattr(sending, "MARK_SECONDS", 0.0)  # as if every message took longer than that
    run_sweep(timezone.now())
    assert WatchingBackend.marked_before == list(range(12))
