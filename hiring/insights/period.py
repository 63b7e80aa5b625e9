"""Insights for a period: the rollups for its whole UTC days, the raw rows for the rest."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import connection
from django.db.models import (
    Q,
    QuerySet,
)

from hiring.insights.parts import (
    KIND_SUMS,
    LOOP_MAXES,
    LOOP_SUMS,
    PERSON_MAXES,
    PERSON_SUMS,
    Partials,
    owed_feedback,
    raw_partials,
)
from hiring.insights.scope import (
    Filters,
    departments_for,
    feedback_target,
    loops_for,
    may_view_calibration,
    positions_for,
)
from hiring.insights.tables import (
    Table,
    calibration,
    feedback_latency,
    interviewers_named,
    pass_through,
    per_interviewer,
    time_in_state,
    time_to_decision,
    veto_rates,
)
from hiring.models import (
    Department,
    InsightsDirty,
    Loop,
    Position,
)
from hiring.selectors import User, is_recruiter, viewer_scope


@dataclass
class Insights:
    filters: Filters
    positions: list[Position]
    departments: list[Department]
    tables: dict[str, Table]
    calibration_shown: bool

    def table(self, key: str) -> Table:
        return self.tables[key]


def compute(
    user: User,
    filters: Filters,
    *,
    now: dt.datetime,
    positions: list[Position] | None = None,
    departments: list[Department] | None = None,
) -> Insights:
    """Every figure for this person and these filters: a fixed number of queries.
    `positions`/`departments`: the person's, when the caller has read them already."""
    positions = list(positions_for(user)) if positions is None else positions
    by_pk = {p.pk: p for p in positions}
    departments = departments_for(user, positions) if departments is None else departments
    loops = loops_for(user, filters)
    parts = period_partials(user, filters, loops)
    owed = owed_feedback(loops, filters, now=now)
    totals = per_interviewer(parts, by_pk)
    people = interviewers_named(set(totals) | set(owed))
    tables: list[Table] = []
    tables.extend(time_to_decision(parts, by_pk))
    tables.extend(time_in_state(parts, by_pk))
    tables.append(pass_through(parts, by_pk))
    tables.extend(veto_rates(parts, by_pk, people))
    tables.append(feedback_latency(totals, owed, people))
    shown = may_view_calibration(user)
    if shown:
        tables.append(calibration(totals, people))
    return Insights(
        filters=filters,
        positions=positions,
        departments=departments,
        tables={t.key: t for t in tables},
        calibration_shown=shown,
    )


# --- the period: rollups inside, raw rows at the edges and where a write is not folded in yet ----

# Past this many marked buckets in the period (a bulk import, a stopped worker), the page reads
# the whole period from the raw rows: exact, and slower only until the refresh catches up.
MAX_RAW_BUCKETS = 300


def rollups_enabled() -> bool:
    return connection.vendor == "postgresql" and settings.HIRING_INSIGHTS_ROLLUPS


def utc_day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), dt.UTC)


def period_partials(user: User, filters: Filters, loops: QuerySet[Loop]) -> Partials:
    """The parts of the period's figures. The whole UTC days inside the period come from the
    rollups, except the buckets marked since their refresh; those, and the hours at either end
    (the period is whole days in the viewer's zone), come from the raw rows. A bucket is read
    from exactly one of the two: the marks are read once, and that list decides for both."""
    target = feedback_target()
    whole = [(filters.start, filters.end)]
    if not rollups_enabled():
        return raw_partials(loops, whole, target=target)
    first = filters.start.astimezone(dt.UTC)
    first_day = first.date() if first.timetz() == dt.time(0, tzinfo=dt.UTC) else first.date() + dt.timedelta(days=1)
    end_day = filters.end.astimezone(dt.UTC).date()
    if first_day >= end_day:
        return raw_partials(loops, whole, target=target)
    marks = InsightsDirty.objects.filter(day__gte=first_day, day__lt=end_day)
    if not is_recruiter(user):
        marks = marks.filter(position_id__in=viewer_scope(user)[1])
    if filters.position_id is not None:
        marks = marks.filter(position_id=filters.position_id)
    if filters.department_id is not None:
        marks = marks.filter(position_id__in=Position.objects.filter(department_id=filters.department_id).values("pk"))
    dirty = list(marks.order_by().values_list("day", "position_id").distinct()[: MAX_RAW_BUCKETS + 1])
    if len(dirty) > MAX_RAW_BUCKETS:
        return raw_partials(loops, whole, target=target)
    parts, stale = rollup_partials(user, filters, first_day, end_day, dirty, target=target)
    if stale:
        # Rows counted against an earlier feedback target: exact from the raw rows until the
        # refresh recounts them (hiring.services.insights.mark_stale_targets).
        return raw_partials(loops, whole, target=target)
    lo, hi = utc_day_start(first_day), utc_day_start(end_day)
    ranges = [(a, b) for a, b in ((filters.start, lo), (hi, filters.end)) if a < b]
    chosen = Q()
    for a, b in ranges:
        chosen |= Q(created_at__gte=a, created_at__lt=b)
    for day, position_id in dirty:
        chosen |= Q(
            position_id=position_id,
            created_at__gte=utc_day_start(day),
            created_at__lt=utc_day_start(day) + dt.timedelta(days=1),
        )
    ranges += [(utc_day_start(day), utc_day_start(day) + dt.timedelta(days=1)) for day in sorted({d for d, _ in dirty})]
    if ranges:
        parts.merge(raw_partials(loops.filter(chosen), ranges, target=target))
    return parts


ROLLUPS = {
    "loops": ("hiring_insightsloopday", [], LOOP_SUMS, LOOP_MAXES),
    "kinds": ("hiring_insightskindday", ["kind"], KIND_SUMS, []),
    "people": ("hiring_insightspersonday", ["interviewer_id"], PERSON_SUMS, PERSON_MAXES),
}


def rollup_partials(
    user: User,
    filters: Filters,
    first_day: dt.date,
    end_day: dt.date,
    dirty: list[tuple[dt.date, int]],
    *,
    target: dt.timedelta,
) -> tuple[Partials, bool]:
    """The parts of the UTC days [first_day, end_day) from the rollups, leaving out the buckets
    in `dirty`: three queries, each an index range over the days (one row per day and position
    [and kind or interviewer]), whatever the number of loops. Also whether any interviewer row
    was counted against another feedback target than today's."""
    where = ["r.day >= %s", "r.day < %s"]
    params: list = [first_day, end_day]
    join = ""
    if not is_recruiter(user):
        where.append("r.position_id = ANY(%s)")
        params.append(list(viewer_scope(user)[1]))
    if filters.position_id is not None:
        where.append("r.position_id = %s")
        params.append(filters.position_id)
    if filters.department_id is not None:
        join = "JOIN hiring_position p ON p.id = r.position_id"
        where.append("p.department_id = %s")
        params.append(filters.department_id)
    where.append(
        "NOT EXISTS (SELECT 1 FROM unnest(%s::date[], %s::integer[]) AS d(day, pos) "
        "WHERE d.day = r.day AND d.pos = r.position_id)"
    )
    params += [[day for day, _ in dirty], [pos for _, pos in dirty]]
    parts = Partials()
    stale = False
    with connection.cursor() as cursor:
        for part, (table, keys, sums, maxes) in ROLLUPS.items():
            group = ["r.position_id", *(f"r.{k}" for k in keys)]
            columns = [*(f"SUM(r.{c})" for c in sums), *(f"MAX(r.{c})" for c in maxes)]
            extra, extra_params = "", []
            if part == "people":
                extra, extra_params = ", COUNT(*) FILTER (WHERE r.target_seconds <> %s)", [target.total_seconds()]
            cursor.execute(
                f"SELECT {', '.join(group)}, {', '.join(columns)}{extra} FROM {table} r {join} "  # noqa: S608 (constant names)
                f"WHERE {' AND '.join(where)} GROUP BY {', '.join(group)}",
                [*extra_params, *params],
            )
            for row in cursor.fetchall():
                key = row[0] if not keys else tuple(row[: 1 + len(keys)])
                values = row[1 + len(keys) :]
                named = dict(zip([*sums, *maxes], values, strict=False))
                if part == "people" and values[-1]:
                    stale = True
                parts.add(part, key, {k: (float(v) if isinstance(v, Decimal) else v) for k, v in named.items()})
    return parts, stale
