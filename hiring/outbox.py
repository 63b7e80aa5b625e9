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


# --- the backlog-proof pair: claim pending rows, recover expired claims apart ---------------
#
# claim_due above takes pending and expired rows in one query (an OR of two index
# ranges, then a sort of every due row): its cost grows with the backlog. The two
# functions below split it. claim_pending reads a partial index of pending rows in
# due order and stops after `limit` entries, so it costs the same at 100,000 due
# as at 1,000; recover_expired turns claims whose holder died back into pending
# rows, reading a partial index of claimed rows, which a sweep holds few of.


def claim_pending(
    model: type[Model],
    *,
    now: dt.datetime,
    due_field: str,
    limit: int,
    lease: dt.timedelta,
    pending: str = "pending",
    claimed: str = "claimed",
    count_attempt: bool = True,
) -> tuple[str, list[int]]:
    """Claim up to `limit` pending rows due by `now`, oldest first; return the token and ids.

    Meant to be called by the worker that sends them, right before it does, so a
    claim never waits in a queue: `count_attempt` then charges the attempt at the
    moment the send starts. Same locking as claim_due.
    """
    token = uuid.uuid4().hex
    with transaction.atomic():
        qs = model.objects.filter(status=pending, **{f"{due_field}__lte": now}).order_by(due_field, "pk")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.values_list("pk", flat=True)[:limit])
        if ids:
            changes = {"status": claimed, "claimed_until": now + lease, "claim_token": token}
            if count_attempt:
                changes["attempts"] = F("attempts") + 1
            model.objects.filter(pk__in=ids).update(**changes)
    return token, ids


def recover_expired(
    model: type[Model], *, now: dt.datetime, pending: str = "pending", claimed: str = "claimed", limit: int = 1000
) -> int:
    """Hand rows whose claim ran out (their worker died) back as pending; return how many.

    Their due time is kept, so they are claimed first. Not an attempt by itself:
    the attempt was charged when the claim was taken.
    """
    with transaction.atomic():
        qs = model.objects.filter(status=claimed, claimed_until__lt=now).order_by("claimed_until", "pk")
        if connection.features.has_select_for_update_skip_locked:
            qs = qs.select_for_update(skip_locked=True)
        ids = list(qs.values_list("pk", flat=True)[:limit])
        if not ids:
            return 0
        return model.objects.filter(pk__in=ids, status=claimed).update(
            status=pending, claimed_until=None, claim_token=""
        )
