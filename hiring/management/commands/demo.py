"""Run the whole service on embedded defaults: migrate, seed demo data into an
empty database, start a Celery worker with an embedded beat (the file-system
broker when REDIS_URL is unset), and serve the site until Ctrl-C."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from hiring.management.commands.seed_demo import DEMO_PASSWORD
from hiring.models import Candidate


class Command(BaseCommand):
    help = "Migrate, seed demo data if the database is empty, start a Celery worker and beat, and serve the site."

    def add_arguments(self, parser):
        parser.add_argument("addrport", nargs="?", default="127.0.0.1:8000")
        parser.add_argument("--no-worker", action="store_true", help="Do not start the Celery worker.")

    def handle(self, *args, addrport: str, no_worker: bool, **options):
        for folder in ("celery/out", "celery/processed", "mail"):
            Path(settings.VAR_DIR, folder).mkdir(parents=True, exist_ok=True)
        call_command("migrate", interactive=False, verbosity=0)
        if not Candidate.objects.exists():
            call_command("seed_demo")
        worker = None
        if not no_worker:
            worker = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
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
                worker.terminate()
                worker.wait(timeout=20)
