"""Reminders: sending one again by hand."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from hiring import reminders
from hiring.models import (
    EventKind,
)
from hiring.rules import DomainError
from hiring.services.common import User, _require_perm, record_event

# --- reminders ---


@transaction.atomic
def resend_reminder(*, reminder: reminders.Reminder, by: User | None, reason: str = "") -> reminders.Reminder:
    """Send a sent or failed reminder again, now. Returns the copy.

    The copy is a new row (the original keeps its history) with its own
    Message-ID, addressed to the recipient's current email. A reminder that
    is out of date (its round moved, was cancelled or has its feedback) is
    refused rather than sent with stale times.
    """
    _require_perm(by, "hiring.change_reminder", _("Only recruiters can resend reminders."))
    if (
        reminder.recipient_candidate_id is not None
        and reminders.Reminder.objects.filter(pk=reminder.pk, recipient_candidate__erased_at__isnull=False).exists()
    ):
        raise DomainError(_("This candidate's personal data was erased; nothing more is sent to them."))
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
