"""Benchmark the loop list of the API against a hand-written view, under gunicorn.

    DEBUG=1 DATABASE_URL=sqlite:////tmp/hiring-bench.sqlite3 manage.py migrate
    DEBUG=1 DATABASE_URL=sqlite:////tmp/hiring-bench.sqlite3 manage.py bench_api

Adds (once) a position with --loops loops of six scheduled rounds each, by bulk
inserts (this measures reads, not the rules), then starts gunicorn on
127.0.0.1 with the site plus a hand-written JsonResponse view of the same page
(hiring/api/bench.py), checks that both answer the same bytes, and loads each
in turn with a bounded number of requests from a few threads. Prints the
requests per second of both and their ratio. Use a scratch database: it writes
bench rows into whichever DATABASE_URL is set.
"""

from __future__ import annotations

import datetime as dt
import http.client
import os
import socket
import statistics
import subprocess
import sys
import threading
import time

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from hiring import services
from hiring.models import (
    Candidate,
    Department,
    Interviewer,
    Loop,
    LoopPlan,
    LoopStatus,
    Position,
    Round,
    RoundKind,
    RoundStatus,
    RoundTemplate,
    SeniorityLevel,
)

TITLE = "API benchmark position"
KINDS = [
    RoundKind.SCREEN,
    RoundKind.TECHNICAL,
    RoundKind.SYSTEM_DESIGN,
    RoundKind.CULTURE,
    RoundKind.HIRING_MANAGER,
    RoundKind.BAR_RAISER,
]
API_PATH = "/api/v1/loops/"
HAND_PATH = "/bench/loops/"


class Command(BaseCommand):
    help = "Requests per second of GET /api/v1/loops/ (a page of 50 loops, 6 rounds each) vs a hand-written view."

    def add_arguments(self, parser):
        parser.add_argument("--loops", type=int, default=200, help="Loops to have in the bench position.")
        parser.add_argument("--requests", type=int, default=400, help="Requests per view per round of load.")
        parser.add_argument("--rounds", type=int, default=3, help="Rounds of load, alternating the two views.")
        parser.add_argument("--concurrency", type=int, default=4, help="Client threads.")
        parser.add_argument("--workers", type=int, default=2, help="Gunicorn worker processes.")
        parser.add_argument("--max-seconds", type=float, default=30.0, help="Stop a round of load after this.")

    def handle(self, *args, loops, requests, rounds, concurrency, workers, max_seconds, **options):
        if loops < 51:
            raise CommandError("--loops must be at least 51, for a full page of 50.")
        recruiter = self.seed(loops)
        token, raw = services.create_api_token(user=recruiter, name="bench_api", scopes=["read"], by=None)
        port = _free_port()
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "config.settings",
            # The load is one token's; the limit would measure the throttle's 429s instead.
            "HIRING_API_RATE": "1000000/s",
        }
        command = [
            sys.executable, "-m", "gunicorn", "hiring.api.bench:application",
            "--bind", f"127.0.0.1:{port}", "--workers", str(workers), "--log-level", "warning",
        ]  # fmt: skip
        server = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR)  # noqa: S603 (our own argv)
        try:
            _wait_for(port, server)
            headers = {"Authorization": f"Bearer {raw}", "Host": f"127.0.0.1:{port}"}
            api_body = _get(port, API_PATH, headers)
            hand_body = _get(port, HAND_PATH, headers)
            same = api_body == hand_body
            self.stdout.write(
                f"Page: {len(api_body)} bytes; the two views answer {'the same bytes' if same else 'DIFFERENT bytes'}."
            )
            if not same:
                raise CommandError("The hand-written view must answer the API's bytes; fix bench.py first.")
            for path in (API_PATH, HAND_PATH):  # warm both up
                _load(port, path, headers, 20, concurrency, max_seconds)
            results: dict[str, list[float]] = {API_PATH: [], HAND_PATH: []}
            for _ in range(rounds):
                for path in (API_PATH, HAND_PATH):
                    results[path].append(_load(port, path, headers, requests, concurrency, max_seconds))
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
            services.revoke_api_token(token=token, by=None)
        api, hand = statistics.median(results[API_PATH]), statistics.median(results[HAND_PATH])
        self.stdout.write(
            f"Database: {settings.DATABASES['default']['ENGINE'].rsplit('.', 1)[-1]}; "
            f"gunicorn {workers} workers; {concurrency} client threads; {requests} requests x {rounds} rounds per view."
        )
        self.stdout.write(f"DRF  GET {API_PATH:<16} {api:8.1f} req/s  (rounds: {_fmt(results[API_PATH])})")
        self.stdout.write(f"hand GET {HAND_PATH:<16} {hand:8.1f} req/s  (rounds: {_fmt(results[HAND_PATH])})")
        self.stdout.write(f"ratio DRF / hand-written: {api / hand:.2f}")

    def seed(self, count: int) -> User:
        recruiter = User.objects.filter(username="api-bench").first()
        if recruiter is None:
            recruiter = User.objects.create_user("api-bench", first_name="Bench", last_name="Recruiter", is_staff=True)
            recruiter.groups.add(Group.objects.get(name="Recruiters"))
        position = Position.objects.filter(title=TITLE).first()
        if position is None:
            position = self.company(recruiter)
        have = Loop.objects.filter(position=position).count()
        if have < count:
            self.fill(count - have, position, start=have)
            self.stdout.write(f"Added {count - have} loops to “{TITLE}”.")
        return recruiter

    def company(self, recruiter: User) -> Position:
        hiring, other = (Department.objects.get_or_create(name=name)[0] for name in ("Bench Eng", "Bench Product"))
        junior = SeniorityLevel.objects.get_or_create(name="Bench junior", defaults={"rank": 901})[0]
        senior = SeniorityLevel.objects.get_or_create(name="Bench senior", defaults={"rank": 902})[0]
        plan = LoopPlan.objects.create(name=f"{TITLE} plan")
        RoundTemplate.objects.bulk_create(
            [RoundTemplate(plan=plan, order=i, kind=kind) for i, kind in enumerate(KINDS, start=1)]
        )
        for i in range(len(KINDS)):
            user = User.objects.create_user(f"api-bench-{i}", first_name=f"Bench{i}", last_name="Interviewer")
            Interviewer.objects.create(
                user=user,
                department=other if i % 2 or i == len(KINDS) - 1 else hiring,
                level=senior if i < 3 else junior,
                time_zone=["Europe/Berlin", "Asia/Tokyo", "America/Chicago"][i % 3],
                is_bar_raiser=i == len(KINDS) - 1,
            )
        return Position.objects.create(
            title=TITLE, department=hiring, hiring_manager=recruiter, recruiter=recruiter, loop_plan=plan
        )

    def fill(self, count: int, position: Position, start: int) -> None:
        seats = list(Interviewer.objects.filter(user__username__startswith="api-bench-").order_by("user__username"))
        now = timezone.now()
        people = Candidate.objects.bulk_create(
            [
                Candidate(
                    full_name=f"Bench Candidate {n}",
                    email=f"api-bench-{n}@example.invalid",
                    time_zone="Asia/Singapore",
                )
                for n in range(start, start + count)
            ]
        )
        loops = Loop.objects.bulk_create(
            [Loop(candidate=c, position=position, status=LoopStatus.SCHEDULED) for c in people]
        )
        rounds = []
        for n, loop in enumerate(loops):
            day = now + dt.timedelta(days=1 + n % 30)
            for i, kind in enumerate(KINDS):
                starts = day + dt.timedelta(hours=i)
                rounds.append(
                    Round(
                        loop=loop,
                        order=i + 1,
                        kind=kind,
                        interviewer=seats[i],
                        starts_at=starts,
                        duration_minutes=60,
                        feedback_due_at=starts + dt.timedelta(hours=2),
                        status=RoundStatus.SCHEDULED,
                    )
                )
        Round.objects.bulk_create(rounds, batch_size=5000)


def _fmt(values: list[float]) -> str:
    return ", ".join(f"{v:.1f}" for v in values)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for(port: int, server: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise CommandError("gunicorn exited; see its output above.")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.2)
    raise CommandError("gunicorn did not start listening in time.")


def _get(port: int, path: str, headers: dict) -> bytes:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        connection.request("GET", path, headers=headers)
        response = connection.getresponse()
        body = response.read()
        if response.status != 200:
            raise CommandError(f"GET {path} answered {response.status}: {body[:300]!r}")
        return body
    finally:
        connection.close()


def _load(port: int, path: str, headers: dict, total: int, concurrency: int, max_seconds: float) -> float:
    """Send `total` requests from `concurrency` threads (or stop at max_seconds); return requests per second."""
    lock = threading.Lock()
    state = {"left": total, "done": 0, "errors": 0}
    deadline = time.monotonic() + max_seconds

    def worker():
        while time.monotonic() < deadline:
            with lock:
                if state["left"] <= 0:
                    return
                state["left"] -= 1
            try:
                _get(port, path, headers)
                with lock:
                    state["done"] += 1
            except (OSError, CommandError):
                with lock:
                    state["errors"] += 1

    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    if state["errors"]:
        raise CommandError(f"{state['errors']} requests to {path} failed.")
    return state["done"] / elapsed
