"""The record of what happened (history, webhooks' source)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hiring.models.candidates import Candidate
from hiring.models.loops import Loop, Round


class EventKind(models.TextChoices):
    """What happened, as stored in the audit log. The values are the webhook event codes
    (a contract with integrators: never renamed); the labels are what people read."""

    CANDIDATE_CREATED = "candidate.created", _("Candidate created")
    CANDIDATE_UPDATED = "candidate.updated", _("Candidate updated")
    LOOP_CREATED = "loop.created", _("Loop created")
    LOOP_SCHEDULED = "loop.scheduled", _("Loop scheduled")
    LOOP_STATUS_CHANGED = "loop.status_changed", _("Loop status changed")
    ROUND_ADDED = "round.added", _("Round added")
    ROUND_SCHEDULED = "round.scheduled", _("Round scheduled")
    ROUND_RESCHEDULED = "round.rescheduled", _("Round rescheduled")
    ROUND_CANCELLED = "round.cancelled", _("Round cancelled")
    ROUND_HELD = "round.held", _("Round held")
    ROUND_NO_SHOW = "round.no_show", _("No-show recorded")
    SCORECARD_SUBMITTED = "scorecard.submitted", _("Scorecard submitted")
    SCORECARD_AMENDED = "scorecard.amended", _("Scorecard amended")
    LOOP_VETOED = "loop.vetoed", _("Loop vetoed")
    LOOP_DECIDED = "loop.decided", _("Decision recorded")
    CANDIDATE_WITHDRAWN = "candidate.withdrawn", _("Candidate withdrew")
    REMINDER_RESENT = "reminder.resent", _("Reminder sent again")
    CANDIDATE_ERASED = "candidate.erased", _("Personal data erased")
    CANDIDATE_EXPORTED = "candidate.exported", _("Personal data exported")
    USER_DEACTIVATED = "user.deactivated", _("Account deactivated")
    AVAILABILITY_REQUESTED = "availability.requested", _("Availability requested")
    AVAILABILITY_GIVEN = "availability.given", _("Availability given")
    LOOP_BOOKED = "loop.booked", _("Loop booked")
    MESSAGE_SENT = "message.sent", _("Message sent")


class Event(models.Model):
    """The append-only record of every state change: who, what, when and why.

    Rows are only ever inserted (by services.record_event); the admin shows
    them read-only. Webhook deliveries are made from these rows.
    """

    kind = models.CharField(max_length=40, choices=EventKind.choices, verbose_name=_("kind"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))
    # Null means the system did it (a Celery task, a sweep).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    candidate = models.ForeignKey(
        Candidate, null=True, blank=True, on_delete=models.PROTECT, related_name="events", verbose_name=_("candidate")
    )
    loop = models.ForeignKey(
        Loop, null=True, blank=True, on_delete=models.PROTECT, related_name="events", verbose_name=_("loop")
    )
    round = models.ForeignKey(
        Round, null=True, blank=True, on_delete=models.PROTECT, related_name="events", verbose_name=_("round")
    )
    reason = models.TextField(blank=True, verbose_name=_("reason"))
    data = models.JSONField(default=dict, blank=True, verbose_name=_("data"))

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["loop", "created_at"]),
            models.Index(fields=["candidate", "created_at"]),
            models.Index(fields=["kind", "created_at"]),
        ]

    def __str__(self) -> str:
        # The human label (the admin's title and breadcrumbs); the code is in the row itself.
        return gettext("%(kind)s at %(when)s") % {
            "kind": self.get_kind_display(),
            "when": f"{self.created_at:%Y-%m-%d %H:%M} UTC",
        }
