"""Outgoing webhooks: a delivery row per subscription, written with the event.

How an event reaches a receiver:
1. services.record_event() calls enqueue_for_event() inside the transaction of
   the change, so a delivery row exists exactly when the change committed.
2. Celery beat runs the sweep (tasks.sweep_webhooks) every few seconds: it
   claims due rows with outbox.claim_due (SKIP LOCKED on PostgreSQL, so several
   sweeps never take the same row) and queues one task per row.
3. The task (tasks.deliver_webhook) POSTs the payload, logs a WebhookAttempt,
   and marks the row delivered, or schedules the next try with backoff
   (RETRY_DELAYS, about a day in all) and finally gives up.

A claim is a lease: if the worker dies, the row is claimed again when the lease
runs out, so a receiver may get an event twice. Every request carries the
event's id (X-Hiring-Event-Id, and "id" in the body), the same on every try:
receivers de-duplicate on it.

Signature: X-Hiring-Signature is "v1=" + hex HMAC-SHA256 of
"{X-Hiring-Timestamp}.{raw body}" with the subscription's secret. A receiver
recomputes it over the raw bytes, compares in constant time, and refuses a
timestamp more than five minutes old (a replayed request); see verify().

What a payload carries: ids, kinds, states and times only: never free text
(scorecard notes, ratings, recommendations, veto or decision reasons) and no
candidate contact details. A webhook goes to a system outside this service
(a chat channel, a calendar tool) whose readers are not checked against rule 5
or the roles, so the payload tells *that* something happened; the receiver
reads *what* through the API with its own token, where those rules apply.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import logging
import random
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from hiring import outbox
from hiring.models import DeliveryStatus, Event, WebhookAttempt, WebhookDelivery, WebhookSubscription

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "X-Hiring-Signature"
TIMESTAMP_HEADER = "X-Hiring-Timestamp"
EVENT_ID_HEADER = "X-Hiring-Event-Id"
EVENT_KIND_HEADER = "X-Hiring-Event"
DELIVERY_HEADER = "X-Hiring-Delivery"
USER_AGENT = "HiringLoop-Webhooks/1"

# The wait after each failed try: 8 tries over about 22 hours, then the delivery
# gives up (and can be retried from the admin).
RETRY_DELAYS = [
    dt.timedelta(minutes=1),
    dt.timedelta(minutes=5),
    dt.timedelta(minutes=15),
    dt.timedelta(hours=1),
    dt.timedelta(hours=3),
    dt.timedelta(hours=6),
    dt.timedelta(hours=12),
]
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
# Longer than a delivery can take (the HTTP timeout, plus the task's own limit),
# so a lease that runs out means its worker is gone.
LEASE = dt.timedelta(minutes=3)
BATCH = 200
SIGNATURE_TOLERANCE_SECONDS = 300

# Keys of Event.data that may leave the service (see the module docstring).
SAFE_DATA_KEYS = frozenset(
    {
        "position_id",
        "rounds",
        "kind",
        "interviewer_id",
        "starts_at",
        "sequence",
        "previous",
        "from",
        "to",
        "scorecard_id",
        "revision",
        "veto",
        "cancelled_round_ids",
        "outcome",
        "decision_id",
        "trigger",
        "loops",
    }
)


# --- enqueue (inside the change's transaction) ------------------------------------


def enqueue_for_event(event: Event) -> None:
    """Write one delivery per active subscription that wants this event."""
    wanted = [
        sub.pk
        for sub in WebhookSubscription.objects.filter(is_active=True).only("pk", "events")
        if not sub.events or event.kind in sub.events
    ]
    if wanted:
        WebhookDelivery.objects.bulk_create(
            [WebhookDelivery(subscription_id=pk, event=event, next_attempt_at=event.created_at) for pk in wanted]
        )


# --- payload and signature ----------------------------------------------------------


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


def build_payload(event: Event) -> dict:
    """The body of every delivery of this event: the same on every try."""
    data = {key: value for key, value in (event.data or {}).items() if key in SAFE_DATA_KEYS}
    if isinstance((event.data or {}).get("changed"), Mapping):
        # candidate.updated: which fields changed, not their old and new values.
        data["changed_fields"] = sorted(event.data["changed"])
    return {
        "id": event.pk,
        "type": event.kind,
        "created_at": _iso(event.created_at),
        "actor_id": event.actor_id,
        "candidate_id": event.candidate_id,
        "loop_id": event.loop_id,
        "round_id": event.round_id,
        "data": data,
    }


def encode(payload: Mapping) -> bytes:
    return json.dumps(payload, separators=(",", ":"), sort_keys=True, ensure_ascii=False).encode("utf-8")


def sign(secret: str, timestamp: int | str, body: bytes) -> str:
    message = f"{timestamp}.".encode() + body
    return "v1=" + hmac.new(secret.encode("utf-8"), message, hashlib.sha256).hexdigest()


def verify(
    secret: str,
    *,
    body: bytes,
    timestamp: str | None,
    signature: str | None,
    now: float | None = None,
    tolerance: int = SIGNATURE_TOLERANCE_SECONDS,
) -> bool:
    """What a receiver does: recompute the signature over the raw body, compare in
    constant time, and refuse an old timestamp."""
    if not timestamp or not signature:
        return False
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs((now if now is not None else time.time()) - sent) > tolerance:
        return False
    return hmac.compare_digest(sign(secret, sent, body), signature)


# --- sweep and delivery (Celery) ------------------------------------------------------


def sweep(*, dispatch: Callable[[int, str], object], now: dt.datetime | None = None, limit: int = BATCH) -> int:
    """Claim due deliveries and hand each to `dispatch(delivery_id, claim_token)`.

    Rows whose dispatch fails (the broker is down) stay claimed and are claimed
    again when the lease runs out.
    """
    token, ids = outbox.claim_due(
        WebhookDelivery, now=now or timezone.now(), due_field="next_attempt_at", limit=limit, lease=LEASE
    )
    for delivery_id in ids:
        dispatch(delivery_id, token)
    return len(ids)


class RefusedAddress(Exception):
    pass


def _check_address(url: str) -> None:
    """Refuse to post into the service's own network (SSRF) unless allowed.

    The check resolves the name here and the request resolves it again, so a
    DNS answer that changes in between could slip through; the setting is a
    guard against mistakes and casual abuse, not a firewall.
    """
    if settings.HIRING_WEBHOOK_ALLOW_PRIVATE_URLS:
        return
    host = urlsplit(url).hostname or ""
    try:
        infos = socket.getaddrinfo(host, None)
    except (socket.gaierror, UnicodeError) as exc:
        raise RefusedAddress(f"cannot resolve {host!r}: {exc}") from None
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise RefusedAddress(f"{host} resolves to a non-public address ({address}); not allowed")


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    # A redirect could lead anywhere (past the address check); a receiver answers itself.
    def redirect_request(self, req, fp, code, msg, headers, newurl):
        return None


_opener = urllib.request.build_opener(_NoRedirects)


def _post(url: str, body: bytes, headers: Mapping[str, str]) -> tuple[int | None, str]:
    """POST and return (status code or None, error text; empty on 2xx)."""
    if urlsplit(url).scheme not in {"http", "https"}:
        raise RefusedAddress("only http:// and https:// URLs are posted to")
    _check_address(url)
    request = urllib.request.Request(url, data=body, headers=dict(headers), method="POST")  # noqa: S310 (checked above)
    try:
        with _opener.open(request, timeout=settings.HIRING_WEBHOOK_TIMEOUT_SECONDS) as response:
            response.read(1024)
            return response.status, ""
    except urllib.error.HTTPError as exc:
        snippet = exc.read(300).decode("utf-8", "replace") if exc.fp else ""
        return exc.code, f"HTTP {exc.code} {exc.reason}: {snippet}".strip()


def deliver(delivery_id: int, claim_token: str) -> str:
    """Make one try of a claimed delivery; return its new status.

    Does nothing ("skipped") unless the row is still claimed under this token:
    a task that ran late, after its lease was taken over, must not send again.
    """
    delivery = (
        WebhookDelivery.objects.select_related("subscription", "event")
        .filter(pk=delivery_id, status=DeliveryStatus.CLAIMED, claim_token=claim_token)
        .first()
    )
    if delivery is None:
        return "skipped"
    subscription = delivery.subscription
    if not subscription.is_active:
        return _finish(delivery, claim_token, code=None, error="The subscription was removed.", give_up=True)
    body = encode(build_payload(delivery.event))
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        EVENT_KIND_HEADER: delivery.event.kind,
        EVENT_ID_HEADER: str(delivery.event_id),
        DELIVERY_HEADER: str(delivery.pk),
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: sign(subscription.secret, timestamp, body),
    }
    started = time.monotonic()
    try:
        code, error = _post(subscription.url, body, headers)
    except RefusedAddress as exc:
        code, error = None, f"Refused: {exc}"
    except (OSError, ValueError) as exc:  # connection refused, timeout, TLS, a malformed URL
        code, error = None, f"{type(exc).__name__}: {exc}"
    elapsed_ms = int((time.monotonic() - started) * 1000)
    return _finish(delivery, claim_token, code=code, error=error, duration_ms=elapsed_ms)


@transaction.atomic
def _finish(
    delivery: WebhookDelivery,
    claim_token: str,
    *,
    code: int | None,
    error: str,
    duration_ms: int = 0,
    give_up: bool = False,
) -> str:
    """Log the try and move the delivery on: delivered, retry later, or failed."""
    current = WebhookDelivery.objects.select_for_update().filter(pk=delivery.pk).first()
    if current is None or current.claim_token != claim_token or current.status != DeliveryStatus.CLAIMED:
        # The lease ran out mid-request and another worker took the row over; it
        # will record its own try. This one is still logged.
        WebhookAttempt.objects.create(delivery=delivery, status_code=code, error=error, duration_ms=duration_ms)
        return "superseded"
    WebhookAttempt.objects.create(delivery=current, status_code=code, error=error[:2000], duration_ms=duration_ms)
    now = timezone.now()
    current.last_status_code = code
    current.claimed_until = None
    ok = code is not None and 200 <= code < 300 and not give_up
    if ok:
        current.status = DeliveryStatus.DELIVERED
        current.delivered_at = now
        current.last_error = ""
    elif give_up or current.attempts >= MAX_ATTEMPTS:
        current.status = DeliveryStatus.FAILED
        current.last_error = error[:2000]
        logger.warning("Webhook delivery %s gave up after %s tries: %s", current.pk, current.attempts, error)
    else:
        delay = RETRY_DELAYS[max(current.attempts, 1) - 1]
        # A little jitter, so a receiver coming back up is not hit by every retry at once.
        current.next_attempt_at = now + delay * random.uniform(1.0, 1.1)
        current.status = DeliveryStatus.PENDING
        current.last_error = error[:2000]
    current.save(
        update_fields=["status", "delivered_at", "last_error", "last_status_code", "claimed_until", "next_attempt_at"]
    )
    return current.status
