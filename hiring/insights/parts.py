"""Insights: the additive parts of every figure, read from the raw rows (SQL aggregates over
loops, rounds, scorecards, ratings and state events) for any set of loops."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Lead

from hiring.insights.scope import (
    CLOSED,
    DECIDED,
    HELD,
    NEGATIVE,
    POSITIVE,
    STATE_LABELS,
    Filters,
    feedback_target_hours,
)
from hiring.models import (
    OPEN_LOOP_STATUSES,
    Event,
    EventKind,
    Loop,
    LoopStatus,
    Round,
    RoundStatus,
    Scorecard,
)

# --- the additive parts of every figure ------------------------------------------------------
# Every figure is a ratio of sums, a sum or a maximum, so each can be added up from parts: per
# position (loops), per position and round kind, per position and interviewer. The same parts
# come from the raw rows (raw_partials, any set of loops) or from the rollups, which hold them
# per UTC day (hiring/insights_rollup.py); a page adds the two and shapes the tables from them.

STATE_COLUMNS = {state: (f"{state.value}_stays", f"{state.value}_seconds") for state in STATE_LABELS}
LOOP_SUMS = ["decided", "hired", "decision_seconds", "closed", "vetoed"] + [
    column for pair in STATE_COLUMNS.values() for column in pair
]
LOOP_MAXES = ["decision_max_seconds"]
KIND_SUMS = ["held", "went_on", "hired", "cards", "vetoes"]
PERSON_SUMS = [
    "cards",
    "vetoes",
    "latency_count",
    "latency_seconds",
    "late",
    "calibration_cards",
    "matches",
    "own_sum",
    "own_count",
    "panel_sum",
    "panel_count",
    "rated_1",
    "rated_2",
    "rated_3",
    "rated_4",
]
PERSON_MAXES = ["latency_max_seconds"]


def _seconds(value) -> float:
    """A summed duration from the database in seconds (PostgreSQL: timedelta, SQLite: microseconds)."""
    if value is None:
        return 0.0
    if isinstance(value, dt.timedelta):
        return value.total_seconds()
    return float(value) / 1_000_000


@dataclass
class Partials:
    """The additive parts: loops[position], kinds[(position, kind)], people[(position, interviewer)]."""

    loops: dict = field(default_factory=dict)
    kinds: dict = field(default_factory=dict)
    people: dict = field(default_factory=dict)

    def add(self, part: str, key, values: dict) -> None:
        sums, maxes = {
            "loops": (LOOP_SUMS, LOOP_MAXES),
            "kinds": (KIND_SUMS, []),
            "people": (PERSON_SUMS, PERSON_MAXES),
        }[part]
        into = getattr(self, part)
        row = into.get(key)
        if row is None:
            row = into[key] = dict.fromkeys(sums, 0) | dict.fromkeys(maxes)
        for name in sums:
            row[name] += values.get(name) or 0
        for name in maxes:
            value = values.get(name)
            if value is not None and (row[name] is None or value > row[name]):
                row[name] = value

    def merge(self, other: Partials) -> None:
        for part in ("loops", "kinds", "people"):
            for key, values in getattr(other, part).items():
                self.add(part, key, values)


Range = tuple[dt.datetime, dt.datetime]


class Minutes(Func):
    """A whole number of minutes (a column) as a duration: an interval on PostgreSQL, and on SQLite
    the microseconds Django's duration arithmetic reads there (an int times a timedelta is
    refused on SQLite: "Invalid arguments for operator *", the embedded demo's Insights page)."""

    output_field = DurationField()
    template = "(%(expressions)s * INTERVAL '1 minute')"

    def as_sqlite(self, compiler, connection, **extra_context):
        return self.as_sql(compiler, connection, template="(%(expressions)s * 60000000)", **extra_context)


def in_ranges(queryset: QuerySet, ranges: list[Range], *prefixes: str) -> QuerySet:
    """Bound rounds or scorecards (and the rounds they join through `prefixes`) by their copy of
    loop.created_at as well as by their loops, so PostgreSQL reads them from index ranges of
    round_insights_idx / scorecard_insights_idx instead of scanning the whole table. The copy is
    loop.created_at itself (kept by triggers, migration 0023): the rows stay the same. Only on
    PostgreSQL, where the triggers keep it; elsewhere the loops alone bound the rows."""
    if connection.vendor != "postgresql":
        return queryset
    for prefix in prefixes or ("",):
        bound = Q()
        for lo, hi in ranges:
            bound |= Q(**{f"{prefix}loop_created_at__gte": lo, f"{prefix}loop_created_at__lt": hi})
        queryset = queryset.filter(bound)
    return queryset


def in_period(queryset: QuerySet, filters: Filters, *prefixes: str) -> QuerySet:
    return in_ranges(queryset, [(filters.start, filters.end)], *prefixes)


def raw_partials(loops: QuerySet[Loop], ranges: list[Range], *, target: dt.timedelta) -> Partials:
    """The parts of every figure, read from the raw rows of `loops`, whose starts all lie in
    `ranges` (which bound their rounds and scorecards). Six queries whatever the number of loops."""
    parts = Partials()
    _loop_parts(parts, loops)
    _state_parts(parts, loops)
    _pass_through_parts(parts, loops, ranges)
    _scorecard_parts(parts, loops, ranges)
    _latency_parts(parts, loops, ranges, target)
    _calibration_parts(parts, loops, ranges)
    return parts


def _loop_parts(parts: Partials, loops: QuerySet[Loop]) -> None:
    """Decided loops (created → decided, a veto included) and closed loops (how many vetoed)."""
    decided = Q(status__in=DECIDED)
    duration = ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())
    rows = (
        loops.filter(closed_at__isnull=False)
        .values("position_id")
        .annotate(
            decided=Count("pk", filter=decided),
            hired=Count("pk", filter=Q(status=LoopStatus.HIRED)),
            total=Sum(duration, filter=decided),
            longest=Max(duration, filter=decided),
            closed=Count("pk"),
            vetoed=Count("pk", filter=Q(veto_scorecard__isnull=False)),
        )
        .order_by()
    )
    for row in rows:
        parts.add(
            "loops",
            row["position_id"],
            {
                "decided": row["decided"],
                "hired": row["hired"],
                "decision_seconds": _seconds(row["total"]),
                "decision_max_seconds": _seconds(row["longest"]) if row["longest"] is not None else None,
                "closed": row["closed"],
                "vetoed": row["vetoed"],
            },
        )


# The events that move a loop from one state to the next, and the state each enters.
STATE_EVENTS = [
    EventKind.LOOP_CREATED,
    EventKind.LOOP_SCHEDULED,
    EventKind.LOOP_STATUS_CHANGED,
    EventKind.LOOP_VETOED,
    EventKind.LOOP_DECIDED,
    EventKind.CANDIDATE_WITHDRAWN,
]


def _state_parts(parts: Partials, loops: QuerySet[Loop]) -> None:
    """How long loops stayed in each open state, from the record of their state changes.

    Each state event opens a stay that the loop's next state event closes (a window
    over the loop's events, from the (loop, created_at) index); stays still open are
    left out. Summed per position and state in SQL.
    """
    entered = Case(
        When(kind=EventKind.LOOP_CREATED, then=Value(LoopStatus.DRAFT.value)),
        When(kind=EventKind.LOOP_SCHEDULED, then=Value(LoopStatus.SCHEDULED.value)),
        When(kind=EventKind.LOOP_STATUS_CHANGED, then=KT("data__to")),
        default=Value(CLOSED),
        output_field=CharField(),
    )
    stays = (
        Event.objects.filter(loop__in=loops.values("pk"), kind__in=STATE_EVENTS)
        .annotate(
            pos=F("loop__position_id"),
            state=entered,
            stay=ExpressionWrapper(
                Window(Lead("created_at"), partition_by=[F("loop_id")], order_by=[F("created_at"), F("id")])
                - F("created_at"),
                output_field=DurationField(),
            ),
        )
        .values("pos", "state", "stay")
        .order_by()
    )
    inner, params = stays.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT pos, state, COUNT(*), SUM(stay) FROM ({inner}) stays "  # noqa: S608 (Django's own SQL)
            f"WHERE stay IS NOT NULL AND state <> %s GROUP BY pos, state ORDER BY pos, state",
            [*params, CLOSED],
        )
        rows = cursor.fetchall()
    columns = {state.value: pair for state, pair in STATE_COLUMNS.items()}
    for pos, state, count, total in rows:
        if state in columns:
            stays_column, seconds_column = columns[state]
            parts.add("loops", pos, {stays_column: count, seconds_column: _seconds(total)})


def _pass_through_parts(parts: Partials, loops: QuerySet[Loop], ranges: list[Range]) -> None:
    """Of the loops that held a round of each kind: how many went on past it, how many were hired.

    A loop went on past a round when a later round of it was held too, or the loop reached
    the decision stage without a veto (awaiting a decision, hired, or rejected by decision).
    """
    later_held = Round.objects.filter(loop_id=OuterRef("loop_id"), order__gt=OuterRef("order"), status__in=HELD)
    reached_decision = Q(loop__status__in=[LoopStatus.AWAITING_DECISION, LoopStatus.HIRED]) | Q(
        loop__status=LoopStatus.REJECTED, loop__veto_scorecard__isnull=True, loop__decision__isnull=False
    )
    rows = (
        in_ranges(Round.objects.filter(loop__in=loops.values("pk"), status__in=HELD), ranges)
        .values("loop__position_id", "kind")
        .annotate(
            held=Count("loop_id", distinct=True),
            went_on=Count("loop_id", distinct=True, filter=Q(Exists(later_held)) | reached_decision),
            hired=Count("loop_id", distinct=True, filter=Q(loop__status=LoopStatus.HIRED)),
        )
        .order_by()
    )
    for row in rows:
        parts.add("kinds", (row["loop__position_id"], row["kind"]), row)


def _scorecard_parts(parts: Partials, loops: QuerySet[Loop], ranges: list[Range]) -> None:
    """Current scorecards and their vetoes, per round kind and per interviewer."""
    rows = (
        in_ranges(Scorecard.objects.filter(round__loop__in=loops.values("pk"), is_current=True), ranges, "", "round__")
        .values("round__loop__position_id", "round__kind", "round__interviewer_id")
        .annotate(cards=Count("pk"), vetoes=Count("pk", filter=Q(veto=True)))
        .order_by()
    )
    for row in rows:
        pos, counts = row["round__loop__position_id"], {"cards": row["cards"], "vetoes": row["vetoes"]}
        parts.add("kinds", (pos, row["round__kind"]), counts)
        if row["round__interviewer_id"] is not None:
            parts.add("people", (pos, row["round__interviewer_id"]), counts)


def _latency_parts(parts: Partials, loops: QuerySet[Loop], ranges: list[Range], target: dt.timedelta) -> None:
    """Interview end → first submission of the scorecard, per interviewer; late = after the target."""
    ended = F("round__starts_at") + Minutes("round__duration_minutes")
    latency = ExpressionWrapper(F("submitted_at") - ended, output_field=DurationField())
    rows = (
        in_ranges(
            Scorecard.objects.filter(
                round__loop__in=loops.values("pk"),
                revision=1,
                submitted_at__isnull=False,
                round__interviewer__isnull=False,
            ),
            ranges,
            "",
            "round__",
        )
        .annotate(latency=latency)
        .values("round__loop__position_id", "round__interviewer_id")
        .annotate(
            n=Count("pk"), total=Sum("latency"), longest=Max("latency"), late=Count("pk", filter=Q(latency__gt=target))
        )
        .order_by()
    )
    for row in rows:
        parts.add(
            "people",
            (row["round__loop__position_id"], row["round__interviewer_id"]),
            {
                "latency_count": row["n"],
                "latency_seconds": _seconds(row["total"]),
                "latency_max_seconds": _seconds(row["longest"]) if row["longest"] is not None else None,
                "late": row["late"],
            },
        )


def _calibration_parts(parts: Partials, loops: QuerySet[Loop], ranges: list[Range]) -> None:
    """Per interviewer, on decided loops: recommendations that matched the outcome, their own
    ratings, and the ratings the rest of the same panels gave (the loop's minus their own)."""
    decided, params = loops.filter(status__in=DECIDED).values("pk").query.sql_with_params()
    positive = ", ".join(["%s"] * len(POSITIVE))
    negative = ", ".join(["%s"] * len(NEGATIVE))
    # On PostgreSQL the rounds and scorecards are also bounded by their copy of the loop's
    # created_at (see in_ranges): read from their insights indexes, not scanned.
    bounded, bounds = "", []
    if connection.vendor == "postgresql":
        for alias in ("r", "s"):
            terms = " OR ".join([f"({alias}.loop_created_at >= %s AND {alias}.loop_created_at < %s)"] * len(ranges))
            bounded += f" AND ({terms})"
            bounds += [bound for pair in ranges for bound in pair]
    # One pass over the decided loops: each current scorecard with its ratings summed (cards),
    # each loop's totals (panels), then per position and interviewer their own totals and those
    # of the rest of their panels.
    sql = f"""
        WITH cards AS (
            SELECT s.id, r.interviewer_id, r.loop_id, l.position_id, s.veto,
                   ((s.recommendation IN ({positive}) AND l.status = %s)
                    OR (s.recommendation IN ({negative}) AND l.status = %s)) AS matched,
                   COALESCE(SUM(g.score), 0) AS own_sum, COUNT(g.id) AS own_n,
                   COUNT(g.id) FILTER (WHERE g.score = 1) AS r1, COUNT(g.id) FILTER (WHERE g.score = 2) AS r2,
                   COUNT(g.id) FILTER (WHERE g.score = 3) AS r3, COUNT(g.id) FILTER (WHERE g.score = 4) AS r4
            FROM hiring_scorecard s
            JOIN hiring_round r ON r.id = s.round_id
            JOIN hiring_loop l ON l.id = r.loop_id
            LEFT JOIN hiring_rating g ON g.scorecard_id = s.id
            WHERE s.is_current AND r.interviewer_id IS NOT NULL AND r.loop_id IN ({decided}){bounded}
            GROUP BY s.id, r.interviewer_id, r.loop_id, l.position_id, s.veto, s.recommendation, l.status
        ), panels AS (
            SELECT loop_id, SUM(own_sum) AS loop_sum, SUM(own_n) AS loop_n FROM cards GROUP BY loop_id
        )
        SELECT c.position_id, c.interviewer_id,
               COUNT(*), SUM(CASE WHEN c.matched THEN 1 ELSE 0 END),
               SUM(c.own_sum), SUM(c.own_n), SUM(p.loop_sum - c.own_sum), SUM(p.loop_n - c.own_n),
               SUM(c.r1), SUM(c.r2), SUM(c.r3), SUM(c.r4)
        FROM cards c
        JOIN panels p ON p.loop_id = c.loop_id
        GROUP BY c.position_id, c.interviewer_id
    """  # noqa: S608 (placeholders only; the loop filter is Django's own SQL)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [*POSITIVE, LoopStatus.HIRED.value, *NEGATIVE, LoopStatus.REJECTED.value, *params, *bounds],
        )
        keys = ["calibration_cards", "matches", "own_sum", "own_count", "panel_sum", "panel_count",
                "rated_1", "rated_2", "rated_3", "rated_4"]  # fmt: skip
        for pos, interviewer_id, *values in cursor.fetchall():
            # SUM gives a decimal on PostgreSQL: the parts are plain integers.
            parts.add("people", (pos, interviewer_id), {k: int(v or 0) for k, v in zip(keys, values, strict=True)})


def owed_feedback(loops: QuerySet[Loop], filters: Filters, *, now: dt.datetime) -> dict[int, int]:
    """Per interviewer: rounds of the period's open loops whose feedback is past the target now
    (always from the raw rows: it changes with the clock, not with a write)."""
    target = dt.timedelta(hours=feedback_target_hours())
    round_end = F("starts_at") + Minutes("duration_minutes")
    rows = (
        in_period(
            Round.objects.filter(
                loop__in=loops.filter(status__in=OPEN_LOOP_STATUSES).values("pk"),
                status__in=[RoundStatus.SCHEDULED, RoundStatus.HELD],
                interviewer__isnull=False,
            ),
            filters,
        )
        .alias(ends=round_end)
        .filter(ends__lt=now - target)
        .values("interviewer_id")
        .annotate(owed=Count("pk"))
        .order_by()
    )
    return {row["interviewer_id"]: row["owed"] for row in rows}
