"""An operator's view of real processes (issue 8): `celery -A config worker` in a
subprocess (prefork, two children, no beat), the shared Redis on a queue of its
own, a local SMTP server and the test database.

A request's id reaches the task it queues and the task that one queues in turn,
in the worker's JSON log; the worker answers `manage.py healthcheck --worker`;
the sweep it runs writes the beat heartbeat; and its pool's metrics (prometheus
multiprocess mode) are served on HIRING_WORKER_METRICS_PORT. And gunicorn's
workers' request counts add up in one scrape of the web's /metrics.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import signal
import socket
import subprocess
import sys
import urllib.request
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory
from django.utils import timezone
from prometheus_client.parser import text_string_to_metric_families

from hiring import tasks
from hiring.models import Reminder, ReminderKind, ReminderStatus
from hiring.observability import health
from hiring.observability.middleware import RequestIdMiddleware
from tests.test_celery_e2e import (  # noqa: F401 (fixtures)
    free_port,
    redis_url,
    shared_database_url,
    smtp,
    wait_for,
)

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


class PlainWorker:
    """`celery -A config worker` without beat: only what the test queues runs."""

    def __init__(self, tmp_path: Path, *, broker_url: str, database_url: str, smtp_port: int, metrics_port: int):
        self.log = tmp_path / "worker.log"
        self.metrics_port = metrics_port
        self.queue = f"ops-{uuid.uuid4().hex[:12]}"
        self.node = f"{self.queue}@{socket.gethostname()}"
        metrics_dir = tmp_path / "metrics"
        metrics_dir.mkdir()
        env = {
            **os.environ,
            "DEBUG": "1",
            "DATABASE_URL": database_url,
            "REDIS_URL": broker_url,
            "CELERY_QUEUE": self.queue,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "HIRING_VAR_DIR": str(tmp_path / "var"),
            "LOG_FORMAT": "json",
            "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
            "HIRING_WORKER_METRICS_PORT": str(metrics_port),
            "PYTHONUNBUFFERED": "1",
        }
        command = [
            str(Path(sys.executable).with_name("celery")),
            *("-A", "config", "worker", "-Q", self.queue, "-n", self.node, "-c", "2", "-l", "INFO"),
            *("--without-mingle", "--without-gossip", "--without-heartbeat"),
        ]
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_for(lambda: "ready." in self.log.read_text(), timeout=30, what="the worker to start", log=self.log)

    def records(self) -> list[dict]:
        out = []
        for line in self.log.read_text().splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                continue  # Celery's start-up banner is printed, not logged
        return out

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture
def worker(tmp_path, redis_url, shared_database_url, smtp):  # noqa: F811
    started = PlainWorker(
        tmp_path, broker_url=redis_url, database_url=shared_database_url, smtp_port=smtp[1], metrics_port=free_port()
    )
    yield started
    started.stop()


def test_a_request_id_follows_the_tasks_it_causes_into_the_workers_log_and_metrics(world, worker, smtp):  # noqa: F811
    sink, _port = smtp
    world.scheduled_loop(start=timezone.now() + dt.timedelta(days=3))
    due = Reminder.objects.filter(kind=ReminderKind.INVITATION, due_at__lte=timezone.now())
    assert due.count() == 12

    # A web request (through the real middleware) that queues the sweep; the sweep,
    # in the worker, queues the send task: two hops from the request.
    def view(request):
        tasks.sweep_reminders.apply_async(queue=worker.queue)
        return HttpResponse("queued")

    request = RequestFactory().post("/", headers={"X-Request-ID": "req-e2e-4f1d9c"})
    response = RequestIdMiddleware(view)(request)
    assert response["X-Request-ID"] == "req-e2e-4f1d9c"

    wait_for(lambda: len(sink.messages) >= 12, timeout=60, what="the invitations", log=worker.log)
    wait_for(
        lambda: not due.exclude(status=ReminderStatus.SENT).exists(), timeout=30, what="rows marked", log=worker.log
    )

    def mine() -> list[dict]:
        return [r for r in worker.records() if r.get("request_id") == "req-e2e-4f1d9c"]

    def finished() -> set[tuple[str, str]]:
        return {(r["task_name"], r.get("state")) for r in mine() if r["logger"] == "hiring.observability.celery_hooks"}

    # A task's closing line is written after its last row is marked: wait for it.
    both = {("hiring.tasks.sweep_reminders", "SUCCESS"), ("hiring.tasks.send_due_reminders", "SUCCESS")}
    wait_for(lambda: both <= finished(), timeout=30, what="both tasks' lines under the request id", log=worker.log)
    assert all(r["task_id"] != "-" for r in mine())

    # The sweep ran in the worker: its heartbeat is what readiness reads.
    assert health.heartbeat_age() < 60

    # `manage.py healthcheck --worker` (compose's worker check) reaches it over the broker.
    out = io.StringIO()
    call_command("healthcheck", "--worker", "--node", worker.node, "--timeout", "5", stdout=out)
    assert json.loads(out.getvalue())["worker"] == {"ok": True, "node": worker.node}

    # The pool's counters, from both children, served by the worker's main process.
    with urllib.request.urlopen(f"http://127.0.0.1:{worker.metrics_port}/metrics", timeout=5) as answer:
        text = answer.read().decode()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }
    assert samples[("hiring_reminders_sent_total", (("kind", "invitation"),))] == 12
    sends = samples[("hiring_celery_tasks_total", (("state", "SUCCESS"), ("task", "hiring.tasks.send_due_reminders")))]
    assert sends >= 1
    assert samples[("hiring_celery_tasks_total", (("state", "SUCCESS"), ("task", "hiring.tasks.sweep_reminders")))] >= 1


def test_gunicorn_workers_counts_add_up_in_one_scrape(tmp_path, shared_database_url):  # noqa: F811
    """Web metrics in prometheus multiprocess mode: each gunicorn worker is recycled
    after 5 requests (--max-requests), so 20 requests are answered by at least four
    processes, and one scrape still counts all 20."""
    port = free_port()
    metrics_dir = tmp_path / "metrics"
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": "gunicorn-test-only",
        "DATABASE_URL": shared_database_url,
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        "HIRING_VAR_DIR": str(tmp_path / "var"),
        "LOG_LEVEL": "WARNING",
    }
    env.pop("REDIS_URL", None)
    command = [
        str(Path(sys.executable).with_name("gunicorn")),
        "config.wsgi:application",
        *("--bind", f"127.0.0.1:{port}", "--workers", "2", "--max-requests", "5"),
    ]
    log = tmp_path / "gunicorn.log"
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:

        def get(path: str) -> bytes:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10) as answer:
                return answer.read()

        def answers() -> bool:
            try:
                get("/healthz/live")
            except OSError:
                return False
            return True

        wait_for(answers, timeout=30, what="gunicorn to answer", log=log)
        for _ in range(19):
            get("/healthz/live")
        text = get("/metrics").decode()
    finally:
        server.terminate()
        server.wait(timeout=15)
    [count] = [
        s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name == "hiring_http_requests_total"
        and s.labels == {"method": "GET", "status": "200", "view": "healthz-live"}
    ]
    assert count == 20
    pids = {path.stem.split("_")[-1] for path in metrics_dir.glob("counter_*.db")}
    assert len(pids) >= 4, pids
