"""Outgoing webhooks: a delivery row per subscription, written with the event.

How an event reaches a receiver:
1. services.record_event() calls enqueue_for_event() inside the transaction of
   the change, so a delivery row exists exactly when the change committed.
2. When that transaction commits, one task per new row is queued
   (tasks.deliver_new_webhook): it claims its row and sends it at once. If the
   broker is down then, the request goes on and the row waits for the sweep.
3. Celery beat runs the sweep (tasks.sweep_webhooks) every few seconds, the
   safety net: it claims due rows with outbox.claim_due (SKIP LOCKED on
   PostgreSQL, so several sweeps never take the same row) and queues one task
   per row. A row the on-commit task claimed first is not claimed again.
4. The task (tasks.deliver_webhook) POSTs the payload, logs a WebhookAttempt,
   and marks the row delivered, or schedules the next try with backoff
   (RETRY_DELAYS, about a day in all) and finally gives up. A URL whose
   address is refused (see below) gives up at once: waiting does not make it
   public.

Addresses (SSRF): a webhook must not reach into the service's own network.
A URL whose host is a non-public address, in any spelling (IPv4 in decimal,
octal or hex; IPv6 forms that embed an IPv4 address: mapped, compatible,
translated, NAT64, 6to4, Teredo; site-local, link-local, unique-local ...),
is refused when subscribing and again when sending. When sending, the name is
resolved once, every address it resolves to is checked, and the connection
is made to a checked address (the URL's name still goes in the Host header,
the TLS SNI and the certificate check), so a DNS answer that changes between
the check and the connection cannot reach an internal host.
HIRING_WEBHOOK_ALLOW_PRIVATE_URLS lifts the address check (local receivers).

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
import http.client
import ipaddress
import json
import logging
import random
import re
import socket
import ssl
import time
import uuid
from collections.abc import Callable, Mapping
from functools import partial
from urllib.parse import urlsplit

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

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
        deliveries = WebhookDelivery.objects.bulk_create(
            [WebhookDelivery(subscription_id=pk, event=event, next_attempt_at=event.created_at) for pk in wanted]
        )
        ids = [d.pk for d in deliveries if d.pk is not None]
        # After the commit, not now: a change rolled back sends nothing, and the task
        # must find the row committed.
        transaction.on_commit(partial(_dispatch_new, ids))


def _dispatch_new(ids: list[int]) -> None:
    """Queue the first try of each new delivery; with the broker down, leave them to the sweep.

    Runs after the change committed, inside the request that made it: an error
    here must not turn a committed change into an error page.
    """
    from hiring.tasks import deliver_new_webhook

    try:
        with deliver_new_webhook.app.producer_or_acquire() as producer:
            # One try at connecting, no retries: by default kombu keeps trying for about
            # six seconds, which every request would wait out while the broker is down.
            # The sweep sends the rows within seconds of the broker's return anyway.
            producer.connection.ensure_connection(max_retries=0, timeout=1)
            for delivery_id in ids:
                deliver_new_webhook.apply_async(args=(delivery_id,), producer=producer, retry=False)
    except Exception:
        logger.warning("Could not queue webhook deliveries %s; the sweep will send them.", ids, exc_info=True)


def claim_new(delivery_id: int, *, now: dt.datetime | None = None) -> str | None:
    """Claim one pending delivery (the on-commit path); return its claim token, or
    None if the sweep (or a retry) has it already or it is not due."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    with transaction.atomic():
        qs = WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        if not qs.exists():
            return None
        WebhookDelivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING).update(
            status=DeliveryStatus.CLAIMED, claimed_until=now + LEASE, claim_token=token, attempts=F("attempts") + 1
        )
    return token


def deliver_new(delivery_id: int) -> str:
    """The first try of a delivery, queued when its event committed."""
    token = claim_new(delivery_id)
    if token is None:
        return "skipped"
    return deliver(delivery_id, token)


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
    """The URL may not be posted to, now or later (its address is not public, or it is malformed)."""


# Ranges Python's ipaddress still calls global (or does not flag) that a webhook must not reach.
_REFUSED_NETWORKS = [
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",  # "this network"
        "100.64.0.0/10",  # carrier-grade NAT
        "192.0.0.0/24",  # IETF protocol assignments
        "192.88.99.0/24",  # the old 6to4 relay anycast
        "198.18.0.0/15",  # benchmarking
        "fec0::/10",  # site-local (deprecated, still routed inside some networks)
        "64:ff9b:1::/48",  # local-use NAT64
        "2001::/23",  # IETF protocol assignments, Teredo among them
        "2001:db8::/32",  # documentation
    )
]
_IPV4_COMPATIBLE = ipaddress.ip_network("::/96")
_IPV4_TRANSLATED = ipaddress.ip_network("::ffff:0:0:0/96")
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# A host whose last label is a number is an IPv4 address in some spelling (the WHATWG URL
# rule): 2130706433, 0x7f000001, 0177.0.0.1 and 127.1 all mean 127.0.0.1 to the resolver.
_NUMERIC_LABEL = re.compile(r"^(0x[0-9a-f]*|[0-9]+)$", re.IGNORECASE)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address stands for (a packet to it may reach them)."""
    embedded = []
    low32 = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    if address.ipv4_mapped is not None:
        embedded.append(address.ipv4_mapped)
    elif address in _IPV4_TRANSLATED or address in _NAT64 or address in _IPV4_COMPATIBLE:
        embedded.append(low32)
    if address.sixtofour is not None:
        embedded.append(address.sixtofour)
    if address.teredo is not None:
        embedded.extend(address.teredo)
    return embedded


def refusal_for(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str:
    """Why a webhook may not go to this address ("" if it may)."""
    if isinstance(address, ipaddress.IPv6Address):
        if address.scope_id:
            address = ipaddress.IPv6Address(str(address).split("%", 1)[0])
        for inner in _embedded_ipv4(address):
            if refusal_for(inner):
                return _("%(address)s is a non-public address (it stands for %(inner)s)") % {
                    "address": address,
                    "inner": inner,
                }
        if address.ipv4_mapped is not None or address in _NAT64:
            # Stands for a public IPv4 address (Python counts these ranges as reserved).
            return ""
    flagged = (
        not address.is_global
        or address.is_private
        or address.is_loopback
        or address.is_link_local
        or address.is_multicast
        or address.is_reserved
        or address.is_unspecified
        or (isinstance(address, ipaddress.IPv6Address) and address.is_site_local)
        or any(address in network for network in _REFUSED_NETWORKS if network.version == address.version)
    )
    if flagged:
        return _("%(address)s is a non-public address") % {"address": address}
    return ""


def _literal_address(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """The address a host names by itself, in any spelling; None for a name to resolve."""
    try:
        return ipaddress.ip_address(host)
    except ValueError:
        pass
    last = host.rstrip(".").rsplit(".", 1)[-1]
    if _NUMERIC_LABEL.match(last):
        try:
            # inet_aton reads every legacy spelling the way the system resolver does.
            return ipaddress.IPv4Address(socket.inet_aton(host.rstrip(".")))
        except OSError:
            raise RefusedAddress(_("%(host)s is not a valid address") % {"host": host}) from None
    return None


def _url_host(url: str) -> tuple[str, str, int]:
    """(scheme, host, port) of a webhook URL, or RefusedAddress if it is not one."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise RefusedAddress(_("malformed URL: %(error)s") % {"error": exc}) from None
    if parts.scheme not in {"http", "https"}:
        raise RefusedAddress(_("only http:// and https:// URLs are posted to"))
    host = (parts.hostname or "").rstrip(".")
    if not host:
        raise RefusedAddress(_("the URL has no host"))
    return parts.scheme, host, port or (443 if parts.scheme == "https" else 80)


def _check_host(host: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """Refuse a host that is, or always means, a non-public address; return its literal address."""
    if host == "localhost" or host.endswith(".localhost"):
        raise RefusedAddress(_("%(host)s is always this machine; not allowed") % {"host": host})
    literal = _literal_address(host)
    if literal is not None and (reason := refusal_for(literal)):
        raise RefusedAddress(reason + _("; not allowed"))
    return literal


def check_subscription_url(url: str) -> None:
    """At subscription: refuse a URL that would post into the service's own network.

    A name is resolved too, and refused if any address it has now is not public;
    a name that does not resolve (yet) is accepted: it is checked again, and
    pinned, every time a delivery is sent.
    """
    if settings.HIRING_WEBHOOK_ALLOW_PRIVATE_URLS:
        return
    _scheme, host, port = _url_host(url)
    if _check_host(host) is not None:
        return
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        return
    for *_ignored, sockaddr in infos:
        if reason := refusal_for(ipaddress.ip_address(sockaddr[0])):
            raise RefusedAddress(_("%(host)s resolves to %(reason)s; not allowed") % {"host": host, "reason": reason})


def resolve_checked(host: str, port: int) -> list[str]:
    """Resolve once and return the addresses to connect to, every one of them checked.

    Refused (RefusedAddress) if any address is not public: a name that mixes
    public and private answers is not posted to. A name that does not resolve
    raises OSError (worth retrying: DNS may come back).
    """
    allow_private = settings.HIRING_WEBHOOK_ALLOW_PRIVATE_URLS
    literal = _literal_address(host) if allow_private else _check_host(host)
    if literal is not None:
        return [str(literal)]
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except UnicodeError as exc:
        raise RefusedAddress(_("cannot resolve %(host)s: %(error)s") % {"host": host, "error": exc}) from None
    addresses: list[str] = []
    for *_ignored, sockaddr in infos:
        address = ipaddress.ip_address(sockaddr[0])
        if not allow_private and (reason := refusal_for(address)):
            raise RefusedAddress(_("%(host)s resolves to %(reason)s; not allowed") % {"host": host, "reason": reason})
        if str(address) not in addresses:
            addresses.append(str(address))
    if not addresses:
        raise OSError(f"{host} resolved to no address")
    return addresses


def ssl_context() -> ssl.SSLContext:
    """How receivers' certificates are checked (the system's CAs); a test may trust its own."""
    return ssl.create_default_context()


def _connect_to(addresses: list[str], address, timeout, source_address=None):
    """socket.create_connection to the checked addresses in turn, never to the name again."""
    port = address[1]
    error: OSError | None = None
    for ip in addresses:
        try:
            return socket.create_connection((ip, port), timeout, source_address)
        except OSError as exc:
            error = exc
    raise error or OSError("no address to connect to")


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """An HTTP connection whose host is the URL's name (the Host header) but whose socket
    goes to an address resolved and checked beforehand."""

    def __init__(self, host: str, port: int, *, addresses: list[str], **kwargs):
        super().__init__(host, port, **kwargs)
        self._create_connection = partial(_connect_to, addresses)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """As above, with TLS: the handshake still sends the name (SNI) and checks the
    certificate against it, since HTTPSConnection wraps the socket with server_hostname=host."""

    def __init__(self, host: str, port: int, *, addresses: list[str], **kwargs):
        super().__init__(host, port, **kwargs)
        self._create_connection = partial(_connect_to, addresses)


def _post(url: str, body: bytes, headers: Mapping[str, str]) -> tuple[int | None, str]:
    """POST and return (status code or None, error text; empty on 2xx).

    Redirects are not followed (a redirect could lead anywhere, past the address
    check): a 3xx is a failed try like any other non-2xx answer.
    """
    scheme, host, port = _url_host(url)
    addresses = resolve_checked(host, port)
    parts = urlsplit(url)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    timeout = settings.HIRING_WEBHOOK_TIMEOUT_SECONDS
    if scheme == "https":
        conn: http.client.HTTPConnection = _PinnedHTTPSConnection(
            host, port, addresses=addresses, timeout=timeout, context=ssl_context()
        )
    else:
        conn = _PinnedHTTPConnection(host, port, addresses=addresses, timeout=timeout)
    try:
        conn.request("POST", target, body=body, headers=dict(headers))
        response = conn.getresponse()
        snippet = response.read(1024)
        if 200 <= response.status < 300:
            return response.status, ""
        text = snippet[:300].decode("utf-8", "replace")
        return response.status, f"HTTP {response.status} {response.reason}: {text}".strip()
    finally:
        conn.close()


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
        # Not retried: the address will not become public by waiting. Retry from the admin
        # once the URL (or HIRING_WEBHOOK_ALLOW_PRIVATE_URLS) is changed.
        elapsed_ms = int((time.monotonic() - started) * 1000)
        return _finish(
            delivery,
            claim_token,
            code=None,
            error=_("Refused: %(reason)s") % {"reason": exc},
            give_up=True,
            duration_ms=elapsed_ms,
        )
    except (OSError, ValueError, http.client.HTTPException) as exc:  # refused, timeout, TLS, a bad answer
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
