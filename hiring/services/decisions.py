"""Decisions: the hire or reject (rule 6), and withdrawing a candidate."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hiring import reminders, selectors
from hiring.models import (
    Decision,
    EventKind,
    Loop,
    LoopStatus,
    Outcome,
    RejectionReason,
)
from hiring.rules import (
    DomainError,
    NotPermitted,
)
from hiring.services.common import User, _require_perm, _require_reason, record_event
from hiring.services.loops import _lock_loop, _refresh_feedback_due, _require_open
from hiring.services.rounds import _close_remaining_rounds

# --- decisions ----------------------------------------------------------------


def _may_decide(user: User | None, loop: Loop) -> bool:
    return user is None or user.pk == loop.position.hiring_manager_id or user.has_perm("hiring.add_decision")


def _rejection_reason(code: str | None, outcome: str) -> RejectionReason | None:
    """The reject's reason from the list (by code); a hire takes none."""
    code = (code or "").strip()
    if outcome != Outcome.REJECT:
        if code:
            raise ValidationError({"rejection_reason": _("A hire takes no rejection reason.")})
        return None
    if not code:
        raise ValidationError({"rejection_reason": _("Pick the reason for the rejection from the list.")})
    found = RejectionReason.objects.filter(code=code, is_active=True).first()
    if found is None:
        raise ValidationError(
            {"rejection_reason": _("Unknown rejection reason “%(code)s”; pick one from the list.") % {"code": code}}
        )
    return found


@transaction.atomic
def decide(
    *, loop: Loop, outcome: str, by: User | None, reason: str = "", rejection_reason: str | None = None
) -> Decision:
    """Record the hire or reject. The loop row is locked first, so a veto that
    commits before this runs is seen here and the hire is refused. A reject names
    a reason from the list (RejectionReason.code) and says why in `reason`."""
    if outcome not in Outcome.values:
        raise ValidationError({"outcome": "The outcome is hire or reject."})
    loop = _lock_loop(loop.pk)
    if not _may_decide(by, loop):
        raise NotPermitted(_("Only the hiring manager or a recruiter can record a decision."))
    _require_open(loop)
    if outcome == Outcome.REJECT:
        # Both missing pieces are named at once: the reason from the list and the text beside it.
        errors: dict[str, list[str]] = {}
        listed = None
        try:
            listed = _rejection_reason(rejection_reason, outcome)
        except ValidationError as exc:
            errors.update(exc.message_dict)
        try:
            reason = _require_reason(reason, _("candidate is rejected"))
        except ValidationError as exc:
            errors.update(exc.message_dict)
        if errors:
            raise ValidationError(errors)
    else:
        listed = _rejection_reason(rejection_reason, outcome)
        problems = selectors.hire_blockers(loop)
        if problems:
            raise DomainError(_("A hire cannot be recorded yet: ") + " ".join(problems), code="hire_blocked")
    now = timezone.now()
    decision = Decision.objects.create(
        loop=loop, outcome=outcome, decided_by=by, reason=reason, rejection_reason=listed, decided_at=now
    )
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
        data={
            "outcome": outcome,
            "decision_id": decision.pk,
            "rejection_reason": listed.code if listed is not None else None,
        },
    )
    return decision


@transaction.atomic
def withdraw(*, loop: Loop, by: User | None, reason: str) -> Loop:
    """The candidate leaves the process (their choice or the company's)."""
    _require_perm(by, "hiring.change_loop", _("Only recruiters can withdraw a candidate."))
    reason = _require_reason(reason, _("candidate is withdrawn"))
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
