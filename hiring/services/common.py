"""What every service shares: the event record, permission and reason checks, the time limits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from hiring import webhooks
from hiring.models import (
    Candidate,
    Event,
    Loop,
    Round,
    RoundStatus,
)
from hiring.rules import (
    NotPermitted,
)

User = AbstractBaseUser

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
        # Translators: %(what)s is a phrase such as "round is cancelled" (translated on its own).
        raise ValidationError({"reason": _("Say why the %(what)s; the reason goes on record.") % {"what": what}})
    return reason
