"""What is due, when, for whom, in which zone; and the sweep that sends it.

Every reminder is a Reminder row. services.py calls the on_* hooks inside its
transaction, so a row commits or rolls back with the change that caused it:
a broker outage can delay a reminder, never lose it.

Time-zone policy (DESIGN.md rules 7 and 8)
------------------------------------------
* Instants are UTC; hours are checked in the recipient's IANA zone. A
  daylight-saving change moves a UTC instant, never the local hour, and every
  row has exactly one due instant, so nothing is sent twice or skipped when the
  clocks change.
* Interviewers and recruiters have working hours (work_start to work_end on
  work_days). Candidates have none: they get the waking window
  settings.HIRING_CANDIDATE_HOURS, every day of the week.
* Urgent, sent at once whatever the hour: the hour-before reminder, and the
  notices that follow someone's action and change a calendar (invitation,
  update, cancellation, veto notice). Held overnight, a cancellation could
  arrive after the interview it cancels.
* Non-urgent, moved forward to the start of the recipient's next working
  window (weekends skipped): feedback due, the daily overdue nudges, the
  escalation to the recruiter.
* The day-before reminder is anchored to the interview and moving it later
  would defeat it, so outside the recipient's hours it moves earlier, to the
  end of their last window before it (Friday 17:30 for a Monday interview).
  If that moment has already passed, it stays at its nominal time.

Sending
-------
sweep() runs from Celery beat every minute. It claims due rows with
outbox.claim_due (a lease: SELECT ... FOR UPDATE SKIP LOCKED on PostgreSQL)
and hands their ids to send_claimed() in worker tasks, batch by batch. At most
HIRING_REMINDER_MAX_IN_FLIGHT rows are claimed and unsent at once, so a slow
SMTP server or a stopped worker cannot make the queue grow without bound.
send_claimed() sends each message, then marks that one row sent at once, on
condition that the claim is still its own. A row is sent by at most one
claim holder, and a claim never outlives its task: the lease is longer than a
task may run, and a message is started only when the lease has room for the
SMTP timeout. So two sweeps, a duplicated beat, a redelivered or retried task,
never send a row twice.

What remains: if the worker dies after the SMTP server accepted a message and
before the row is marked sent (one UPDATE, a millisecond), or the connection
drops after the message data went out but before the server's reply, the row
is sent again when its claim is taken again. Both copies carry the same
Message-ID, derived from the row's key, so receivers that de-duplicate by
Message-ID show it once. Exactly-once delivery over SMTP is not possible;
this is at-least-once, with a window that small and a stable Message-ID.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import smtplib
import time
from collections.abc import Callable, Iterable
from zoneinfo import ZoneInfo

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from hiring import notifications, outbox
from hiring.models import (
    FEEDBACK_ROUND_STATUSES,
    Candidate,
    Interviewer,
    Loop,
    Reminder,
    ReminderKind,
    ReminderStatus,
    Round,
    RoundStatus,
    Scorecard,
)
from hiring.rules import DomainError

log = logging.getLogger(__name__)

UTC = dt.UTC
Kind = ReminderKind
Status = ReminderStatus

# Notices that put an event in the recipient's calendar, or take it out.
EVENT_KINDS = [Kind.INVITATION, Kind.UPDATE]
NOTICE_KINDS = [Kind.INVITATION, Kind.UPDATE, Kind.CANCELLATION]
FEEDBACK_KINDS = [Kind.FEEDBACK_DUE, Kind.FEEDBACK_OVERDUE, Kind.ESCALATION]
# Rows that belong to one schedule of a round: withdrawn when it moves or ends.
SCHEDULE_KINDS = [*EVENT_KINDS, Kind.BEFORE_24H, Kind.BEFORE_1H, *FEEDBACK_KINDS]
URGENT_KINDS = {Kind.INVITATION, Kind.UPDATE, Kind.CANCELLATION, Kind.VETO_NOTICE, Kind.BEFORE_1H}

# A message is started only if its claim has this much left after the SMTP
# timeout, so the claim cannot run out while the message is on the wire.
SEND_MARGIN = dt.timedelta(seconds=10)
# How many batches one claim query takes: fewer, larger claims keep the sweep
# cheap when many rows fall due at once.
CLAIM_BATCHES = 10


# --- hours ----------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Hours:
    """A daily window, start to end inclusive, on ISO weekdays (1 Monday ... 7 Sunday)."""

    start: dt.time
    end: dt.time
    days: str = "1234567"

    def window(self, day: dt.date, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime] | None:
        if str(day.isoweekday()) not in self.days:
            return None
        # A local time in a spring-forward gap maps to the instant just after the
        # gap (fold=0 reads it with the earlier offset), an ambiguous one to its
        # first occurrence: either way one instant, never two.
        start = dt.datetime.combine(day, self.start, tzinfo=zone).astimezone(UTC)
        end = dt.datetime.combine(day, self.end, tzinfo=zone).astimezone(UTC)
        return start, end


def candidate_hours() -> Hours:
    start, end = settings.HIRING_CANDIDATE_HOURS
    return Hours(start=start, end=end)


def interviewer_hours(interviewer: Interviewer | None) -> Hours:
    if interviewer is None:
        return Hours(start=dt.time(9, 0), end=dt.time(17, 30), days="12345")
    return Hours(start=interviewer.work_start, end=interviewer.work_end, days=interviewer.work_days)


def next_in_hours(instant: dt.datetime, *, zone: str, hours: Hours) -> dt.datetime:
    """The first moment at or after `instant` inside the hours, in UTC."""
    tz = ZoneInfo(zone)
    day = instant.astimezone(tz).date()
    for offset in range(8):
        window = hours.window(day + dt.timedelta(days=offset), tz)
        if window is not None and instant <= window[1]:
            return max(instant, window[0]).astimezone(UTC)
    raise ValueError(f"No working day in {hours.days!r}.")


def last_in_hours_before(instant: dt.datetime, *, zone: str, hours: Hours) -> dt.datetime:
    """The last moment at or before `instant` inside the hours, in UTC."""
    tz = ZoneInfo(zone)
    day = instant.astimezone(tz).date()
    for offset in range(8):
        window = hours.window(day - dt.timedelta(days=offset), tz)
        if window is not None and instant >= window[0]:
            return min(instant, window[1]).astimezone(UTC)
    raise ValueError(f"No working day in {hours.days!r}.")


def day_before_due(starts_at: dt.datetime, *, zone: str, hours: Hours, now: dt.datetime) -> dt.datetime | None:
    """When the day-before reminder goes: None if its nominal time has passed."""
    nominal = starts_at - dt.timedelta(minutes=settings.HIRING_REMINDER_DAY_BEFORE_MINUTES)
    if nominal <= now:
        return None
    earlier = last_in_hours_before(nominal, zone=zone, hours=hours)
    return earlier if earlier > now else nominal


def next_nudge_due(previous_due: dt.datetime, *, zone: str, hours: Hours, now: dt.datetime) -> dt.datetime:
    """The next daily nudge: the same local wall time on the next day, moved into
    working hours, and in the future (after an outage the missed days are not
    sent in a burst). Its local date is always later than the previous one's."""
    tz = ZoneInfo(zone)
    local = previous_due.astimezone(tz)
    day = local.date()
    while True:
        day += dt.timedelta(days=1)
        # Wall-clock arithmetic: across a DST change the gap is 23 or 25 hours
        # and the nudge keeps its local hour.
        due = next_in_hours(dt.datetime.combine(day, local.time(), tzinfo=tz), zone=zone, hours=hours)
        if due > now:
            return due
        day = due.astimezone(tz).date()


# --- who -------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Party:
    """A recipient, with what a row and a message need about them."""

    audience: str  # interviewer, candidate or recruiter
    name: str
    email: str
    time_zone: str
    language: str
    hours: Hours
    user_id: int | None = None
    candidate_id: int | None = None

    @property
    def tag(self) -> str:
        return f"u{self.user_id}" if self.user_id is not None else f"c{self.candidate_id}"


def _language(codes: Iterable[str] | None) -> str:
    return next(iter(codes or []), settings.LANGUAGE_CODE)


def interviewer_party(interviewer: Interviewer, *, audience: str = "interviewer") -> Party:
    return Party(
        audience=audience,
        name=interviewer.name,
        email=interviewer.user.email,
        time_zone=interviewer.time_zone,
        language=_language(interviewer.languages),
        hours=interviewer_hours(interviewer),
        user_id=interviewer.user_id,
    )


def candidate_party(candidate: Candidate) -> Party:
    return Party(
        audience="candidate",
        name=candidate.full_name,
        email=candidate.email,
        time_zone=candidate.time_zone,
        language=candidate.preferred_language or settings.LANGUAGE_CODE,
        hours=candidate_hours(),
        candidate_id=candidate.pk,
    )


def user_party(user, *, audience: str = "recruiter") -> Party:
    """A signed-in person; every one has an Interviewer row with their zone and hours."""
    profile = Interviewer.objects.select_related("user").filter(user_id=user.pk).first()
    if profile is not None:
        return interviewer_party(profile, audience=audience)
    return Party(
        audience=audience,
        name=user.get_full_name() or user.get_username(),
        email=user.email,
        time_zone=settings.HIRING_DEFAULT_TIME_ZONE,
        language=settings.LANGUAGE_CODE,
        hours=interviewer_hours(None),
        user_id=user.pk,
    )


def _tag_of(reminder: Reminder) -> str:
    if reminder.recipient_user_id is not None:
        return f"u{reminder.recipient_user_id}"
    return f"c{reminder.recipient_candidate_id}"


# --- rows --------------------------------------------------------------------------


def _iso(instant: dt.datetime | None) -> str | None:
    return instant.astimezone(UTC).isoformat() if instant is not None else None


def _payload(round_: Round, party: Party, *, other: Party | None, **extra: object) -> dict:
    """A snapshot of what the message says, so a retry renders the same message."""
    loop = round_.loop
    data = {
        "audience": party.audience,
        "language": party.language,
        "name": party.name,
        "round_id": round_.pk,
        "loop_id": loop.pk,
        "sequence": round_.sequence,
        "round": round_.label,
        "position": loop.position.title,
        "candidate": loop.candidate.full_name,
        "interviewer": round_.interviewer.name if round_.interviewer_id else "",
        "interviewer_zone": round_.interviewer.time_zone if round_.interviewer_id else "",
        "starts_at": _iso(round_.starts_at),
        "duration_minutes": round_.duration_minutes,
        "feedback_due_at": _iso(round_.feedback_due_at),
        "other_zone": other.time_zone if other else "",
    }
    data.update(extra)
    return data


def _row(
    *,
    kind: str,
    party: Party,
    due_at: dt.datetime,
    payload: dict,
    key: str,
    round_: Round | None = None,
) -> Reminder:
    return Reminder(
        key=key,
        kind=kind,
        round=round_,
        recipient_user_id=party.user_id,
        recipient_candidate_id=party.candidate_id,
        email=party.email,
        time_zone=party.time_zone,
        urgent=kind in URGENT_KINDS,
        due_at=due_at,
        payload=payload,
    )


def _round_key(round_: Round, kind: str, party: Party, suffix: str = "") -> str:
    # The sequence is in the key: each schedule of a round has its own rows, so a
    # move withdraws the old ones and writes new ones instead of editing in place.
    return f"r{round_.pk}:s{round_.sequence}:{kind}:{party.tag}{suffix}"


def _write(rows: list[Reminder]) -> None:
    """Insert, skipping any whose key exists: the same reminder cannot be written twice."""
    rows = [row for row in rows if row.email]
    if rows:
        Reminder.objects.bulk_create(rows, ignore_conflicts=True)


def _withdraw(queryset) -> int:
    """Withdraw pending rows. A claimed row is being sent; send_claimed checks it
    against its round first and withdraws it there if it is out of date."""
    return queryset.filter(status=Status.PENDING).update(status=Status.WITHDRAWN, claimed_until=None)


def _notice(kind: str, round_: Round, party: Party, *, other: Party | None, now: dt.datetime, **extra) -> Reminder:
    return _row(
        kind=kind,
        party=party,
        due_at=now,
        key=_round_key(round_, kind, party),
        round_=round_,
        payload=_payload(round_, party, other=other, **extra),
    )


def _plan_timed(
    round_: Round, *, interviewer: Party, candidate: Party, recruiter: Party | None, now: dt.datetime
) -> list[Reminder]:
    """The reminders of one schedule of a round: before it, and after it for feedback."""
    rows = []
    for party, other in ((interviewer, candidate), (candidate, interviewer)):
        due = day_before_due(round_.starts_at, zone=party.time_zone, hours=party.hours, now=now)
        if due is not None:
            rows.append(
                _row(
                    kind=Kind.BEFORE_24H,
                    party=party,
                    due_at=due,
                    key=_round_key(round_, Kind.BEFORE_24H, party),
                    round_=round_,
                    payload=_payload(round_, party, other=other),
                )
            )
    hour_before = round_.starts_at - dt.timedelta(minutes=settings.HIRING_REMINDER_HOUR_BEFORE_MINUTES)
    if hour_before > now:
        rows.append(
            _row(
                kind=Kind.BEFORE_1H,
                party=interviewer,
                due_at=hour_before,
                key=_round_key(round_, Kind.BEFORE_1H, interviewer),
                round_=round_,
                payload=_payload(round_, interviewer, other=candidate),
            )
        )
    feedback_due = max(round_.feedback_due_at, now)
    rows.append(
        _row(
            kind=Kind.FEEDBACK_DUE,
            party=interviewer,
            due_at=next_in_hours(feedback_due, zone=interviewer.time_zone, hours=interviewer.hours),
            key=_round_key(round_, Kind.FEEDBACK_DUE, interviewer),
            round_=round_,
            payload=_payload(round_, interviewer, other=candidate),
        )
    )
    if recruiter is not None:
        escalate = max(round_.feedback_due_at + dt.timedelta(hours=settings.HIRING_FEEDBACK_ESCALATE_HOURS), now)
        rows.append(
            _row(
                kind=Kind.ESCALATION,
                party=recruiter,
                due_at=next_in_hours(escalate, zone=recruiter.time_zone, hours=recruiter.hours),
                key=_round_key(round_, Kind.ESCALATION, recruiter),
                round_=round_,
                payload=_payload(round_, recruiter, other=interviewer),
            )
        )
    return rows


def _latest_notices(round_: Round) -> dict[str, Reminder]:
    """Each recipient's latest invitation, update or cancellation of the round that
    was not withdrawn: what their calendar holds, as far as we know."""
    latest: dict[str, Reminder] = {}
    notices = Reminder.objects.filter(round=round_, kind__in=NOTICE_KINDS).exclude(status=Status.WITHDRAWN)
    for reminder in notices.order_by("pk"):
        latest[_tag_of(reminder)] = reminder
    return latest


def _has_event(latest: dict[str, Reminder], party: Party) -> bool:
    notice = latest.get(party.tag)
    return notice is not None and notice.kind in EVENT_KINDS


def _parties(round_: Round) -> tuple[Party, Party, Party]:
    loop = round_.loop
    return (
        interviewer_party(round_.interviewer),
        candidate_party(loop.candidate),
        user_party(loop.position.recruiter),
    )


# --- the hooks services.py calls, inside its transaction ------------------------------


def on_round_scheduled(round_: Round) -> None:
    """Plan the invitations and reminders of a newly scheduled round."""
    now = timezone.now()
    interviewer, candidate, recruiter = _parties(round_)
    rows = _plan_timed(round_, interviewer=interviewer, candidate=candidate, recruiter=recruiter, now=now)
    if round_.starts_at > now:
        # A round recorded after it began (held off-system) needs no invitation.
        rows += [
            _notice(Kind.INVITATION, round_, interviewer, other=candidate, now=now),
            _notice(Kind.INVITATION, round_, candidate, other=interviewer, now=now),
        ]
    _write(rows)


def on_round_rescheduled(round_: Round, *, previous_interviewer: Interviewer | None = None) -> None:
    """Move the pending reminders of a round and tell those affected.

    The old schedule's pending rows are withdrawn and the new schedule's written
    (the round's sequence, bumped by the move, is in their keys). Whoever has the
    event in their calendar gets an update; a new interviewer an invitation; an
    interviewer taken off the round a cancellation. The candidate hears nothing
    when only the interviewer changed.
    """
    now = timezone.now()
    _withdraw(Reminder.objects.filter(round=round_, kind__in=SCHEDULE_KINDS))
    latest = _latest_notices(round_)
    interviewer, candidate, recruiter = _parties(round_)
    rows = []
    if previous_interviewer is not None and previous_interviewer.pk != round_.interviewer_id:
        previous = interviewer_party(previous_interviewer)
        if _has_event(latest, previous):
            before = latest[previous.tag].payload
            rows.append(
                _notice(
                    Kind.CANCELLATION,
                    round_,
                    previous,
                    other=candidate,
                    now=now,
                    interviewer=previous.name,
                    interviewer_zone=previous.time_zone,
                    starts_at=before.get("starts_at"),
                    reassigned=True,
                )
            )
    for party, other in ((interviewer, candidate), (candidate, interviewer)):
        known = latest.get(party.tag)
        if (
            party is candidate
            and _has_event(latest, party)
            and known.payload.get("starts_at") == _iso(round_.starts_at)
        ):
            continue
        if _has_event(latest, party):
            rows.append(
                _notice(Kind.UPDATE, round_, party, other=other, now=now, previous_starts_at=known.payload["starts_at"])
            )
        else:
            rows.append(_notice(Kind.INVITATION, round_, party, other=other, now=now))
    rows += _plan_timed(round_, interviewer=interviewer, candidate=candidate, recruiter=recruiter, now=now)
    _write(rows)


def on_round_cancelled(round_: Round) -> None:
    """Withdraw the pending reminders of a round and tell those affected.

    Called for a no-show too, which only withdraws: nobody needs telling. The
    candidate is told only of an interview still ahead of them.
    """
    now = timezone.now()
    _withdraw(Reminder.objects.filter(round=round_, kind__in=SCHEDULE_KINDS))
    if round_.status != RoundStatus.CANCELLED or round_.interviewer_id is None or round_.starts_at is None:
        return
    latest = _latest_notices(round_)
    interviewer = interviewer_party(round_.interviewer)
    candidate = candidate_party(round_.loop.candidate)
    rows = []
    if _has_event(latest, interviewer):
        rows.append(_notice(Kind.CANCELLATION, round_, interviewer, other=candidate, now=now))
    if _has_event(latest, candidate) and round_.starts_at > now:
        rows.append(_notice(Kind.CANCELLATION, round_, candidate, other=interviewer, now=now))
    _write(rows)


def on_scorecard_submitted(round_: Round) -> None:
    """Withdraw the feedback nudges of a round, the escalation, and anything else
    of its schedule still waiting."""
    _withdraw(Reminder.objects.filter(round=round_, kind__in=SCHEDULE_KINDS))


def on_loop_vetoed(loop: Loop, *, scorecard: Scorecard, cancelled_rounds: list[Round]) -> None:
    """Tell the cancelled rounds' interviewers and the recruiter (DESIGN.md rule 4).

    services cancels the rounds first, so on_round_cancelled has already
    written plain cancellations; the veto notices take their place. The
    candidate is not emailed (the recruiter tells them) unless
    HIRING_VETO_TELLS_CANDIDATE is set. Interviewers are not told the veto's
    reason: they may not have written their own scorecard yet (rule 5).
    """
    now = timezone.now()
    # Feedback a closed loop can no longer take is not chased any more.
    _withdraw(Reminder.objects.filter(round__loop=loop, kind__in=FEEDBACK_KINDS))
    superseded = Q()
    for round_ in cancelled_rounds:
        superseded |= Q(key__startswith=f"r{round_.pk}:s{round_.sequence}:{Kind.CANCELLATION}:")
    if cancelled_rounds:
        plain = Reminder.objects.filter(superseded, kind=Kind.CANCELLATION)
        if settings.HIRING_VETO_TELLS_CANDIDATE:
            plain = plain.filter(recipient_user__isnull=False)
        _withdraw(plain)
    candidate = candidate_party(loop.candidate)
    rows = []
    for round_ in cancelled_rounds:
        if round_.interviewer_id is None:
            continue
        party = interviewer_party(round_.interviewer)
        rows.append(
            _row(
                kind=Kind.VETO_NOTICE,
                party=party,
                due_at=now,
                key=f"l{loop.pk}:veto:r{round_.pk}:{party.tag}",
                round_=round_,
                payload=_payload(round_, party, other=candidate),
            )
        )
    recruiter = user_party(loop.position.recruiter)
    vetoed_round = scorecard.round
    rows.append(
        _row(
            kind=Kind.VETO_NOTICE,
            party=recruiter,
            due_at=now,
            key=f"l{loop.pk}:veto:{recruiter.tag}",
            round_=vetoed_round,
            payload=_payload(
                vetoed_round,
                recruiter,
                other=None,
                vetoed_by=vetoed_round.interviewer.name if vetoed_round.interviewer_id else "",
                reason=scorecard.veto_reason,
                candidate_told=settings.HIRING_VETO_TELLS_CANDIDATE,
                cancelled=[
                    {
                        "round": r.label,
                        "interviewer": r.interviewer.name if r.interviewer_id else "",
                        "interviewer_zone": r.interviewer.time_zone if r.interviewer_id else "",
                        "starts_at": _iso(r.starts_at),
                    }
                    for r in cancelled_rounds
                ],
            ),
        )
    )
    _write(rows)


# --- resend --------------------------------------------------------------------------


def plan_resend(reminder: Reminder, *, now: dt.datetime | None = None) -> Reminder:
    """Write a copy of a sent or failed reminder, due now (for services.resend_reminder).

    The copy is a new row with its own key, so the original keeps its history and
    the copy gets its own Message-ID: a receiver that de-duplicates by Message-ID
    would otherwise drop the deliberate second copy. It goes to the recipient's
    current address, which may have been corrected since.
    """
    now = now or timezone.now()
    original = Reminder.objects.select_for_update(of=("self",)).select_related("round__loop").get(pk=reminder.pk)
    if original.status not in (Status.SENT, Status.FAILED):
        raise DomainError(
            f"This reminder is {original.get_status_display().lower()}; only a sent or failed one can be sent again."
        )
    stale = stale_reason(original)
    if stale:
        raise DomainError(f"This reminder is out of date and will not be sent again: {stale}")
    root = original.payload.get("resend_of_key") or original.key
    count = Reminder.objects.filter(key__startswith=f"{root}:resend").count()
    email = original.email
    if original.recipient_candidate_id is not None:
        email = Candidate.objects.values_list("email", flat=True).get(pk=original.recipient_candidate_id)
    elif original.recipient_user_id is not None:
        email = get_user_model().objects.values_list("email", flat=True).get(pk=original.recipient_user_id)
    if not email:
        raise DomainError("The recipient has no email address.")
    return Reminder.objects.create(
        key=f"{root}:resend{count + 1}",
        kind=original.kind,
        round=original.round,
        recipient_user_id=original.recipient_user_id,
        recipient_candidate_id=original.recipient_candidate_id,
        email=email,
        time_zone=original.time_zone,
        # Someone asked for it: it goes now, whatever the hour.
        urgent=True,
        due_at=now,
        payload={**original.payload, "resend_of_key": root, "resend_of": original.pk},
    )


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
