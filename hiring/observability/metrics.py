"""Prometheus metrics (prometheus_client).

Two kinds, by where the truth lives:

* Counters and histograms of what a process did (HTTP requests in the web
  processes, task outcomes, reminders sent or failed and webhook deliveries in
  the workers). gunicorn and Celery's prefork pool run several processes, so
  with PROMETHEUS_MULTIPROC_DIR set each process writes its values to files in
  that directory and a scrape adds them up (prometheus_client's multiprocess
  mode). The web service's /metrics serves the web processes' values; a worker
  started with HIRING_WORKER_METRICS_PORT serves its pool's on that port.
* Gauges of the outbox (reminders and deliveries due, by kind, failed, the
  oldest due row's age, the sweep's heartbeat) are read from the database at
  scrape time by OutboxCollector: the database is the one place that knows
  them, whichever process wrote the rows, and each is an indexed query.
"""

from __future__ import annotations

import ipaddress
import logging
import os

from django.conf import settings
from django.db.models import Count, Min
from django.utils import timezone
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily

log = logging.getLogger(__name__)

METHODS = {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}
# Probed every few seconds: counted, but no access-log line each time.
QUIET_VIEWS = {"healthz", "healthz-live", "healthz-ready", "metrics"}

HTTP_REQUESTS = Counter(
    "hiring_http_requests",
    "HTTP requests answered, by method, status code and view (the URL pattern's name).",
    ["method", "status", "view"],
)
HTTP_DURATION = Histogram(
    "hiring_http_request_duration_seconds",
    "Time to answer an HTTP request, by method and view.",
    ["method", "view"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.2, 0.5, 1, 2.5, 5, 10),
)
TASKS = Counter("hiring_celery_tasks", "Celery tasks run, by task and outcome state.", ["task", "state"])
TASK_DURATION = Histogram(
    "hiring_celery_task_duration_seconds",
    "Time a Celery task ran, by task.",
    ["task"],
    buckets=(0.01, 0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 90),
)
REMINDERS_SENT = Counter("hiring_reminders_sent", "Reminders handed to the SMTP server, by kind.", ["kind"])
REMINDERS_FAILED = Counter("hiring_reminders_failed", "Reminders given up on (marked failed), by kind.", ["kind"])
WEBHOOK_DELIVERIES = Counter(
    "hiring_webhook_deliveries",
    "Webhook delivery attempts, by outcome (the delivery's status after the attempt).",
    ["outcome"],
)


def view_label(request) -> str:
    match = getattr(request, "resolver_match", None)
    if match is None:
        return "<unresolved>"
    return match.view_name or "<unnamed>"


def observe_request(*, method: str, status: int, view: str, seconds: float) -> None:
    method = method if method in METHODS else "other"
    HTTP_REQUESTS.labels(method=method, status=str(status), view=view).inc()
    HTTP_DURATION.labels(method=method, view=view).observe(seconds)


class OutboxCollector:
    """Gauges read from the database at each scrape (see the module's docstring)."""

    def collect(self):
        from hiring.models import DeliveryStatus, Reminder, ReminderStatus, WebhookDelivery
        from hiring.observability.health import heartbeat_age

        now = timezone.now()

        due = GaugeMetricFamily(
            "hiring_reminders_due", "Reminders due and not yet sent, by kind and status.", labels=["kind", "status"]
        )
        oldest = None
        # One range scan of the due rows on the (status, due_at) index, grouped.
        rows = (
            Reminder.objects.filter(status__in=[ReminderStatus.PENDING, ReminderStatus.CLAIMED], due_at__lte=now)
            .values("kind", "status")
            .annotate(n=Count("pk"), oldest=Min("due_at"))
            .order_by()
        )
        for row in rows:
            due.add_metric([row["kind"], row["status"]], row["n"])
            oldest = row["oldest"] if oldest is None else min(oldest, row["oldest"])
        yield due
        yield GaugeMetricFamily(
            "hiring_reminder_oldest_due_age_seconds",
            "How long the oldest due, unsent reminder has been due (0 when none is).",
            value=(now - oldest).total_seconds() if oldest is not None else 0.0,
        )

        failed = GaugeMetricFamily(
            "hiring_reminders_failed_rows", "Reminders in the failed state, by kind.", labels=["kind"]
        )
        for row in (
            Reminder.objects.filter(status=ReminderStatus.FAILED).values("kind").annotate(n=Count("pk")).order_by()
        ):
            failed.add_metric([row["kind"]], row["n"])
        yield failed

        deliveries = GaugeMetricFamily(
            "hiring_webhook_deliveries_rows",
            "Webhook deliveries due and not yet done (pending, claimed) or given up (failed), by status.",
            labels=["status"],
        )
        oldest_delivery = None
        open_statuses = [DeliveryStatus.PENDING, DeliveryStatus.CLAIMED]
        for row in (
            WebhookDelivery.objects.filter(status__in=open_statuses, next_attempt_at__lte=now)
            .values("status")
            .annotate(n=Count("pk"), oldest=Min("next_attempt_at"))
            .order_by()
        ):
            deliveries.add_metric([row["status"]], row["n"])
            oldest_delivery = row["oldest"] if oldest_delivery is None else min(oldest_delivery, row["oldest"])
        deliveries.add_metric(
            [DeliveryStatus.FAILED], WebhookDelivery.objects.filter(status=DeliveryStatus.FAILED).count()
        )
        yield deliveries
        yield GaugeMetricFamily(
            "hiring_webhook_oldest_due_age_seconds",
            "How long the oldest due, undelivered webhook delivery has been due (0 when none is).",
            value=(now - oldest_delivery).total_seconds() if oldest_delivery is not None else 0.0,
        )

        age = heartbeat_age(now=now)
        yield GaugeMetricFamily(
            "hiring_reminder_sweep_age_seconds",
            "Seconds since the reminder sweep (run by beat) last ran; -1 if it never has.",
            value=age if age is not None else -1.0,
        )


def process_registry() -> CollectorRegistry:
    """The counters of this process, or of every process sharing PROMETHEUS_MULTIPROC_DIR."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
        return registry
    return REGISTRY


def scrape() -> bytes:
    """The web service's exposition: its processes' counters, then the outbox gauges."""
    outbox = CollectorRegistry(auto_describe=False)
    outbox.register(OutboxCollector())
    return generate_latest(process_registry()) + generate_latest(outbox)


def allowed(request) -> bool:
    """A bearer token (HIRING_METRICS_TOKEN) or an address in HIRING_METRICS_ALLOWED_NETWORKS."""
    import hmac

    token = settings.HIRING_METRICS_TOKEN
    header = request.headers.get("Authorization", "")
    if token and header.startswith("Bearer "):
        return hmac.compare_digest(header.removeprefix("Bearer ").strip().encode(), token.encode())
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in settings.HIRING_METRICS_ALLOWED_NETWORKS)


def start_worker_server(port: int) -> None:
    """Serve the worker pool's counters on `port` (from the worker's main process)."""
    from prometheus_client import start_http_server

    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        log.warning(
            "HIRING_WORKER_METRICS_PORT is set without PROMETHEUS_MULTIPROC_DIR: a prefork pool's "
            "counts are in its child processes and will not be served."
        )
    start_http_server(port, registry=process_registry())
    log.info("Worker metrics on port %s.", port)


__all__ = ["CONTENT_TYPE_LATEST", "allowed", "scrape"]
