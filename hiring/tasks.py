"""Thin Celery tasks: load by id, call a service, the reminder sweep or the webhook sweep."""

from __future__ import annotations

from celery import shared_task

from hiring import webhooks

# --- webhooks ---
# The sweep claims due deliveries (hiring/webhooks.py) and queues one task per
# delivery, so one slow receiver holds up one worker slot, not the others.


@shared_task(name="hiring.tasks.sweep_webhooks", ignore_result=True)
def sweep_webhooks() -> int:
    return webhooks.sweep(dispatch=lambda delivery_id, token: deliver_webhook.delay(delivery_id, token))


@shared_task(name="hiring.tasks.deliver_webhook", ignore_result=True)
def deliver_webhook(delivery_id: int, claim_token: str) -> str:
    return webhooks.deliver(delivery_id, claim_token)
