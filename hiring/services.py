"""Every state change of the hiring domain.

The admin, the web pages, the REST API and the Celery tasks all call these
functions, so a rule holds everywhere or nowhere. Each function is atomic;
those that change a loop lock its row first (SELECT ... FOR UPDATE on
PostgreSQL; SQLite serialises writers with BEGIN IMMEDIATE), so two changes to
one loop, such as a veto and a hire, run one after the other and the second
sees what the first did.

Invalid input raises django.core.exceptions.ValidationError (a 400 with the
field); a change the rules forbid raises rules.DomainError (a 409).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max, Min
from django.utils import timezone

from hiring import reminders, selectors, webhooks
from hiring.models import (
    ACTIVE_ROUND_STATUSES,
    FEEDBACK_ROUND_STATUSES,
    OPEN_LOOP_STATUSES,
    RATING_MAX,
    RATING_MIN,
    ApiToken,
    Candidate,
    Competency,
    Decision,
    DeliveryStatus,
    Event,
    EventKind,
    Interviewer,
    Loop,
    LoopPlan,
    LoopStatus,
    Outcome,
    Position,
    Rating,
    Recommendation,
    Round,
    RoundKind,
    RoundStatus,
    RoundTemplate,
    Scorecard,
    WebhookDelivery,
    WebhookSubscription,
)
from hiring.rules import (
    DomainError,
    NotPermitted,
    Seat,
    check_bar_raiser,
    check_no_repeat,
    check_panel_variety,
    check_plan,
)

User = AbstractBaseUser

# How far from now a round may be put: recording an interview held off-system
# in the last week is allowed; a date years away is a typo.
SCHEDULE_PAST_LIMIT = dt.timedelta(days=7)
SCHEDULE_FUTURE_LIMIT = dt.timedelta(days=365)
NOT_YET_HELD = [RoundStatus.PLANNED, RoundStatus.SCHEDULED]


def feedback_allowance() -> dt.timedelta:
    return dt.timedelta(minutes=getattr(settings, "HIRING_FEEDBACK_DUE_MINUTES", 60))


# --- the record ---------------------------------------------------------------


def record_event(
    *,
    kind: str,
    actor: User | None,
    loop: Loop | None = None,
    round: Round | None = None,
    candidate: Candidate | None = None,
    reason: str = "",
    data: Mapping | None = None,
) -> Event:
    """Append one event; its webhook deliveries are written in the same transaction."""
    if candidate is None and loop is not None:
        candidate = loop.candidate
    event = Event.objects.create(
        kind=kind,
        actor=actor if actor is not None and actor.is_authenticated else None,
        loop=loop,
        round=round,
        candidate=candidate,
        reason=reason,
        data=dict(data or {}),
    )
    webhooks.enqueue_for_event(event)
    return event


# --- permissions --------------------------------------------------------------


def _require_perm(user: User | None, perm: str, message: str) -> None:
    """None is the system itself (a task), which may do anything a rule allows."""
    if user is not None and not user.has_perm(perm):
        raise NotPermitted(message)


def _require_reason(reason: str, what: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": f"Say why the {what}; the reason goes on record."})
    return reason


# --- candidates ---------------------------------------------------------------


def _clean_candidate(candidate: Candidate) -> None:
    """full_clean(), with the case-insensitive unique email reported on the email
    field (Django reports an expression constraint as a non-field error)."""
    try:
        candidate.full_clean()
    except ValidationError as exc:
        errors = exc.message_dict
        taken = [m for m in errors.get("__all__", []) if "candidate_email_unique" in m]
        if not taken:
            raise
        rest = [m for m in errors.pop("__all__") if m not in taken]
        if rest:
            errors["__all__"] = rest
        errors.setdefault("email", []).append("A candidate with this email already exists.")
        raise ValidationError(errors) from None


def create_candidate(
    *,
    full_name: str,
    email: str,
    time_zone: str,
    preferred_language: str = "en",
    source: str = "",
    by: User | None,
) -> Candidate:
    _require_perm(by, "hiring.add_candidate", "Only recruiters can add candidates.")
    candidate = Candidate(
        full_name=(full_name or "").strip(),
        email=(email or "").strip(),
        time_zone=time_zone,
        preferred_language=preferred_language,
        source=(source or "").strip(),
    )
    _clean_candidate(candidate)
    try:
        with transaction.atomic():
            candidate.save()
            record_event(kind=EventKind.CANDIDATE_CREATED, actor=by, candidate=candidate)
    except IntegrityError:
        # Two requests raced past full_clean() with the same address.
        raise ValidationError({"email": "A candidate with this email already exists."}) from None
    return candidate


@transaction.atomic
def update_candidate(*, candidate: Candidate, by: User | None, **fields: object) -> Candidate:
    _require_perm(by, "hiring.change_candidate", "Only recruiters can change candidates.")
    allowed = {"full_name", "email", "time_zone", "preferred_language", "source"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError({name: "This field cannot be changed." for name in unknown})
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    changed = {}
    for name, value in fields.items():
        if getattr(candidate, name) != value:
            changed[name] = [getattr(candidate, name), value]
            setattr(candidate, name, value)
    if not changed:
        return candidate
    _clean_candidate(candidate)
    candidate.save()
    record_event(kind=EventKind.CANDIDATE_UPDATED, actor=by, candidate=candidate, data={"changed": changed})
    return candidate


# --- loop plans ---------------------------------------------------------------


@dataclass(frozen=True)
class RoundSpec:
    kind: str
    title: str = ""
    duration_minutes: int = 60
    competency_ids: tuple[int, ...] = ()


@transaction.atomic
def create_loop_plan(*, name: str, rounds: list[RoundSpec], description: str = "", by: User | None) -> LoopPlan:
    _require_perm(by, "hiring.add_loopplan", "Only recruiters can create loop plans.")
    for spec in rounds:
        if spec.kind not in RoundKind.values:
            raise ValidationError({"rounds": f"{spec.kind!r} is not a round kind."})
    problems = check_plan([spec.kind for spec in rounds])
    if problems:
        raise DomainError(" ".join(problems))
    plan = LoopPlan(name=(name or "").strip(), description=description)
    plan.full_clean()
    plan.save()
    for order, spec in enumerate(rounds, start=1):
        template = RoundTemplate(
            plan=plan, order=order, kind=spec.kind, title=spec.title, duration_minutes=spec.duration_minutes
        )
        template.full_clean()
        template.save()
        template.competencies.set(spec.competency_ids)
    return plan


def validate_plan_for_position(plan: LoopPlan, position_min: int = 0) -> None:
    problems = check_plan(list(plan.rounds.values_list("kind", flat=True)), position_min=position_min)
    if problems:
        raise DomainError(f"Loop plan “{plan.name}”: " + " ".join(problems))


# --- loops and rounds ----------------------------------------------------------


def _lock_loop(loop_id: int) -> Loop:
    return (
        Loop.objects.select_for_update(of=("self",))
        .select_related("candidate", "position__department", "position__recruiter")
        .get(pk=loop_id)
    )


def _require_open(loop: Loop) -> None:
    if loop.is_vetoed:
        raise DomainError("This loop was vetoed and is closed; nothing more can change in it.")
    if not loop.is_open:
        raise DomainError(
            f"This loop is {loop.get_status_display().lower()} and closed; nothing more can change in it."
        )


@transaction.atomic
def start_loop(*, candidate: Candidate, position: Position, by: User | None) -> Loop:
    """Open a loop for a candidate, with one planned round per round of the position's plan."""
    _require_perm(by, "hiring.add_loop", "Only recruiters can start a loop.")
    position = Position.objects.select_related("loop_plan", "department").get(pk=position.pk)
    if not position.is_open:
        raise DomainError(f"The position “{position.title}” is closed.")
    validate_plan_for_position(position.loop_plan, position.min_rounds)
    # Lock the candidate so two starts for the same position cannot both pass the check.
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if Loop.objects.filter(candidate=candidate, position=position, status__in=OPEN_LOOP_STATUSES).exists():
        raise DomainError(f"{candidate} already has an open loop for {position.title}.")
    loop = Loop.objects.create(candidate=candidate, position=position)
    templates = list(position.loop_plan.rounds.prefetch_related("competencies").order_by("order"))
    rounds = Round.objects.bulk_create(
        [
            Round(loop=loop, order=t.order, kind=t.kind, title=t.title, duration_minutes=t.duration_minutes)
            for t in templates
        ]
    )
    links = [
        Round.competencies.through(round_id=r.pk, competency_id=c.pk)
        for r, t in zip(rounds, templates, strict=True)
        for c in t.competencies.all()
    ]
    Round.competencies.through.objects.bulk_create(links)
    record_event(
        kind=EventKind.LOOP_CREATED, actor=by, loop=loop, data={"position_id": position.pk, "rounds": len(rounds)}
    )
    return loop


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


def _seat(interviewer: Interviewer) -> Seat:
    return Seat(
        interviewer_id=interviewer.pk,
        name=interviewer.name,
        department_id=interviewer.department_id,
        department=interviewer.department.name,
        level_id=interviewer.level_id,
    )


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


def _set_status(loop: Loop, status: str, by: User | None, *, kind: str = EventKind.LOOP_STATUS_CHANGED) -> None:
    previous = loop.status
    loop.status = status
    loop.save(update_fields=["status", "updated_at"])
    record_event(kind=kind, actor=by, loop=loop, data={"from": previous, "to": status})


def _refresh_feedback_due(loop: Loop) -> None:
    """Keep Loop.feedback_due_at: the earliest due feedback of an open loop, else null."""
    due = None
    if loop.is_open:
        due = loop.rounds.filter(status__in=FEEDBACK_ROUND_STATUSES).aggregate(m=Min("feedback_due_at"))["m"]
    if due != loop.feedback_due_at:
        loop.feedback_due_at = due
        loop.save(update_fields=["feedback_due_at", "updated_at"])


def _advance(loop: Loop, by: User | None) -> None:
    """Move an open loop along its lifecycle to match its rounds.

    draft → scheduled once every live round has an interviewer and a time and
    the loop rules hold; → in_progress once a round is held; → awaiting_decision
    once every live round has a submitted scorecard (back to in_progress if a
    round is added after that).
    """
    if not loop.is_open:
        _refresh_feedback_due(loop)
        return
    rounds = list(loop.rounds.filter(status__in=ACTIVE_ROUND_STATUSES).select_related("interviewer__department"))
    statuses = {r.status for r in rounds}
    if loop.status == LoopStatus.DRAFT:
        complete = rounds and RoundStatus.PLANNED not in statuses
        if complete and not _loop_rule_problems(loop, rounds):
            _set_status(loop, LoopStatus.SCHEDULED, by, kind=EventKind.LOOP_SCHEDULED)
    if loop.status == LoopStatus.SCHEDULED and statuses & {RoundStatus.HELD, RoundStatus.SUBMITTED}:
        _set_status(loop, LoopStatus.IN_PROGRESS, by)
    all_in = rounds and statuses == {RoundStatus.SUBMITTED}
    if loop.status == LoopStatus.IN_PROGRESS and all_in and not _loop_rule_problems(loop, rounds):
        _set_status(loop, LoopStatus.AWAITING_DECISION, by)
    elif loop.status == LoopStatus.AWAITING_DECISION and not all_in:
        _set_status(loop, LoopStatus.IN_PROGRESS, by)
    _refresh_feedback_due(loop)


def _loop_rule_problems(loop: Loop, rounds: list[Round]) -> list[str]:
    problems = check_plan([r.kind for r in rounds], position_min=loop.position.min_rounds)
    seats = [_seat(r.interviewer) for r in rounds if r.interviewer_id]
    return problems + check_no_repeat(seats) + check_panel_variety(seats)


# --- scorecards ---------------------------------------------------------------


def _clean_ratings(round_: Round, ratings: Mapping[int, int] | None, *, complete: bool) -> dict[int, int]:
    expected = {c.pk: c.name for c in round_.competencies.all()}
    cleaned: dict[int, int] = {}
    for key, value in (ratings or {}).items():
        try:
            competency_id, score = int(key), int(value)
        except (TypeError, ValueError):
            raise ValidationError({"ratings": "Each rating is a competency id and a whole number."}) from None
        if competency_id not in expected:
            raise ValidationError({"ratings": f"Competency {competency_id} is not assessed in this round."})
        if not RATING_MIN <= score <= RATING_MAX:
            raise ValidationError(
                {"ratings": f"{expected[competency_id]}: ratings run from {RATING_MIN} to {RATING_MAX}."}
            )
        cleaned[competency_id] = score
    if complete:
        missing = [name for pk, name in expected.items() if pk not in cleaned]
        if missing:
            raise ValidationError({"ratings": f"Rate every competency of the round; missing: {', '.join(missing)}."})
    return cleaned


def _check_scorecard_author(round_: Round, by: User | None) -> None:
    if by is None or round_.interviewer is None or round_.interviewer.user_id != by.pk:
        raise NotPermitted("Only the round's interviewer can write its scorecard.")


def _check_feedback_open(loop: Loop, round_: Round) -> None:
    _require_open(loop)
    if round_.status not in {RoundStatus.SCHEDULED, RoundStatus.HELD, RoundStatus.SUBMITTED}:
        raise DomainError(f"Round “{round_.label}” is {round_.get_status_display().lower()}; it takes no feedback.")
    if round_.starts_at > timezone.now():
        raise DomainError("The interview has not started yet; feedback opens at its start.")


def _write_ratings(scorecard: Scorecard, ratings: Mapping[int, int]) -> None:
    scorecard.ratings.all().delete()
    Rating.objects.bulk_create(
        [Rating(scorecard=scorecard, competency_id=pk, score=score) for pk, score in ratings.items()]
    )


@transaction.atomic
def save_scorecard_draft(
    *,
    round: Round,
    by: User | None,
    ratings: Mapping[int, int] | None = None,
    recommendation: str = "",
    notes: str = "",
    veto: bool = False,
    veto_reason: str = "",
) -> Scorecard:
    """Keep unfinished feedback to resume later. A draft has no effect on the loop."""
    loop, round_ = _load_round(round.pk)
    _check_scorecard_author(round_, by)
    _check_feedback_open(loop, round_)
    if recommendation and recommendation not in Recommendation.values:
        raise ValidationError({"recommendation": f"{recommendation!r} is not a recommendation."})
    cleaned = _clean_ratings(round_, ratings, complete=False)
    draft = round_.scorecards.filter(submitted_at__isnull=True).first()
    if draft is None:
        revision = (round_.scorecards.aggregate(m=Max("revision"))["m"] or 0) + 1
        draft = Scorecard(round=round_, revision=revision, author=by)
    draft.recommendation = recommendation
    draft.notes = notes
    draft.veto = bool(veto)
    draft.veto_reason = veto_reason if veto else ""
    if draft.veto and not draft.veto_reason.strip():
        # The database insists on a reason with a veto; a draft keeps the intent without one.
        draft.veto = False
    draft.save()
    _write_ratings(draft, cleaned)
    return draft


def submit_scorecard(
    *,
    round: Round,
    by: User | None,
    ratings: Mapping[int, int],
    recommendation: str,
    notes: str = "",
    veto: bool = False,
    veto_reason: str = "",
) -> Scorecard:
    """Submit a round's first scorecard. A veto ends the loop at once (rule 4)."""
    return _submit(
        round_id=round.pk,
        by=by,
        ratings=ratings,
        recommendation=recommendation,
        notes=notes,
        veto=veto,
        veto_reason=veto_reason,
        amend=False,
    )


def amend_scorecard(
    *,
    round: Round,
    by: User | None,
    ratings: Mapping[int, int],
    recommendation: str,
    notes: str = "",
    veto: bool = False,
    veto_reason: str = "",
) -> Scorecard:
    """A new revision of a submitted scorecard; the earlier one stays on record."""
    return _submit(
        round_id=round.pk,
        by=by,
        ratings=ratings,
        recommendation=recommendation,
        notes=notes,
        veto=veto,
        veto_reason=veto_reason,
        amend=True,
    )


@transaction.atomic
def _submit(
    *,
    round_id: int,
    by: User | None,
    ratings: Mapping[int, int],
    recommendation: str,
    notes: str,
    veto: bool,
    veto_reason: str,
    amend: bool,
) -> Scorecard:
    loop, round_ = _load_round(round_id)
    _check_scorecard_author(round_, by)
    _check_feedback_open(loop, round_)
    errors = {}
    if recommendation not in Recommendation.values:
        errors["recommendation"] = "Choose an overall recommendation: strong no, no, yes or strong yes."
    veto_reason = (veto_reason or "").strip()
    if veto and not veto_reason:
        errors["veto_reason"] = "A veto needs a written reason."
    if errors:
        raise ValidationError(errors)
    cleaned = _clean_ratings(round_, ratings, complete=True)
    current = round_.scorecards.filter(is_current=True).first()
    if current is not None and not amend:
        raise DomainError("You already submitted this scorecard; amend it to change it.")
    if current is None and amend:
        raise DomainError("There is no submitted scorecard to amend yet; submit it first.")
    if current is not None:
        current.is_current = False
        current.save(update_fields=["is_current"])
    scorecard = round_.scorecards.filter(submitted_at__isnull=True).first()
    if scorecard is None:
        revision = (round_.scorecards.aggregate(m=Max("revision"))["m"] or 0) + 1
        scorecard = Scorecard(round=round_, revision=revision, author=by)
    scorecard.recommendation = recommendation
    scorecard.notes = notes or ""
    scorecard.veto = bool(veto)
    scorecard.veto_reason = veto_reason if veto else ""
    scorecard.submitted_at = timezone.now()
    scorecard.is_current = True
    scorecard.save()
    _write_ratings(scorecard, cleaned)
    round_.status = RoundStatus.SUBMITTED
    round_.save(update_fields=["status", "updated_at"])
    record_event(
        kind=EventKind.SCORECARD_AMENDED if amend else EventKind.SCORECARD_SUBMITTED,
        actor=by,
        loop=loop,
        round=round_,
        reason=veto_reason,
        data={
            "scorecard_id": scorecard.pk,
            "revision": scorecard.revision,
            "recommendation": recommendation,
            "veto": scorecard.veto,
        },
    )
    reminders.on_scorecard_submitted(round_)
    if scorecard.veto:
        _apply_veto(loop, scorecard, by)
    else:
        _advance(loop, by)
    return scorecard


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


def _apply_veto(loop: Loop, scorecard: Scorecard, by: User | None) -> None:
    """Rule 4: the loop is rejected at once and the rounds not yet held are cancelled."""
    cancelled = _close_remaining_rounds(loop, by, "The loop was vetoed.")
    loop.status = LoopStatus.REJECTED
    loop.veto_scorecard = scorecard
    loop.closed_at = timezone.now()
    loop.save(update_fields=["status", "veto_scorecard", "closed_at", "updated_at"])
    _refresh_feedback_due(loop)
    record_event(
        kind=EventKind.LOOP_VETOED,
        actor=by,
        loop=loop,
        round=scorecard.round,
        reason=scorecard.veto_reason,
        data={"scorecard_id": scorecard.pk, "cancelled_round_ids": [r.pk for r in cancelled]},
    )
    reminders.on_loop_vetoed(loop, scorecard=scorecard, cancelled_rounds=cancelled)


# --- decisions ----------------------------------------------------------------


def _may_decide(user: User | None, loop: Loop) -> bool:
    return user is None or user.pk == loop.position.hiring_manager_id or user.has_perm("hiring.add_decision")


@transaction.atomic
def decide(*, loop: Loop, outcome: str, by: User | None, reason: str = "") -> Decision:
    """Record the hire or reject. The loop row is locked first, so a veto that
    commits before this runs is seen here and the hire is refused."""
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "The outcome is hire or reject."})
    loop = _lock_loop(loop.pk)
    if not _may_decide(by, loop):
        raise NotPermitted("Only the hiring manager or a recruiter can record a decision.")
    _require_open(loop)
    if outcome == Outcome.REJECT:
        reason = _require_reason(reason, "candidate is rejected")
    else:
        problems = selectors.hire_blockers(loop)
        if problems:
            raise DomainError("A hire cannot be recorded yet: " + " ".join(problems))
    now = timezone.now()
    decision = Decision.objects.create(loop=loop, outcome=outcome, decided_by=by, reason=reason, decided_at=now)
    if outcome == Outcome.REJECT:
        _close_remaining_rounds(loop, by, "The candidate was rejected.")
    loop.status = LoopStatus.HIRED if outcome == Outcome.HIRE else LoopStatus.REJECTED
    loop.closed_at = now
    loop.save(update_fields=["status", "closed_at", "updated_at"])
    _refresh_feedback_due(loop)
    reminders.on_loop_closed(loop)
    record_event(
        kind=EventKind.LOOP_DECIDED,
        actor=by,
        loop=loop,
        reason=reason,
        data={"outcome": outcome, "decision_id": decision.pk},
    )
    return decision


@transaction.atomic
def withdraw(*, loop: Loop, by: User | None, reason: str) -> Loop:
    """The candidate leaves the process (their choice or the company's)."""
    _require_perm(by, "hiring.change_loop", "Only recruiters can withdraw a candidate.")
    reason = _require_reason(reason, "candidate is withdrawn")
    loop = _lock_loop(loop.pk)
    _require_open(loop)
    _close_remaining_rounds(loop, by, "The candidate was withdrawn.")
    previous = loop.status
    loop.status = LoopStatus.WITHDRAWN
    loop.closed_at = timezone.now()
    loop.save(update_fields=["status", "closed_at", "updated_at"])
    _refresh_feedback_due(loop)
    reminders.on_loop_closed(loop)
    record_event(kind=EventKind.CANDIDATE_WITHDRAWN, actor=by, loop=loop, reason=reason, data={"from": previous})
    return loop


# --- integrations ---------------------------------------------------------------
# API tokens and webhook subscriptions (issue 5). Creating and revoking them are
# state changes like any other, so the admin and the API both come through here.

API_TOKEN_DEFAULT_LIFETIME = dt.timedelta(days=90)
API_TOKEN_MAX_LIFETIME = dt.timedelta(days=366)
API_KEY_PREFIX = "hl_"
# What a token may do, on top of what its user may do: a token never has more
# power than the person or service account it belongs to.
API_SCOPES = {
    "read": "Read what the token's user may see.",
    "candidates:write": "Create and update candidates, start loops, withdraw candidates.",
    "rounds:write": "Schedule, reschedule and cancel rounds.",
    "scorecards:write": "Submit and amend the user's own scorecards.",
    "decisions:write": "Record hire or reject decisions.",
    "webhooks:write": "Create and remove webhook subscriptions.",
}


def hash_api_key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def create_api_token(
    *,
    user: User,
    name: str,
    scopes: Iterable[str],
    expires_at: dt.datetime | None = None,
    by: User | None,
) -> tuple[ApiToken, str]:
    """Issue a token for an integration acting as `user`; return it with its raw key.

    Only the key's SHA-256 is stored: the raw key is returned here once and can
    never be read again, so whoever creates it must hand it over now.
    """
    _require_perm(by, "hiring.add_apitoken", "Only administrators can create API tokens.")
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Name the token after the system that will use it."
    scopes = sorted(set(scopes))
    unknown = [s for s in scopes if s not in API_SCOPES]
    if unknown:
        errors["scopes"] = f"Unknown scope(s): {', '.join(unknown)}. Choose from: {', '.join(API_SCOPES)}."
    elif not scopes:
        errors["scopes"] = "Give the token at least one scope."
    now = timezone.now()
    if expires_at is None:
        expires_at = now + API_TOKEN_DEFAULT_LIFETIME
    elif timezone.is_naive(expires_at):
        errors["expires_at"] = "Give the expiry with its zone."
    elif expires_at <= now:
        errors["expires_at"] = "The expiry must be in the future."
    elif expires_at > now + API_TOKEN_MAX_LIFETIME:
        errors["expires_at"] = "A token lives at most a year; issue a new one when it runs out."
    if not user.is_active:
        errors["user"] = "The user is not active."
    if errors:
        raise ValidationError(errors)
    raw = API_KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[: len(API_KEY_PREFIX) + 8],
        key_hash=hash_api_key(raw),
        scopes=scopes,
        expires_at=expires_at,
    )
    return token, raw


@transaction.atomic
def revoke_api_token(*, token: ApiToken, by: User | None) -> ApiToken:
    """Revoke a token for good; revoking it twice changes nothing."""
    _require_perm(by, "hiring.change_apitoken", "Only administrators can revoke API tokens.")
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def note_api_token_use(*, token: ApiToken, now: dt.datetime) -> None:
    """Record when a token was last used, at most once a minute: a write on every
    request would make each read cost a write."""
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def _clean_webhook_events(events: Iterable[str]) -> list[str]:
    events = sorted(set(events))
    unknown = [e for e in events if e not in EventKind.values]
    if unknown:
        raise ValidationError({"events": f"Unknown event(s): {', '.join(unknown)}."})
    return events


def create_webhook_subscription(
    *,
    url: str,
    events: Iterable[str] = (),
    secret: str = "",
    description: str = "",
    by: User | None,
) -> WebhookSubscription:
    """Subscribe a URL to events (none listed means every event).

    Without a secret one is generated; either way the caller reads it from the
    returned object now, to verify signatures with it.
    """
    _require_perm(by, "hiring.add_webhooksubscription", "Only administrators can subscribe webhooks.")
    secret = (secret or "").strip() or secrets.token_urlsafe(32)
    if len(secret) < 16:
        raise ValidationError({"secret": "A signing secret has at least 16 characters."})
    subscription = WebhookSubscription(
        url=(url or "").strip(),
        secret=secret,
        events=_clean_webhook_events(events),
        description=(description or "").strip(),
        created_by=by if by is not None and by.is_authenticated else None,
    )
    # events is validated above; the model field would refuse [] (every event) as blank.
    subscription.full_clean(exclude=["events"])
    if urlsplit(subscription.url).scheme not in {"http", "https"}:
        raise ValidationError({"url": "A webhook URL is http:// or https://."})
    subscription.save()
    return subscription


@transaction.atomic
def deactivate_webhook_subscription(*, subscription: WebhookSubscription, by: User | None) -> WebhookSubscription:
    """Stop sending to a subscription; deliveries not yet made are given up."""
    _require_perm(by, "hiring.change_webhooksubscription", "Only administrators can remove webhooks.")
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.is_active:
        subscription.is_active = False
        subscription.save(update_fields=["is_active"])
        subscription.deliveries.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.CLAIMED]).update(
            status=DeliveryStatus.FAILED, last_error="The subscription was removed.", claimed_until=None
        )
    return subscription


@transaction.atomic
def retry_webhook_delivery(*, delivery: WebhookDelivery, by: User | None) -> WebhookDelivery:
    """Send a delivery that gave up (or is waiting) again at the next sweep."""
    _require_perm(by, "hiring.change_webhookdelivery", "Only administrators can retry webhook deliveries.")
    delivery = WebhookDelivery.objects.select_for_update().select_related("subscription").get(pk=delivery.pk)
    if not delivery.subscription.is_active:
        raise DomainError("The subscription was removed; its deliveries cannot be retried.")
    if delivery.status == DeliveryStatus.DELIVERED:
        raise DomainError("This delivery was already delivered.")
    if delivery.status == DeliveryStatus.CLAIMED:
        raise DomainError("This delivery is being sent right now.")
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = timezone.now()
    delivery.attempts = 0
    delivery.save(update_fields=["status", "next_attempt_at", "attempts"])
    return delivery


# --- reminders ---


@transaction.atomic
def resend_reminder(*, reminder: reminders.Reminder, by: User | None, reason: str = "") -> reminders.Reminder:
    """Send a sent or failed reminder again, now. Returns the copy.

    The copy is a new row (the original keeps its history) with its own
    Message-ID, addressed to the recipient's current email. A reminder that
    is out of date (its round moved, was cancelled or has its feedback) is
    refused rather than sent with stale times.
    """
    _require_perm(by, "hiring.change_reminder", "Only recruiters can resend reminders.")
    copy = reminders.plan_resend(reminder)
    round_ = copy.round
    record_event(
        kind=EventKind.REMINDER_RESENT,
        actor=by,
        loop=round_.loop if round_ is not None else None,
        round=round_,
        candidate=copy.recipient_candidate if copy.recipient_candidate_id else None,
        reason=(reason or "").strip(),
        data={"reminder_id": reminder.pk, "copy_id": copy.pk, "kind": copy.kind, "email": copy.email},
    )
    return copy
