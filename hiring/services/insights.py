"""Insights rollups: fold the buckets that writes marked into the rollup rows.

The rollups (InsightsLoopDay, InsightsKindDay, InsightsPersonDay) hold, per UTC day of the
loops' start and position, the additive parts of every insights figure, computed by the same
SQL the page runs on raw rows (hiring.insights.raw_partials). PostgreSQL triggers (migration
0025) insert an InsightsDirty mark for the loop's bucket in the transaction of every write that
can change a figure. Beat runs `refresh_insights` every HIRING_INSIGHTS_REFRESH_SECONDS.

Why no write is ever lost from the figures: a refresh of a bucket takes the bucket's advisory
lock (one refresher per bucket), reads the ids of its marks, recomputes the bucket from the raw
rows in a later statement (READ COMMITTED: it sees at least every write whose mark it read, as a
write and its mark commit together), then deletes exactly those marks. A write that commits
after the marks were read leaves its own mark, so the bucket stays marked, and the page reads a
marked bucket from the raw rows. Derived data only: `refresh_all_insights` rebuilds everything.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import connection, transaction

from hiring import insights
from hiring.models import InsightsDirty, InsightsKindDay, InsightsLoopDay, InsightsPersonDay, Loop

log = logging.getLogger(__name__)

# Marked buckets folded per run; the next run carries on.
REFRESH_BATCH = 2000


def refresh_insights(*, limit: int = REFRESH_BATCH) -> int:
    """Fold up to `limit` marked buckets (oldest days first) into the rollups; the number folded."""
    if not insights.rollups_enabled():
        return 0
    buckets = list(
        InsightsDirty.objects.order_by("day", "position_id").values_list("day", "position_id").distinct()[:limit]
    )
    for day, position_id in buckets:
        refresh_bucket(day=day, position_id=position_id)
    if buckets:
        log.info("insights: folded %d marked buckets", len(buckets))
    return len(buckets)


def refresh_bucket(*, day: dt.date, position_id: int) -> None:
    """Recompute one bucket's rollup rows from the raw rows and clear the marks it read."""
    target = insights.feedback_target()
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Key (position, day): one refresher per bucket, so an older computation never
            # overwrites a newer one.
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [position_id, day.toordinal()])
        marks = list(InsightsDirty.objects.filter(day=day, position_id=position_id).values_list("pk", flat=True))
        start = insights.utc_day_start(day)
        end = start + dt.timedelta(days=1)
        loops = Loop.objects.filter(position_id=position_id, created_at__gte=start, created_at__lt=end).order_by()
        parts = insights.raw_partials(loops, [(start, end)], target=target)
        bucket = {"day": day, "position_id": position_id}
        for model in (InsightsLoopDay, InsightsKindDay, InsightsPersonDay):
            model.objects.filter(**bucket).delete()
        InsightsLoopDay.objects.bulk_create(
            [InsightsLoopDay(**bucket, **values) for pos, values in parts.loops.items() if pos == position_id]
        )
        InsightsKindDay.objects.bulk_create(
            [
                InsightsKindDay(**bucket, kind=kind, **values)
                for (pos, kind), values in parts.kinds.items()
                if pos == position_id
            ]
        )
        InsightsPersonDay.objects.bulk_create(
            [
                InsightsPersonDay(
                    **bucket, interviewer_id=interviewer_id, target_seconds=target.total_seconds(), **values
                )
                for (pos, interviewer_id), values in parts.people.items()
                if pos == position_id
            ]
        )
        InsightsDirty.objects.filter(pk__in=marks).delete()


def mark_stale_targets() -> int:
    """Mark the buckets whose interviewer rows counted "later than target" against another
    feedback target than the current setting (after HIRING_FEEDBACK_TARGET_HOURS changed);
    until they are refolded the page reads the period from the raw rows. The number marked."""
    if not insights.rollups_enabled():
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO hiring_insightsdirty (day, position_id) "
            "SELECT DISTINCT day, position_id FROM hiring_insightspersonday WHERE target_seconds <> %s",
            [insights.feedback_target().total_seconds()],
        )
        return cursor.rowcount


def mark_all_insights() -> int:
    """Mark every bucket that has loops (a full rebuild on the next refreshes)."""
    if not insights.rollups_enabled():
        return 0
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO hiring_insightsdirty (day, position_id) "
            "SELECT DISTINCT (created_at AT TIME ZONE 'UTC')::date, position_id FROM hiring_loop"
        )
        return cursor.rowcount
