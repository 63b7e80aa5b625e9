"""Health checks for compose (and any orchestrator) to run inside a container.

    manage.py healthcheck            every readiness check (as /healthz/ready)
    manage.py healthcheck --worker   this host's Celery worker answers a ping; the database answers
    manage.py healthcheck --beat     the reminder sweep ran recently (beat is up and its tasks run)

Prints the result as JSON; exits 0 when healthy, 1 when not.
"""

from __future__ import annotations

import json
import socket

from django.core.management.base import BaseCommand, CommandError

from hiring.observability import health


class Command(BaseCommand):
    help = "Exit 0 if this process's role is healthy, 1 if not (readiness, --worker or --beat)."

    def add_arguments(self, parser):
        role = parser.add_mutually_exclusive_group()
        role.add_argument("--worker", action="store_true", help="Ping this host's Celery worker.")
        role.add_argument("--beat", action="store_true", help="Check that the reminder sweep ran recently.")
        parser.add_argument(
            "--node",
            default="",
            help="The worker's node name (default: celery@<this host's name>, Celery's own default).",
        )
        parser.add_argument("--timeout", type=float, default=5.0, help="Seconds to wait for the worker's answer.")

    def handle(self, *args, worker: bool, beat: bool, node: str, timeout: float, **options):
        if worker:
            node = node or f"celery@{socket.gethostname()}"
            results = {"worker": {"ok": health.worker_answers(node=node, timeout=timeout), "node": node}}
            results["database"] = self._run(health.check_database)
        elif beat:
            results = {"beat": self._run(lambda: health.check_beat(now=_now()))}
        else:
            _ok, results = health.readiness()
        self.stdout.write(json.dumps(results, sort_keys=True))
        failed = [name for name, result in results.items() if not result["ok"]]
        if failed:
            raise CommandError(f"Unhealthy: {', '.join(failed)}.", returncode=1)

    @staticmethod
    def _run(check) -> dict:
        try:
            return check().as_dict()
        except Exception as exc:
            return {"ok": False, "error": type(exc).__name__}


def _now():
    from django.utils import timezone

    return timezone.now()
