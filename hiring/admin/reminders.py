"""Reminders in the admin: each row's state (pending, sent when, failed why),
read-only, and a "resend" action that calls services.resend_reminder."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from hiring import services
from hiring.admin.failures import NeedsAttentionFilter, RetryMixin
from hiring.models import Reminder, ReminderStatus
from hiring.rules import DomainError
from hiring.times import format_local


@admin.register(Reminder)
class ReminderAdmin(RetryMixin, admin.ModelAdmin):
    list_display = ("kind", "email", "due", "state", "attempts", "round")
    list_filter = (NeedsAttentionFilter, "status", "kind", "urgent")
    search_fields = ("key", "email")
    # Round.__str__ reads only its own columns: one join, not one query per row.
    list_select_related = ("round",)
    # The table grows to millions of rows: no COUNT(*) of all of it on every page,
    # and newest first by primary key, so the unfiltered list never sorts the table.
    show_full_result_count = False
    ordering = ("-pk",)
    actions = ["resend"]
    fields = (
        "key",
        "kind",
        "status",
        "state",
        "email",
        "time_zone",
        "urgent",
        "due_at",
        "sent_at",
        "attempts",
        "last_error",
        "claimed_until",
        "round",
        "recipient_user",
        "recipient_candidate",
        "payload",
        "created_at",
    )
    readonly_fields = fields

    # One click on a failed reminder's row or page sends it again (services.resend_reminder).
    retry_label = _("Send again")
    retry_permission = "hiring.change_reminder"
    retry_after_column = "state"

    def can_retry(self, reminder: Reminder) -> bool:
        return reminder.status == ReminderStatus.FAILED

    def retry_refusals(self):
        return (DomainError, ValidationError, PermissionDenied)

    def retry_one(self, request, reminder: Reminder) -> str:
        services.resend_reminder(reminder=reminder, by=request.user, reason=gettext("Resent from the admin."))
        return gettext("The reminder to %(email)s will be sent again within a minute.") % {"email": reminder.email}

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        # Rows are the record of what was sent; withdrawing is done by the services.
        return False

    @admin.display(description=_("due (recipient's time)"), ordering="due_at")
    def due(self, reminder: Reminder) -> str:
        return format_local(reminder.due_at, reminder.time_zone)

    @admin.display(description=_("state"))
    def state(self, reminder: Reminder) -> str:
        if reminder.status == ReminderStatus.SENT and reminder.sent_at:
            # ISO 8601, the same in every language (the admin's technical lists use it).
            return _("sent %(when)s") % {"when": f"{timezone.localtime(reminder.sent_at):%Y-%m-%d %H:%M %Z}"}
        if reminder.status == ReminderStatus.FAILED:
            return format_html(
                '<span style="color:#ba2121">{}</span>',
                _("failed: %(error)s") % {"error": reminder.last_error or _("unknown")},
            )
        if reminder.status == ReminderStatus.PENDING and reminder.last_error:
            return _("pending, retrying after: %(last_error)s") % {"last_error": reminder.last_error}
        if reminder.status == ReminderStatus.WITHDRAWN and reminder.last_error:
            return _("withdrawn: %(last_error)s") % {"last_error": reminder.last_error}
        return reminder.get_status_display()

    @admin.action(description=_("Send the selected reminders again"), permissions=["change"])
    def resend(self, request, queryset):
        resent, refused = 0, []
        for reminder in queryset.order_by("pk"):
            try:
                services.resend_reminder(reminder=reminder, by=request.user, reason="Resent from the admin.")
            except (DomainError, ValidationError, PermissionDenied) as exc:
                text = exc.messages[0] if isinstance(exc, ValidationError) else str(exc)
                refused.append(
                    gettext("%(kind)s to %(email)s: %(error)s")
                    % {"kind": reminder.get_kind_display(), "email": reminder.email, "error": text}
                )
            else:
                resent += 1
        if resent:
            self.message_user(
                request,
                ngettext(
                    "%(resent)d reminder will be sent again within a minute.",
                    "%(resent)d reminders will be sent again within a minute.",
                    resent,
                )
                % {"resent": resent},
                messages.SUCCESS,
            )
        for text in refused:
            self.message_user(request, text, messages.ERROR)
