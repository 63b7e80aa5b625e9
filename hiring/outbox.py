"""Claiming due rows of an outbox table (reminders, webhook deliveries).

What must happen is first written as a row in the transaction that caused it;
a sweep then claims due rows in batches and hands their ids to workers. A claim
is a lease: a row whose worker died is claimed again once the lease runs out.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import connection, transaction
from django.db.models import F, Model, Q


def claim_due(
    model: type[Model],
    *,
    now: dt.datetime,
    due_field: str,
    limit: int,
    lease: dt.timedelta,
    pending: str = "pending",
    claimed: str = "claimed",
) -> tuple[str, list[int]]:
    """Claim up to `limit` due rows; return the claim token and the claimed ids.

    PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED, so concurrent sweeps take
    disjoint rows without waiting on each other. SQLite has no row locks, but a
    transaction there begins with BEGIN IMMEDIATE (settings.py), which
    serialises writers, so the select-then-update below is still exclusive.
    The model needs fields status, claimed_until and claim_token.
    """
    token = uuid.uuid4().hex
    due = Q(status=pending, **{f"{due_field}__lte": now}) | Q(status=claimed, claimed_until__lt=now)
    with transaction.atomic():
        qs = model.objects.filter(due).order_by(due_field, "pk")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.values_list("pk", flat=True)[:limit])
        if ids:
            model.objects.filter(pk__in=ids).update(
                status=claimed, claimed_until=now + lease, claim_token=token, attempts=F("attempts") + 1
            )
    return token, ids
