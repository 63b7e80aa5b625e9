"""Outgoing webhooks: a delivery row per subscription, written with the event."""

from __future__ import annotations

from hiring.models import Event


def enqueue_for_event(event: Event) -> None:
    """Write one delivery per active subscription that wants this event."""
