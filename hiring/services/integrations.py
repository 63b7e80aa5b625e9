"""API tokens and webhook subscriptions."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from collections.abc import Iterable
from urllib.parse import urlsplit

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hiring import webhooks
from hiring.models import (
    ApiToken,
    DeliveryStatus,
    EventKind,
    WebhookDelivery,
    WebhookSubscription,
)
from hiring.rules import (
    DomainError,
)
from hiring.services.common import User, _require_perm

# --- integrations ---------------------------------------------------------------
# API tokens and webhook subscriptions (issue 5). Creating and revoking them are
# state changes like any other, so the admin and the API both come through here.

API_TOKEN_DEFAULT_LIFETIME = dt.timedelta(days=90)
API_TOKEN_MAX_LIFETIME = dt.timedelta(days=366)
API_KEY_PREFIX = "hl_"
# What a token may do, on top of what its user may do: a token never has more
# power than the person or service account it belongs to.
API_SCOPES = {
    "read": "Read what the token's user may see.",
    "candidates:write": "Create and update candidates, start loops, withdraw candidates.",
    "rounds:write": "Schedule, reschedule and cancel rounds.",
    "scorecards:write": "Submit and amend the user's own scorecards.",
    "decisions:write": "Record hire or reject decisions.",
    "webhooks:write": "Create and remove webhook subscriptions.",
    "messages:write": "Write to candidates (by email, from a template or as free text).",
    "availability:write": "Change availability (the user's own, or anyone's for recruiters) and interviewer pools.",
}


def hash_api_key(raw: str) -> str:
    return hashlib.sha256(raw.encode("utf-8", "surrogatepass")).hexdigest()


def create_api_token(
    *,
    user: User,
    name: str,
    scopes: Iterable[str],
    expires_at: dt.datetime | None = None,
    by: User | None,
) -> tuple[ApiToken, str]:
    """Issue a token for an integration acting as `user`; return it with its raw key.

    Only the key's SHA-256 is stored: the raw key is returned here once and can
    never be read again, so whoever creates it must hand it over now.
    """
    _require_perm(by, "hiring.add_apitoken", _("Only administrators can create API tokens."))
    errors: dict[str, str] = {}
    name = (name or "").strip()
    if not name:
        errors["name"] = "Name the token after the system that will use it."
    scopes = sorted(set(scopes))
    unknown = [s for s in scopes if s not in API_SCOPES]
    if unknown:
        errors["scopes"] = f"Unknown scope(s): {', '.join(unknown)}. Choose from: {', '.join(API_SCOPES)}."
    elif not scopes:
        errors["scopes"] = "Give the token at least one scope."
    now = timezone.now()
    if expires_at is None:
        expires_at = now + API_TOKEN_DEFAULT_LIFETIME
    elif timezone.is_naive(expires_at):
        errors["expires_at"] = "Give the expiry with its zone."
    elif expires_at <= now:
        errors["expires_at"] = "The expiry must be in the future."
    elif expires_at > now + API_TOKEN_MAX_LIFETIME:
        errors["expires_at"] = "A token lives at most a year; issue a new one when it runs out."
    if not user.is_active:
        errors["user"] = "The user is not active."
    if errors:
        raise ValidationError(errors)
    raw = API_KEY_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[: len(API_KEY_PREFIX) + 8],
        key_hash=hash_api_key(raw),
        scopes=scopes,
        expires_at=expires_at,
    )
    return token, raw


@transaction.atomic
def revoke_api_token(*, token: ApiToken, by: User | None) -> ApiToken:
    """Revoke a token for good; revoking it twice changes nothing."""
    _require_perm(by, "hiring.change_apitoken", _("Only administrators can revoke API tokens."))
    token = ApiToken.objects.select_for_update().get(pk=token.pk)
    if token.revoked_at is None:
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
    return token


def note_api_token_use(*, token: ApiToken, now: dt.datetime) -> None:
    """Record when a token was last used, at most once a minute: a write on every
    request would make each read cost a write."""
    if token.last_used_at is None or now - token.last_used_at > dt.timedelta(minutes=1):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now


def _clean_webhook_events(events: Iterable[str]) -> list[str]:
    events = sorted(set(events))
    unknown = [e for e in events if e not in EventKind.values]
    if unknown:
        raise ValidationError({"events": f"Unknown event(s): {', '.join(unknown)}."})
    return events


def create_webhook_subscription(
    *,
    url: str,
    events: Iterable[str] = (),
    secret: str = "",
    description: str = "",
    by: User | None,
) -> WebhookSubscription:
    """Subscribe a URL to events (none listed means every event).

    Without a secret one is generated; either way the caller reads it from the
    returned object now, to verify signatures with it.
    """
    _require_perm(by, "hiring.add_webhooksubscription", _("Only administrators can subscribe webhooks."))
    secret = (secret or "").strip() or secrets.token_urlsafe(32)
    if len(secret) < 16:
        raise ValidationError({"secret": "A signing secret has at least 16 characters."})
    subscription = WebhookSubscription(
        url=(url or "").strip(),
        secret=secret,
        events=_clean_webhook_events(events),
        description=(description or "").strip(),
        created_by=by if by is not None and by.is_authenticated else None,
    )
    # events is validated above; the model field would refuse [] (every event) as blank.
    subscription.full_clean(exclude=["events"])
    if urlsplit(subscription.url).scheme not in {"http", "https"}:
        raise ValidationError({"url": "A webhook URL is http:// or https://."})
    try:
        # Refused here, with the reason, rather than only when the first delivery is sent.
        webhooks.check_subscription_url(subscription.url)
    except webhooks.RefusedAddress as exc:
        raise ValidationError({"url": _("This URL cannot receive webhooks: %(reason)s.") % {"reason": exc}}) from None
    subscription.save()
    return subscription


@transaction.atomic
def deactivate_webhook_subscription(*, subscription: WebhookSubscription, by: User | None) -> WebhookSubscription:
    """Stop sending to a subscription; deliveries not yet made are given up."""
    _require_perm(by, "hiring.change_webhooksubscription", _("Only administrators can remove webhooks."))
    subscription = WebhookSubscription.objects.select_for_update().get(pk=subscription.pk)
    if subscription.is_active:
        subscription.is_active = False
        subscription.save(update_fields=["is_active"])
        subscription.deliveries.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.CLAIMED]).update(
            status=DeliveryStatus.FAILED, last_error="The subscription was removed.", claimed_until=None
        )
    return subscription


@transaction.atomic
def retry_webhook_delivery(*, delivery: WebhookDelivery, by: User | None) -> WebhookDelivery:
    """Send a delivery that gave up (or is waiting) again at the next sweep."""
    _require_perm(
        by, "hiring.change_webhookdelivery", "Only recruiters and administrators may retry webhook deliveries."
    )
    delivery = WebhookDelivery.objects.select_for_update().select_related("subscription").get(pk=delivery.pk)
    if not delivery.subscription.is_active:
        raise DomainError(_("The subscription was removed; its deliveries cannot be retried."))
    if delivery.status == DeliveryStatus.DELIVERED:
        raise DomainError(_("This delivery was already delivered."))
    if delivery.status == DeliveryStatus.CLAIMED:
        raise DomainError(_("This delivery is being sent right now."))
    delivery.status = DeliveryStatus.PENDING
    delivery.next_attempt_at = timezone.now()
    delivery.attempts = 0
    delivery.save(update_fields=["status", "next_attempt_at", "attempts"])
    return delivery
