"""Scheduling a whole loop: asking the candidate when they can meet (a signed link,
no login), proposing complete panels and times (the solver), and booking one.

Booking reuses schedule_round for every round, inside one transaction under the
loop's lock: the rules live in one place, and any refusal rolls back every round.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from hiring.models import (
    AvailabilityRequest,
    AvailabilityRequestState,
    CandidateAvailability,
    EventKind,
    Interviewer,
    Loop,
    Reminder,
    ReminderKind,
    Round,
    RoundStatus,
)
from hiring.rules import DomainError
from hiring.services.common import User, _require_perm, record_event
from hiring.services.loops import _lock_loop, _require_open

TOKEN_SALT = "hiring.availability-request"  # noqa: S105 (a signing salt, not a secret)
LIVE_STATES = (AvailabilityRequestState.OPEN, AvailabilityRequestState.USED)
# A candidate marks at most this many windows in one answer (the page offers fewer).
MAX_WINDOWS = 200


# --- the candidate's link -----------------------------------------------------------


def availability_token(request: AvailabilityRequest) -> str:
    return signing.dumps({"r": request.pk}, salt=TOKEN_SALT, compress=True)


def availability_link(request: AvailabilityRequest) -> str:
    return settings.SITE_URL + reverse("candidate_availability", args=[availability_token(request)])


class LinkProblem(Exception):
    """Why a link cannot be used: `status` is the HTTP status the page answers with
    (400 tampered, 410 gone), `message` what the candidate reads."""

    def __init__(self, message: str, *, status: int, code: str):
        super().__init__(message)
        self.message = message
        self.status = status
        self.code = code


def request_from_token(token: str, *, now: dt.datetime | None = None) -> AvailabilityRequest:
    """The live request a link names, or LinkProblem: tampered (400), or superseded,
    closed, expired or for a loop no longer open (410)."""
    try:
        data = signing.loads(token, salt=TOKEN_SALT)
        request_id = int(data["r"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise LinkProblem(
            _("This link is not valid. Please use the link from your email exactly as it was sent."),
            status=400,
            code="link_invalid",
        ) from None
    request = (
        AvailabilityRequest.objects.select_related("loop__candidate", "loop__position").filter(pk=request_id).first()
    )
    if request is None or request.state == AvailabilityRequestState.CLOSED or not request.loop.is_open:
        raise LinkProblem(
            _("This request is closed; there is nothing more to do here. Thank you."), status=410, code="link_closed"
        )
    if request.state == AvailabilityRequestState.SUPERSEDED:
        raise LinkProblem(
            _("This link was replaced by a newer one. Please use the link in our latest email."),
            status=410,
            code="link_superseded",
        )
    if (now or timezone.now()) >= request.expires_at:
        raise LinkProblem(
            _("This link has expired. Please reply to our email and we will send you a new one."),
            status=410,
            code="link_expired",
        )
    return request


def offered_days(request: AvailabilityRequest) -> list[dt.date]:
    """The candidate's own working days (Monday to Friday in their zone) the page offers,
    from the day after the request."""
    zone = ZoneInfo(request.loop.candidate.time_zone)
    day = request.created_at.astimezone(zone).date()
    days: list[dt.date] = []
    while len(days) < request.days:
        day += dt.timedelta(days=1)
        if day.isoweekday() <= 5:
            days.append(day)
    return days


# The blocks a candidate can tick on each day, as local (start hour, end hour): inside
# the waking hours every rule-10 check uses.
DAY_BLOCKS = [(8, 10), (10, 12), (12, 14), (14, 16), (16, 18), (18, 20)]


def block_value(day: dt.date, start_hour: int) -> str:
    return f"{day.isoformat()}T{start_hour:02d}"


@transaction.atomic
def request_availability(*, loop: Loop, by: User | None, days: int | None = None) -> AvailabilityRequest:
    """Email the candidate a signed link to their availability page, in their language.

    Any earlier live link of the loop is superseded (it then shows a clear page). The
    email is an outbox row written in this transaction, sent by the reminder sweep."""
    _require_perm(by, "hiring.change_loop", _("Only recruiters can ask a candidate for their availability."))
    loop = _lock_loop(loop.pk)
    _require_open(loop)
    if loop.candidate.erased_at is not None:
        raise DomainError(_("This candidate's personal data was erased."), code="candidate_erased")
    days = days or settings.HIRING_AVAILABILITY_DAYS
    if not 1 <= days <= 30:
        raise ValidationError({"days": _("Offer between 1 and 30 working days.")})
    superseded = AvailabilityRequest.objects.filter(loop=loop, state__in=LIVE_STATES).update(
        state=AvailabilityRequestState.SUPERSEDED
    )
    now = timezone.now()
    request = AvailabilityRequest.objects.create(
        loop=loop,
        expires_at=now + dt.timedelta(days=settings.HIRING_AVAILABILITY_LINK_DAYS),
        days=days,
    )
    candidate = loop.candidate
    Reminder.objects.create(
        key=f"avail{request.pk}:c{candidate.pk}",
        kind=ReminderKind.AVAILABILITY_REQUEST,
        recipient_candidate_id=candidate.pk,
        email=candidate.email,
        time_zone=candidate.time_zone,
        urgent=True,
        due_at=now,
        payload={
            "audience": "candidate",
            "language": candidate.preferred_language or settings.LANGUAGE_CODE,
            "name": candidate.full_name,
            "loop_id": loop.pk,
            "position": loop.position.title,
            "link": availability_link(request),
            "expires_at": request.expires_at.isoformat(),
        },
    )
    record_event(
        kind=EventKind.AVAILABILITY_REQUESTED,
        actor=by,
        loop=loop,
        data={"request_id": request.pk, "days": days, "superseded": superseded},
    )
    return request


def _windows_from_blocks(
    values: Iterable[str], *, request: AvailabilityRequest
) -> list[tuple[dt.datetime, dt.datetime]]:
    """Ticked blocks ('2026-05-04T08', local to the candidate) as merged UTC windows.
    Anything not on offer is a ValidationError, so a forged form cannot add a window."""
    zone = ZoneInfo(request.loop.candidate.time_zone)
    offered = {block_value(day, start): (day, start, end) for day in offered_days(request) for start, end in DAY_BLOCKS}
    chosen = []
    for value in values:
        if value not in offered:
            raise ValidationError({"blocks": _("One of the times is not on offer; please reload the page.")})
        chosen.append(offered[value])
    if len(chosen) > MAX_WINDOWS:
        raise ValidationError({"blocks": _("Too many times.")})
    windows: list[tuple[dt.datetime, dt.datetime]] = []
    for day, start, end in sorted(set(chosen)):
        begin = dt.datetime.combine(day, dt.time(start), tzinfo=zone).astimezone(dt.UTC)
        finish = dt.datetime.combine(day, dt.time(end), tzinfo=zone).astimezone(dt.UTC)
        if windows and windows[-1][1] == begin:
            windows[-1] = (windows[-1][0], finish)
        else:
            windows.append((begin, finish))
    return windows


@transaction.atomic
def submit_availability(*, token: str, blocks: Sequence[str]) -> list[CandidateAvailability]:
    """The candidate's answer: it replaces their earlier windows for this loop (never adds
    to them). Raises LinkProblem for a link that cannot be used, ValidationError for
    times not on offer or none at all."""
    request = request_from_token(token)
    loop = _lock_loop(request.loop_id)
    # Read again under the lock: a supersede or close that just committed wins.
    request = request_from_token(token)
    if not blocks:
        raise ValidationError({"blocks": _("Choose at least one time you can do.")})
    windows = _windows_from_blocks(blocks, request=request)
    CandidateAvailability.objects.filter(loop=loop).delete()
    rows = CandidateAvailability.objects.bulk_create(
        [
            CandidateAvailability(candidate_id=loop.candidate_id, loop=loop, request=request, starts_at=s, ends_at=e)
            for s, e in windows
        ]
    )
    AvailabilityRequest.objects.filter(pk=request.pk).update(
        state=AvailabilityRequestState.USED, answered_at=timezone.now()
    )
    record_event(
        kind=EventKind.AVAILABILITY_GIVEN,
        actor=None,
        loop=loop,
        data={"request_id": request.pk, "windows": len(rows)},
    )
    return rows


def close_availability_requests(*, loop: Loop) -> int:
    """Close the loop's live links (called when the loop is booked)."""
    return AvailabilityRequest.objects.filter(loop=loop, state__in=LIVE_STATES).update(
        state=AvailabilityRequestState.CLOSED
    )


def candidate_windows(*, loop: Loop, limit: int = MAX_WINDOWS) -> list[CandidateAvailability]:
    return list(CandidateAvailability.objects.filter(loop=loop).order_by("starts_at", "id")[:limit])


# --- proposing and booking ----------------------------------------------------------


@dataclass(frozen=True)
class Assignment:
    round_id: int
    interviewer_id: int
    starts_at: dt.datetime


def default_window(*, zone: str, days: int = 10, now: dt.datetime | None = None) -> tuple[dt.datetime, dt.datetime]:
    """The next `days` working days (Monday to Friday) from tomorrow, in the given zone."""
    tz = ZoneInfo(zone)
    today = (now or timezone.now()).astimezone(tz).date()
    day = today
    last = today
    count = 0
    while count < days:
        day += dt.timedelta(days=1)
        if day.isoweekday() <= 5:
            count += 1
            last = day
    start = dt.datetime.combine(today + dt.timedelta(days=1), dt.time(0), tzinfo=tz).astimezone(dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=tz).astimezone(dt.UTC)
    return start, end


def recruiter_zone(user: User | None) -> str:
    profile = Interviewer.objects.filter(user_id=getattr(user, "pk", None)).values_list("time_zone", flat=True).first()
    return profile or settings.HIRING_DEFAULT_TIME_ZONE


def propose_schedule(
    *,
    loop: Loop,
    by: User | None,
    window_start: dt.datetime | None = None,
    window_end: dt.datetime | None = None,
    k: int = 3,
):
    """Up to k complete proposals for the loop's open rounds (the solver's result, with
    the explanation when there is none). Reads only; nothing is booked."""
    _require_perm(by, "hiring.change_round", _("Only recruiters can schedule rounds."))
    loop = Loop.objects.select_related("candidate", "position__department").get(pk=loop.pk)
    _require_open(loop)
    if not 1 <= k <= 10:
        raise ValidationError({"k": _("Ask for between 1 and 10 proposals.")})
    if window_start is None or window_end is None:
        start, end = default_window(zone=recruiter_zone(by))
        window_start = window_start or start
        window_end = window_end or end
    if timezone.is_naive(window_start) or timezone.is_naive(window_end) or window_end <= window_start:
        raise ValidationError({"window_end": _("The window must end after it starts, with time zones.")})
    if window_end - window_start > dt.timedelta(days=31):
        raise ValidationError({"window_end": _("The window may be at most 31 days long.")})
    now = timezone.now()
    if window_end < now or window_start > now + dt.timedelta(days=366):
        raise ValidationError({"window_start": _("The window must lie between now and a year ahead.")})
    window_start = max(window_start, now)
    from hiring.scheduling.builder import build_problem
    from hiring.scheduling.solver import propose

    # The candidate's own windows when they gave them; otherwise their waking hours.
    given = list(
        CandidateAvailability.objects.filter(loop=loop, ends_at__gt=window_start, starts_at__lt=window_end)
        .order_by("starts_at")
        .values_list("starts_at", "ends_at")[:MAX_WINDOWS]
    )
    problem = build_problem(
        loop=loop, window_start=window_start, window_end=window_end, candidate_free=tuple(given) or None
    )
    return propose(problem, k=k)


def _parse_assignments(loop: Loop, assignments: Iterable[object]) -> list[Assignment]:
    parsed: list[Assignment] = []
    for item in assignments:
        # Ours, the solver's (same attributes) or plain dicts from a form or the API.
        get = item.get if isinstance(item, dict) else lambda name, item=item: getattr(item, name, None)
        try:
            parsed.append(
                Assignment(
                    round_id=int(get("round_id")),
                    interviewer_id=int(get("interviewer_id")),
                    starts_at=get("starts_at"),
                )
            )
        except (TypeError, ValueError):
            raise ValidationError(
                {"assignments": _("Each assignment needs a round, an interviewer and a start.")}
            ) from None
    if not parsed:
        raise ValidationError({"assignments": _("Give at least one round to book.")})
    if len({a.round_id for a in parsed}) != len(parsed):
        raise ValidationError({"assignments": _("A round appears twice.")})
    for a in parsed:
        if not isinstance(a.starts_at, dt.datetime) or timezone.is_naive(a.starts_at):
            raise ValidationError({"assignments": _("Give each start as a time with its zone.")})
    return parsed


@transaction.atomic
def book_proposal(
    *,
    loop: Loop,
    by: User | None,
    assignments: Iterable[object],
    allow_outside_hours: bool = False,
    outside_hours_reason: str = "",
) -> list[Round]:
    """Book every round of a proposal in one transaction, or none.

    Time has passed since the proposal was made, so every rule is checked again, by
    schedule_round itself, under the loop's lock; the first refusal (a DomainError
    with its code, or a ValidationError) rolls back every round booked before it.
    The invitations are outbox rows written in the same transaction: they go out
    only once it commits."""
    from hiring.services.rounds import schedule_round

    _require_perm(by, "hiring.change_round", _("Only recruiters can schedule rounds."))
    locked = _lock_loop(loop.pk)
    _require_open(locked)
    parsed = _parse_assignments(locked, assignments)
    rounds = {r.pk: r for r in Round.objects.filter(loop=locked, pk__in=[a.round_id for a in parsed])}
    if len(rounds) != len(parsed):
        raise ValidationError({"assignments": _("A round is not part of this loop.")})
    interviewers = Interviewer.objects.select_related("user", "department").in_bulk([a.interviewer_id for a in parsed])
    if len(interviewers) != len({a.interviewer_id for a in parsed}):
        raise ValidationError({"assignments": _("An interviewer does not exist.")})
    for a in parsed:
        if rounds[a.round_id].status != RoundStatus.PLANNED:
            raise DomainError(
                _("Round “%(round)s” is no longer planned; propose again.") % {"round": rounds[a.round_id].label},
                code="round_not_planned",
                extra={"round_id": a.round_id},
            )
    booked = []
    for a in sorted(parsed, key=lambda a: (rounds[a.round_id].order, a.round_id)):
        try:
            booked.append(
                schedule_round(
                    round=rounds[a.round_id],
                    interviewer=interviewers[a.interviewer_id],
                    starts_at=a.starts_at,
                    by=by,
                    allow_outside_hours=allow_outside_hours,
                    outside_hours_reason=outside_hours_reason,
                )
            )
        except DomainError as exc:
            exc.extra = {**(getattr(exc, "extra", None) or {}), "round_id": a.round_id}
            raise
    close_availability_requests(loop=locked)
    record_event(
        kind=EventKind.LOOP_BOOKED,
        actor=by,
        loop=locked,
        reason=outside_hours_reason.strip() if allow_outside_hours else "",
        data={
            "rounds": [
                {"round_id": a.round_id, "interviewer_id": a.interviewer_id, "starts_at": a.starts_at.isoformat()}
                for a in parsed
            ]
        },
    )
    return booked


__all__ = [
    "Assignment",
    "LinkProblem",
    "availability_link",
    "availability_token",
    "book_proposal",
    "candidate_windows",
    "default_window",
    "offered_days",
    "propose_schedule",
    "request_availability",
    "request_from_token",
    "submit_availability",
]
