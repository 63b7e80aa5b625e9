"""Webhooks end to end: rows written with the event, posted to a real HTTP server
on localhost, signed so the receiver can check them, retried with backoff while
the receiver fails, and recognisable as duplicates when sent twice."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import trustme
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone

from hiring import services, tasks, webhooks
from hiring.models import (
    DeliveryStatus,
    Event,
    EventKind,
    WebhookAttempt,
    WebhookDelivery,
    WebhookSubscription,
)

pytestmark = pytest.mark.django_db

SECRET = "a-shared-secret-of-some-length"


class Receiver:
    """An HTTP server in a thread that answers with the queued status codes (then 200),
    checks each signature the way a receiver would, and de-duplicates by event id."""

    def __init__(self):
        self.requests: list[dict] = []
        self.statuses: list[int] = []
        self.processed: list[int] = []
        self.duplicates: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                timestamp = self.headers["X-Hiring-Timestamp"]
                signed = f"{timestamp}.".encode() + body
                expected = "v1=" + hmac.new(SECRET.encode(), signed, hashlib.sha256).hexdigest()
                record = {
                    "headers": dict(self.headers),
                    "body": body,
                    "signature_ok": hmac.compare_digest(expected, self.headers["X-Hiring-Signature"]),
                }
                receiver.requests.append(record)
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                if status == 200 and record["signature_ok"]:
                    event_id = int(self.headers["X-Hiring-Event-Id"])
                    if event_id in receiver.processed:
                        receiver.duplicates.append(event_id)
                    else:
                        receiver.processed.append(event_id)
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    settings.HIRING_WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.HIRING_WEBHOOK_TIMEOUT_SECONDS = 5
    server = Receiver()
    try:
        yield server
    finally:
        server.close()


def _subscribe(url: str, events=()):
    return services.create_webhook_subscription(url=url, events=events, secret=SECRET, by=None)


def _sweep(now=None) -> list[tuple[int, str]]:
    """One sweep, delivering what it claims right here (as the worker would)."""
    claimed = []
    webhooks.sweep(dispatch=lambda pk, token: claimed.append((pk, token)), now=now)
    for pk, token in claimed:
        webhooks.deliver(pk, token)
    return claimed


def test_an_event_writes_one_delivery_per_active_subscription_that_wants_it(world):
    everything = _subscribe("https://a.example.com/")
    decisions_only = _subscribe("https://b.example.com/", events=[EventKind.LOOP_DECIDED])
    removed = _subscribe("https://c.example.com/")
    services.deactivate_webhook_subscription(subscription=removed, by=None)
    candidate = services.create_candidate(
        full_name="Ada", email="ada@example.org", time_zone="Europe/London", by=world.recruiter
    )
    event = Event.objects.get(candidate=candidate, kind=EventKind.CANDIDATE_CREATED)
    assert list(event.deliveries.values_list("subscription", flat=True)) == [everything.pk]
    assert not WebhookDelivery.objects.filter(subscription__in=[decisions_only, removed]).exists()


def test_a_delivery_reaches_a_real_receiver_signed_and_carrying_its_event_id(world, receiver):
    _subscribe(receiver.url, events=[EventKind.ROUND_SCHEDULED])
    world.scheduled_loop()
    claimed = _sweep()
    assert len(claimed) == 6 == len(receiver.requests)
    for request in receiver.requests:
        assert request["signature_ok"]
        body = json.loads(request["body"])
        assert body["type"] == "round.scheduled" == request["headers"]["X-Hiring-Event"]
        assert str(body["id"]) == request["headers"]["X-Hiring-Event-Id"]
        assert body["data"]["starts_at"] and body["round_id"] and body["loop_id"]
        assert webhooks.verify(
            SECRET,
            body=request["body"],
            timestamp=request["headers"]["X-Hiring-Timestamp"],
            signature=request["headers"]["X-Hiring-Signature"],
        )
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.DELIVERED}
    assert set(WebhookAttempt.objects.values_list("status_code", flat=True)) == {200}


def test_a_failing_receiver_is_retried_with_backoff_until_it_answers(world, receiver):
    _subscribe(receiver.url, events=[EventKind.CANDIDATE_CREATED])
    receiver.statuses = [500, 503]
    services.create_candidate(full_name="Ada", email="ada@example.org", time_zone="UTC", by=world.recruiter)

    before = timezone.now()
    _sweep()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 1
    assert delivery.last_status_code == 500
    assert dt.timedelta(minutes=1) <= delivery.next_attempt_at - before <= dt.timedelta(minutes=1.2)
    assert _sweep() == [], "not due again yet"

    _sweep(now=delivery.next_attempt_at + dt.timedelta(seconds=1))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 2
    assert delivery.next_attempt_at - timezone.now() >= dt.timedelta(minutes=4.9)

    _sweep(now=delivery.next_attempt_at + dt.timedelta(seconds=1))
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.delivered_at is not None
    assert list(delivery.attempt_log.values_list("status_code", flat=True)) == [500, 503, 200]
    assert len(receiver.requests) == 3 and receiver.processed == [delivery.event_id]


def test_a_receiver_that_never_answers_is_given_up_on_after_about_a_day(world, receiver):
    _subscribe(receiver.url, events=[EventKind.CANDIDATE_CREATED])
    receiver.statuses = [500] * 20
    services.create_candidate(full_name="Ada", email="ada@example.org", time_zone="UTC", by=world.recruiter)
    waited = dt.timedelta(0)
    now = timezone.now()
    for _ in range(webhooks.MAX_ATTEMPTS):
        _sweep(now=now)
        delivery = WebhookDelivery.objects.get()
        if delivery.status == DeliveryStatus.FAILED:
            break
        waited += delivery.next_attempt_at - timezone.now()
        now = delivery.next_attempt_at + dt.timedelta(seconds=1)
    assert delivery.status == DeliveryStatus.FAILED
    assert delivery.attempts == webhooks.MAX_ATTEMPTS == delivery.attempt_log.count()
    assert dt.timedelta(hours=20) < waited < dt.timedelta(hours=28)
    # A recruiter can send it again once the receiver is fixed.
    services.retry_webhook_delivery(delivery=delivery, by=None)
    receiver.statuses = []
    _sweep()
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED


def test_a_delivery_sent_twice_after_a_lost_lease_is_recognised_by_its_event_id(world, receiver, monkeypatch):
    _subscribe(receiver.url, events=[EventKind.CANDIDATE_CREATED])
    services.create_candidate(full_name="Ada", email="ada@example.org", time_zone="UTC", by=world.recruiter)
    claimed = []
    webhooks.sweep(dispatch=lambda pk, token: claimed.append((pk, token)))

    # The worker posts, then dies before it can record the answer.
    def crash(*args, **kwargs):
        raise SystemExit("worker killed")

    with monkeypatch.context() as patch:
        patch.setattr(webhooks, "_finish", crash)
        with pytest.raises(SystemExit):
            webhooks.deliver(*claimed[0])
    assert WebhookDelivery.objects.get().status == DeliveryStatus.CLAIMED

    # Its lease runs out; the next sweep claims it again and delivers it.
    _sweep(now=timezone.now() + webhooks.LEASE + dt.timedelta(seconds=1))
    first, second = receiver.requests
    assert first["headers"]["X-Hiring-Event-Id"] == second["headers"]["X-Hiring-Event-Id"]
    assert first["body"] == second["body"]
    assert receiver.processed == [WebhookDelivery.objects.get().event_id]
    assert receiver.duplicates == receiver.processed
    assert WebhookDelivery.objects.get().status == DeliveryStatus.DELIVERED


def test_a_late_task_whose_claim_was_taken_over_sends_nothing(world, receiver):
    _subscribe(receiver.url, events=[EventKind.CANDIDATE_CREATED])
    services.create_candidate(full_name="Ada", email="ada@example.org", time_zone="UTC", by=world.recruiter)
    stale = []
    webhooks.sweep(dispatch=lambda pk, token: stale.append((pk, token)))
    _sweep(now=timezone.now() + webhooks.LEASE + dt.timedelta(seconds=1))
    assert webhooks.deliver(*stale[0]) == "skipped"
    assert len(receiver.requests) == 1


def test_a_payload_carries_ids_and_states_but_no_feedback_text(world, token_for):
    _subscribe("https://hooks.example.com/")
    loop = world.scheduled_loop()
    rounds = list(loop.rounds.order_by("order"))
    world.submit(rounds[0], recommendation="strong_no")
    world.submit(rounds[1], veto=True, veto_reason="Rude to the coordinator")
    payloads = [
        webhooks.encode(webhooks.build_payload(d.event)).decode()
        for d in WebhookDelivery.objects.select_related("event").order_by("pk")
    ]
    kinds = [json.loads(p)["type"] for p in payloads]
    assert {"scorecard.submitted", "loop.vetoed", "round.cancelled", "loop.scheduled"} <= set(kinds)
    everything = "\n".join(payloads)
    for secret in ("Rude to the coordinator", "Solid.", "strong_no", "recommendation", "@example.org"):
        assert secret not in everything
    vetoed = json.loads(payloads[kinds.index("loop.vetoed")])
    assert vetoed["data"]["scorecard_id"] and vetoed["loop_id"] == loop.pk


def test_a_candidate_update_tells_which_fields_changed_not_their_values(world):
    _subscribe("https://hooks.example.com/", events=[EventKind.CANDIDATE_UPDATED])
    candidate = services.create_candidate(full_name="Ada", email="ada@example.org", time_zone="UTC", by=world.recruiter)
    services.update_candidate(candidate=candidate, by=world.recruiter, email="ada.l@example.org")
    payload = webhooks.build_payload(WebhookDelivery.objects.get().event)
    assert payload["data"] == {"changed_fields": ["email"]}


def test_a_delivery_to_a_refused_address_fails_at_once_with_the_reason(world, receiver, settings):
    # Subscribed while private addresses were allowed; no longer allowed when it is sent.
    _subscribe(receiver.url, events=[EventKind.CANDIDATE_CREATED])
    settings.HIRING_WEBHOOK_ALLOW_PRIVATE_URLS = False
    services.create_candidate(full_name="Ada", email="ada@example.org", time_zone="UTC", by=world.recruiter)
    _sweep()
    delivery = WebhookDelivery.objects.get()
    assert receiver.requests == []
    # Not retried for 22 hours: a refused address does not become public by waiting.
    assert delivery.status == DeliveryStatus.FAILED and delivery.attempts == 1
    assert "non-public address" in delivery.last_error
    assert "non-public address" in delivery.attempt_log.get().error


def test_a_receiver_that_is_down_is_logged_and_retried(world, settings):
    settings.HIRING_WEBHOOK_ALLOW_PRIVATE_URLS = True
    _subscribe("http://127.0.0.1:9/nothing-listens-here", events=[EventKind.CANDIDATE_CREATED])
    services.create_candidate(full_name="Ada", email="ada@example.org", time_zone="UTC", by=world.recruiter)
    _sweep()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.last_status_code is None
    assert "Connection" in delivery.attempt_log.get().error or "refused" in delivery.attempt_log.get().error


def test_removing_a_subscription_gives_up_its_deliveries_not_yet_made(world):
    subscription = _subscribe("https://hooks.example.com/")
    world.start_loop()
    assert WebhookDelivery.objects.filter(status=DeliveryStatus.PENDING).exists()
    services.deactivate_webhook_subscription(subscription=subscription, by=None)
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {DeliveryStatus.FAILED}
    assert _sweep() == []


def test_verify_refuses_a_tampered_body_an_old_timestamp_and_a_wrong_secret():
    body = b'{"id":1}'
    now = 1_800_000_000
    signature = webhooks.sign(SECRET, now, body)
    assert webhooks.verify(SECRET, body=body, timestamp=str(now), signature=signature, now=now + 10)
    assert not webhooks.verify(SECRET, body=b'{"id":2}', timestamp=str(now), signature=signature, now=now)
    assert not webhooks.verify(SECRET, body=body, timestamp=str(now), signature=signature, now=now + 301)
    assert not webhooks.verify("another-secret-entirely", body=body, timestamp=str(now), signature=signature, now=now)
    assert not webhooks.verify(SECRET, body=body, timestamp="soon", signature=signature, now=now)


def test_the_celery_sweep_queues_one_delivery_task_per_claimed_row(world, receiver, monkeypatch):
    _subscribe(receiver.url, events=[EventKind.LOOP_CREATED])
    world.start_loop()
    world.start_loop()
    queued = []
    monkeypatch.setattr(tasks.deliver_webhook, "delay", lambda *args: queued.append(args))
    assert tasks.sweep_webhooks() == 2
    for args in queued:
        assert tasks.deliver_webhook(*args) == DeliveryStatus.DELIVERED
    assert len(receiver.requests) == 2
    entry = settings.CELERY_BEAT_SCHEDULE["hiring-webhooks-sweep"]
    assert entry["task"] == tasks.sweep_webhooks.name


def test_a_subscription_created_through_the_api_shows_its_secret_once(world, token_for):
    from django.contrib.auth.models import User

    admin = User.objects.create_superuser("root", "root@example.com", "x")
    client = token_for(admin)
    created = client.post(
        "/api/v1/webhooks/", {"url": "https://hooks.example.com/in", "events": ["loop.decided"]}, format="json"
    )
    assert created.status_code == 201, created.content
    assert len(created.json()["secret"]) >= 16
    listed = client.get(f"/api/v1/webhooks/{created.json()['id']}/").json()
    assert "secret" not in listed
    bad = client.post("/api/v1/webhooks/", {"url": "https://x.example.com/", "events": ["nope"]}, format="json")
    assert bad.status_code == 400 and "events" in bad.json()
    ftp = client.post("/api/v1/webhooks/", {"url": "ftp://x.example.com/"}, format="json")
    assert ftp.status_code == 400 and "url" in ftp.json()
    assert client.delete(f"/api/v1/webhooks/{created.json()['id']}/").status_code == 204
    assert client.get(f"/api/v1/webhooks/{created.json()['id']}/").json()["is_active"] is False


# --- issue 8, fault 8: which addresses a webhook may reach ---------------------------------

REFUSED_URLS = [
    "http://127.0.0.1/hook",
    "http://10.0.0.1/hook",
    "http://169.254.169.254/latest/meta-data/",
    "http://0.0.0.0/",
    "http://192.0.0.8/",
    "http://localhost:8000/",
    "http://api.localhost/",
    "http://[::1]/",
    "http://[::]/",
    "http://[::127.0.0.1]/",  # IPv4-compatible
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped
    "http://[::ffff:a00:1]/",  # IPv4-mapped, in hex
    "http://[::ffff:0:7f00:1]/",  # IPv4-translated
    "http://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
    "http://[64:ff9b:1::a00:1]/",  # local-use NAT64
    "http://[fec0::1]/",  # site-local
    "http://[fe80::1]/",
    "http://[fd00::1]/",
    "http://[2002:7f00:1::1]/",  # 6to4 of 127.0.0.1
    "http://[2002:a00:1::1]/",  # 6to4 of 10.0.0.1
    "http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/",  # Teredo (client 127.0.0.1)
    "http://2130706433/",  # 127.0.0.1 as one decimal number
    "http://0x7f000001/",
    "http://0177.0.0.1/",  # octal
    "http://127.1/",
    "http://0x7f.1/",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_a_non_public_address_is_refused_at_subscription_with_a_400(world, token_for, settings, url):
    from django.contrib.auth.models import User

    settings.HIRING_WEBHOOK_ALLOW_PRIVATE_URLS = False
    client = token_for(User.objects.create_superuser("root", "root@example.com", "x"))
    response = client.post("/api/v1/webhooks/", {"url": url}, format="json")
    assert response.status_code == 400, (url, response.content)
    assert "url" in response.json()
    assert not WebhookSubscription.objects.exists()


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_the_service_refuses_a_non_public_address_with_the_reason(settings, url):
    settings.HIRING_WEBHOOK_ALLOW_PRIVATE_URLS = False
    with pytest.raises(ValidationError) as refused:
        _subscribe(url)
    assert "url" in refused.value.message_dict


@pytest.mark.parametrize(
    "url",
    [
        "https://93.184.216.34/hook",
        "https://[2606:2800:220:1:248:1893:25c8:1946]/hook",
        "https://[64:ff9b::808:808]/hook",  # NAT64 of a public address
        "https://hooks.example.com/in",  # does not resolve here: checked again when sent
    ],
)
def test_a_public_address_is_accepted_at_subscription(settings, url):
    settings.HIRING_WEBHOOK_ALLOW_PRIVATE_URLS = False
    assert _subscribe(url).pk


def test_a_private_address_is_accepted_when_the_setting_allows_it(settings):
    settings.HIRING_WEBHOOK_ALLOW_PRIVATE_URLS = True
    assert _subscribe("http://127.0.0.1:9000/hook").pk
    assert _subscribe("http://[::1]:9000/hook").pk


def _fake_dns(monkeypatch, answers):
    """socket.getaddrinfo answering `answers[name]` (a list of address lists, one per call;
    the last repeats); an IP literal answers itself. Returns the list of names asked."""
    real = socket.getaddrinfo
    asked = []

    def getaddrinfo(host, port, family=0, type=0, proto=0, flags=0):
        if host in answers:
            asked.append(host)
            replies = answers[host]
            addresses = replies.pop(0) if len(replies) > 1 else replies[0]
            return [
                (
                    socket.AF_INET6 if ":" in a else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (a, port or 0, 0, 0) if ":" in a else (a, port or 0),
                )
                for a in addresses
            ]
        return real(host, port, family, type, proto, flags)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return asked


def test_a_name_that_resolves_to_a_private_address_is_refused_at_subscription(settings, monkeypatch):
    settings.HIRING_WEBHOOK_ALLOW_PRIVATE_URLS = False
    _fake_dns(monkeypatch, {"intranet.example.com": [["93.184.216.34", "10.1.2.3"]]})
    with pytest.raises(ValidationError) as refused:
        _subscribe("https://intranet.example.com/hook")
    assert "10.1.2.3" in str(refused.value.message_dict["url"])


def test_every_address_a_name_resolves_to_is_checked_when_sending(world, settings, monkeypatch):
    settings.HIRING_WEBHOOK_ALLOW_PRIVATE_URLS = False
    _subscribe("https://mixed.example.com/hook", events=[EventKind.CANDIDATE_CREATED])
    _fake_dns(monkeypatch, {"mixed.example.com": [["93.184.216.34", "::ffff:10.0.0.7"]]})
    services.create_candidate(full_name="Ada", email="ada@example.org", time_zone="UTC", by=world.recruiter)
    _sweep()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.FAILED
    assert "10.0.0.7" in delivery.last_error


def test_a_dns_answer_that_changes_after_the_check_cannot_reach_an_internal_host(
    world, receiver, settings, monkeypatch
):
    """DNS rebinding: the name is public when checked and local when connected to.
    The connection goes to the address that was checked, so the local receiver
    never sees the request."""
    settings.HIRING_WEBHOOK_ALLOW_PRIVATE_URLS = False
    port = receiver.server.server_address[1]
    _subscribe(f"http://rebind.example.com:{port}/hooks", events=[EventKind.CANDIDATE_CREATED])
    asked = _fake_dns(monkeypatch, {"rebind.example.com": [["93.184.216.34"], ["127.0.0.1"]]})
    real_connect = socket.create_connection
    connected_to = []

    def create_connection(address, timeout=None, source_address=None, **kwargs):
        host, port_ = address[:2]
        # Resolve the way the real function would, then connect locally only to 127.0.0.1
        # (the internet is not reachable from the tests: a public address is refused).
        resolved = socket.getaddrinfo(host, port_)[0][4][0]
        connected_to.append(resolved)
        if resolved == "127.0.0.1":
            return real_connect(("127.0.0.1", port_), timeout, source_address)
        raise ConnectionRefusedError(f"no route to {resolved} in the tests")

    monkeypatch.setattr(socket, "create_connection", create_connection)
    services.create_candidate(full_name="Ada", email="ada@example.org", time_zone="UTC", by=world.recruiter)
    _sweep()
    assert receiver.requests == []
    assert connected_to == ["93.184.216.34"]
    assert asked == ["rebind.example.com"], "resolved once, for the check and the connection both"
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING  # a refused connection is tried again later
    assert "no route to 93.184.216.34" in delivery.last_error


def _tls_receiver(receiver: Receiver, name: str, monkeypatch) -> list[str]:
    """Serve the receiver over TLS with a certificate for `name` from a test CA that the
    delivery trusts (trustme); return the server names (SNI) the clients send."""
    ca = trustme.CA()
    server_names: list[str] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert(name).configure_cert(context)
    context.sni_callback = lambda sock, server_name, ctx: server_names.append(server_name)
    receiver.server.socket = context.wrap_socket(receiver.server.socket, server_side=True)
    trusting = ssl.create_default_context()
    ca.configure_trust(trusting)
    monkeypatch.setattr(webhooks, "ssl_context", lambda: trusting)
    return server_names


def test_an_https_delivery_pinned_to_an_address_keeps_the_name_for_sni_host_and_certificate(
    world, receiver, settings, monkeypatch
):
    settings.HIRING_WEBHOOK_ALLOW_PRIVATE_URLS = True  # the receiver is on 127.0.0.1
    server_names = _tls_receiver(receiver, "hooks.test", monkeypatch)
    port = receiver.server.server_address[1]
    _fake_dns(monkeypatch, {"hooks.test": [["127.0.0.1"]]})

    _subscribe(f"https://hooks.test:{port}/hooks", events=[EventKind.CANDIDATE_CREATED])
    services.create_candidate(full_name="Ada", email="ada@example.org", time_zone="UTC", by=world.recruiter)
    _sweep()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED, delivery.last_error
    assert server_names == ["hooks.test"]
    [request] = receiver.requests
    assert request["headers"]["Host"] == f"hooks.test:{port}"
    assert request["signature_ok"]


def test_a_certificate_for_another_name_is_refused(world, receiver, settings, monkeypatch):
    settings.HIRING_WEBHOOK_ALLOW_PRIVATE_URLS = True
    _tls_receiver(receiver, "other.test", monkeypatch)
    port = receiver.server.server_address[1]
    _fake_dns(monkeypatch, {"hooks.test": [["127.0.0.1"]]})
    _subscribe(f"https://hooks.test:{port}/hooks", events=[EventKind.CANDIDATE_CREATED])
    services.create_candidate(full_name="Ada", email="ada@example.org", time_zone="UTC", by=world.recruiter)
    _sweep()
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING
    assert "certificate" in delivery.last_error.lower()
    assert receiver.requests == []


# --- issue 8: delivered on commit, the sweep kept as the safety net --------------------------


@pytest.fixture
def eager_celery(monkeypatch):
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)
    return app


def test_a_delivery_is_sent_when_its_change_commits_without_waiting_for_the_sweep(
    world, receiver, eager_celery, django_capture_on_commit_callbacks
):
    _subscribe(receiver.url, events=[EventKind.CANDIDATE_CREATED])
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.create_candidate(full_name="Ada", email="ada@example.org", time_zone="UTC", by=world.recruiter)
    # Nothing leaves before the commit: a rolled-back change sends nothing.
    assert receiver.requests == []
    for callback in callbacks:
        callback()
    assert len(receiver.requests) == 1
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.DELIVERED and delivery.attempts == 1
    assert _sweep() == []


def test_a_broker_outage_at_commit_leaves_the_delivery_to_the_sweep(
    world, receiver, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to the broker. Connection refused.")

    monkeypatch.setattr(tasks.deliver_new_webhook, "apply_async", broker_down)
    _subscribe(receiver.url, events=[EventKind.CANDIDATE_CREATED])
    with django_capture_on_commit_callbacks(execute=True):
        candidate = services.create_candidate(
            full_name="Ada", email="ada@example.org", time_zone="UTC", by=world.recruiter
        )
    assert candidate.pk
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == DeliveryStatus.PENDING and delivery.attempts == 0
    assert len(_sweep()) == 1
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.DELIVERED and len(receiver.requests) == 1


def test_a_delivery_the_sweep_took_first_is_not_sent_again_at_commit(world, receiver):
    _subscribe(receiver.url, events=[EventKind.CANDIDATE_CREATED])
    services.create_candidate(full_name="Ada", email="ada@example.org", time_zone="UTC", by=world.recruiter)
    delivery = WebhookDelivery.objects.get()
    _sweep()
    assert tasks.deliver_new_webhook(delivery.pk) == "skipped"
    assert len(receiver.requests) == 1
