"""End to end: a real Celery worker with its beat (`celery -A config worker -B`,
a subprocess), real Redis, a real SMTP server (aiosmtpd on localhost) and the
test database, shared with the worker. The beat sweeps every second here.

Needs Redis (REDIS_URL) and a database the worker can share (PostgreSQL in CI);
without them these tests skip locally and fail in CI. The outage test starts a
redis-server of its own on a spare port and stops that one, never the shared one.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import icalendar
import pytest
from aiosmtpd.controller import Controller
from django.conf import settings
from django.db import connection
from django.utils import timezone

from hiring import notifications, services
from hiring.models import Reminder, ReminderKind, ReminderStatus
from tests.factories import ANY_HOUR
from tests.test_reminders import LONDON, schedule_one, upcoming

Kind = ReminderKind

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def require(ok: bool, reason: str) -> None:
    """Skip locally; in CI a missing service is an error, never a quiet skip."""
    if ok:
        return
    if os.environ.get("CI"):
        pytest.fail(f"{reason} CI must provide it.")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for(predicate: Callable[[], object], *, timeout: float, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.1)
    tail = log.read_text()[-4000:] if log is not None and log.exists() else ""
    pytest.fail(f"Timed out after {timeout}s waiting for {what}.\n{tail}")


class Sink:
    """An SMTP server that keeps what it is given (`delay` seconds a message: a slow relay)."""

    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []
        self.delay = 0.0

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        message["X-Envelope-To"] = ",".join(envelope.rcpt_tos)
        self.messages.append(message)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.messages if m["X-Envelope-To"] == address]


@pytest.fixture
def smtp():
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield sink, controller.port
    controller.stop()


@pytest.fixture
def shared_database_url(transactional_db) -> str:
    """The test database, as a URL the worker process can open."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        password = f":{db['PASSWORD']}" if db.get("PASSWORD") else ""
        return f"postgres://{db['USER']}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
    require(
        connection.vendor == "sqlite" and "memory" not in str(db["NAME"]),
        "The worker needs a database it can share: run with DATABASE_URL=postgres://...",
    )
    return f"sqlite:///{db['NAME']}"


class Worker:
    """`celery -A config worker -B` in its own process group, on its own queue."""

    def __init__(
        self, tmp_path: Path, *, redis_url: str, database_url: str, smtp_port: int, env: dict | None = None
    ) -> None:
        self.log = tmp_path / "worker.log"
        queue = f"e2e-{uuid.uuid4().hex[:12]}"
        env = {
            **os.environ,
            "DEBUG": "1",
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            # Its own queue: workers of other runs on the same Redis never take these tasks.
            "CELERY_QUEUE": queue,
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "HIRING_REMINDER_SWEEP_SECONDS": "1",
            "HIRING_VAR_DIR": str(tmp_path / "var"),
            "PYTHONUNBUFFERED": "1",
            **(env or {}),
        }
        command = [
            str(Path(sys.executable).with_name("celery")),
            "-A",
            "config",
            "worker",
            "-B",
            "-s",
            str(tmp_path / "beat-schedule"),
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
            "-c",
            "2",
            "-l",
            "INFO",
            "--without-mingle",
            "--without-gossip",
            "--without-heartbeat",
        ]
        with self.log.open("w") as out:
            self.process = subprocess.Popen(
                command, cwd=settings.BASE_DIR, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
            )
        wait_for(lambda: "ready." in self.log.read_text(), timeout=30, what="the worker to start", log=self.log)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)  # warm shutdown: finish the task in hand
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture
def start_worker(tmp_path, shared_database_url, smtp):
    started: list[Worker] = []

    def start(redis_url: str, env: dict | None = None) -> Worker:
        worker = Worker(tmp_path, redis_url=redis_url, database_url=shared_database_url, smtp_port=smtp[1], env=env)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "")
    require(bool(url), "Needs Redis: set REDIS_URL=redis://...")
    return url


class RedisServer:
    """A redis-server of our own, to stop and start again (never the shared one)."""

    def __init__(self, tmp_path: Path) -> None:
        self.port = free_port()
        self.dir = tmp_path
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.process = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for(self._answers, timeout=10, what="redis-server to start")

    def _answers(self) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                sock.sendall(b"PING\r\n")
                return sock.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path):
    require(shutil.which("redis-server") is not None, "Needs the redis-server binary for the outage test.")
    server = RedisServer(tmp_path)
    server.start()
    yield server
    server.stop()


def calendar_of(message: email.message.EmailMessage) -> icalendar.Calendar:
    [part] = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return icalendar.Calendar.from_ical(part.get_payload(decode=True))


def test_a_real_worker_sends_invitations_and_updates_through_smtp_with_local_times_and_calendars(
    world, smtp, redis_url, start_worker
):
    sink, _port = smtp
    worker = start_worker(redis_url)
    start = upcoming(LONDON, 3, 11)  # Wednesday 11:00 London, 19:00 Singapore
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=start)
    candidate = round_.loop.candidate
    wait_for(lambda: len(sink.messages) >= 2, timeout=30, what="the invitations", log=worker.log)

    [to_hank] = sink.to("hank@example.com")
    [to_candidate] = sink.to(candidate.email)
    invitation = Reminder.objects.get(round=round_, kind=Kind.INVITATION, email="hank@example.com")
    assert to_hank["Message-ID"] == notifications.message_id(invitation.key)
    assert to_hank["From"] == settings.DEFAULT_FROM_EMAIL
    assert candidate.full_name in to_hank["Subject"]
    text = to_hank.get_body(preferencelist=("plain",)).get_content()
    assert "11:00 your time · 19:00 for the candidate (Asia/Singapore)" in text
    assert "19:00 your time · 11:00 for your interviewer (Europe/London)" in (
        to_candidate.get_body(preferencelist=("plain",)).get_content()
    )
    calendar = calendar_of(to_hank)
    [event] = calendar.walk("VEVENT")
    assert (str(calendar["METHOD"]), int(event["SEQUENCE"])) == ("REQUEST", 0)
    assert str(event["UID"]) == f"round-{round_.pk}@example.com"
    assert event.decoded("DTSTART") == start
    # Marked sent in a run just after the server accepted it (hiring/reminders/sending.py).
    sent = Reminder.objects.filter(pk=invitation.pk, status=ReminderStatus.SENT)
    wait_for(sent.exists, timeout=10, what="the invitation to be marked sent", log=worker.log)

    services.reschedule_round(
        round=round_, starts_at=start + timezone.timedelta(hours=2), by=world.recruiter, **ANY_HOUR
    )
    wait_for(lambda: len(sink.messages) >= 4, timeout=30, what="the updates", log=worker.log)
    time.sleep(2)  # two more beats: nothing is sent twice
    assert len(sink.messages) == 4
    update = sink.to("hank@example.com")[-1]
    assert "13:00 your time" in update.get_body(preferencelist=("plain",)).get_content()
    [moved] = calendar_of(update).walk("VEVENT")
    assert (str(moved["UID"]), int(moved["SEQUENCE"])) == (str(event["UID"]), 1)


def test_reminders_written_while_redis_is_down_go_out_once_it_is_back(world, smtp, own_redis, start_worker):
    sink, _port = smtp
    worker = start_worker(own_redis.url)
    own_redis.stop()

    # Scheduling does not need the broker: the rows are written with the round.
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=upcoming(LONDON, 3, 11))
    waiting = Reminder.objects.filter(round=round_, kind=Kind.INVITATION)
    assert waiting.filter(status=ReminderStatus.PENDING).count() == 2
    time.sleep(2)
    assert sink.messages == []

    own_redis.start()  # same port, empty: whatever was queued before is gone
    wait_for(lambda: len(sink.messages) >= 2, timeout=60, what="the invitations after the outage", log=worker.log)
    time.sleep(2)
    assert sorted(m["X-Envelope-To"] for m in sink.messages) == sorted(
        ["hank@example.com", round_.loop.candidate.email]
    )
    wait_for(lambda: waiting.filter(status=ReminderStatus.SENT).count() == 2, timeout=10, what="both marked sent")


def test_the_worker_rides_out_a_broker_restart_in_the_middle_of_a_backlog_and_sends_everything_once(
    world, smtp, own_redis, start_worker
):
    """Issue 8, fault 3: the broker drops while the worker is busy acking; it must not exit."""
    from tests.test_reminders_backlog import seed

    sink, _port = smtp
    sink.delay = 0.01
    worker = start_worker(own_redis.url, env={"HIRING_REMINDER_BATCH_SIZE": "20"})
    seed(300)
    wait_for(lambda: len(sink.messages) >= 40, timeout=60, what="the backlog to start going out", log=worker.log)
    own_redis.stop()
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=upcoming(LONDON, 3, 11))
    time.sleep(float(os.environ.get("E2E_OUTAGE_SECONDS", "8")))  # several reconnection attempts
    assert worker.process.poll() is None, worker.log.read_text()[-4000:]

    own_redis.start()
    invited = ["hank@example.com", round_.loop.candidate.email]
    wait_for(
        lambda: all(sink.to(address) for address in invited) and len(sink.messages) >= 302,
        timeout=120,
        what="the backlog and the invitations written during the outage",
        log=worker.log,
    )
    assert worker.process.poll() is None, worker.log.read_text()[-4000:]
    sent = Reminder.objects.filter(status=ReminderStatus.SENT)
    wait_for(lambda: sent.count() == 302, timeout=10, what="every row marked sent", log=worker.log)
    # At most the run in flight when the broker went may go twice (same Message-ID); nothing is lost.
    ids = [m["Message-ID"] for m in sink.messages]
    assert len(set(ids)) == 302
    assert len(ids) - len(set(ids)) <= settings.HIRING_REMINDER_BATCH_SIZE


def test_the_worker_rides_out_a_broker_that_turns_read_only_in_a_failover(world, smtp, own_redis, start_worker):
    """Issue 8, fault 3. In a managed Redis failover the old primary becomes a replica
    under open connections: every write, the worker's acks and its BRPOP included, is
    answered READONLY (a ResponseError: a channel error to Celery, not a connection
    error). That must not end the worker; it reconnects until there is a primary again."""
    import redis as redis_py

    from tests.test_reminders_backlog import seed

    sink, _port = smtp
    sink.delay = 0.01
    worker = start_worker(own_redis.url, env={"HIRING_REMINDER_BATCH_SIZE": "20"})
    seed(200)
    wait_for(lambda: len(sink.messages) >= 20, timeout=60, what="the backlog to start going out", log=worker.log)
    admin = redis_py.Redis.from_url(own_redis.url)
    admin.execute_command("REPLICAOF", "127.0.0.1", str(free_port()))  # a primary that is not there
    time.sleep(6)
    assert worker.process.poll() is None, worker.log.read_text()[-4000:]
    admin.execute_command("REPLICAOF", "NO", "ONE")
    wait_for(
        lambda: len({m["Message-ID"] for m in sink.messages}) >= 200, timeout=120, what="the backlog", log=worker.log
    )
    assert worker.process.poll() is None, worker.log.read_text()[-4000:]
