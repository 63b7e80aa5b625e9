"""Sending what is due: the sweep claims rows and hands them to workers; a
worker sends each message and marks its row sent at once. Why this sends a
row once, and the one window that remains, is in hiring/reminders/__init__.py."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import smtplib
import time
from collections.abc import Callable
from zoneinfo import ZoneInfo

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from hiring import notifications, outbox
from hiring.models import FEEDBACK_ROUND_STATUSES, Interviewer, Reminder, ReminderKind, ReminderStatus, RoundStatus
from hiring.reminders.hours import interviewer_hours, next_nudge_due

log = logging.getLogger(__name__)

Kind = ReminderKind
Status = ReminderStatus
FEEDBACK_KINDS = [Kind.FEEDBACK_DUE, Kind.FEEDBACK_OVERDUE, Kind.ESCALATION]

# A message is started only if its claim has this much left after the SMTP
# timeout, so the claim cannot run out while the message is on the wire.
SEND_MARGIN = dt.timedelta(seconds=10)
# How many batches one claim query takes: fewer, larger claims keep the sweep
# cheap when many rows fall due at once.
CLAIM_BATCHES = 10


# --- sending ---------------------------------------------------------------------------


def stale_reason(reminder: Reminder) -> str:
    """Why a row should no longer be sent, or '' if it should. Read at send time,
    so a row claimed just before its round moved or closed is not sent."""
    round_ = reminder.round
    if round_ is None or reminder.kind in (Kind.CANCELLATION, Kind.VETO_NOTICE):
        return ""
    if round_.sequence != reminder.payload.get("sequence"):
        return "The round was moved or cancelled after this was written."
    if not round_.loop.is_open:
        return f"The loop is {round_.loop.get_status_display().lower()}."
    if reminder.kind in FEEDBACK_KINDS:
        if round_.status not in FEEDBACK_ROUND_STATUSES:
            return f"The round is {round_.get_status_display().lower()}; no feedback is owed."
    elif round_.status != RoundStatus.SCHEDULED:
        return f"The round is {round_.get_status_display().lower()}."
    return ""


@dataclasses.dataclass
class SendResult:
    sent: int = 0
    failed: int = 0
    retried: int = 0
    withdrawn: int = 0
    released: int = 0
    # Ids not (or no longer) claimed with this token: someone else has them.
    skipped: int = 0


def _is_permanent(exc: Exception) -> bool:
    """A 5xx about this message (bad address, rejected content) will not get better by retrying."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    if isinstance(exc, smtplib.SMTPSenderRefused | smtplib.SMTPDataError):
        return exc.smtp_code >= 500
    return False


def _mine(reminder: Reminder, token: str):
    return Reminder.objects.filter(pk=reminder.pk, claim_token=token, status=Status.CLAIMED)


def _finish(reminder: Reminder, token: str, *, status: str, error: str = "", moment: dt.datetime) -> int:
    with transaction.atomic():
        done = _mine(reminder, token).update(status=status, claimed_until=None, last_error=error[:2000])
        if done and status == Status.FAILED:
            # The chain of daily nudges goes on: the address may be fixed by tomorrow.
            _plan_next_nudge(reminder, now=moment)
    return done


def _mark_sent(reminder: Reminder, token: str, moment: dt.datetime) -> None:
    """One UPDATE, committed at once: this is the window in which a crash means a
    second copy, so it is kept to a single round trip (plus the next nudge's
    INSERT, in the same transaction, for the feedback kinds)."""
    sent = _mine(reminder, token)
    fields = {"status": Status.SENT, "sent_at": moment, "claimed_until": None, "last_error": ""}
    if reminder.kind in (Kind.FEEDBACK_DUE, Kind.FEEDBACK_OVERDUE):
        with transaction.atomic():
            done = sent.update(**fields)
            if done:
                _plan_next_nudge(reminder, now=moment)
    else:
        done = sent.update(**fields)
    if not done:
        log.error("Reminder %s was sent but its claim had been taken over; it may be sent again.", reminder.pk)


def _retry_later(reminder: Reminder, token: str, *, error: str, moment: dt.datetime) -> None:
    backoff = dt.timedelta(minutes=min(2 ** max(reminder.attempts - 1, 0), 60))
    _mine(reminder, token).update(
        status=Status.PENDING, due_at=moment + backoff, claimed_until=None, claim_token="", last_error=error[:2000]
    )


def _release(ids: list[int], token: str) -> int:
    """Hand claimed rows back without sending them; the next sweep takes them at once.
    A release is not an attempt, so it does not count toward the limit."""
    if not ids:
        return 0
    return Reminder.objects.filter(pk__in=ids, claim_token=token, status=Status.CLAIMED).update(
        status=Status.PENDING, claimed_until=None, claim_token="", attempts=F("attempts") - 1
    )


def _plan_next_nudge(reminder: Reminder, *, now: dt.datetime) -> None:
    """After feedback due or a nudge, write the next day's nudge: one row per round
    and local date, written with the previous one's outcome, so the daily chase
    costs nothing until it is due and cannot be written twice."""
    if reminder.kind not in (Kind.FEEDBACK_DUE, Kind.FEEDBACK_OVERDUE) or "resend_of" in reminder.payload:
        return
    round_ = reminder.round
    if round_ is None or stale_reason(reminder):
        return
    profile = Interviewer.objects.filter(user_id=reminder.recipient_user_id).first()
    due = next_nudge_due(reminder.due_at, zone=reminder.time_zone, hours=interviewer_hours(profile), now=now)
    local_day = due.astimezone(ZoneInfo(reminder.time_zone)).date()
    Reminder.objects.bulk_create(
        [
            Reminder(
                key=f"r{round_.pk}:s{round_.sequence}:{Kind.FEEDBACK_OVERDUE}:u{reminder.recipient_user_id}:{local_day}",
                kind=Kind.FEEDBACK_OVERDUE,
                round=round_,
                recipient_user_id=reminder.recipient_user_id,
                email=reminder.email,
                time_zone=reminder.time_zone,
                urgent=False,
                due_at=due,
                payload={**reminder.payload, "nudge_day": local_day.isoformat()},
            )
        ],
        ignore_conflicts=True,
    )


def send_claimed(
    *, token: str, ids: list[int], now: dt.datetime | None = None, budget: float | None = None
) -> SendResult:
    """Send the rows this claim holds, each marked sent right after the SMTP server accepts it.

    `budget` is how many seconds the caller may run (the task's soft time limit);
    rows left when it runs low are released for the next sweep rather than cut off
    mid-message. `now` fixes the clock (tests).
    """
    started = time.monotonic()
    clock: Callable[[], dt.datetime] = (lambda: now) if now is not None else timezone.now
    rows = list(
        Reminder.objects.filter(pk__in=ids, claim_token=token, status=Status.CLAIMED)
        .select_related("round__loop")
        .order_by("due_at", "pk")
    )
    result = SendResult(skipped=len(set(ids)) - len(rows))
    guard = dt.timedelta(seconds=settings.EMAIL_TIMEOUT) + SEND_MARGIN
    connection = get_connection()
    index = 0
    try:
        for index, reminder in enumerate(rows):
            moment = clock()
            out_of_time = budget is not None and time.monotonic() - started > budget - guard.total_seconds()
            if reminder.claimed_until - moment < guard or out_of_time:
                result.released += _release([r.pk for r in rows[index:]], token)
                index = len(rows)
                break
            _send_one(reminder, token, connection=connection, moment=moment, result=result)
        else:
            index = len(rows)
    except SoftTimeLimitExceeded:
        # The row in hand may or may not have reached the server: it goes back
        # with the rest and is sent again (with the same Message-ID).
        result.released += _release([r.pk for r in rows[index:]], token)
        log.warning("Reminder batch cut short by the time limit; %s rows released.", len(rows) - index)
    finally:
        try:
            connection.close()
        except Exception:  # a dead connection need not be closed politely
            log.debug("Closing the email connection failed.", exc_info=True)
    return result


def _send_one(reminder: Reminder, token: str, *, connection, moment: dt.datetime, result: SendResult) -> None:
    if reminder.attempts > settings.HIRING_REMINDER_MAX_ATTEMPTS:
        result.failed += _finish(
            reminder,
            token,
            status=Status.FAILED,
            moment=moment,
            error=f"Gave up after {reminder.attempts - 1} attempts; the last one did not finish.",
        )
        return
    stale = stale_reason(reminder)
    if stale:
        result.withdrawn += _finish(reminder, token, status=Status.WITHDRAWN, error=stale, moment=moment)
        return
    try:
        message = notifications.build_message(reminder, connection=connection)
    except SoftTimeLimitExceeded:
        raise
    except Exception as exc:
        log.exception("Reminder %s could not be rendered.", reminder.pk)
        result.failed += _finish(
            reminder, token, status=Status.FAILED, error=f"Could not render: {exc!r}", moment=moment
        )
        return
    try:
        # Opened here, not by send_messages (which would close it again after each
        # message): one SMTP session serves the whole batch, and is reopened after an error.
        connection.open()
        connection.send_messages([message])
    except SoftTimeLimitExceeded:
        raise
    except Exception as exc:
        error = f"{type(exc).__name__}: {exc}"
        try:
            connection.close()
        except Exception:
            log.debug("Closing the email connection after an error failed.", exc_info=True)
        if _is_permanent(exc) or reminder.attempts >= settings.HIRING_REMINDER_MAX_ATTEMPTS:
            log.warning("Reminder %s failed: %s", reminder.pk, error)
            result.failed += _finish(reminder, token, status=Status.FAILED, error=error, moment=moment)
        else:
            log.info("Reminder %s will be retried: %s", reminder.pk, error)
            _retry_later(reminder, token, error=error, moment=moment)
            result.retried += 1
        return
    _mark_sent(reminder, token, moment)
    result.sent += 1


# --- the sweep ------------------------------------------------------------------------------


def _dispatch_to_workers(token: str, ids: list[int], claimed_until: dt.datetime) -> None:
    from hiring.tasks import send_reminders

    guard = dt.timedelta(seconds=settings.EMAIL_TIMEOUT) + SEND_MARGIN
    # A task still queued when its claim is nearly over could not send anything:
    # the worker drops it, and the next sweep claims the rows again.
    send_reminders.apply_async(args=(token, ids), expires=claimed_until - guard)


def sweep(
    *,
    now: dt.datetime | None = None,
    dispatch: Callable[[str, list[int], dt.datetime], None] | None = None,
) -> int:
    """Claim due rows and hand them to workers in batches; return how many were handed over.

    Safe to run concurrently (two beats, a beat and a worker's follow-up sweep):
    claims are disjoint. If the broker is down, the rows just claimed are
    released, nothing is lost, and the next sweep tries again.
    """
    now = now or timezone.now()
    dispatch = dispatch or _dispatch_to_workers
    lease = dt.timedelta(seconds=settings.HIRING_REMINDER_LEASE_SECONDS)
    batch = settings.HIRING_REMINDER_BATCH_SIZE
    in_flight = Reminder.objects.filter(status=Status.CLAIMED, claimed_until__gt=now).count()
    room = settings.HIRING_REMINDER_MAX_IN_FLIGHT - in_flight
    handed = 0
    while room > 0:
        limit = min(room, batch * CLAIM_BATCHES)
        token, ids = outbox.claim_due(Reminder, now=now, due_field="due_at", limit=limit, lease=lease)
        for start in range(0, len(ids), batch):
            try:
                dispatch(token, ids[start : start + batch], now + lease)
            except Exception:
                log.exception("Could not hand reminders to the workers (is the broker down?); released them.")
                _release(ids[start:], token)
                return handed
            handed += len(ids[start : start + batch])
        room -= len(ids)
        if len(ids) < limit:
            break
    return handed
