"""Which rows a change writes: for whom, of which kind, due when. Called by
services.py inside its transaction (the on_* hooks), so a row commits or rolls
back with the change that caused it."""

from __future__ import annotations

import dataclasses
import datetime as dt

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hiring.models import (
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
from hiring.reminders.hours import (
    Hours,
    candidate_hours,
    day_before_due,
    interviewer_hours,
    next_in_hours,
)
from hiring.reminders.sending import stale_reason
from hiring.rules import DomainError

UTC = dt.UTC
Kind = ReminderKind
Status = ReminderStatus

# Notices that put an event in the recipient's calendar, or take it out.
EVENT_KINDS = [Kind.INVITATION, Kind.UPDATE]
NOTICE_KINDS = [Kind.INVITATION, Kind.UPDATE, Kind.CANCELLATION]
FEEDBACK_KINDS = [Kind.FEEDBACK_DUE, Kind.FEEDBACK_OVERDUE, Kind.ESCALATION]
# Rows that belong to one schedule of a round: withdrawn when it moves or ends.
SCHEDULE_KINDS = [*EVENT_KINDS, Kind.BEFORE_24H, Kind.BEFORE_1H, *FEEDBACK_KINDS]
URGENT_KINDS = {
    Kind.INVITATION,
    Kind.UPDATE,
    Kind.CANCELLATION,
    Kind.VETO_NOTICE,
    Kind.BEFORE_1H,
    # The recruiter is waiting on the answer; an email at night harms no one.
    Kind.AVAILABILITY_REQUEST,
}


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


def interviewer_party(interviewer: Interviewer, *, audience: str = "interviewer") -> Party:
    return Party(
        audience=audience,
        name=interviewer.name,
        email=interviewer.user.email,
        time_zone=interviewer.time_zone,
        # Their own UI language, not the first one they happen to speak (issue 10).
        language=interviewer.ui_language or settings.LANGUAGE_CODE,
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
        "meeting_url": round_.meeting_url,
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


def _round_row(
    kind: str, round_: Round, party: Party, *, other: Party | None, due_at: dt.datetime, **extra
) -> Reminder:
    """One reminder of a round for one person, keyed by round, schedule, kind and person."""
    return _row(
        kind=kind,
        party=party,
        due_at=due_at,
        key=_round_key(round_, kind, party),
        round_=round_,
        payload=_payload(round_, party, other=other, **extra),
    )


def feedback_clock(round_: Round, *, now: dt.datetime) -> tuple[dt.datetime, bool]:
    """When the reminders take feedback to fall due, and whether the round is a backfill.

    A round recorded after its feedback already fell due (held off-system, entered
    up to a week later) is a backfill. Its nominal due time has passed, and planning
    from it would send "feedback due" at once and, past two days, the recruiter's
    "overdue" escalation with it: one such email per round of a bulk backfill, about
    lateness nobody could have avoided. So a backfill's feedback clock starts when
    it is recorded: feedback is due the usual allowance after now
    (HIRING_FEEDBACK_DUE_MINUTES), in the interviewer's working hours, once; the
    daily nudges follow from then; the recruiter hears only if it is still owed
    HIRING_FEEDBACK_ESCALATE_HOURS after that. It gets no invitation and no
    before-interview reminders (those are planned only for what is still ahead).
    """
    due = round_.feedback_due_at
    if due > now:
        return due, False
    return now + dt.timedelta(minutes=settings.HIRING_FEEDBACK_DUE_MINUTES), True


def _plan_timed(
    round_: Round, *, interviewer: Party, candidate: Party, recruiter: Party | None, now: dt.datetime
) -> list[Reminder]:
    """The reminders of one schedule of a round: before it, and after it for feedback
    (from feedback_clock: a backfilled round's clock starts when it is recorded)."""
    rows = []
    for party, other in ((interviewer, candidate), (candidate, interviewer)):
        due = day_before_due(round_.starts_at, zone=party.time_zone, hours=party.hours, now=now)
        if due is not None:
            rows.append(_round_row(Kind.BEFORE_24H, round_, party, other=other, due_at=due))
    hour_before = round_.starts_at - dt.timedelta(minutes=settings.HIRING_REMINDER_HOUR_BEFORE_MINUTES)
    if hour_before > now:
        rows.append(_round_row(Kind.BEFORE_1H, round_, interviewer, other=candidate, due_at=hour_before))
    clock, backfilled = feedback_clock(round_, now=now)
    # The messages say when feedback was due and how late it is: from the same clock.
    extra = {"feedback_due_at": _iso(clock), "backfilled": True} if backfilled else {}
    feedback_due = next_in_hours(clock, zone=interviewer.time_zone, hours=interviewer.hours)
    rows.append(_round_row(Kind.FEEDBACK_DUE, round_, interviewer, other=candidate, due_at=feedback_due, **extra))
    if recruiter is not None:
        escalate = clock + dt.timedelta(hours=settings.HIRING_FEEDBACK_ESCALATE_HOURS)
        escalate = next_in_hours(escalate, zone=recruiter.time_zone, hours=recruiter.hours)
        rows.append(_round_row(Kind.ESCALATION, round_, recruiter, other=interviewer, due_at=escalate, **extra))
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
            _round_row(Kind.INVITATION, round_, interviewer, other=candidate, due_at=now),
            _round_row(Kind.INVITATION, round_, candidate, other=interviewer, due_at=now),
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
                _round_row(
                    Kind.CANCELLATION,
                    round_,
                    previous,
                    other=candidate,
                    due_at=now,
                    interviewer=previous.name,
                    interviewer_zone=previous.time_zone,
                    starts_at=before.get("starts_at"),
                    reassigned=True,
                )
            )
    # A round moved into the past (recorded after it was held) is announced to nobody.
    announce = [(interviewer, candidate), (candidate, interviewer)] if round_.starts_at > now else []
    for party, other in announce:
        known = latest.get(party.tag)
        if (
            party is candidate
            and _has_event(latest, party)
            and known.payload.get("starts_at") == _iso(round_.starts_at)
        ):
            continue
        if _has_event(latest, party):
            rows.append(
                _round_row(
                    Kind.UPDATE, round_, party, other=other, due_at=now, previous_starts_at=known.payload["starts_at"]
                )
            )
        else:
            rows.append(_round_row(Kind.INVITATION, round_, party, other=other, due_at=now))
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
        rows.append(_round_row(Kind.CANCELLATION, round_, interviewer, other=candidate, due_at=now))
    if _has_event(latest, candidate) and round_.starts_at > now:
        rows.append(_round_row(Kind.CANCELLATION, round_, candidate, other=interviewer, due_at=now))
    _write(rows)


def on_scorecard_submitted(round_: Round) -> None:
    """Withdraw the feedback nudges of a round, the escalation, and anything else
    of its schedule still waiting."""
    _withdraw(Reminder.objects.filter(round=round_, kind__in=SCHEDULE_KINDS))


def on_loop_closed(loop: Loop) -> None:
    """A decided or withdrawn loop takes no more feedback: stop chasing it."""
    _withdraw(Reminder.objects.filter(round__loop=loop, kind__in=FEEDBACK_KINDS))


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
            _("This reminder is %(status)s; only a sent or failed one can be sent again.")
            % {"status": original.get_status_display().lower()}
        )
    stale = stale_reason(original)
    if stale:
        raise DomainError(_("This reminder is out of date and will not be sent again: %(reason)s") % {"reason": stale})
    root = original.payload.get("resend_of_key") or original.key
    count = Reminder.objects.filter(key__startswith=f"{root}:resend").count()
    email = original.email
    if original.recipient_candidate_id is not None:
        email = Candidate.objects.values_list("email", flat=True).get(pk=original.recipient_candidate_id)
    elif original.recipient_user_id is not None:
        email = get_user_model().objects.values_list("email", flat=True).get(pk=original.recipient_user_id)
    if not email:
        raise DomainError(_("The recipient has no email address."))
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
