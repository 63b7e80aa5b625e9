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

# Riding out a broker outage (issue 8, fault 3). Nothing is lost while the broker
# is away (what must happen is a database row first), so a worker has no reason
# to exit: it waits and reconnects, however long it takes.
app.conf.update(
    broker_connection_retry=True,
    broker_connection_retry_on_startup=True,
    # None: retry for ever. The default (100) ends the worker after a long outage
    # with "Unrecoverable error", and nothing brings it back.
    broker_connection_max_retries=None,
    # A Redis that restarts mid-command can answer with a channel-level error
    # (a reset, an unexpected reply) rather than a refused connection: reconnect
    # for those too instead of letting them end the consumer.
    broker_channel_error_retry=True,
    # A task running when the connection drops finishes its work (its rows are
    # marked in the database); only its ack is lost, and a redelivery is harmless:
    # a send task claims a fresh batch, a sweep is idempotent.
    worker_cancel_long_running_tasks_on_connection_loss=False,
)
if str(app.conf.broker_url or "").startswith(("redis://", "rediss://")):
    app.conf.broker_transport_options = {
        **(app.conf.broker_transport_options or {}),
        # Fail fast on a dead broker instead of hanging in a half-open socket:
        # a connect gives up after 5 s, a command after 15 s (above the 1 s the
        # consumer's BRPOP waits), and idle connections are pinged every 10 s so
        # a broker that restarted is noticed before the next ack, not by it.
        "socket_connect_timeout": 5,
        "socket_timeout": 15,
        "socket_keepalive": True,
        "retry_on_timeout": True,
        "health_check_interval": 10,
    }
app.autodiscover_tasks()

# --- observability (issue 8) ---
# Signal handlers: the request id into task headers and back out in the worker,
# task metrics, the worker's metrics server. Connected in every process that
# loads the app (web, worker, beat).
import hiring.observability.celery_hooks  # noqa: E402, F401
