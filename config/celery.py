"""The Celery app: settings under CELERY_* in config/settings.py, tasks in hiring/tasks.py.

Processes: `celery -A config worker` runs tasks, `celery -A config beat` runs the
periodic reminder (and webhook) sweeps; one beat per deployment is enough, and a
second one by mistake is harmless (claims are exclusive).
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("hiring")
app.config_from_object("django.conf:settings", namespace="CELERY")
# Deployments (and test runs) that share one Redis keep their tasks apart by
# queue name; the publisher and the worker must be started with the same one.
app.conf.update(task_default_queue=os.environ.get("CELERY_QUEUE") or "celery")
app.autodiscover_tasks()

# --- observability (issue 8) ---
# Signal handlers: the request id into task headers and back out in the worker,
# task metrics, the worker's metrics server. Connected in every process that
# loads the app (web, worker, beat).
import hiring.observability.celery_hooks  # noqa: E402, F401
