"""An operator's view (issue 8): the request id in logs, liveness and readiness,
the worker and beat health checks, Prometheus metrics, Sentry. The admin's view of
failures is in tests/test_ops_admin.py; a real worker in tests/test_ops_worker.py."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import logging.config
import os
import re
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone
from prometheus_client import REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from hiring import reminders, tasks
from hiring.models import DeliveryStatus, Event, EventKind, Reminder, ReminderKind, ReminderStatus, WebhookDelivery
from hiring.observability import context, health
from hiring.observability.logs import logging_config

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.django_db


def free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


# --- logs and the request id ----------------------------------------------------------------


@pytest.fixture
def log_lines():
    """The service's own logging configuration (JSON), writing to a buffer: returns a reader."""
    buffer = io.StringIO()

    def configure(fmt: str) -> None:
        logging.config.dictConfig(logging_config(fmt=fmt, level="INFO"))
        [handler] = logging.getLogger().handlers
        handler.setStream(buffer)

    def read() -> list[str]:
        return [line for line in buffer.getvalue().splitlines() if line.strip()]

    read.configure = configure
    configure("json")
    yield read
    logging.config.dictConfig(settings.LOGGING)


def test_a_request_without_an_id_gets_a_new_one_in_its_response(client):
    first = client.get("/healthz/live")["X-Request-ID"]
    second = client.get("/healthz/live")["X-Request-ID"]
    assert re.fullmatch(r"[0-9a-f]{32}", first) and re.fullmatch(r"[0-9a-f]{32}", second)
    assert first != second


def test_a_well_formed_incoming_request_id_is_kept_and_sent_back(client):
    response = client.get("/healthz/live", headers={"X-Request-ID": "lb-7f3c2a9e-0001"})
    assert response["X-Request-ID"] == "lb-7f3c2a9e-0001"


@pytest.mark.parametrize("forged", ["short", "has space in it", 'quote"injected"here', "x" * 200, "évidemment-pas"])
def test_a_malformed_incoming_request_id_is_replaced_not_logged(client, forged):
    response = client.get("/healthz/live", headers={"X-Request-ID": forged})
    assert re.fullmatch(r"[0-9a-f]{32}", response["X-Request-ID"])


def test_every_json_log_line_of_a_request_carries_its_id(client, log_lines, settings):
    # A Redis that does not answer: the readiness view logs a warning from inside the request.
    settings.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    client.get("/healthz/ready", headers={"X-Request-ID": "req-0000-ready"})
    client.get("/accounts/login/", headers={"X-Request-ID": "req-0000-login"})
    records = [json.loads(line) for line in log_lines()]
    warning = next(r for r in records if r["logger"] == "hiring.observability.health")
    assert warning["request_id"] == "req-0000-ready" and warning["level"] == "WARNING"
    assert "Readiness check redis failed" in warning["message"]
    access = next(r for r in records if r["logger"] == "hiring.request")
    assert access["request_id"] == "req-0000-login"
    assert (access["method"], access["path"], access["status"]) == ("GET", "/accounts/login/", 200)
    assert re.match(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", access["time"])
    # Outside a request there is no id: a dash, never the last request's.
    logging.getLogger("hiring.test").info("between requests")
    assert json.loads(log_lines()[-1])["request_id"] == "-"


def test_plain_log_lines_carry_the_request_id_too(client, log_lines):
    log_lines.configure("plain")
    client.get("/accounts/login/", headers={"X-Request-ID": "req-plain-0001"})
    [line] = [line for line in log_lines() if "hiring.request" in line]
    assert "[req-plain-0001] GET /accounts/login/ 200" in line


def test_a_task_queued_during_a_request_carries_the_request_id_in_its_headers():
    from hiring.observability import celery_hooks

    headers: dict = {}
    token = context.request_id.set("req-publish-0001")
    try:
        celery_hooks._carry_request_id(headers=headers)
    finally:
        context.request_id.reset(token)
    assert headers == {"hiring_request_id": "req-publish-0001"}
    # A task queued outside any request adds nothing (the worker then uses the task's own id).
    empty: dict = {}
    celery_hooks._carry_request_id(headers=empty)
    assert empty == {}


def test_a_task_logs_under_the_request_id_it_was_given(log_lines):
    # Run in this process (eagerly), with the header as the worker would receive it.
    tasks.noop.apply(headers={"hiring_request_id": "req-task-00001"})
    records = [json.loads(line) for line in log_lines()]
    [line] = [r for r in records if r["logger"] == "hiring.observability.celery_hooks"]
    assert line["request_id"] == "req-task-00001"
    assert line["task_name"] == "hiring.tasks.noop" and line["state"] == "SUCCESS"
    assert context.request_id.get() is None  # reset after the task


def test_a_routine_sweep_that_went_well_does_not_bury_the_request_log(log_lines):
    # Beat runs the sweeps every few seconds: their success is DEBUG, and Celery's own
    # received / succeeded / sending lines are WARNING and above at LOG_LEVEL=INFO (issue 12).
    tasks.sweep_webhooks.apply()
    records = [json.loads(line) for line in log_lines()]
    assert not [r for r in records if r.get("task_name") == "hiring.tasks.sweep_webhooks"]
    assert logging.getLogger("celery.app.trace").getEffectiveLevel() == logging.WARNING
    assert logging.getLogger("celery.beat").getEffectiveLevel() == logging.WARNING
    assert logging_config(fmt="plain", level="DEBUG")["loggers"]["celery.app.trace"]["level"] == "DEBUG"
    # A sweep that a request caused is not routine: its line carries the request's id, at INFO.
    tasks.sweep_webhooks.apply(headers={"hiring_request_id": "req-sweep-00001"})
    records = [json.loads(line) for line in log_lines()]
    [line] = [r for r in records if r.get("task_name") == "hiring.tasks.sweep_webhooks"]
    assert line["request_id"] == "req-sweep-00001" and line["level"] == "INFO"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"LOG_FORMAT": "xml"}, "LOG_FORMAT must be plain or json"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be DEBUG, INFO, WARNING, ERROR or CRITICAL"),
        ({"HIRING_METRICS_ALLOWED_NETWORKS": "10.0.0.0/8,nowhere"}, "HIRING_METRICS_ALLOWED_NETWORKS must list"),
        ({"SENTRY_TRACES_SAMPLE_RATE": "2"}, "SENTRY_TRACES_SAMPLE_RATE must be a number from 0 to 1"),
        ({"HIRING_HEALTH_MAX_DUE_AGE_SECONDS": "soon"}, "HIRING_HEALTH_MAX_DUE_AGE_SECONDS must be a whole number"),
    ],
)
def test_a_bad_observability_setting_stops_start_up_naming_the_variable(env, message):
    result = _django_process("pass", **env)
    assert result.returncode != 0 and message in result.stderr


# --- health ----------------------------------------------------------------------------------


@pytest.fixture
def healthy(settings):
    """Everything up: the sweep ran a moment ago, nothing is due."""
    health.record_heartbeat()
    return settings


def ready(client) -> tuple[int, dict]:
    response = client.get("/healthz/ready")
    assert response["Cache-Control"].startswith("max-age=0")
    return response.status_code, response.json()


def test_liveness_answers_without_touching_the_database(client, django_assert_num_queries):
    with django_assert_num_queries(0):
        response = client.get("/healthz/live")
    assert response.status_code == 200 and response.json() == {"status": "ok"}


def test_it_is_ready_when_the_database_redis_beat_and_the_outbox_are_fine(client, healthy):
    status, body = ready(client)
    assert status == 200, body
    assert body["status"] == "ok" and body["failed"] == []
    assert set(body["checks"]) == {"database", "redis", "beat", "reminders", "webhooks"}
    assert all(check["ok"] for check in body["checks"].values())
    if settings.REDIS_URL:
        assert "skipped" not in body["checks"]["redis"]


@pytest.mark.django_db(transaction=True)
def test_it_is_not_ready_when_the_database_is_down(client):
    health.record_heartbeat()
    saved = dict(connection.settings_dict)
    connection.close()
    # A port nothing listens on (or a file that cannot be opened): the next query fails to connect.
    if connection.vendor == "postgresql":
        connection.settings_dict["PORT"] = str(free_port())
    else:
        pytest.skip("Stopping the database needs PostgreSQL.")
    try:
        status, body = ready(client)
    finally:
        connection.close()
        connection.settings_dict.clear()
        connection.settings_dict.update(saved)
    assert status == 503
    assert "database" in body["failed"]
    assert body["checks"]["database"] == {"ok": False, "error": "OperationalError"}
    assert body["checks"]["redis"]["ok"]  # the others still say what they know


def test_it_is_not_ready_when_redis_does_not_answer(client, healthy):
    healthy.REDIS_URL = f"redis://127.0.0.1:{free_port()}/0"
    status, body = ready(client)
    assert (status, body["failed"]) == (503, ["redis"])
    assert body["checks"]["redis"] == {"ok": False, "error": "ConnectionError"}


def test_it_is_not_ready_when_beat_has_not_swept_recently(client, settings):
    settings.HIRING_HEALTH_BEAT_MAX_AGE_SECONDS = 180
    status, body = ready(client)
    assert (status, body["failed"]) == (503, ["beat"])
    assert body["checks"]["beat"]["error"] == "the reminder sweep has never run"

    health.record_heartbeat(at=timezone.now() - dt.timedelta(minutes=10))
    status, body = ready(client)
    assert (status, body["failed"]) == (503, ["beat"])
    assert body["checks"]["beat"]["age_seconds"] >= 600

    health.record_heartbeat()
    assert ready(client)[0] == 200


def test_the_sweep_task_records_the_heartbeat(settings):
    assert health.heartbeat_age() is None
    tasks.sweep_reminders.apply()
    assert health.heartbeat_age() < 5


def test_it_is_not_ready_when_too_many_reminders_are_due(client, healthy, world):
    healthy.HIRING_HEALTH_MAX_DUE_REMINDERS = 10
    world.scheduled_loop(start=timezone.now() + dt.timedelta(days=3))  # twelve invitations due now
    status, body = ready(client)
    assert (status, body["failed"]) == (503, ["reminders"])
    assert body["checks"]["reminders"]["due"] == ">10"

    healthy.HIRING_HEALTH_MAX_DUE_REMINDERS = 12
    assert ready(client)[0] == 200


def test_it_is_not_ready_when_the_oldest_due_reminder_waited_too_long(client, healthy, world):
    healthy.HIRING_HEALTH_MAX_DUE_AGE_SECONDS = 900
    world.scheduled_loop(start=timezone.now() + dt.timedelta(days=3))
    assert ready(client)[0] == 200
    # One invitation claimed 20 minutes ago by a worker that is gone: still due, and late.
    late = Reminder.objects.filter(kind=ReminderKind.INVITATION).first()
    Reminder.objects.filter(pk=late.pk).update(
        status=ReminderStatus.CLAIMED, due_at=timezone.now() - dt.timedelta(minutes=20)
    )
    status, body = ready(client)
    assert (status, body["failed"]) == (503, ["reminders"])
    assert 1200 <= body["checks"]["reminders"]["oldest_due_seconds"] < 1300


def _deliveries(world, count: int, *, due: dt.datetime) -> list[WebhookDelivery]:
    """`count` deliveries to one subscription, each of its own event, due at `due`."""
    from hiring import services

    subscription = services.create_webhook_subscription(
        url="https://hooks.example.com/", events=[EventKind.LOOP_DECIDED], secret="s" * 32, by=None
    )
    events = Event.objects.bulk_create([Event(kind=EventKind.LOOP_DECIDED) for _ in range(count)])
    return WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(subscription=subscription, event=event, next_attempt_at=due) for event in events]
    )


def test_it_is_not_ready_when_webhook_deliveries_back_up(client, healthy, world):
    healthy.HIRING_HEALTH_MAX_DUE_WEBHOOKS = 3
    _deliveries(world, 4, due=timezone.now() - dt.timedelta(seconds=30))
    status, body = ready(client)
    assert (status, body["failed"]) == (503, ["webhooks"])
    assert body["checks"]["webhooks"]["due"] == ">3"

    healthy.HIRING_HEALTH_MAX_DUE_WEBHOOKS = 100
    healthy.HIRING_HEALTH_MAX_DUE_AGE_SECONDS = 10
    status, body = ready(client)
    assert (status, body["failed"]) == (503, ["webhooks"])
    assert body["checks"]["webhooks"]["oldest_due_seconds"] >= 30


def test_readiness_costs_the_same_queries_with_a_large_backlog(client, healthy, world, django_assert_num_queries):
    def queries() -> int:
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            client.get("/healthz/ready")
        return len(captured)

    empty = queries()
    world.scheduled_loop(start=timezone.now() + dt.timedelta(days=3))
    world.scheduled_loop(start=timezone.now() + dt.timedelta(days=4))
    _deliveries(world, 5, due=timezone.now())
    # SELECT 1; the heartbeat; per outbox: a capped COUNT and one LIMIT 1 per open status (2).
    assert queries() == empty == 1 + 1 + 2 * 3


def test_the_beat_health_command_exits_1_when_the_sweep_is_late(healthy):
    out = io.StringIO()
    call_command("healthcheck", "--beat", stdout=out)
    assert json.loads(out.getvalue())["beat"]["ok"] is True

    health.record_heartbeat(at=timezone.now() - dt.timedelta(hours=1))
    with pytest.raises(CommandError) as failure:
        call_command("healthcheck", "--beat", stdout=io.StringIO())
    assert failure.value.returncode == 1 and "beat" in str(failure.value)


def test_the_health_command_runs_every_readiness_check(healthy):
    out = io.StringIO()
    call_command("healthcheck", stdout=out)
    assert set(json.loads(out.getvalue())) == {"database", "redis", "beat", "reminders", "webhooks"}


@pytest.mark.redis
def test_the_worker_health_command_exits_1_when_no_worker_answers(settings):
    if not settings.REDIS_URL:
        pytest.skip("Needs the Redis broker.")
    with pytest.raises(CommandError) as failure:
        call_command(
            "healthcheck", "--worker", "--node", "celery@nobody-here", "--timeout", "0.5", stdout=io.StringIO()
        )
    assert failure.value.returncode == 1 and "worker" in str(failure.value)


# --- metrics ----------------------------------------------------------------------------------


def scrape(client, **extra) -> dict[str, list]:
    response = client.get("/metrics", **extra)
    assert response.status_code == 200, response.content
    assert response["Content-Type"].startswith("text/plain; version=")
    families = text_string_to_metric_families(response.content.decode())
    return {family.name: family.samples for family in families}


def value(samples, **labels) -> float:
    return sum(s.value for s in samples if all(s.labels.get(k) == v for k, v in labels.items()))


def test_metrics_are_only_for_allowed_addresses_or_the_bearer_token(client, settings):
    settings.HIRING_METRICS_TOKEN = "scrape-token-of-some-length"
    outside = {"REMOTE_ADDR": "203.0.113.9"}
    assert client.get("/metrics", **outside).status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}, **outside).status_code == 404
    assert client.get("/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 404
    allowed = client.get("/metrics", headers={"Authorization": "Bearer scrape-token-of-some-length"}, **outside)
    assert allowed.status_code == 200
    assert client.get("/metrics").status_code == 200  # from 127.0.0.1, in the default networks

    import ipaddress

    settings.HIRING_METRICS_ALLOWED_NETWORKS = [ipaddress.ip_network("203.0.113.0/24")]
    assert client.get("/metrics", **outside).status_code == 200
    assert client.get("/metrics").status_code == 404


def test_metrics_count_requests_by_method_status_and_view(client):
    before = REGISTRY.get_sample_value(
        "hiring_http_requests_total", {"method": "GET", "status": "200", "view": "healthz-live"}
    )
    client.get("/healthz/live")
    client.get("/healthz/live")
    client.post("/healthz/live")  # 405
    client.get("/no/such/page/")
    samples = scrape(client)["hiring_http_requests"]
    assert value(samples, method="GET", status="200", view="healthz-live") == (before or 0) + 2
    assert value(samples, method="POST", status="405", view="healthz-live") >= 1
    assert value(samples, method="GET", status="404", view="<unresolved>") >= 1
    assert "hiring_http_request_duration_seconds" in scrape(client)


def test_metrics_show_the_reminder_outbox_by_kind_and_its_oldest_due_age(client, world):
    world.scheduled_loop(start=timezone.now() + dt.timedelta(days=3))
    Reminder.objects.filter(kind=ReminderKind.INVITATION, email__startswith="hank").update(
        status=ReminderStatus.FAILED, last_error="550 no such user"
    )
    oldest = Reminder.objects.filter(kind=ReminderKind.INVITATION, status=ReminderStatus.PENDING).first()
    Reminder.objects.filter(pk=oldest.pk).update(due_at=timezone.now() - dt.timedelta(minutes=5))
    metrics = scrape(client)
    assert value(metrics["hiring_reminders_due"], kind="invitation", status="pending") == 11
    assert value(metrics["hiring_reminders_failed_rows"], kind="invitation") == 1
    assert 300 <= value(metrics["hiring_reminder_oldest_due_age_seconds"]) < 360
    assert value(metrics["hiring_reminder_sweep_age_seconds"]) == -1


def test_metrics_count_task_outcomes_and_reminders_sent_by_kind(client, world):
    world.scheduled_loop(start=timezone.now() + dt.timedelta(days=3))
    queued: list = []
    reminders.sweep(dispatch=queued.append)
    assert len(queued) == 1  # one send task for the batch of 12 invitations

    def sample(name, **labels) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0

    sent_before = sample("hiring_reminders_sent_total", kind="invitation")
    ok_before = sample("hiring_celery_tasks_total", task="hiring.tasks.send_due_reminders", state="SUCCESS")
    tasks.send_due_reminders.apply()
    tasks.sweep_reminders.apply()

    metrics = scrape(client)
    assert value(metrics["hiring_reminders_sent"], kind="invitation") == sent_before + 12
    assert (
        value(metrics["hiring_celery_tasks"], task="hiring.tasks.send_due_reminders", state="SUCCESS") == ok_before + 1
    )
    assert value(metrics["hiring_celery_tasks"], task="hiring.tasks.sweep_reminders", state="SUCCESS") >= 1
    assert value(metrics["hiring_reminders_due"]) == 0
    assert 0 <= value(metrics["hiring_reminder_sweep_age_seconds"]) < 5


def test_metrics_count_webhook_deliveries_by_outcome(client, world, settings):
    settings.HIRING_WEBHOOK_ALLOW_PRIVATE_URLS = False
    _deliveries(world, 2, due=timezone.now() - dt.timedelta(seconds=5))
    WebhookDelivery.objects.filter(pk=WebhookDelivery.objects.order_by("pk").values("pk")[:1]).update(
        status=DeliveryStatus.FAILED, last_error="HTTP 500"
    )
    before = REGISTRY.get_sample_value("hiring_webhook_deliveries_total", {"outcome": "skipped"}) or 0
    metrics = scrape(client)
    assert value(metrics["hiring_webhook_deliveries_rows"], status="pending") == 1
    assert value(metrics["hiring_webhook_deliveries_rows"], status="failed") == 1
    assert value(metrics["hiring_webhook_oldest_due_age_seconds"]) >= 5

    # A task for a claim that is not (or no longer) its own: the attempt's outcome is "skipped".
    tasks.deliver_webhook.apply(args=(WebhookDelivery.objects.order_by("pk").last().pk, "not-my-claim"))
    assert value(scrape(client)["hiring_webhook_deliveries"], outcome="skipped") == before + 1


def test_a_failing_task_is_counted_as_a_failure(client):
    before = REGISTRY.get_sample_value(
        "hiring_celery_tasks_total", {"task": "hiring.tasks.send_reminders", "state": "FAILURE"}
    )
    tasks.send_reminders.apply(args=("token",))  # a missing argument: the task raises
    metrics = scrape(client)
    assert (
        value(metrics["hiring_celery_tasks"], task="hiring.tasks.send_reminders", state="FAILURE") == (before or 0) + 1
    )


# --- Sentry -----------------------------------------------------------------------------------


def _django_process(code: str, **env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CI"}}
    environment.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1", **env})
    return subprocess.run(
        [sys.executable, "-c", f"import django; django.setup()\n{code}"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


class SentryReceiver:
    """A stand-in for Sentry's ingest endpoint: keeps the envelopes it is sent."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if self.headers.get("Content-Encoding") == "gzip":
                    import gzip

                    body = gzip.decompress(body)
                receiver.bodies.append(body)
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"{}")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def dsn(self) -> str:
        return f"http://publickey@127.0.0.1:{self.server.server_port}/42"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


SENTRY_PROBE = """
import sentry_sdk
from django.test import Client
from hiring.observability import views

client = sentry_sdk.get_client()
print("active", client.is_active())
if client.is_active():
    print("integrations", sorted(client.integrations))
    def broken(**kwargs):
        raise RuntimeError("readiness exploded")
    views.health.readiness = broken
    response = Client(raise_request_exception=False).get(
        "/healthz/ready", headers={"host": "localhost", "X-Request-ID": "req-sentry-0001"}
    )
    print("status", response.status_code)
    sentry_sdk.flush(timeout=5)
"""


def test_errors_are_reported_to_sentry_with_django_and_celery_when_a_dsn_is_set():
    receiver = SentryReceiver()
    try:
        result = _django_process(SENTRY_PROBE, SENTRY_DSN=receiver.dsn, SENTRY_ENVIRONMENT="test")
    finally:
        receiver.close()
    assert result.returncode == 0, result.stderr
    assert "active True" in result.stdout
    assert "'celery'" in result.stdout and "'django'" in result.stdout
    assert "status 500" in result.stdout
    sent = b"".join(receiver.bodies)
    assert b"readiness exploded" in sent and b'"environment":"test"' in sent.replace(b" ", b"")
    assert b'"request_id":"req-sentry-0001"' in sent.replace(b" ", b"")


def test_nothing_is_sent_to_sentry_without_a_dsn():
    result = _django_process(SENTRY_PROBE)
    assert result.returncode == 0, result.stderr
    assert "active False" in result.stdout


# --- compose --------------------------------------------------------------------------------


def test_compose_health_checks_use_readiness_the_worker_ping_and_the_beat_heartbeat():
    import yaml

    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    assert "/healthz/ready" in " ".join(services["web"]["healthcheck"]["test"])
    worker = services["worker"]["healthcheck"]["test"]
    assert worker[:4] == ["CMD", "python", "manage.py", "healthcheck"] and "--worker" in worker
    beat = services["beat"]["healthcheck"]["test"]
    assert beat[:4] == ["CMD", "python", "manage.py", "healthcheck"] and "--beat" in beat
    for name in ("web", "worker", "beat"):
        check = services[name]["healthcheck"]
        assert check["retries"] >= 3 and "start_period" in check
    # Each process's metrics files live in a directory of its own container.
    for name in ("web", "worker"):
        env = services[name]["environment"]
        assert env["PROMETHEUS_MULTIPROC_DIR"] in services[name]["tmpfs"]
