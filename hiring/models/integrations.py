"""API tokens, webhooks, single sign-on identities and the workers' heartbeat."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hiring.models.events import Event

# --- API tokens and webhooks (issue 5) -------------------------------------------------


class ApiToken(models.Model):
    """A token for an integration; only its SHA-256 hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(max_length=100, verbose_name=_("name"))
    prefix = models.CharField(
        max_length=12, db_index=True, help_text=_("The first characters, to recognise it."), verbose_name=_("prefix")
    )
    key_hash = models.CharField(max_length=64, unique=True, verbose_name=_("key hash"))
    scopes = models.JSONField(default=list, blank=True, verbose_name=_("scopes"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last used at"))

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class WebhookSubscription(models.Model):
    url = models.URLField(max_length=500, verbose_name=_("url"))
    secret = models.CharField(max_length=128, verbose_name=_("secret"))
    events = models.JSONField(
        default=list, help_text=_("Event kinds to send; empty means all."), verbose_name=_("events")
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    description = models.CharField(max_length=200, blank=True, verbose_name=_("description"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    CLAIMED = "claimed", _("Being delivered")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Gave up")


class WebhookDelivery(models.Model):
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("subscription")
    )
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("event"))
    status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, verbose_name=_("status")
    )
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    next_attempt_at = models.DateTimeField(verbose_name=_("next attempt at"))
    claimed_until = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed until"))
    claim_token = models.CharField(max_length=32, blank=True, verbose_name=_("claim token"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("last status code"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="webhook_delivery_once_per_event"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        # The event's code, not its label: it is what the subscriber receives.
        return gettext("%(event)s to %(url)s (%(status)s)") % {
            "event": self.event.kind,
            "url": self.subscription,
            "status": self.get_status_display(),
        }


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("delivery")
    )
    attempted_at = models.DateTimeField(auto_now_add=True, verbose_name=_("attempted at"))
    status_code = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("status code"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    duration_ms = models.PositiveIntegerField(default=0, verbose_name=_("duration ms"))

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["attempted_at"]

    def __str__(self) -> str:
        return gettext("Attempt at %(when)s: %(result)s") % {
            "when": f"{self.attempted_at:%Y-%m-%d %H:%M:%S} UTC",
            "result": self.status_code or self.error,
        }


class SsoIdentity(models.Model):
    """A person's account at the company's OpenID Connect provider, linked on their
    first single sign-on by verified email; later sign-ins match on (issuer, subject),
    which the provider never reuses, so a changed or recycled email cannot take the account."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identities", verbose_name=_("user")
    )
    issuer = models.CharField(max_length=255, verbose_name=_("issuer"))
    subject = models.CharField(max_length=255, verbose_name=_("subject"))
    email = models.EmailField(help_text=_("The verified email it was linked by."), verbose_name=_("email"))
    linked_at = models.DateTimeField(verbose_name=_("linked at"))
    last_sign_in_at = models.DateTimeField(verbose_name=_("last sign in at"))

    class Meta:
        verbose_name = _("single sign-on identity")
        verbose_name_plural = _("single sign-on identities")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_unique_subject"),
            models.UniqueConstraint(fields=["issuer", "user"], name="sso_identity_one_per_user_and_issuer"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"


# --- operations (issue 8) ----------------------------------------------------------------


class Heartbeat(models.Model):
    """When a periodic job last ran (e.g. the reminder sweep, run by beat): what the
    readiness check reads to tell "beat has stopped" from "nothing was due"."""

    name = models.CharField(max_length=50, primary_key=True, verbose_name=_("name"))
    at = models.DateTimeField(verbose_name=_("at"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S} UTC"
