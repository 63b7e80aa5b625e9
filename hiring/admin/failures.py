"""Failed reminders and webhook deliveries, findable: a banner on the admin index
("3 reminders failed, 1 webhook delivery failed", each linking to its filtered
list), a "needs attention" filter, and a one-click retry on each failed row and
on its page. Retrying calls the services (resend_reminder, retry_webhook_delivery).

A failed reminder stays failed when it is sent again (the copy is a new row, the
original keeps its history), so "needs attention" means failed and not sent again
since: no row holds its successor's key. Copies are keyed `<root>:resend<n>`
(reminders/planning.py, plan_resend), so the successor of an original is
`<key>:resend1` and of copy n is `<root>:resend<n+1>`: an exact match on the
unique key index, one probe per failed row.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.db.models import Case, CharField, Exists, F, IntegerField, OuterRef, QuerySet, Value, When
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast, Concat, Length, Substr
from django.http import HttpRequest, HttpResponseRedirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from hiring.models import DeliveryStatus, Reminder, ReminderStatus, WebhookDelivery

# The banner counts up to this many of each; past it, "99+" is all a person needs, and the
# count stays cheap (one key probe per failed row it looks at).
COUNT_CAP = 100

RESEND_MARK = ":resend"


def _successor_key():
    copy_of = KeyTextTransform("resend_of_key", "payload")
    number = Cast(Substr(F("key"), Length(copy_of) + len(RESEND_MARK) + 1), IntegerField())
    return Case(
        # A copy, <root>:resend<n>: its successor is <root>:resend<n+1>.
        When(
            payload__has_key="resend_of_key",
            then=Concat(copy_of, Value(RESEND_MARK), Cast(number + 1, CharField()), output_field=CharField()),
        ),
        # An original: <key>:resend1.
        default=Concat(F("key"), Value(f"{RESEND_MARK}1"), output_field=CharField()),
        output_field=CharField(),
    )


def unresolved_failed_reminders(queryset: QuerySet | None = None) -> QuerySet:
    """Failed reminders not sent again since (see the module's docstring)."""
    queryset = Reminder.objects.all() if queryset is None else queryset
    resent = Reminder.objects.filter(key=OuterRef("successor_key"))
    return (
        queryset.filter(status=ReminderStatus.FAILED).annotate(successor_key=_successor_key()).filter(~Exists(resent))
    )


def failed_deliveries(queryset: QuerySet | None = None) -> QuerySet:
    queryset = WebhookDelivery.objects.all() if queryset is None else queryset
    return queryset.filter(status=DeliveryStatus.FAILED)


def _capped(queryset: QuerySet) -> int:
    return queryset.order_by()[:COUNT_CAP].count()


def failure_summary(request: HttpRequest) -> list[dict]:
    """The banner's lines for this user: one query per kind they may see, whatever the counts."""
    user = request.user
    lines = []
    if user.has_perm("hiring.view_reminder"):
        count = _capped(unresolved_failed_reminders())
        if count:
            url = reverse("admin:hiring_reminder_changelist") + "?attention=failed"
            text = ngettext(
                "%(count)s reminder failed and was not sent again.",
                "%(count)s reminders failed and were not sent again.",
                count,
            ) % {"count": _shown(count)}
            lines.append({"count": count, "text": text, "url": url})
    if user.has_perm("hiring.view_webhookdelivery"):
        count = _capped(failed_deliveries())
        if count:
            url = reverse("admin:hiring_webhookdelivery_changelist") + f"?status__exact={DeliveryStatus.FAILED}"
            text = ngettext(
                "%(count)s webhook delivery gave up.",
                "%(count)s webhook deliveries gave up.",
                count,
            ) % {"count": _shown(count)}
            lines.append({"count": count, "text": text, "url": url})
    return lines


def _shown(count: int) -> str:
    return f"{COUNT_CAP - 1}+" if count >= COUNT_CAP else str(count)


class NeedsAttentionFilter(admin.SimpleListFilter):
    title = _("needs attention")
    parameter_name = "attention"

    def lookups(self, request, model_admin):
        return [("failed", _("Failed, not sent again"))]

    def queryset(self, request, queryset):
        if self.value() == "failed":
            return unresolved_failed_reminders(queryset)
        return queryset


class RetryMixin:
    """A one-click retry for a row: a POST to <pk>/retry/, from a button in the list
    (inside the changelist's form, which carries the CSRF token) and on the row's page."""

    retry_label = _("Retry")
    retry_permission = ""
    change_form_template = "admin/hiring/retry_change_form.html"

    def retry_one(self, request: HttpRequest, obj) -> str:
        """Call the service; return the success message (raise DomainError & co. to refuse)."""
        raise NotImplementedError

    def can_retry(self, obj) -> bool:
        raise NotImplementedError

    def retry_refusals(self) -> tuple[type[Exception], ...]:
        raise NotImplementedError

    def _may_retry(self, request: HttpRequest) -> bool:
        return request.user.has_perm(self.retry_permission)

    def get_urls(self):
        info = self.model._meta.app_label, self.model._meta.model_name
        return [
            path(
                "<path:object_id>/retry/",
                self.admin_site.admin_view(require_POST(self.retry_view)),
                name="{}_{}_retry".format(*info),
            ),
            *super().get_urls(),
        ]

    # The button goes right after the column that says why it failed, where the eye is
    # (the last column of a wide list can be off screen).
    retry_after_column = ""

    def get_list_display(self, request):
        shown = list(super().get_list_display(request))
        if self._may_retry(request):
            at = shown.index(self.retry_after_column) + 1 if self.retry_after_column in shown else len(shown)
            shown.insert(at, "retry_button")
        return shown

    @admin.display(description=_("retry"))
    def retry_button(self, obj) -> str:
        if not self.can_retry(obj):
            return ""
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_retry", args=[obj.pk])
        # formaction: the button submits the changelist's own form (and its CSRF token) here.
        return format_html('<button type="submit" class="button" formaction="{}">{}</button>', url, self.retry_label)

    def retry_view(self, request: HttpRequest, object_id: str):
        obj = self.get_object(request, object_id)
        if obj is None or not self._may_retry(request):
            from django.core.exceptions import PermissionDenied

            raise PermissionDenied
        try:
            text = self.retry_one(request, obj)
        except self.retry_refusals() as exc:
            refusal = getattr(exc, "message", None) or (exc.messages[0] if hasattr(exc, "messages") else str(exc))
            self.message_user(request, refusal, messages.ERROR)
        else:
            self.message_user(request, text, messages.SUCCESS)
        back = request.headers.get("Referer", "")
        if not url_has_allowed_host_and_scheme(
            back, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        ):
            back = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_changelist")
        return HttpResponseRedirect(back)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        extra_context = extra_context or {}
        if object_id is not None and self._may_retry(request):
            obj = self.get_object(request, object_id)
            if obj is not None and self.can_retry(obj):
                extra_context["retry_url"] = reverse(
                    f"admin:{obj._meta.app_label}_{obj._meta.model_name}_retry", args=[obj.pk]
                )
                extra_context["retry_label"] = self.retry_label
        return super().changeform_view(request, object_id, form_url, extra_context)


# The index page shows the banner (templates/admin/hiring/index.html).
admin.site.index_template = "admin/hiring/index.html"
