"""Thin Celery tasks: load by id, call a service, the reminder sweep or the webhook sweep."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from hiring import reminders, webhooks

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
# Beat runs the sweep; it claims due reminders and queues one task per batch.
# Acknowledged late (CELERY_TASK_ACKS_LATE): a task whose worker dies is
# delivered again, and the claim token makes the second run harmless.


@shared_task(name="hiring.tasks.sweep_reminders", ignore_result=True)
def sweep_reminders() -> int:
    return reminders.sweep()


@shared_task(name="hiring.tasks.send_reminders", ignore_result=True)
def send_reminders(token: str, ids: list[int]) -> dict:
    result = reminders.send_claimed(token=token, ids=ids, budget=float(settings.CELERY_TASK_SOFT_TIME_LIMIT))
    if len(ids) >= settings.HIRING_REMINDER_BATCH_SIZE or result.released:
        # A full batch means more may be due: sweep again now rather than at the
        # next beat. Best effort: if the broker is gone, beat sweeps anyway.
        try:
            sweep_reminders.apply_async(expires=float(settings.HIRING_REMINDER_SWEEP_SECONDS))
        except Exception:
            reminders.log.warning("Could not queue a follow-up sweep.", exc_info=True)
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
