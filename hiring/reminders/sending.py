"""Sending what is due: the sweep queues send tasks; each task claims a batch when
it starts, sends each message and marks the accepted ones sent in short runs.
Why this sends a row once, and the one window that remains, is in
hiring/reminders/__init__.py."""

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
from django.core.mail.backends.smtp import EmailBackend as SMTPBackend
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

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
# Accepted messages are marked sent in one UPDATE per this many (or per this many
# seconds, whichever comes first): one commit per row cost more than the SMTP
# exchange, and a crash re-sends at most this run, each copy with its Message-ID.
MARK_EVERY = 50
MARK_SECONDS = 1.0


# --- sending ---------------------------------------------------------------------------


def stale_reason(reminder: Reminder) -> str:
    """Why a row should no longer be sent, or '' if it should. Read at send time,
    so a row claimed just before its round moved or closed is not sent."""
    round_ = reminder.round
    if round_ is None or reminder.kind in (Kind.CANCELLATION, Kind.VETO_NOTICE):
        return ""
    if round_.sequence != reminder.payload.get("sequence"):
        return _("The round was moved or cancelled after this was written.")
    if not round_.loop.is_open:
        return _("The loop is %(status)s.") % {"status": round_.loop.get_status_display().lower()}
    if reminder.kind in FEEDBACK_KINDS:
        if round_.status not in FEEDBACK_ROUND_STATUSES:
            return _("The round is %(status)s; no feedback is owed.") % {"status": round_.get_status_display().lower()}
    elif round_.status != RoundStatus.SCHEDULED:
        return _("The round is %(status)s.") % {"status": round_.get_status_display().lower()}
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
    # Rows this task claimed (send_due), and the claim: what the worker's metrics
    # read back to count this batch's outcomes by kind (hiring/observability).
    claimed: int = 0
    token: str = ""
    ids: list[int] = dataclasses.field(default_factory=list)


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


def _mark_sent(rows: list[Reminder], token: str, moment: dt.datetime) -> None:
    """Mark a run of accepted messages sent in one UPDATE (plus the next nudge's
    INSERT, in the same transaction, for the feedback kinds). A crash before this
    commits means a second copy of these messages, each with its own row's
    Message-ID, so the batch is kept short (MARK_EVERY messages, MARK_SECONDS)."""
    if not rows:
        return
    fields = {"status": Status.SENT, "sent_at": moment, "claimed_until": None, "last_error": ""}
    mine = Reminder.objects.filter(pk__in=[r.pk for r in rows], claim_token=token, status=Status.CLAIMED)
    chasers = [r for r in rows if r.kind in (Kind.FEEDBACK_DUE, Kind.FEEDBACK_OVERDUE)]
    if chasers:
        with transaction.atomic():
            done = mine.update(**fields)
            for reminder in chasers:
                _plan_next_nudge(reminder, now=moment)
    else:
        done = mine.update(**fields)
    if done < len(rows):
        log.error("%s reminders were sent but their claim had been taken over; may be sent again.", len(rows) - done)


class _Marks:
    """The rows the SMTP server accepted and that are not yet marked sent."""

    def __init__(self, token: str, clock: Callable[[], dt.datetime]) -> None:
        self.token = token
        self.clock = clock
        self.rows: list[Reminder] = []
        self.since = time.monotonic()

    def add(self, reminder: Reminder) -> None:
        if not self.rows:
            self.since = time.monotonic()
        self.rows.append(reminder)
        if len(self.rows) >= MARK_EVERY:
            self.flush()

    def flush_if_due(self) -> None:
        """Before the next message: a run waiting MARK_SECONDS is marked now, so a
        slow server (one message can take EMAIL_TIMEOUT) does not keep it unmarked."""
        if self.rows and time.monotonic() - self.since >= MARK_SECONDS:
            self.flush()

    def flush(self) -> None:
        rows, self.rows = self.rows, []
        _mark_sent(rows, self.token, self.clock())


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


def claim(*, now: dt.datetime, limit: int | None = None) -> tuple[str, list[int]]:
    """Claim up to a batch of due rows for the caller to send now. The attempt is
    charged here, by the worker about to send, never by a sweep whose task may
    wait in a queue and expire unrun."""
    return outbox.claim_pending(
        Reminder,
        now=now,
        due_field="due_at",
        limit=limit or settings.HIRING_REMINDER_BATCH_SIZE,
        lease=dt.timedelta(seconds=settings.HIRING_REMINDER_LEASE_SECONDS),
    )


def send_due(*, now: dt.datetime | None = None, budget: float | None = None, limit: int | None = None) -> SendResult:
    """What one worker task does: claim a batch of due rows and send it."""
    token, ids = claim(now=now or timezone.now(), limit=limit)
    result = send_claimed(token=token, ids=ids, now=now, budget=budget) if ids else SendResult()
    result.claimed, result.token, result.ids = len(ids), token, list(ids)
    return result


def send_claimed(
    *, token: str, ids: list[int], now: dt.datetime | None = None, budget: float | None = None
) -> SendResult:
    """Send the rows this claim holds; accepted ones are marked sent in short runs.

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
    marks = _Marks(token, clock)
    index = 0
    try:
        for index, reminder in enumerate(rows):
            moment = clock()
            out_of_time = budget is not None and time.monotonic() - started > budget - guard.total_seconds()
            if reminder.claimed_until - moment < guard or out_of_time:
                marks.flush()
                result.released += _release([r.pk for r in rows[index:]], token)
                index = len(rows)
                break
            marks.flush_if_due()
            _send_one(reminder, token, connection=connection, moment=moment, result=result, marks=marks)
        else:
            index = len(rows)
        marks.flush()
    except SoftTimeLimitExceeded:
        # What the server accepted is marked first; the row in hand may or may not
        # have reached it: it goes back with the rest, to be sent again with the
        # same Message-ID.
        marks.flush()
        result.released += _release([r.pk for r in rows[index:]], token)
        log.warning("Reminder batch cut short by the time limit; %s rows released.", len(rows) - index)
    finally:
        try:
            connection.close()
        except Exception:  # a dead connection need not be closed politely
            log.debug("Closing the email connection failed.", exc_info=True)
    return result


def _send_one(
    reminder: Reminder, token: str, *, connection, moment: dt.datetime, result: SendResult, marks: _Marks
) -> None:
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
        # SMTP gets the message written straight to bytes (the lean path); other
        # backends, and addresses that need internationalising, get an EmailMessage.
        raw = notifications.build_bytes(reminder) if isinstance(connection, SMTPBackend) else None
        message = notifications.build_message(reminder, connection=connection) if raw is None else None
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
        if raw is not None:
            connection.connection.sendmail(*raw)
        else:
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
    marks.add(reminder)
    result.sent += 1


# --- the sweep ------------------------------------------------------------------------------


def _queue_sender(expires: dt.datetime) -> None:
    from hiring.tasks import send_due_reminders

    send_due_reminders.apply_async(expires=expires)


def sweep(*, now: dt.datetime | None = None, dispatch: Callable[[dt.datetime], None] | None = None) -> int:
    """Recover claims whose worker died, then queue one send task per batch of due
    rows (up to HIRING_REMINDER_MAX_IN_FLIGHT rows' worth); return how many rows
    the queued tasks are for.

    The sweep claims nothing itself: each task claims its batch when it starts,
    so the rows in flight are only those workers are sending right now, however
    long the queue, and a task that waits too long expires holding no rows
    (fault 1 of issue 8: claims taken by the sweep expired in the queue and were
    charged an attempt each time). A task whose batch was full queues the next
    (hiring/tasks.py), so a backlog drains as fast as the workers send, not one
    beat at a time. Safe to run concurrently; if the broker is down nothing is
    queued and nothing is lost.
    """
    now = now or timezone.now()
    dispatch = dispatch or _queue_sender
    recovered = outbox.recover_expired(Reminder, now=now)
    if recovered:
        log.warning("%s reminders whose worker stopped mid-batch were handed back.", recovered)
    batch = settings.HIRING_REMINDER_BATCH_SIZE
    # Counted up to a cap, over the partial index of pending rows: the same cost at any backlog.
    due = Reminder.objects.filter(status=Status.PENDING, due_at__lte=now)[: settings.HIRING_REMINDER_MAX_IN_FLIGHT]
    count = due.count()
    expires = now + dt.timedelta(seconds=settings.HIRING_REMINDER_SWEEP_SECONDS)
    queued = 0
    for _batch in range(-(-count // batch)):
        try:
            dispatch(expires)
        except Exception:
            log.exception("Could not queue reminder tasks (is the broker down?); the next sweep tries again.")
            break
        queued += 1
    return min(count, queued * batch)
