"""Hiring insights: how the loops run (reads only).

Every figure is about the loops *started* in the period (the cohort: Loop.created_at), narrowed
to a position or a department, and for a hiring manager to the positions they manage. Each is a
ratio of sums, a sum or a maximum, so each is added up from parts (Partials): per position, per
position and round kind, per position and interviewer. The parts come from two places:

- on PostgreSQL, the whole UTC days inside the period from the rollups (one row per day and
  position [and kind or interviewer], kept by hiring/services/insights.py), so the cost follows
  the days and positions of the period, not the number of loops;
- from the raw rows (raw_partials: SQL aggregates over loops, rounds, scorecards, ratings and
  state events), for the hours at either end of the viewer's days, for the buckets a write has
  marked since their refresh, and for everything on other databases.

A page or an API call costs the same dozen queries whatever the number of loops; each result has
one row per position, round kind or interviewer, never per loop. Python only shapes those small
results (department totals from the positions' sums, the calibration z-scores).

The period is bounded: 90 days by default, at most MAX_PERIOD_DAYS.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
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
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hiring.models import (
    OPEN_LOOP_STATUSES,
    Department,
    Event,
    EventKind,
    InsightsDirty,
    Interviewer,
    Loop,
    LoopStatus,
    Position,
    Recommendation,
    Round,
    RoundKind,
    RoundStatus,
    Scorecard,
)
from hiring.selectors import User, is_recruiter, viewer_scope

DEFAULT_PERIOD_DAYS = 90
MAX_PERIOD_DAYS = 731
# Calibration: an interviewer needs this many scorecards on decided loops to be flagged,
# and a z-score of their lean (own mean minus their panels' mean) this far from the others'.
CALIBRATION_Z = 1.5


def calibration_min_scorecards() -> int:
    return int(getattr(settings, "HIRING_CALIBRATION_MIN_SCORECARDS", 5))


HELD = [RoundStatus.HELD, RoundStatus.SUBMITTED]
DECIDED = [LoopStatus.HIRED, LoopStatus.REJECTED]
POSITIVE = [Recommendation.YES, Recommendation.STRONG_YES]
NEGATIVE = [Recommendation.NO, Recommendation.STRONG_NO]
CLOSED = "closed"

STATE_LABELS = {
    LoopStatus.DRAFT: _("Draft"),
    LoopStatus.SCHEDULED: pgettext_lazy("loop status", "Scheduled"),  # the same entry as LoopStatus
    LoopStatus.IN_PROGRESS: _("In progress"),
    LoopStatus.AWAITING_DECISION: _("Awaiting decision"),
}
KIND_LABELS = {
    RoundKind.SCREEN: _("Screen"),
    RoundKind.TECHNICAL: _("Technical"),
    RoundKind.SYSTEM_DESIGN: _("System design"),
    RoundKind.CULTURE: _("Culture and values"),
    RoundKind.HIRING_MANAGER: _("Hiring manager"),
    RoundKind.BAR_RAISER: _("Bar raiser"),
    RoundKind.OTHER: _("Other"),
}


def feedback_target_hours() -> float:
    return float(getattr(settings, "HIRING_FEEDBACK_TARGET_HOURS", 4))


# --- who, and which loops -------------------------------------------------------------


def may_view_insights(user: User) -> bool:
    """Recruiters, and hiring managers (for their own positions)."""
    if is_recruiter(user):
        return True
    return bool(user.is_authenticated and user.is_active and viewer_scope(user)[1])


def may_view_calibration(user: User) -> bool:
    """How each interviewer rates is for recruiters only."""
    return is_recruiter(user)


@dataclass(frozen=True)
class Filters:
    start: dt.datetime  # inclusive, UTC-aware
    end: dt.datetime  # exclusive
    position_id: int | None = None
    department_id: int | None = None
    first_day: dt.date | None = None
    last_day: dt.date | None = None


def make_filters(
    *,
    first_day: dt.date | None,
    last_day: dt.date | None,
    position_id: int | None = None,
    department_id: int | None = None,
    zone: str = "UTC",
    today: dt.date,
) -> Filters:
    """The days are whole days in the viewer's zone; both ends included. Raises ValueError
    (with a translated message) for an empty or too long period."""
    try:
        last_day = last_day or today
        first_day = first_day or last_day - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        tz = ZoneInfo(zone)
        start = dt.datetime.combine(first_day, dt.time(0), tz)
        end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), tz)
        start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    except OverflowError as exc:
        raise ValueError(_("The period is out of range.")) from exc
    if first_day > last_day:
        raise ValueError(_("The period ends before it starts."))
    if (last_day - first_day).days + 1 > MAX_PERIOD_DAYS:
        raise ValueError(_("The period is too long (at most %(days)s days).") % {"days": MAX_PERIOD_DAYS})
    return Filters(
        start=start,
        end=end,
        position_id=position_id,
        department_id=department_id,
        first_day=first_day,
        last_day=last_day,
    )


def positions_for(user: User) -> QuerySet[Position]:
    """The positions whose insights this person may read (the filter's choices)."""
    positions = Position.objects.select_related("department").order_by("title", "pk")
    if is_recruiter(user):
        return positions
    return positions.filter(pk__in=viewer_scope(user)[1])


def loops_for(user: User, filters: Filters) -> QuerySet[Loop]:
    loops = Loop.objects.filter(created_at__gte=filters.start, created_at__lt=filters.end)
    if not is_recruiter(user):
        loops = loops.filter(position_id__in=viewer_scope(user)[1])
    if filters.position_id is not None:
        loops = loops.filter(position_id=filters.position_id)
    if filters.department_id is not None:
        loops = loops.filter(position__department_id=filters.department_id)
    return loops.order_by()


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
    ended = F("round__starts_at") + ExpressionWrapper(
        F("round__duration_minutes") * dt.timedelta(minutes=1), output_field=DurationField()
    )
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


# --- the tables, from the parts --------------------------------------------------------------


@dataclass
class Table:
    """One figure: columns (key, label) and rows (dicts keyed by column key)."""

    key: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[dict] = field(default_factory=list)
    description: str = ""


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _days(seconds: float | None, count: int = 1) -> float | None:
    return None if seconds is None else _round(seconds / 86400 / count, 2)


def time_to_decision(parts: Partials, positions: dict[int, Position]) -> tuple[Table, Table]:
    """Loop created → decided (hired or rejected, a veto included), per position and department, in days."""
    columns = [
        ("decided", _("Decided")),
        ("hired", _("Hired")),
        ("avg_days", _("Average days")),
        ("max_days", _("Longest (days)")),
    ]
    by_position = Table(
        "time_to_decision_by_position",
        _("Time to decision by position"),
        [("position", _("Position")), ("department", _("Department")), *columns],
        description=_("Days from the start of the loop to the decision, loops decided so far."),
    )
    departments: dict[str, dict] = {}
    for pos in sorted(parts.loops):
        row, position = parts.loops[pos], positions.get(pos)
        if position is None or not row["decided"]:
            continue
        by_position.rows.append(
            {
                "position": position.title,
                "department": position.department.name,
                "decided": row["decided"],
                "hired": row["hired"],
                "avg_days": _days(row["decision_seconds"], row["decided"]),
                "max_days": _days(row["decision_max_seconds"]),
            }
        )
        dept = departments.setdefault(position.department.name, {"decided": 0, "hired": 0, "seconds": 0.0, "max": 0.0})
        dept["decided"] += row["decided"]
        dept["hired"] += row["hired"]
        dept["seconds"] += row["decision_seconds"]
        dept["max"] = max(dept["max"], row["decision_max_seconds"] or 0.0)
    by_department = Table(
        "time_to_decision_by_department",
        _("Time to decision by department"),
        [("department", _("Department")), *columns],
        description=_("Days from the start of the loop to the decision, loops decided so far."),
    )
    for name in sorted(departments):
        d = departments[name]
        by_department.rows.append(
            {
                "department": name,
                "decided": d["decided"],
                "hired": d["hired"],
                "avg_days": _days(d["seconds"], d["decided"]),
                "max_days": _days(d["max"]),
            }
        )
    return by_position, by_department


def time_in_state(parts: Partials, positions: dict[int, Position]) -> tuple[Table, Table, Table]:
    """Average days in each open state, per position, department and overall (stays that ended)."""
    columns = [(state, label) for state, label in STATE_LABELS.items()]
    by_position = Table(
        "time_in_state_by_position",
        _("Average days in each state by position"),
        [("position", _("Position")), ("department", _("Department")), *columns],
        description=_("Average days a loop spent in each state before it moved on."),
    )
    per_department: dict[str, dict] = {}
    overall: dict[str, list[float]] = {state: [0, 0.0] for state in STATE_LABELS}

    def averages(sums: dict) -> dict:
        return {state: _days(sums[state][1], sums[state][0]) if state in sums else None for state in STATE_LABELS}

    for pos in sorted(parts.loops, key=lambda p: (positions[p].title, p) if p in positions else ("", p)):
        row, position = parts.loops[pos], positions.get(pos)
        if position is None:
            continue
        own = {}
        for state, (stays_column, seconds_column) in STATE_COLUMNS.items():
            count, seconds = row[stays_column], row[seconds_column]
            if not count:
                continue
            own[state] = (count, seconds)
            dept = per_department.setdefault(position.department.name, {})
            c, s = dept.get(state, (0, 0.0))
            dept[state] = (c + count, s + seconds)
            overall[state][0] += count
            overall[state][1] += seconds
        if own:
            by_position.rows.append(
                {"position": position.title, "department": position.department.name, **averages(own)}
            )
    by_department = Table(
        "time_in_state_by_department",
        _("Average days in each state by department"),
        [("department", _("Department")), *columns],
        description=_("Average days a loop spent in each state before it moved on."),
    )
    for name in sorted(per_department):
        by_department.rows.append({"department": name, **averages(per_department[name])})
    overall_table = Table(
        "time_in_state",
        _("Average days in each state"),
        [("state", _("State")), ("stays", _("Stays")), ("avg_days", _("Average days"))],
        description=_("Average days a loop spent in each state before it moved on."),
    )
    for state, label in STATE_LABELS.items():
        count, seconds = overall[state]
        if count:
            overall_table.rows.append({"state": str(label), "stays": count, "avg_days": _days(seconds, count)})
    return overall_table, by_position, by_department


def _by_kind(parts: Partials, positions: dict[int, Position]) -> dict[str, dict]:
    kinds: dict[str, dict] = {}
    for (pos, kind), row in parts.kinds.items():
        if pos not in positions:
            continue
        total = kinds.setdefault(kind, dict.fromkeys(KIND_SUMS, 0))
        for name in KIND_SUMS:
            total[name] += row[name]
    return kinds


def pass_through(parts: Partials, positions: dict[int, Position]) -> Table:
    table = Table(
        "pass_through",
        _("Pass-through by round kind"),
        [
            ("kind", _("Round kind")),
            ("loops", _("Loops that held it")),
            ("went_on", _("Went on")),
            ("went_on_pct", _("Went on (%)")),
            ("hired", _("Hired")),
            ("hired_pct", _("Hired (%)")),
        ],
        description=_(
            "Of the loops that held a round of each kind, the share that went on past it and the share hired."
        ),
    )
    by_kind = _by_kind(parts, positions)
    for kind, label in KIND_LABELS.items():
        row = by_kind.get(kind)
        if not row or not row["held"]:
            continue
        table.rows.append(
            {
                "kind": str(label),
                "loops": row["held"],
                "went_on": row["went_on"],
                "went_on_pct": _share(row["went_on"], row["held"]),
                "hired": row["hired"],
                "hired_pct": _share(row["hired"], row["held"]),
            }
        )
    return table


def _veto_columns(first: tuple[str, str], counted: str) -> list[tuple[str, str]]:
    return [first, ("count", counted), ("vetoes", _("Vetoes")), ("veto_pct", _("Veto rate (%)"))]


def _veto_row(first: str, value: str, n: int, vetoes: int) -> dict:
    return {first: value, "count": n, "vetoes": vetoes, "veto_pct": _share(vetoes, n)}


def veto_rates(parts: Partials, positions: dict[int, Position], people: dict[int, dict]) -> tuple[Table, Table, Table]:
    """Vetoes by round kind and by interviewer training (submitted scorecards), and by department (loops)."""
    by_kind = Table(
        "veto_by_kind",
        _("Veto rate by round kind"),
        _veto_columns(("kind", _("Round kind")), _("Scorecards")),
        description=_("Share of submitted scorecards that vetoed the candidate."),
    )
    kinds = _by_kind(parts, positions)
    for kind, label in KIND_LABELS.items():
        row = kinds.get(kind)
        if row and row["cards"]:
            by_kind.rows.append(_veto_row("kind", str(label), row["cards"], row["vetoes"]))
    roles = {True: [0, 0], False: [0, 0]}
    for (pos, interviewer_id), row in parts.people.items():
        if pos in positions and interviewer_id in people:
            role = roles[bool(people[interviewer_id]["is_bar_raiser"])]
            role[0] += row["cards"]
            role[1] += row["vetoes"]
    by_role = Table(
        "veto_by_role",
        _("Veto rate of bar raisers and other interviewers"),
        _veto_columns(("role", _("Interviewers")), _("Scorecards")),
        description=_("Share of submitted scorecards that vetoed the candidate, by the interviewer's training."),
    )
    for flag, label in ((True, _("Trained bar raisers")), (False, _("Other interviewers"))):
        n, vetoes = roles[flag]
        if n:
            by_role.rows.append(_veto_row("role", str(label), n, vetoes))
    departments: dict[str, list[int]] = {}
    for pos, row in parts.loops.items():
        if pos in positions and row["closed"]:
            dept = departments.setdefault(positions[pos].department.name, [0, 0])
            dept[0] += row["closed"]
            dept[1] += row["vetoed"]
    by_department = Table(
        "veto_by_department",
        _("Veto rate by hiring department"),
        _veto_columns(("department", _("Department")), _("Closed loops")),
        description=_("Share of closed loops that ended in a veto."),
    )
    for name in sorted(departments):
        by_department.rows.append(_veto_row("department", name, *departments[name]))
    return by_kind, by_role, by_department


def _name(first: str, last: str, username: str) -> str:
    return f"{first} {last}".strip() or username


def _per_interviewer(parts: Partials, positions: dict[int, Position]) -> dict[int, dict]:
    totals: dict[int, dict] = {}
    for (pos, interviewer_id), row in parts.people.items():
        if pos not in positions:
            continue
        total = totals.get(interviewer_id)
        if total is None:
            total = totals[interviewer_id] = dict.fromkeys(PERSON_SUMS, 0) | dict.fromkeys(PERSON_MAXES)
        for name in PERSON_SUMS:
            total[name] += row[name]
        for name in PERSON_MAXES:
            if row[name] is not None and (total[name] is None or row[name] > total[name]):
                total[name] = row[name]
    return totals


def owed_feedback(loops: QuerySet[Loop], filters: Filters, *, now: dt.datetime) -> dict[int, int]:
    """Per interviewer: rounds of the period's open loops whose feedback is past the target now
    (always from the raw rows: it changes with the clock, not with a write)."""
    target = dt.timedelta(hours=feedback_target_hours())
    round_end = F("starts_at") + ExpressionWrapper(
        F("duration_minutes") * dt.timedelta(minutes=1), output_field=DurationField()
    )
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


def feedback_latency(totals: dict[int, dict], owed: dict[int, int], people: dict[int, dict]) -> Table:
    """Interview end → first submission of the scorecard, per interviewer, against the target;
    late = submitted after the target, owed = feedback not in and past the target now."""
    table = Table(
        "feedback_latency",
        _("Feedback latency by interviewer"),
        [
            ("interviewer", _("Interviewer")),
            ("scorecards", _("Scorecards")),
            ("avg_hours", _("Average hours")),
            ("max_hours", _("Longest (hours)")),
            ("late", _("Later than target")),
            ("late_pct", _("Later than target (%)")),
            ("overdue_now", _("Overdue now")),
        ],
        description=_("Hours from the end of the interview to the scorecard; target %(hours)s hours.")
        % {"hours": f"{feedback_target_hours():g}"},
    )
    for pk in sorted(set(owed) | {pk for pk, row in totals.items() if row["latency_count"]}):
        if pk not in people:
            continue
        row = totals.get(pk) or dict.fromkeys(PERSON_SUMS, 0) | dict.fromkeys(PERSON_MAXES)
        n = row["latency_count"]
        table.rows.append(
            {
                "interviewer_id": pk,
                "interviewer": people[pk]["name"],
                "scorecards": n,
                "avg_hours": _round(row["latency_seconds"] / 3600 / n, 1) if n else None,
                "max_hours": _round(row["latency_max_seconds"] / 3600, 1) if n else None,
                "late": row["late"],
                "late_pct": _share(row["late"], n),
                "overdue_now": owed.get(pk, 0),
            }
        )
    table.rows.sort(key=lambda r: (-(r["avg_hours"] or 0), r["interviewer"]))
    return table


def calibration(totals: dict[int, dict], people: dict[int, dict]) -> Table:
    """Per interviewer, on decided loops: how often the recommendation matched the outcome,
    their ratings against the rest of the same panels, and who leans lenient or harsh.

    lean = own mean rating − the mean rating the other panelists gave in the same loops;
    z = (lean − mean of everyone's lean) / their standard deviation (population), for the
    interviewers with HIRING_CALIBRATION_MIN_SCORECARDS (default 5) or more.
    """
    table = Table(
        "calibration",
        _("Interviewer calibration"),
        [
            ("interviewer", _("Interviewer")),
            ("scorecards", _("Scorecards")),
            ("matches", _("Matched the outcome")),
            ("match_pct", _("Matched (%)")),
            ("rated_1", _("Rated 1")),
            ("rated_2", _("Rated 2")),
            ("rated_3", _("Rated 3")),
            ("rated_4", _("Rated 4")),
            ("mean_rating", _("Mean rating")),
            ("panel_mean", _("Panel mean")),
            ("lean", _("Lean")),
            ("z_score", _("z-score")),
            ("flag", _("Outlier")),
        ],
        description=_(
            "Decided loops only. Lean is the interviewer's mean rating minus the mean of the rest of the same panels."
        ),
    )
    for pk, row in totals.items():
        if not row["calibration_cards"] or pk not in people:
            continue
        mean = row["own_sum"] / row["own_count"] if row["own_count"] else None
        panel_mean = row["panel_sum"] / row["panel_count"] if row["panel_count"] else None
        lean = mean - panel_mean if mean is not None and panel_mean is not None else None
        table.rows.append(
            {
                "interviewer_id": pk,
                "interviewer": people[pk]["name"],
                "scorecards": row["calibration_cards"],
                "matches": row["matches"],
                "match_pct": _share(row["matches"], row["calibration_cards"]),
                **{f"rated_{s}": row[f"rated_{s}"] for s in range(1, 5)},
                "mean_rating": _round(mean, 2),
                "panel_mean": _round(panel_mean, 2),
                "lean": _round(lean, 2),
                "z_score": None,
                "flag": "",
                "_lean": lean,
            }
        )
    eligible = [r for r in table.rows if r["_lean"] is not None and r["scorecards"] >= calibration_min_scorecards()]
    if len(eligible) >= 2:
        leans = [r["_lean"] for r in eligible]
        centre = sum(leans) / len(leans)
        spread = math.sqrt(sum((v - centre) ** 2 for v in leans) / len(leans))
        for r in eligible:
            z = (r["_lean"] - centre) / spread if spread > 1e-9 else 0.0
            r["z_score"] = round(z, 2)
            if z >= CALIBRATION_Z:
                r["flag"] = str(_("Lenient"))
            elif z <= -CALIBRATION_Z:
                r["flag"] = str(_("Harsh"))
    for r in table.rows:
        del r["_lean"]
    table.rows.sort(key=lambda r: r["interviewer"])
    return table


def interviewers_named(ids: set[int]) -> dict[int, dict]:
    """Name and training of the interviewers in the figures (one query)."""
    rows = Interviewer.objects.filter(pk__in=ids).values(
        "pk", "user__first_name", "user__last_name", "user__username", "is_bar_raiser"
    )
    return {
        row["pk"]: {
            "name": _name(row["user__first_name"], row["user__last_name"], row["user__username"]),
            "is_bar_raiser": row["is_bar_raiser"],
        }
        for row in rows
    }


@dataclass
class Insights:
    filters: Filters
    positions: list[Position]
    departments: list[Department]
    tables: dict[str, Table]
    calibration_shown: bool

    def table(self, key: str) -> Table:
        return self.tables[key]


def departments_for(user: User, positions: list[Position]) -> list[Department]:
    """The departments of the filter: every one for a recruiter, those of their positions otherwise."""
    if is_recruiter(user):
        return list(Department.objects.order_by("name"))
    return sorted({p.department for p in positions}, key=lambda d: d.name)


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
    totals = _per_interviewer(parts, by_pk)
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
    return connection.vendor == "postgresql" and bool(getattr(settings, "HIRING_INSIGHTS_ROLLUPS", True))


def feedback_target() -> dt.timedelta:
    return dt.timedelta(hours=feedback_target_hours())


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
