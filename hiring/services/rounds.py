"""Rounds: adding, scheduling, moving, cancelling, held and no-show, and closing what is left of a loop."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from hiring import reminders
from hiring.models import (
    ACTIVE_ROUND_STATUSES,
    Competency,
    EventKind,
    Interviewer,
    Loop,
    Round,
    RoundKind,
    RoundStatus,
)
from hiring.rules import (
    DomainError,
    NotPermitted,
    check_bar_raiser,
    check_no_repeat,
    check_panel_variety,
)
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
    _require_perm(by, "hiring.add_round", "Only recruiters can add rounds.")
    reason = _require_reason(reason, "round is added")
    if kind not in RoundKind.values:
        raise ValidationError({"kind": f"{kind!r} is not a round kind."})
    loop = _lock_loop(loop.pk)
    _require_open(loop)
    if kind == RoundKind.BAR_RAISER and loop.rounds.filter(kind=kind, status__in=ACTIVE_ROUND_STATUSES).exists():
        raise DomainError("This loop already has a bar-raiser round; a loop has exactly one.")
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
        raise DomainError(f"{interviewer.name} is no longer active.")
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
    ends_at = starts_at + dt.timedelta(minutes=round_.duration_minutes)
    clash = (
        Round.objects.filter(
            interviewer=interviewer,
            status=RoundStatus.SCHEDULED,
            starts_at__lt=ends_at,
            feedback_due_at__gt=starts_at + feedback_allowance(),
        )
        .exclude(pk=round_.pk)
        .select_related("loop__candidate")
        .first()
    )
    if clash is not None:
        problems.append(f"{interviewer.name} already has an interview at that time (with {clash.loop.candidate}).")
    if problems:
        raise DomainError(" ".join(problems))


def _load_round(round_id: int) -> tuple[Loop, Round]:
    loop_id = Round.objects.values_list("loop_id", flat=True).get(pk=round_id)
    loop = _lock_loop(loop_id)
    round_ = Round.objects.select_related("interviewer__user", "interviewer__department").get(pk=round_id)
    round_.loop = loop
    return loop, round_


@transaction.atomic
def schedule_round(*, round: Round, interviewer: Interviewer, starts_at: dt.datetime, by: User | None) -> Round:
    """Give a planned round its interviewer and time."""
    _require_perm(by, "hiring.change_round", "Only recruiters can schedule rounds.")
    _check_start(starts_at)
    loop, round_ = _load_round(round.pk)
    _require_open(loop)
    if round_.status != RoundStatus.PLANNED:
        raise DomainError(f"Round “{round_.label}” is {round_.get_status_display().lower()}; reschedule it instead.")
    interviewer = Interviewer.objects.select_related("user", "department").get(pk=interviewer.pk)
    _check_interviewer(loop=loop, round_=round_, interviewer=interviewer, starts_at=starts_at)
    round_.interviewer = interviewer
    round_.starts_at = starts_at
    round_.feedback_due_at = starts_at + dt.timedelta(minutes=round_.duration_minutes) + feedback_allowance()
    round_.status = RoundStatus.SCHEDULED
    round_.save()
    record_event(
        kind=EventKind.ROUND_SCHEDULED,
        actor=by,
        loop=loop,
        round=round_,
        data={"interviewer_id": interviewer.pk, "starts_at": starts_at.isoformat()},
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
) -> Round:
    """Move a scheduled round and/or hand it to another interviewer."""
    _require_perm(by, "hiring.change_round", "Only recruiters can reschedule rounds.")
    loop, round_ = _load_round(round.pk)
    _require_open(loop)
    if round_.status != RoundStatus.SCHEDULED:
        raise DomainError(
            f"Round “{round_.label}” is {round_.get_status_display().lower()}; only a scheduled round can be moved."
        )
    new_start = starts_at or round_.starts_at
    new_interviewer = (
        Interviewer.objects.select_related("user", "department").get(pk=interviewer.pk)
        if interviewer is not None
        else round_.interviewer
    )
    if new_start == round_.starts_at and new_interviewer.pk == round_.interviewer_id:
        raise DomainError("Nothing changed: give a new time or a new interviewer.")
    if starts_at is not None:
        _check_start(starts_at)
    _check_interviewer(loop=loop, round_=round_, interviewer=new_interviewer, starts_at=new_start)
    previous = {"interviewer_id": round_.interviewer_id, "starts_at": round_.starts_at.isoformat()}
    previous_interviewer = round_.interviewer
    round_.interviewer = new_interviewer
    round_.starts_at = new_start
    round_.feedback_due_at = new_start + dt.timedelta(minutes=round_.duration_minutes) + feedback_allowance()
    round_.sequence += 1
    round_.save()
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
    _require_perm(by, "hiring.change_round", "Only recruiters can cancel rounds.")
    reason = _require_reason(reason, "round is cancelled")
    loop, round_ = _load_round(round.pk)
    _require_open(loop)
    if round_.status not in NOT_YET_HELD:
        raise DomainError(
            f"Round “{round_.label}” is {round_.get_status_display().lower()}; "
            "only a round not yet held can be cancelled."
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
        raise NotPermitted("Only the round's interviewer or a recruiter can mark it held.")
    _require_open(loop)
    if round_.status != RoundStatus.SCHEDULED:
        raise DomainError(f"Round “{round_.label}” is {round_.get_status_display().lower()}, not scheduled.")
    if round_.starts_at > timezone.now():
        raise DomainError("The interview has not started yet.")
    round_.status = RoundStatus.HELD
    round_.save(update_fields=["status", "updated_at"])
    record_event(kind=EventKind.ROUND_HELD, actor=by, loop=loop, round=round_)
    _advance(loop, by)
    return round_


@transaction.atomic
def mark_no_show(*, round: Round, by: User | None, reason: str = "The candidate did not attend.") -> Round:
    loop, round_ = _load_round(round.pk)
    if round_.interviewer is None or not _may_report_on_round(by, round_):
        raise NotPermitted("Only the round's interviewer or a recruiter can record a no-show.")
    _require_open(loop)
    if round_.status != RoundStatus.SCHEDULED:
        raise DomainError(f"Round “{round_.label}” is {round_.get_status_display().lower()}, not scheduled.")
    if round_.starts_at > timezone.now():
        raise DomainError("The interview has not started yet.")
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
