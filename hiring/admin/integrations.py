"""The integrations admin (issue 5): API tokens, webhook subscriptions, and the
log of every delivery and attempt.

Tokens and subscriptions are created on a form of their own whose POST calls
the service; the answer page shows the raw key (or the signing secret) once.
Nothing here is edited in place: a token or a subscription is revoked, and a
delivery is retried, by admin actions that call the services.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.text import format_lazy
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from hiring import services
from hiring.admin.failures import RetryMixin
from hiring.admin.workflow import apply_errors
from hiring.models import (
    ApiToken,
    DeliveryStatus,
    EventKind,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)
from hiring.rules import DomainError


class ReadOnlyAdmin(admin.ModelAdmin):
    """Rows written only by the services: viewed here, never edited or deleted by hand."""

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class CreateWithSecretMixin:
    """An add view that calls a service and shows the resulting secret once."""

    create_form: type[forms.Form]
    intro = ""

    def create(self, request: HttpRequest, data: dict) -> tuple[object, str, str]:
        """Call the service; return (object, secret, what the secret is for)."""
        raise NotImplementedError

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied
        form = self.create_form(request.POST or None)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": f"Add {self.model._meta.verbose_name}",
            "intro": self.intro,
            "back": reverse(f"admin:hiring_{self.model._meta.model_name}_changelist"),
            "back_label": str(self.model._meta.verbose_name_plural).capitalize(),
            "submit_label": "Create",
            "form": form,
            "media": self.media + form.media,
        }
        if request.method == "POST" and form.is_valid():
            try:
                obj, secret, about = self.create(request, form.cleaned_data)
            except (DomainError, ValidationError) as exc:
                apply_errors(form, exc)
            else:
                self.log_addition(request, obj, [{"added": {}}])
                context.update(secret=secret, secret_intro=about, title=f"{obj} created")
                response = TemplateResponse(request, "admin/hiring/integration_form.html", context)
                # The page holds a secret: no cache, no back-button copy.
                response["Cache-Control"] = "no-store"
                return response
        return TemplateResponse(request, "admin/hiring/integration_form.html", context)


# --- API tokens ---------------------------------------------------------------------


class ApiTokenForm(forms.Form):
    user = forms.ModelChoiceField(
        queryset=None, help_text=_("The token acts as this user and never has more power than they do.")
    )
    name = forms.CharField(max_length=100, help_text=_("The system that will use it, e.g. “HRIS sync”."))
    scopes = forms.MultipleChoiceField(
        choices=[(name, f"{name}: {text}") for name, text in services.API_SCOPES.items()],
        widget=forms.CheckboxSelectMultiple,
    )
    expires_at = forms.DateTimeField(
        required=False, help_text=_("In your time zone. Empty: 90 days from now; at most a year.")
    )

    def __init__(self, *args, **kwargs):
        from django.contrib.auth import get_user_model

        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")


@admin.register(ApiToken)
class ApiTokenAdmin(CreateWithSecretMixin, ReadOnlyAdmin):
    create_form = ApiTokenForm
    intro = _("Only the key's SHA-256 is stored: the key itself is shown once, on the next page.")
    list_display = ["name", "user", "prefix", "scope_list", "state", "expires_at", "last_used_at", "created_at"]
    list_select_related = ["user"]
    list_filter = ["revoked_at"]
    search_fields = ["name", "prefix", "user__username"]
    fields = ["name", "user", "prefix", "scopes", "created_at", "expires_at", "revoked_at", "last_used_at"]
    readonly_fields = fields
    actions = ["revoke"]

    def create(self, request, data):
        token, raw = services.create_api_token(
            user=data["user"],
            name=data["name"],
            scopes=data["scopes"],
            expires_at=data["expires_at"],
            by=request.user,
        )
        about = f"The API key of “{token.name}”, acting as {token.user}. Send it as: Authorization: Bearer <key>."
        return token, raw, about

    @admin.display(description=_("scopes"))
    def scope_list(self, token: ApiToken) -> str:
        return ", ".join(token.scopes)

    @admin.display(description=_("state"))
    def state(self, token: ApiToken) -> str:
        if token.revoked_at is not None:
            return "revoked"
        if token.expires_at <= timezone.now():
            return "expired"
        return "active"

    @admin.action(description=_("Revoke the selected tokens"))
    def revoke(self, request, queryset):
        try:
            for token in queryset:
                services.revoke_api_token(token=token, by=request.user)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
            return
        self.message_user(
            request,
            ngettext("Revoked %(count)d token.", "Revoked %(count)d tokens.", n := queryset.count()) % {"count": n},
            messages.SUCCESS,
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("hiring.change_apitoken"):
            actions.pop("revoke", None)
        return actions


# --- webhooks -------------------------------------------------------------------------


class WebhookSubscriptionForm(forms.Form):
    url = forms.URLField(max_length=500, assume_scheme="https")
    events = forms.MultipleChoiceField(
        # The label to read, the code the subscriber receives beside it.
        choices=[(value, format_lazy("{} ({})", label, value)) for value, label in EventKind.choices],
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: every event."),
    )
    secret = forms.CharField(
        max_length=128, required=False, help_text=_("The signing secret; left empty, one is generated.")
    )
    description = forms.CharField(max_length=200, required=False)


class DeliveryInline(admin.TabularInline):
    model = WebhookDelivery
    fields = ["event", "status", "attempts", "next_attempt_at", "last_status_code", "delivered_at"]
    readonly_fields = fields
    ordering = ["-id"]
    extra = 0
    max_num = 0
    show_change_link = True
    can_delete = False

    def get_queryset(self, request):
        # The most recent only: a busy subscription has millions of deliveries.
        ids = list(super().get_queryset(request).order_by("-id").values_list("id", flat=True)[:20])
        return super().get_queryset(request).filter(id__in=ids).select_related("event")


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(CreateWithSecretMixin, ReadOnlyAdmin):
    create_form = WebhookSubscriptionForm
    intro = _("Each event is POSTed as JSON to the URL, signed with HMAC-SHA256 of the secret.")
    list_display = ["url", "event_list", "is_active", "description", "created_by", "created_at"]
    list_filter = ["is_active"]
    list_select_related = ["created_by"]
    search_fields = ["url", "description"]
    fields = ["url", "events", "is_active", "description", "created_by", "created_at"]
    readonly_fields = fields
    inlines = [DeliveryInline]
    actions = ["deactivate"]

    def create(self, request, data):
        subscription = services.create_webhook_subscription(
            url=data["url"],
            events=data["events"],
            secret=data["secret"],
            description=data["description"],
            by=request.user,
        )
        about = gettext(
            "The signing secret of %(url)s. The receiver checks X-Hiring-Signature with it "
            "(v1=HMAC-SHA256 of the timestamp, a dot and the raw body)."
        ) % {"url": subscription.url}
        return subscription, subscription.secret, about

    @admin.display(description=_("events"))
    def event_list(self, subscription: WebhookSubscription) -> str:
        return ", ".join(subscription.events) or "all"

    @admin.action(description=_("Remove the selected subscriptions (stop sending)"))
    def deactivate(self, request, queryset):
        for subscription in queryset:
            services.deactivate_webhook_subscription(subscription=subscription, by=request.user)
        self.message_user(
            request,
            ngettext("Removed %(count)d subscription.", "Removed %(count)d subscriptions.", n := queryset.count())
            % {"count": n},
            messages.SUCCESS,
        )

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("hiring.change_webhooksubscription"):
            actions.pop("deactivate", None)
        return actions


class AttemptInline(admin.TabularInline):
    model = WebhookAttempt
    fields = ["attempted_at", "status_code", "duration_ms", "error"]
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(RetryMixin, ReadOnlyAdmin):
    list_display = [
        "id",
        "event_kind",
        "subscription",
        "status",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "reason",
        "delivered_at",
    ]
    list_filter = ["status", "event__kind"]
    list_select_related = ["event", "subscription"]
    search_fields = ["subscription__url", "=event__id"]
    fields = [
        "subscription",
        "event",
        "status",
        "attempts",
        "next_attempt_at",
        "claimed_until",
        "delivered_at",
        "last_status_code",
        "last_error",
        "created_at",
    ]
    readonly_fields = fields
    inlines = [AttemptInline]
    actions = ["retry"]
    show_full_result_count = False

    # One click on a failed delivery's row or page retries it (services.retry_webhook_delivery).
    retry_permission = "hiring.change_webhookdelivery"
    retry_after_column = "reason"

    def can_retry(self, delivery: WebhookDelivery) -> bool:
        return delivery.status == DeliveryStatus.FAILED

    def retry_refusals(self):
        return (DomainError, PermissionDenied)

    def retry_one(self, request, delivery: WebhookDelivery) -> str:
        services.retry_webhook_delivery(delivery=delivery, by=request.user)
        return gettext("Delivery #%(id)s will be sent again at the next sweep.") % {"id": delivery.pk}

    @admin.display(description=_("reason"))
    def reason(self, delivery: WebhookDelivery) -> str:
        """Why the last attempt failed (the whole text is on the delivery's page)."""
        text = delivery.last_error or ""
        return text if len(text) <= 80 else text[:79] + "…"

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("event"), ordering="event__kind")
    def event_kind(self, delivery: WebhookDelivery) -> str:
        return format_html("{} <small>#{}</small>", delivery.event.kind, delivery.event_id)

    @admin.action(description=_("Send the selected deliveries again"))
    def retry(self, request, queryset):
        done, refused = 0, []
        for delivery in queryset.exclude(status=DeliveryStatus.DELIVERED):
            try:
                services.retry_webhook_delivery(delivery=delivery, by=request.user)
                done += 1
            except DomainError as exc:
                refused.append(f"#{delivery.pk}: {exc.message}")
        if done:
            self.message_user(
                request,
                ngettext(
                    "%(done)d delivery will be sent at the next sweep.",
                    "%(done)d deliveries will be sent at the next sweep.",
                    done,
                )
                % {"done": done},
                messages.SUCCESS,
            )
        for message in refused:
            self.message_user(request, message, messages.WARNING)

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not request.user.has_perm("hiring.change_webhookdelivery"):
            actions.pop("retry", None)
        return actions


@admin.register(WebhookAttempt)
class WebhookAttemptAdmin(ReadOnlyAdmin):
    list_display = ["attempted_at", "delivery", "status_code", "duration_ms", "short_error"]
    list_select_related = ["delivery"]
    list_filter = ["status_code"]
    fields = ["delivery", "attempted_at", "status_code", "duration_ms", "error"]
    readonly_fields = fields
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("error"))
    def short_error(self, attempt: WebhookAttempt) -> str:
        return attempt.error[:80]
