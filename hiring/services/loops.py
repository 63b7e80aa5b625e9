"""Loop plans and loops: starting a loop, the loop lock, and the lifecycle that follows its rounds."""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min
from django.utils.translation import gettext as _

from hiring.models import (
    ACTIVE_ROUND_STATUSES,
    FEEDBACK_ROUND_STATUSES,
    OPEN_LOOP_STATUSES,
    Candidate,
    EventKind,
    Interviewer,
    Loop,
    LoopPlan,
    LoopStatus,
    Position,
    Round,
    RoundKind,
    RoundStatus,
    RoundTemplate,
)
from hiring.rules import (
    DomainError,
    Seat,
    check_no_repeat,
    check_panel_variety,
    check_plan,
)
from hiring.services.common import User, _require_perm, record_event

# --- loop plans ---------------------------------------------------------------


@dataclass(frozen=True)
class RoundSpec:
    kind: str
    title: str = ""
    duration_minutes: int = 60
    competency_ids: tuple[int, ...] = ()


@transaction.atomic
def create_loop_plan(*, name: str, rounds: list[RoundSpec], description: str = "", by: User | None) -> LoopPlan:
    _require_perm(by, "hiring.add_loopplan", _("Only recruiters can create loop plans."))
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
        raise DomainError(_("Loop plan “%(plan)s”: ") % {"plan": plan.name} + " ".join(problems))


# --- loops and rounds ----------------------------------------------------------


def _lock_loop(loop_id: int) -> Loop:
    return (
        Loop.objects.select_for_update(of=("self",))
        .select_related("candidate", "position__department", "position__recruiter")
        .get(pk=loop_id)
    )


def _require_open(loop: Loop) -> None:
    if loop.is_vetoed:
        raise DomainError(_("This loop was vetoed and is closed; nothing more can change in it."))
    if not loop.is_open:
        raise DomainError(
            _("This loop is %(status)s and closed; nothing more can change in it.")
            % {"status": loop.get_status_display().lower()}
        )


@transaction.atomic
def start_loop(*, candidate: Candidate, position: Position, by: User | None) -> Loop:
    """Open a loop for a candidate, with one planned round per round of the position's plan."""
    _require_perm(by, "hiring.add_loop", _("Only recruiters can start a loop."))
    position = Position.objects.select_related("loop_plan", "department").get(pk=position.pk)
    if not position.is_open:
        raise DomainError(_("The position “%(position)s” is closed.") % {"position": position.title})
    validate_plan_for_position(position.loop_plan, position.min_rounds)
    # Lock the candidate so two starts for the same position cannot both pass the check.
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.erased_at is not None:
        raise DomainError(_("This candidate's personal data was erased; a new application is a new candidate."))
    if Loop.objects.filter(candidate=candidate, position=position, status__in=OPEN_LOOP_STATUSES).exists():
        raise DomainError(
            _("%(candidate)s already has an open loop for %(position)s.")
            % {"candidate": candidate, "position": position.title}
        )
    loop = Loop.objects.create(candidate=candidate, position=position)
    templates = list(position.loop_plan.rounds.prefetch_related("competencies").order_by("order"))
    rounds = Round.objects.bulk_create(
        [
            Round(loop=loop, order=t.order, kind=t.kind, title=t.title, duration_minutes=t.duration_minutes, template=t)
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


def _seat(interviewer: Interviewer) -> Seat:
    return Seat(
        interviewer_id=interviewer.pk,
        name=interviewer.name,
        department_id=interviewer.department_id,
        department=interviewer.department.name,
        level_id=interviewer.level_id,
    )


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
