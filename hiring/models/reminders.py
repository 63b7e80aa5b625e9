"""Reminders: what is due, to whom, and what became of it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from hiring.models.candidates import Candidate
from hiring.models.common import TimeZoneField
from hiring.models.loops import Round

# --- Reminders (issue 4) -------------------------------------------------------


class ReminderKind(models.TextChoices):
    INVITATION = "invitation", _("Invitation")
    UPDATE = "update", _("Update (rescheduled)")
    CANCELLATION = "cancellation", _("Cancellation")
    BEFORE_24H = "before_24h", _("24 h before")
    BEFORE_1H = "before_1h", _("1 h before")
    FEEDBACK_DUE = "feedback_due", _("Feedback due")
    FEEDBACK_OVERDUE = "feedback_overdue", _("Feedback overdue")
    ESCALATION = "escalation", _("Escalation to recruiter")
    VETO_NOTICE = "veto_notice", _("Veto notice")
    AVAILABILITY_REQUEST = "availability_request", _("Availability request")
    # A message a recruiter wrote to a candidate (hiring/messaging.py): subject and body
    # rendered when it was written, kept in the payload, sent like any reminder.
    MESSAGE = "message", _("Message")


class ReminderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    CLAIMED = "claimed", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    # Not the loop's "Withdrawn" (the candidate withdrew): this reminder will not be sent.
    WITHDRAWN = "withdrawn", pgettext_lazy("reminder status", "Withdrawn")


class Reminder(models.Model):
    """A message that must go out: written in the same transaction as the change
    that caused it, then claimed by the sweep and sent once."""

    key = models.CharField(
        max_length=200,
        unique=True,
        help_text=_("Makes the same reminder impossible to create twice."),
        verbose_name=_("key"),
    )
    kind = models.CharField(max_length=20, choices=ReminderKind.choices, verbose_name=_("kind"))
    round = models.ForeignKey(
        Round, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("round")
    )
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("recipient user"),
    )
    recipient_candidate = models.ForeignKey(
        Candidate,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("recipient candidate"),
    )
    email = models.EmailField(max_length=254, verbose_name=_("email"))
    time_zone = TimeZoneField(verbose_name=_("time zone"))
    urgent = models.BooleanField(default=False, verbose_name=_("urgent"))
    due_at = models.DateTimeField(
        help_text=_("When it may go out, UTC, after quiet hours are applied."), verbose_name=_("due at")
    )
    status = models.CharField(
        max_length=12, choices=ReminderStatus.choices, default=ReminderStatus.PENDING, verbose_name=_("status")
    )
    claimed_until = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed until"))
    claim_token = models.CharField(max_length=32, blank=True, verbose_name=_("claim token"))
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    payload = models.JSONField(default=dict, blank=True, verbose_name=_("payload"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["due_at"]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            # The claim: pending rows in due order, read from the front and stopped
            # after a batch, so it costs the same at any backlog (outbox.claim_pending).
            models.Index(
                fields=["due_at", "id"], name="reminder_pending_due", condition=Q(status=ReminderStatus.PENDING)
            ),
            # Claims whose worker died, found apart (outbox.recover_expired): few rows.
            models.Index(
                fields=["claimed_until"], name="reminder_claimed_until", condition=Q(status=ReminderStatus.CLAIMED)
            ),
            # A candidate's timeline: every email they were sent, newest first, read from
            # the front and stopped after a page (selectors.candidate_emails).
            models.Index(
                fields=["recipient_candidate", "-created_at", "-id"],
                name="reminder_candidate_timeline",
                condition=Q(recipient_candidate__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(kind)s to %(email)s at %(when)s") % {
            "kind": self.get_kind_display(),
            "email": self.email,
            "when": f"{self.due_at:%Y-%m-%d %H:%M} UTC",
        }
