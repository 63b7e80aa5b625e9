"""Benchmark the reminder pipeline: seed N due reminders, let the sweep and a
real Celery worker send them all to a local sink, and count duplicates and
misses; measure a no-op task's throughput on the same worker first.

    REDIS_URL=redis://127.0.0.1:6379/0 DATABASE_URL=postgres://.../hiring_bench \\
        python manage.py bench_reminders --n 10000

Needs Redis (the broker) and a migrated database, ideally PostgreSQL. It starts
its own worker (`celery -A config worker`, on a queue of its own, so other
workers on the same Redis are not involved) and its own sink: an SMTP server
(aiosmtpd) in this process, or a backend in the worker that only counts, in
Redis. It deletes its rows afterwards unless --keep is given.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import redis
from django.conf import settings
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.utils import timezone

from hiring.models import Reminder, ReminderKind, ReminderStatus

TICK = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int) -> float:
    """User + system CPU seconds of one process (0 if it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICK


def _tree(pid: int) -> list[int]:
    """A process and its children (the prefork pool)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return [pid]
    return [pid, *(int(child) for child in children)]


MESSAGE_ID = re.compile(rb"^Message-ID:\s*(<[^>]+>)", re.MULTILINE | re.IGNORECASE)


class CountingBackend(BaseEmailBackend):
    """A sink in the worker: records each Message-ID in Redis and sends nothing.
    Configured by the environment the benchmark gives its worker."""

    def send_messages(self, messages):
        client = redis.Redis.from_url(settings.REDIS_URL)
        prefix = os.environ["HIRING_BENCH_SINK"]
        with client.pipeline() as pipe:
            for message in messages:
                message.message()  # build the MIME message, as a real backend would
                pipe.incr(f"{prefix}:total")
                pipe.sadd(f"{prefix}:ids", message.extra_headers["Message-ID"])
            pipe.execute()
        return len(messages)


class SmtpSink:
    """An SMTP server in this process that counts Message-IDs."""

    def __init__(self) -> None:
        self.ids: Counter[bytes] = Counter()
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        found = MESSAGE_ID.search(envelope.content)
        with self.lock:
            self.ids[found.group(1) if found else b"?"] += 1
        return "250 OK"

    def counts(self) -> tuple[int, int]:
        with self.lock:
            return sum(self.ids.values()), len(self.ids)


class Command(BaseCommand):
    help = "Seed N due reminders and measure how long the sweep and a Celery worker take to send them all."

    def add_arguments(self, parser):
        parser.add_argument("--n", type=int, default=10_000, help="How many reminders (default 10000).")
        parser.add_argument("--concurrency", type=int, default=os.cpu_count() or 2, help="Worker processes.")
        parser.add_argument("--sink", choices=["smtp", "count"], default="smtp", help="Where the messages go.")
        parser.add_argument(
            "--noop", type=int, default=None, help="No-op tasks for the baseline (default min(N, 20000))."
        )
        parser.add_argument("--timeout", type=float, default=1800, help="Give up after this many seconds.")
        parser.add_argument("--keep", action="store_true", help="Keep the seeded rows.")

    def handle(self, *args, n: int, concurrency: int, sink: str, noop: int | None, timeout: float, keep: bool, **_):
        if not settings.REDIS_URL:
            raise CommandError("Set REDIS_URL: the benchmark measures the Redis broker.")
        run = uuid.uuid4().hex[:8]
        queue = f"bench-{run}"
        client = redis.Redis.from_url(settings.REDIS_URL)
        noop = min(n, 20_000) if noop is None else noop
        workdir = Path(tempfile.mkdtemp(prefix="bench-reminders-"))
        smtp = controller = None
        env = {**os.environ, "CELERY_QUEUE": queue, "HIRING_BENCH_SINK": f"bench:{run}", "PYTHONUNBUFFERED": "1"}
        if sink == "smtp":
            from aiosmtpd.controller import Controller

            smtp = SmtpSink()
            # aiosmtpd logs every SMTP command at INFO: at this rate that is the bottleneck.
            logging.getLogger("mail.log").setLevel(logging.WARNING)
            with socket.socket() as probe:
                probe.bind(("127.0.0.1", 0))
                port = probe.getsockname()[1]
            controller = Controller(smtp, hostname="127.0.0.1", port=port)
            controller.start()
            env.update(
                EMAIL_HOST="127.0.0.1",
                EMAIL_PORT=str(port),
                EMAIL_BACKEND="django.core.mail.backends.smtp.EmailBackend",
            )
        else:
            env["EMAIL_BACKEND"] = f"{__name__}.CountingBackend"

        self.stdout.write(
            f"N={n} concurrency={concurrency} batch={settings.HIRING_REMINDER_BATCH_SIZE} "
            f"in_flight={settings.HIRING_REMINDER_MAX_IN_FLIGHT} sink={sink} db={connection.vendor} broker=redis"
        )
        # The no-op tasks are queued before the worker starts, so what is measured is
        # how fast a worker drains them, not how fast this process can publish.
        self._queue_noops(queue, noop, run)
        worker = self._start_worker(queue, concurrency, env, workdir)
        try:
            noop_rate = self._noop_baseline(client, noop, run, timeout)
            self._reminders(
                n=n, run=run, queue=queue, client=client, smtp=smtp, timeout=timeout, noop_rate=noop_rate, worker=worker
            )
        finally:
            worker.terminate()
            try:
                worker.wait(timeout=30)
            except subprocess.TimeoutExpired:
                worker.kill()
            if controller is not None:
                controller.stop()
            client.delete(f"bench:{run}:total", f"bench:{run}:ids", f"bench:{run}:noop")
            if not keep:
                Reminder.objects.filter(key__startswith=f"bench:{run}:").delete()
        self.stdout.write(f"worker log: {workdir / 'worker.log'}")

    def _start_worker(self, queue: str, concurrency: int, env: dict, workdir: Path) -> subprocess.Popen:
        log = workdir / "worker.log"
        command = [
            str(Path(sys.executable).with_name("celery")), "-A", "config", "worker", "-Q", queue, "-n", f"{queue}@%h",
            "-c", str(concurrency), "-l", "WARNING", "--without-mingle", "--without-gossip", "--without-heartbeat",
        ]  # fmt: skip
        with log.open("w") as out:
            # The command is ours (this venv's celery, fixed arguments): no untrusted input.
            process = subprocess.Popen(command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
        # -l WARNING hides the banner line; wait until the worker answers a ping instead.
        from config.celery import app

        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any(name.startswith(f"{queue}@") for reply in app.control.ping(timeout=0.5) for name in reply):
                return process
            if process.poll() is not None:
                break
        process.kill()
        raise CommandError(f"The worker did not start; see {log}")

    def _queue_noops(self, queue: str, count: int, run: str) -> None:
        from hiring.tasks import noop

        started = time.monotonic()
        for _ in range(count):
            noop.apply_async(args=(f"bench:{run}:noop",), queue=queue)
        if count:
            self.stdout.write(f"queued {count} no-op tasks in {time.monotonic() - started:.1f} s")

    def _noop_baseline(self, client, count: int, run: str, timeout: float) -> float:
        if not count:
            return 0.0
        counter = f"bench:{run}:noop"
        deadline = time.monotonic() + timeout
        first = None
        while (done := int(client.get(counter) or 0)) < count:
            if first is None and done:
                first = (time.monotonic(), done)
            if time.monotonic() > deadline:
                raise CommandError("The no-op tasks did not finish in time.")
            time.sleep(0.01)
        if first is None:  # all done between two looks: too few to measure
            return 0.0
        elapsed = time.monotonic() - first[0]
        rate = (count - first[1]) / elapsed
        self.stdout.write(f"no-op tasks: {count} drained at {rate:.0f} tasks/s")
        return rate

    def _seed(self, n: int, run: str) -> None:
        now = timezone.now()
        starts = now + dt.timedelta(days=2)
        zones = ["Europe/Berlin", "America/New_York", "Asia/Tokyo", "Asia/Singapore", "America/Sao_Paulo"]
        kinds = [ReminderKind.INVITATION, ReminderKind.BEFORE_24H, ReminderKind.BEFORE_1H]
        chunk = []
        for i in range(n):
            zone = zones[i % len(zones)]
            payload = {
                "audience": "interviewer",
                "language": "en",
                "name": f"Interviewer {i}",
                "round_id": i,
                "loop_id": i,
                "sequence": 0,
                "round": "Technical",
                "position": "Backend Engineer",
                "candidate": f"Candidate {i}",
                "interviewer": f"Interviewer {i}",
                "interviewer_zone": zone,
                "starts_at": starts.isoformat(),
                "duration_minutes": 60,
                "feedback_due_at": (starts + dt.timedelta(hours=2)).isoformat(),
                "other_zone": zones[(i + 2) % len(zones)],
            }
            chunk.append(
                Reminder(
                    key=f"bench:{run}:{i}",
                    kind=kinds[i % len(kinds)],
                    email=f"person{i}@bench.example.com",
                    time_zone=zone,
                    urgent=True,
                    due_at=now,
                    payload=payload,
                )
            )
            if len(chunk) == 5000:
                Reminder.objects.bulk_create(chunk)
                chunk = []
        Reminder.objects.bulk_create(chunk)

    def _reminders(self, *, n, run, queue, client, smtp, timeout, noop_rate, worker) -> None:
        from hiring.tasks import sweep_reminders

        started = time.monotonic()
        self._seed(n, run)
        self.stdout.write(f"seeded {n} due reminders in {time.monotonic() - started:.1f} s")

        def received() -> tuple[int, int]:
            if smtp is not None:
                return smtp.counts()
            return int(client.get(f"bench:{run}:total") or 0), int(client.scard(f"bench:{run}:ids"))

        worker_cpu = {pid: _cpu(pid) for pid in _tree(worker.pid)}
        db_time = self._database_time()
        own_cpu = time.process_time()
        started = time.monotonic()
        next_beat = started
        while True:
            now = time.monotonic()
            if now >= next_beat:
                # What beat does every HIRING_REMINDER_SWEEP_SECONDS; the worker also
                # sweeps again by itself after each full batch, which drives the pace.
                sweep_reminders.apply_async(queue=queue)
                next_beat = now + settings.HIRING_REMINDER_SWEEP_SECONDS
            total, distinct = received()
            if distinct >= n or now - started > timeout:
                break
            time.sleep(0.05)
        elapsed = time.monotonic() - started
        # CPU per part, for the reminders only (the no-op baseline is before this):
        # the worker's processes, this process (the SMTP sink's thread and a light
        # polling loop), and the PostgreSQL backends the worker's processes opened.
        worker_used = sum(_cpu(pid) - worker_cpu.get(pid, 0.0) for pid in _tree(worker.pid))
        own_used = time.process_time() - own_cpu
        time.sleep(3)  # anything sent twice would arrive now (and the statistics are flushed)
        db_used = self._database_time() - db_time if db_time is not None else None
        total, distinct = received()
        rows = Reminder.objects.filter(key__startswith=f"bench:{run}:")
        not_sent = rows.exclude(status=ReminderStatus.SENT).count()
        rate = distinct / elapsed if elapsed else 0.0
        self.stdout.write(f"reminders: {distinct} sent in {elapsed:.1f} s = {rate:.0f}/s")
        self.stdout.write(f"duplicates: {total - distinct}   misses: {n - distinct}   rows not marked sent: {not_sent}")
        per = 1000 / max(distinct, 1)
        db_text = f"{db_used * per:.2f} ms" if db_used is not None else "n/a (not PostgreSQL)"
        self.stdout.write(
            f"CPU per message: worker {worker_used * per:.2f} ms, sink+bench process {own_used * per:.2f} ms, "
            f"PostgreSQL (time in statements) {db_text}; total {(worker_used + own_used + (db_used or 0)) * per:.2f} ms"
        )
        if noop_rate and rate:
            self.stdout.write(
                f"reminders/s vs no-op tasks/s: {rate:.0f} vs {noop_rate:.0f} ({rate / noop_rate:.2f}x); "
                f"each send task claims up to {settings.HIRING_REMINDER_BATCH_SIZE} reminders"
            )

    def _database_time(self) -> float | None:
        """Seconds PostgreSQL spent executing statements in this database so far
        (pg_stat_database.active_time: CPU plus any wait for a lock or the disk,
        so an upper bound on its CPU). Other work on this database counts too."""
        if connection.vendor != "postgresql":
            return None
        with connection.cursor() as cursor:
            cursor.execute("SELECT active_time FROM pg_stat_database WHERE datname = current_database()")
            return cursor.fetchone()[0] / 1000
