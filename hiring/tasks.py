"""Thin Celery tasks: load by id, call a service, the reminder sweep, the webhook sweep or the retention sweep."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from hiring import reminders, services, webhooks
from hiring.observability import health

# --- webhooks ---
# The sweep claims due deliveries (hiring/webhooks.py) and queues one task per
# delivery, so one slow receiver holds up one worker slot, not the others.


@shared_task(name="hiring.tasks.sweep_webhooks", ignore_result=True)
def sweep_webhooks() -> int:
    return webhooks.sweep(dispatch=lambda delivery_id, token: deliver_webhook.delay(delivery_id, token))


@shared_task(name="hiring.tasks.deliver_webhook", ignore_result=True)
def deliver_webhook(delivery_id: int, claim_token: str) -> str:
    return webhooks.deliver(delivery_id, claim_token)


@shared_task(name="hiring.tasks.deliver_new_webhook", ignore_result=True)
def deliver_new_webhook(delivery_id: int) -> str:
    """Queued when the event commits (webhooks.enqueue_for_event): claims the row itself,
    so a row the sweep took first is skipped, never sent twice."""
    return webhooks.deliver_new(delivery_id)


# --- reminders ---
# Beat runs the sweep; it queues one send_due_reminders task per batch of due
# rows, and each task claims its batch when it starts (hiring/reminders/sending.py).
# Acknowledged late (CELERY_TASK_ACKS_LATE): a task whose worker dies is
# delivered again and claims a fresh batch; the dead one's rows come back when
# their lease runs out.


@shared_task(name="hiring.tasks.sweep_reminders", ignore_result=True)
def sweep_reminders() -> int:
    handed = reminders.sweep()
    # What the readiness check reads: beat (or a follow-up sweep) ran the sweep just now.
    health.record_heartbeat()
    return handed


@shared_task(name="hiring.tasks.send_due_reminders", ignore_result=True)
def send_due_reminders() -> dict:
    result = reminders.send_due(budget=float(settings.CELERY_TASK_SOFT_TIME_LIMIT))
    if result.claimed >= settings.HIRING_REMINDER_BATCH_SIZE or result.released:
        # A full batch means more may be due: the next batch goes now rather than at
        # the next beat. One follow-up per task, so the number of senders does not
        # grow; it expires like the sweep's own. Best effort: beat sweeps anyway.
        try:
            send_due_reminders.apply_async(expires=float(settings.HIRING_REMINDER_SWEEP_SECONDS))
        except Exception:
            reminders.log.warning("Could not queue the next reminder batch.", exc_info=True)
    return {
        "sent": result.sent,
        "failed": result.failed,
        "retried": result.retried,
        "released": result.released,
        # The claim, for the worker's metrics (hiring/observability/celery_hooks.py).
        "token": result.token,
        "ids": result.ids,
    }


@shared_task(name="hiring.tasks.send_reminders", ignore_result=True)
def send_reminders(token: str, ids: list[int]) -> dict:
    """A batch claimed by a sweep of the previous version, still queued at the upgrade."""
    result = reminders.send_claimed(token=token, ids=ids, budget=float(settings.CELERY_TASK_SOFT_TIME_LIMIT))
    return {"sent": result.sent, "failed": result.failed, "retried": result.retried, "released": result.released}


_counters = {}


@shared_task(name="hiring.tasks.noop", ignore_result=True)
def noop(counter: str = "") -> None:
    """Nothing but a count (in Redis): the baseline manage.py bench_reminders compares with."""
    if counter:
        import os

        import redis

        # One client per worker process (prefork children must not share a socket).
        if os.getpid() not in _counters:
            _counters[os.getpid()] = redis.Redis.from_url(settings.REDIS_URL)
        _counters[os.getpid()].incr(counter)


# --- retention ---
# Beat runs it every few hours; each run erases at most HIRING_RETENTION_MAX_PER_RUN
# candidates past the retention period, and the next run carries on.


@shared_task(name="hiring.tasks.erase_expired_candidates", ignore_result=True)
def erase_expired_candidates() -> dict:
    return services.erase_expired_candidates().as_dict()


# --- calendar feeds (issue 9) ---
# Beat runs it every HIRING_FEED_SWEEP_SECONDS; the logic is hiring/scheduling/feeds.py.


@shared_task(name="hiring.tasks.import_calendar_feeds", ignore_result=True)
def import_calendar_feeds() -> dict:
    from hiring.scheduling import feeds

    return feeds.import_all()


# --- insights rollups (issue 12) ---
# Beat runs it every HIRING_INSIGHTS_REFRESH_SECONDS: it folds the buckets that writes marked into
# the rollups (hiring/services/insights.py). The first run in each worker process also marks the
# rows counted against an earlier feedback target (the setting only changes with a restart).
_targets_checked = False


@shared_task(name="hiring.tasks.refresh_insights", ignore_result=True)
def refresh_insights() -> int:
    global _targets_checked
    if not _targets_checked:
        services.mark_stale_targets()
        _targets_checked = True
    return services.refresh_insights()
