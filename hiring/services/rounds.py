"""Rounds: adding, scheduling, moving, cancelling, held and no-show, and closing what is left of a loop."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hiring import reminders
from hiring.models import (
    ACTIVE_ROUND_STATUSES,
    BOOKED_ROUND_STATUSES,
    BusyBlock,
    Competency,
    EventKind,
    Interviewer,
    Loop,
    Round,
    RoundKind,
    RoundStatus,
)
from hiring.reminders.hours import candidate_hours, within
from hiring.rules import (
    DomainError,
    NotPermitted,
    check_bar_raiser,
    check_no_repeat,
    check_panel_variety,
)
from hiring.scheduling import availability
from hiring.services.common import (
    NOT_YET_HELD,
    SCHEDULE_FUTURE_LIMIT,
    SCHEDULE_PAST_LIMIT,
    User,
    _require_perm,
    _require_reason,
    feedback_allowance,
    record_event,
)
from hiring.services.loops import _advance, _lock_loop, _refresh_feedback_due, _require_open, _seat
from hiring.times import babel_locale, format_calendar_day, format_local, zone_place


@transaction.atomic
def add_round(
    *,
    loop: Loop,
    kind: str,
    title: str = "",
    duration_minutes: int = 60,
    competency_ids: Iterable[int] = (),
    by: User | None,
    reason: str,
) -> Round:
    """Add a round to an open loop, e.g. to replace a cancelled one."""
    _require_perm(by, "hiring.add_round", _("Only recruiters can add rounds."))
    reason = _require_reason(reason, _("round is added"))
    if kind not in RoundKind.values:
        raise ValidationError({"kind": f"{kind!r} is not a round kind."})
    loop = _lock_loop(loop.pk)
    _require_open(loop)
    if kind == RoundKind.BAR_RAISER and loop.rounds.filter(kind=kind, status__in=ACTIVE_ROUND_STATUSES).exists():
        raise DomainError(_("This loop already has a bar-raiser round; a loop has exactly one."))
    order = (loop.rounds.aggregate(m=Max("order"))["m"] or 0) + 1
    round_ = Round(loop=loop, order=order, kind=kind, title=title, duration_minutes=duration_minutes)
    round_.full_clean(exclude=["loop"])
    round_.save()
    round_.competencies.set(Competency.objects.filter(pk__in=list(competency_ids)))
    record_event(kind=EventKind.ROUND_ADDED, actor=by, loop=loop, round=round_, reason=reason, data={"kind": kind})
    _advance(loop, by)
    return round_


def _check_start(starts_at: dt.datetime) -> None:
    if starts_at is None or timezone.is_naive(starts_at):
        raise ValidationError({"starts_at": "Give the start as a time with its zone (e.g. 2026-05-04T09:00:00Z)."})
    now = timezone.now()
    if starts_at < now - SCHEDULE_PAST_LIMIT:
        raise ValidationError({"starts_at": "That start is more than a week in the past."})
    if starts_at > now + SCHEDULE_FUTURE_LIMIT:
        raise ValidationError({"starts_at": "That start is more than a year ahead."})


def _check_interviewer(*, loop: Loop, round_: Round, interviewer: Interviewer, starts_at: dt.datetime) -> None:
    """The per-seat rules (2 and 3), then the panel as a whole once it is complete."""
    if not interviewer.user.is_active:
        raise DomainError(_("%(name)s is no longer active.") % {"name": interviewer.name})
    others = list(
        loop.rounds.filter(status__in=ACTIVE_ROUND_STATUSES)
        .exclude(pk=round_.pk)
        .select_related("interviewer__department", "interviewer__user")
    )
    seated = [_seat(r.interviewer) for r in others if r.interviewer_id]
    problems = check_no_repeat([*seated, _seat(interviewer)])
    if round_.kind == RoundKind.BAR_RAISER:
        problems += check_bar_raiser(
            name=interviewer.name,
            is_trained=interviewer.is_bar_raiser,
            department_id=interviewer.department_id,
            department=loop.position.department.name,
            hiring_department_id=loop.position.department_id,
        )
    if not problems and all(r.interviewer_id for r in others):
        problems += check_panel_variety([*seated, _seat(interviewer)])
    if problems:
        raise DomainError(" ".join(problems))
    ends_at = starts_at + dt.timedelta(minutes=round_.duration_minutes)
    clash = (
        Round.objects.filter(
            interviewer=interviewer,
            status__in=BOOKED_ROUND_STATUSES,
            starts_at__lt=ends_at,
            booked_until__gt=starts_at,
        )
        .exclude(pk=round_.pk)
        .select_related("loop__candidate")
        .first()
    )
    if clash is not None:
        raise _interviewer_busy(interviewer, with_whom=str(clash.loop.candidate))


def _interviewer_busy(interviewer: Interviewer, *, with_whom: str = "") -> DomainError:
    message = (
        _("%(name)s already has an interview at that time (with %(candidate)s).")
        % {"name": interviewer.name, "candidate": with_whom}
        if with_whom
        else _("%(name)s already has an interview at that time.") % {"name": interviewer.name}
    )
    return DomainError(message, code="interviewer_busy", extra={"person": "interviewer", "name": interviewer.name})


def candidate_gap() -> dt.timedelta:
    return dt.timedelta(minutes=settings.HIRING_CANDIDATE_MIN_GAP_MINUTES)


def _candidate_busy(loop: Loop) -> DomainError:
    minutes = settings.HIRING_CANDIDATE_MIN_GAP_MINUTES
    return DomainError(
        _(
            "%(name)s already has an interview at that time, or less than %(minutes)d minutes before or after it; "
            "a candidate is never in two rounds at once."
        )
        % {"name": loop.candidate.full_name, "minutes": minutes},
        code="candidate_busy",
        extra={"person": "candidate", "name": loop.candidate.full_name, "min_gap_minutes": minutes},
    )


def _check_candidate(*, loop: Loop, round_: Round, starts_at: dt.datetime) -> None:
    """Rule 10 for the candidate, across all their loops: no overlap and the minimum gap.

    Two of the candidate's rounds [a, a_end) and [b, b_end) are too close exactly when
    [a, a_end + gap) and [b, b_end + gap) overlap: the same test the database makes.
    """
    gap = candidate_gap()
    free_at = starts_at + dt.timedelta(minutes=round_.duration_minutes) + gap
    clash = (
        Round.objects.filter(
            candidate_id=loop.candidate_id,
            status__in=BOOKED_ROUND_STATUSES,
            starts_at__lt=free_at,
            candidate_free_at__gt=starts_at,
        )
        .exclude(pk=round_.pk)
        .exists()
    )
    if clash:
        raise _candidate_busy(loop)


def _outside_hours(*, loop: Loop, round_: Round, interviewer: Interviewer, starts_at: dt.datetime) -> list[dict]:
    """Who would meet outside their hours at this time: the interviewer (their weekly
    hours, hiring/scheduling/availability.py), then the candidate (waking hours), each
    with the local start."""
    ends_at = starts_at + dt.timedelta(minutes=round_.duration_minutes)
    candidate = loop.candidate
    people = []
    if not availability.in_weekly_hours(interviewer=interviewer, starts_at=starts_at, ends_at=ends_at):
        people.append(("interviewer", interviewer.name, interviewer.time_zone))
    if not within(starts_at, ends_at, zone=candidate.time_zone, hours=candidate_hours()):
        people.append(("candidate", candidate.full_name, candidate.time_zone))
    return [
        {
            "person": person,
            "name": name,
            "local_start": starts_at.astimezone(ZoneInfo(zone)).isoformat(),
            "time_zone": zone,
        }
        for person, name, zone in people
    ]


def _interviewer_entry(interviewer: Interviewer, starts_at: dt.datetime) -> dict:
    """Who a refusal is about, and the round's start in their zone (the head of every entry)."""
    return {
        "person": "interviewer",
        "name": interviewer.name,
        "local_start": starts_at.astimezone(ZoneInfo(interviewer.time_zone)).isoformat(),
        "time_zone": interviewer.time_zone,
    }


def _time_off(*, round_: Round, interviewer: Interviewer, starts_at: dt.datetime) -> dict | None:
    """The interviewer's time off that the round would fall into, as the record shows it."""
    ends_at = starts_at + dt.timedelta(minutes=round_.duration_minutes)
    away = availability.time_off_during(interviewer_id=interviewer.pk, starts_at=starts_at, ends_at=ends_at)
    if away is None:
        return None
    zone = ZoneInfo(interviewer.time_zone)
    return {
        **_interviewer_entry(interviewer, starts_at),
        "time_off_starts_at": away.starts_at.astimezone(zone).isoformat(),
        "time_off_ends_at": away.ends_at.astimezone(zone).isoformat(),
    }


def _busy_block(*, round_: Round, interviewer: Interviewer, starts_at: dt.datetime) -> dict | None:
    """The first of the interviewer's busy blocks (manual or from their calendar feed)
    that the round would overlap, as the record shows it (never the block's summary,
    which is the interviewer's own). One query, however many blocks they have."""
    ends_at = starts_at + dt.timedelta(minutes=round_.duration_minutes)
    block = (
        BusyBlock.objects.filter(interviewer_id=interviewer.pk, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .order_by("starts_at")
        .only("starts_at", "ends_at", "source")
        .first()
    )
    if block is None:
        return None
    zone = ZoneInfo(interviewer.time_zone)
    return {
        **_interviewer_entry(interviewer, starts_at),
        "busy_starts_at": block.starts_at.astimezone(zone).isoformat(),
        "busy_ends_at": block.ends_at.astimezone(zone).isoformat(),
        "busy_source": block.source,
    }


def _busy_block_words(entry: dict) -> str:
    """'Ivy is busy then (Tue 5 May 10:00 CEST – 11:00 CEST in their calendar).', in the
    reader's zone (the recruiter's, set per request) and language."""
    reader_zone = ZoneInfo(timezone.get_current_timezone_name())
    start = dt.datetime.fromisoformat(entry["busy_starts_at"])
    end = dt.datetime.fromisoformat(entry["busy_ends_at"])
    same_day = start.astimezone(reader_zone).date() == end.astimezone(reader_zone).date()
    return _("%(name)s is busy then (%(start)s – %(end)s in their calendar).") % {
        "name": entry["name"],
        "start": format_local(start, reader_zone),
        "end": format_local(end, reader_zone, with_day=not same_day),
    }


def _load_limit(*, round_: Round, interviewer: Interviewer, starts_at: dt.datetime) -> dict | None:
    """Whether one more interview at starts_at takes the interviewer over their limit for
    that local day or ISO week of their own zone (their own limit, else the company's),
    counting their other booked rounds: the round itself is left out, so moving it within
    a full day is no new load. The day's limit is reported first. Two queries."""
    load = availability.load_counts(
        interviewer_ids=[interviewer.pk], start=starts_at, end=starts_at + dt.timedelta(seconds=1)
    ).get(interviewer.pk)
    if load is None:
        return None
    local_day = starts_at.astimezone(load.zone).date()
    day_count, week_count = load.day_count(starts_at), load.week_count(starts_at)
    if round_.interviewer_id == interviewer.pk and round_.status in BOOKED_ROUND_STATUSES and round_.starts_at:
        # The round's own present booking is in the counts: it moves, it does not add.
        own_day = round_.starts_at.astimezone(load.zone).date()
        day_count -= own_day == local_day
        week_count -= availability.week_of(own_day) == availability.week_of(local_day)
    if day_count + 1 > load.day_limit:
        period, count, limit, day = "day", day_count, load.day_limit, local_day
    elif week_count + 1 > load.week_limit:
        period, count, limit = "week", week_count, load.week_limit
        day = local_day - dt.timedelta(days=local_day.isoweekday() - 1)  # the ISO week's Monday
    else:
        return None
    return {
        **_interviewer_entry(interviewer, starts_at),
        "limit_period": period,
        "limit": limit,
        "booked": count,
        "local_day": day.isoformat(),
    }


def _load_limit_words(entry: dict) -> str:
    """'Ivy already has 3 interviews on Tue 5 May in Asia/Tokyo (their limit is 3 a day).':
    the day is the interviewer's own (their limits count in their zone)."""
    values = {
        "name": entry["name"],
        "count": entry["booked"],
        "limit": entry["limit"],
        "day": format_calendar_day(dt.date.fromisoformat(entry["local_day"])),
        "zone": zone_place(entry["time_zone"], babel_locale()),
    }
    if entry["limit_period"] == "day":
        return (
            ngettext(
                "%(name)s already has %(count)d interview on %(day)s in %(zone)s (their limit is %(limit)d a day).",
                "%(name)s already has %(count)d interviews on %(day)s in %(zone)s (their limit is %(limit)d a day).",
                entry["booked"],
            )
            % values
        )
    return (
        ngettext(
            "%(name)s already has %(count)d interview in the week of %(day)s in %(zone)s "
            "(their limit is %(limit)d a week).",
            "%(name)s already has %(count)d interviews in the week of %(day)s in %(zone)s "
            "(their limit is %(limit)d a week).",
            entry["booked"],
        )
        % values
    )


def calendar_and_load_problems(*, round_: Round, interviewer: Interviewer, starts_at: dt.datetime) -> list[str]:
    """The interviewer's busy block and load limit at this time, in words, for a form that
    lists every problem before the recruiter decides to override (the admin's)."""
    problems = []
    busy = _busy_block(round_=round_, interviewer=interviewer, starts_at=starts_at)
    if busy is not None:
        problems.append(_busy_block_words(busy))
    over = _load_limit(round_=round_, interviewer=interviewer, starts_at=starts_at)
    if over is not None:
        problems.append(_load_limit_words(over))
    return problems


def _check_hours(
    *,
    loop: Loop,
    round_: Round,
    interviewer: Interviewer,
    starts_at: dt.datetime,
    allow_outside_hours: bool,
    outside_hours_reason: str,
) -> list[dict]:
    """Rule 10 and 11: refuse a round in the interviewer's time off, over one of their
    busy blocks, over their daily or weekly load limit, or outside someone's hours, unless
    the caller overrides it with a reason. Returns what was overridden (empty when nothing
    was), to put on record; a time-off entry carries time_off_starts_at, a busy block
    busy_starts_at, a load limit limit_period. Five queries, whatever the bookings."""
    away = _time_off(round_=round_, interviewer=interviewer, starts_at=starts_at)
    busy = _busy_block(round_=round_, interviewer=interviewer, starts_at=starts_at)
    over = _load_limit(round_=round_, interviewer=interviewer, starts_at=starts_at)
    outside = _outside_hours(loop=loop, round_=round_, interviewer=interviewer, starts_at=starts_at)
    if away is None and busy is None and over is None and not outside:
        return []
    if not allow_outside_hours:
        again = _("Pick another time or interviewer, or book it anyway with a reason.")
        if away is not None:
            raise DomainError(
                _(
                    "%(name)s is away then (time off); pick another time or interviewer, "
                    "or book it anyway with a reason."
                )
                % {"name": away["name"]},
                code="interviewer_time_off",
                extra=away,
            )
        if busy is not None:
            # Its own code: unlike interviewer_busy (another booked round), a reason lifts it.
            raise DomainError(f"{_busy_block_words(busy)} {again}", code="interviewer_calendar_busy", extra=busy)
        if over is not None:
            raise DomainError(f"{_load_limit_words(over)} {again}", code="interviewer_load_limit", extra=over)
        first = outside[0]
        if first["person"] == "interviewer":
            message = _(
                "That is %(local)s for %(name)s, outside their working hours; pick another time, "
                "or book it anyway with a reason."
            )
        else:
            message = _(
                "That is %(local)s for the candidate %(name)s, outside their waking hours; pick another time, "
                "or book it anyway with a reason."
            )
        raise DomainError(
            message % {"local": format_local(starts_at, first["time_zone"]), "name": first["name"]},
            code="outside_hours",
            extra={**first, "outside": outside},
        )
    if not (outside_hours_reason or "").strip():
        raise ValidationError({"outside_hours_reason": _("Say why this round may be booked anyway.")})
    return [*outside, *(entry for entry in (away, busy, over) if entry is not None)]


def overridable(exc: DomainError) -> bool:
    """Whether allow_outside_hours with a reason would lift this refusal: outside hours,
    time off, a busy block or a load limit, never a clash with another booked round."""
    return exc.code in {"outside_hours", "interviewer_time_off", "interviewer_calendar_busy", "interviewer_load_limit"}


def _book(round_: Round, *, loop: Loop, interviewer: Interviewer, starts_at: dt.datetime) -> None:
    """Write the booking, with the copies the database's own rule-10 constraints read.

    The checks above ran under this loop's lock, but two loops of one candidate (or two
    loops sharing an interviewer) lock different rows: on PostgreSQL the exclusion
    constraints settle that race, and their refusal is the same DomainError as the check's.
    """
    ends_at = starts_at + dt.timedelta(minutes=round_.duration_minutes)
    round_.interviewer = interviewer
    round_.starts_at = starts_at
    round_.booked_until = ends_at
    round_.candidate_id = loop.candidate_id
    round_.candidate_free_at = ends_at + candidate_gap()
    round_.feedback_due_at = ends_at + feedback_allowance()
    try:
        with transaction.atomic():  # a savepoint: a refusal leaves the outer transaction usable
            round_.save()
    except IntegrityError as exc:
        constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", None) or str(exc)
        if "round_candidate_not_double_booked" in constraint:
            raise _candidate_busy(loop) from exc
        if "round_interviewer_not_double_booked" in constraint:
            raise _interviewer_busy(interviewer) from exc
        raise


def _override_record(outside: list[dict], reason: str) -> dict:
    if not outside:
        return {}
    kinds = {"time_off": "time_off_starts_at", "busy_block": "busy_starts_at", "load_limit": "limit_period"}
    record: dict = {"outside_hours_reason": reason.strip()}
    hours = [entry for entry in outside if not any(key in entry for key in kinds.values())]
    if hours:
        record["outside_hours"] = hours
    for name, key in kinds.items():
        entries = [entry for entry in outside if key in entry]
        if entries:
            record[name] = entries
    return record


def _load_round(round_id: int) -> tuple[Loop, Round]:
    loop_id = Round.objects.values_list("loop_id", flat=True).get(pk=round_id)
    loop = _lock_loop(loop_id)
    round_ = Round.objects.select_related("interviewer__user", "interviewer__department").get(pk=round_id)
    round_.loop = loop
    return loop, round_


@transaction.atomic
def schedule_round(
    *,
    round: Round,
    interviewer: Interviewer,
    starts_at: dt.datetime,
    by: User | None,
    allow_outside_hours: bool = False,
    outside_hours_reason: str = "",
) -> Round:
    """Give a planned round its interviewer and time.

    Outside the interviewer's working hours or the candidate's waking hours it is
    refused, unless allow_outside_hours is given with a reason; that override is put
    on record (rule 10).
    """
    _require_perm(by, "hiring.change_round", _("Only recruiters can schedule rounds."))
    _check_start(starts_at)
    loop, round_ = _load_round(round.pk)
    _require_open(loop)
    if round_.status != RoundStatus.PLANNED:
        raise DomainError(
            _("Round “%(round)s” is %(status)s; reschedule it instead.")
            % {"round": round_.label, "status": round_.get_status_display().lower()}
        )
    interviewer = Interviewer.objects.select_related("user", "department").get(pk=interviewer.pk)
    _check_interviewer(loop=loop, round_=round_, interviewer=interviewer, starts_at=starts_at)
    _check_candidate(loop=loop, round_=round_, starts_at=starts_at)
    outside = _check_hours(
        loop=loop,
        round_=round_,
        interviewer=interviewer,
        starts_at=starts_at,
        allow_outside_hours=allow_outside_hours,
        outside_hours_reason=outside_hours_reason,
    )
    round_.status = RoundStatus.SCHEDULED
    _book(round_, loop=loop, interviewer=interviewer, starts_at=starts_at)
    record_event(
        kind=EventKind.ROUND_SCHEDULED,
        actor=by,
        loop=loop,
        round=round_,
        reason=outside_hours_reason.strip() if outside else "",
        data={
            "interviewer_id": interviewer.pk,
            "starts_at": starts_at.isoformat(),
            **_override_record(outside, outside_hours_reason),
        },
    )
    reminders.on_round_scheduled(round_)
    _advance(loop, by)
    return round_


@transaction.atomic
def reschedule_round(
    *,
    round: Round,
    by: User | None,
    starts_at: dt.datetime | None = None,
    interviewer: Interviewer | None = None,
    reason: str = "",
    allow_outside_hours: bool = False,
    outside_hours_reason: str = "",
) -> Round:
    """Move a scheduled round and/or hand it to another interviewer (the rules of
    schedule_round hold for the new time and person, the override included)."""
    _require_perm(by, "hiring.change_round", _("Only recruiters can reschedule rounds."))
    loop, round_ = _load_round(round.pk)
    _require_open(loop)
    if round_.status != RoundStatus.SCHEDULED:
        raise DomainError(
            _("Round “%(round)s” is %(status)s; only a scheduled round can be moved.")
            % {"round": round_.label, "status": round_.get_status_display().lower()}
        )
    new_start = starts_at or round_.starts_at
    new_interviewer = (
        Interviewer.objects.select_related("user", "department").get(pk=interviewer.pk)
        if interviewer is not None
        else round_.interviewer
    )
    if new_start == round_.starts_at and new_interviewer.pk == round_.interviewer_id:
        raise DomainError(_("Nothing changed: give a new time or a new interviewer."))
    if starts_at is not None:
        _check_start(starts_at)
    _check_interviewer(loop=loop, round_=round_, interviewer=new_interviewer, starts_at=new_start)
    _check_candidate(loop=loop, round_=round_, starts_at=new_start)
    outside = _check_hours(
        loop=loop,
        round_=round_,
        interviewer=new_interviewer,
        starts_at=new_start,
        allow_outside_hours=allow_outside_hours,
        outside_hours_reason=outside_hours_reason,
    )
    previous = {"interviewer_id": round_.interviewer_id, "starts_at": round_.starts_at.isoformat()}
    previous_interviewer = round_.interviewer
    round_.sequence += 1
    _book(round_, loop=loop, interviewer=new_interviewer, starts_at=new_start)
    if outside:
        reason = " ".join(
            part for part in (reason.strip(), _("Booked anyway: %s") % outside_hours_reason.strip()) if part
        )
    record_event(
        kind=EventKind.ROUND_RESCHEDULED,
        actor=by,
        loop=loop,
        round=round_,
        reason=reason,
        data={
            "previous": previous,
            "interviewer_id": new_interviewer.pk,
            "starts_at": new_start.isoformat(),
            "sequence": round_.sequence,
            **_override_record(outside, outside_hours_reason),
        },
    )
    reminders.on_round_rescheduled(round_, previous_interviewer=previous_interviewer)
    _refresh_feedback_due(loop)
    return round_


def _cancel(loop: Loop, round_: Round, by: User | None, reason: str) -> None:
    round_.status = RoundStatus.CANCELLED
    round_.sequence += 1
    round_.save(update_fields=["status", "sequence", "updated_at"])
    record_event(kind=EventKind.ROUND_CANCELLED, actor=by, loop=loop, round=round_, reason=reason)
    reminders.on_round_cancelled(round_)


@transaction.atomic
def cancel_round(*, round: Round, by: User | None, reason: str) -> Round:
    _require_perm(by, "hiring.change_round", _("Only recruiters can cancel rounds."))
    reason = _require_reason(reason, _("round is cancelled"))
    loop, round_ = _load_round(round.pk)
    _require_open(loop)
    if round_.status not in NOT_YET_HELD:
        raise DomainError(
            _("Round “%(round)s” is %(status)s; only a round not yet held can be cancelled.")
            % {"round": round_.label, "status": round_.get_status_display().lower()}
        )
    _cancel(loop, round_, by, reason)
    _advance(loop, by)
    return round_


def _may_report_on_round(user: User | None, round_: Round) -> bool:
    return user is None or user.has_perm("hiring.change_round") or user.pk == round_.interviewer.user_id


@transaction.atomic
def mark_round_held(*, round: Round, by: User | None) -> Round:
    loop, round_ = _load_round(round.pk)
    if round_.interviewer is None or not _may_report_on_round(by, round_):
        raise NotPermitted(_("Only the round's interviewer or a recruiter can mark it held."))
    _require_open(loop)
    if round_.status != RoundStatus.SCHEDULED:
        raise DomainError(
            _("Round “%(round)s” is %(status)s, not scheduled.")
            % {"round": round_.label, "status": round_.get_status_display().lower()}
        )
    if round_.starts_at > timezone.now():
        raise DomainError(_("The interview has not started yet."))
    round_.status = RoundStatus.HELD
    round_.save(update_fields=["status", "updated_at"])
    record_event(kind=EventKind.ROUND_HELD, actor=by, loop=loop, round=round_)
    _advance(loop, by)
    return round_


@transaction.atomic
def mark_no_show(*, round: Round, by: User | None, reason: str = "The candidate did not attend.") -> Round:
    loop, round_ = _load_round(round.pk)
    if round_.interviewer is None or not _may_report_on_round(by, round_):
        raise NotPermitted(_("Only the round's interviewer or a recruiter can record a no-show."))
    _require_open(loop)
    if round_.status != RoundStatus.SCHEDULED:
        raise DomainError(
            _("Round “%(round)s” is %(status)s, not scheduled.")
            % {"round": round_.label, "status": round_.get_status_display().lower()}
        )
    if round_.starts_at > timezone.now():
        raise DomainError(_("The interview has not started yet."))
    round_.status = RoundStatus.NO_SHOW
    round_.save(update_fields=["status", "updated_at"])
    record_event(kind=EventKind.ROUND_NO_SHOW, actor=by, loop=loop, round=round_, reason=reason)
    reminders.on_round_cancelled(round_)
    _advance(loop, by)
    return round_


def _close_remaining_rounds(loop: Loop, by: User | None, reason: str) -> list[Round]:
    """When a loop ends, the rounds still ahead are cancelled (and returned).

    A round still marked scheduled whose interview has already begun took place:
    it is recorded as held, not erased from the record by a cancellation.
    """
    now = timezone.now()
    cancelled = []
    for round_ in loop.rounds.filter(status__in=NOT_YET_HELD).select_related("interviewer__user"):
        if round_.status == RoundStatus.SCHEDULED and round_.starts_at <= now:
            round_.status = RoundStatus.HELD
            round_.save(update_fields=["status", "updated_at"])
            record_event(
                kind=EventKind.ROUND_HELD,
                actor=None,
                loop=loop,
                round=round_,
                reason="It had begun when the loop closed.",
            )
        else:
            _cancel(loop, round_, by, reason)
            cancelled.append(round_)
    return cancelled
