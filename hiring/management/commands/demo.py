"""Run the whole service on embedded defaults: migrate, seed demo data into an
empty database, start a Celery worker with an embedded beat (the file-system
broker when REDIS_URL is unset), and serve the site until Ctrl-C."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext

from hiring.management.commands.seed_demo import DEMO_PASSWORD
from hiring.models import Candidate

log = logging.getLogger(__name__)


class Supervisor:
    """Keeps one child process running: started again whenever it exits, until stop().

    The demo's worker (with its beat) must come back if it dies (issue 8, fault 3):
    a crash, an OOM kill, or a broker error it did not survive would otherwise
    leave reminders waiting until someone restarts the demo. Restarts back off
    (1 s, doubling to 30 s) so a worker that cannot start does not spin; one that
    ran for a minute starts again after 1 s.
    """

    def __init__(self, command: list[str], *, env: dict, min_delay: float = 1.0, max_delay: float = 30.0) -> None:
        self.command = command
        self.env = env
        self.min_delay = min_delay
        self.max_delay = max_delay
        self.process: subprocess.Popen | None = None
        self.starts = 0
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="worker-supervisor", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _run(self) -> None:
        delay = self.min_delay
        while not self._stopping.is_set():
            with self._lock:
                if self._stopping.is_set():
                    return
                # Our own interpreter and fixed arguments: no untrusted input. A session
                # of its own, so the whole worker (pool children, embedded beat) can be
                # ended together: a killed worker leaves its beat running otherwise.
                self.process = subprocess.Popen(self.command, env=self.env, start_new_session=True)  # noqa: S603
                self.starts += 1
            started = time.monotonic()
            code = self.process.wait()
            self._end_group(self.process, signal.SIGKILL)  # whatever it left behind
            if self._stopping.is_set():
                return
            delay = self.min_delay if time.monotonic() - started > 60 else min(delay * 2, self.max_delay)
            log.warning("The Celery worker exited (code %s); starting it again in %.0f s.", code, delay)
            sys.stderr.write(f"The Celery worker exited (code {code}); starting it again in {delay:.0f} s.\n")
            self._stopping.wait(delay)

    @staticmethod
    def _end_group(process: subprocess.Popen, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, sig)

    def stop(self, timeout: float = 20) -> None:
        with self._lock:
            self._stopping.set()
            process = self.process
        if process is not None:
            if process.poll() is None:
                self._end_group(process, signal.SIGTERM)  # warm shutdown: finish the task in hand
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=timeout)
            self._end_group(process, signal.SIGKILL)
            process.wait()
        self._thread.join(timeout=timeout)


class Command(BaseCommand):
    help = "Migrate, seed demo data if the database is empty, start a Celery worker and beat, and serve the site."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-worker", action="store_true", help="Do not start the Celery worker.")

    def prepare(self) -> None:
        """Migrate, and seed an empty database. The first run takes a while: say what is
        happening, a line a step, instead of a silent minute."""
        self.stdout.write(gettext("Preparing the database (applying migrations)..."))
        call_command("migrate", interactive=False, verbosity=0)
        if not Candidate.objects.exists():
            self.stdout.write(gettext("Seeding the demo company, its candidates and their loops (first run only)..."))
            call_command("seed_demo", stdout=self.stdout)
        else:
            self.stdout.write(gettext("Demo data already there: not seeding again."))

    def handle(self, *args, addrport: str, no_worker: bool, **options):
        for folder in ("celery/out", "celery/processed", "mail"):
            Path(settings.VAR_DIR, folder).mkdir(parents=True, exist_ok=True)
        self.prepare()
        if not no_worker:
            self.stdout.write(gettext("Starting the Celery worker and beat (reminders, webhooks)..."))
        worker = None
        if not no_worker:
            worker = Supervisor(
                [
                    sys.executable,
                    "-m",
                    "celery",
                    "-A",
                    "config",
                    "worker",
                    "--beat",
                    "--loglevel=INFO",
                    "--concurrency=2",
                    f"--schedule={settings.CELERY_BEAT_SCHEDULE_FILENAME}",
                ],
                env=os.environ.copy(),
            )
            worker.start()
        host = addrport if ":" in addrport else f"127.0.0.1:{addrport}"
        self.stdout.write(
            self.style.SUCCESS(
                f"\nHiring Loop is starting at http://{host}/\n"
                f"  Recruiters' admin: http://{host}/admin/  user: recruiter  password: {DEMO_PASSWORD}\n"
                f"  Interviewer pages: http://{host}/         user: amara      password: {DEMO_PASSWORD}\n"
                f"  Hiring manager:                            user: manager    password: {DEMO_PASSWORD}\n"
                f"  Superuser: admin / {DEMO_PASSWORD}. Emails are written to {settings.VAR_DIR / 'mail'}.\n"
            )
        )
        try:
            call_command("runserver", host, use_reloader=False)
        finally:
            if worker is not None:
                worker.stop()
