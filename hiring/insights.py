"""Hiring insights: how the loops run (reads only).

Every figure is one SQL aggregate over the loops *started* in the period (the
cohort: Loop.created_at, read from loop_created_idx), narrowed to a position or
a department, and for a hiring manager to the positions they manage. A page or
an API call costs the same dozen queries whatever the number of loops; each
result has one row per position, round kind or interviewer, never per loop.
Python only shapes those small results (department totals from the positions'
sums, the calibration z-scores across interviewers).

The period is bounded: 90 days by default, at most MAX_PERIOD_DAYS, so the
cost follows the loops of the period, not the whole history.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection
from django.db.models import (
    Avg,
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


def in_period(queryset: QuerySet, filters: Filters, *prefixes: str) -> QuerySet:
    """Bound rounds or scorecards (and the rounds they join through `prefixes`) by their copy of
    loop.created_at as well as by the period's loops, so PostgreSQL reads them from one range of
    round_insights_idx / scorecard_insights_idx instead of scanning the whole table. The copy is
    loop.created_at itself (kept by triggers, migration 0023): the rows stay the same. Only on
    PostgreSQL, where the triggers keep it; elsewhere the loops alone bound the rows."""
    if connection.vendor != "postgresql":
        return queryset
    bounds = {}
    for prefix in prefixes or ("",):
        bounds[f"{prefix}loop_created_at__gte"] = filters.start
        bounds[f"{prefix}loop_created_at__lt"] = filters.end
    return queryset.filter(**bounds)


# --- the figures -------------------------------------------------------------------------


@dataclass
class Table:
    """One figure: columns (key, label) and rows (dicts keyed by column key)."""

    key: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[dict] = field(default_factory=list)
    description: str = ""


def _hours(value) -> float | None:
    """A summed or averaged duration from the database, in hours (PostgreSQL gives a
    timedelta, SQLite microseconds)."""
    if value is None:
        return None
    if isinstance(value, dt.timedelta):
        return value.total_seconds() / 3600
    return float(value) / 3_600_000_000


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def time_to_decision(loops: QuerySet[Loop], positions: dict[int, Position]) -> tuple[Table, Table]:
    """Loop created → decided (hired or rejected, a veto included), per position and department, in days."""
    rows = (
        loops.filter(status__in=DECIDED, closed_at__isnull=False)
        .values("position_id")
        .annotate(
            decided=Count("pk"),
            hired=Count("pk", filter=Q(status=LoopStatus.HIRED)),
            total=Sum(ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())),
            longest=Max(ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField())),
        )
        .order_by("position_id")
    )
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
    for row in rows:
        position = positions.get(row["position_id"])
        if position is None:
            continue
        hours, longest = _hours(row["total"]), _hours(row["longest"])
        by_position.rows.append(
            {
                "position": position.title,
                "department": position.department.name,
                "decided": row["decided"],
                "hired": row["hired"],
                "avg_days": _round(hours / 24 / row["decided"], 2),
                "max_days": _round(longest / 24, 2),
            }
        )
        dept = departments.setdefault(
            position.department.name, {"decided": 0, "hired": 0, "hours": 0.0, "longest": 0.0}
        )
        dept["decided"] += row["decided"]
        dept["hired"] += row["hired"]
        dept["hours"] += hours
        dept["longest"] = max(dept["longest"], longest)
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
                "avg_days": _round(d["hours"] / 24 / d["decided"], 2),
                "max_days": _round(d["longest"] / 24, 2),
            }
        )
    return by_position, by_department


# The events that move a loop from one state to the next, and the state each enters.
STATE_EVENTS = [
    EventKind.LOOP_CREATED,
    EventKind.LOOP_SCHEDULED,
    EventKind.LOOP_STATUS_CHANGED,
    EventKind.LOOP_VETOED,
    EventKind.LOOP_DECIDED,
    EventKind.CANDIDATE_WITHDRAWN,
]


def time_in_state(loops: QuerySet[Loop], positions: dict[int, Position]) -> tuple[Table, Table, Table]:
    """How long loops stayed in each open state, from the record of their state changes.

    Each state event opens a stay that the loop's next state event closes (a window
    over the loop's events, from the (loop, created_at) index); stays still open are
    left out. Summed per position and state in SQL; departments add up positions.
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
    columns = [(state, label) for state, label in STATE_LABELS.items()]
    by_position = Table(
        "time_in_state_by_position",
        _("Average days in each state by position"),
        [("position", _("Position")), ("department", _("Department")), *columns],
        description=_("Average days a loop spent in each state before it moved on."),
    )
    per_position: dict[int, dict] = {}
    per_department: dict[str, dict] = {}
    overall: dict[str, list[float]] = {state: [0, 0.0] for state in STATE_LABELS}
    for pos, state, count, total in rows:
        position = positions.get(pos)
        if position is None or state not in STATE_LABELS:
            continue
        hours = _hours(total) or 0.0
        per_position.setdefault(pos, {})[state] = (count, hours)
        dept = per_department.setdefault(position.department.name, {})
        c, h = dept.get(state, (0, 0.0))
        dept[state] = (c + count, h + hours)
        overall[state][0] += count
        overall[state][1] += hours

    def averages(sums: dict) -> dict:
        return {
            state: _round(sums[state][1] / 24 / sums[state][0], 2) if state in sums else None for state in STATE_LABELS
        }

    for pos in sorted(per_position, key=lambda p: (positions[p].title, p)):
        position = positions[pos]
        by_position.rows.append(
            {"position": position.title, "department": position.department.name, **averages(per_position[pos])}
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
        count, hours = overall[state]
        if count:
            overall_table.rows.append({"state": str(label), "stays": count, "avg_days": _round(hours / 24 / count, 2)})
    return overall_table, by_position, by_department


def pass_through(loops: QuerySet[Loop], filters: Filters) -> Table:
    """Of the loops that held a round of each kind, the share that went on past it and the share hired.

    A loop went on past a round when a later round of it was held too, or the loop reached
    the decision stage without a veto (awaiting a decision, hired, or rejected by decision).
    """
    later_held = Round.objects.filter(loop_id=OuterRef("loop_id"), order__gt=OuterRef("order"), status__in=HELD)
    reached_decision = Q(loop__status__in=[LoopStatus.AWAITING_DECISION, LoopStatus.HIRED]) | Q(
        loop__status=LoopStatus.REJECTED, loop__veto_scorecard__isnull=True, loop__decision__isnull=False
    )
    rows = (
        in_period(Round.objects.filter(loop__in=loops.values("pk"), status__in=HELD), filters)
        .values("kind")
        .annotate(
            held=Count("loop_id", distinct=True),
            went_on=Count("loop_id", distinct=True, filter=Q(Exists(later_held)) | reached_decision),
            hired=Count("loop_id", distinct=True, filter=Q(loop__status=LoopStatus.HIRED)),
        )
        .order_by("kind")
    )
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
    by_kind = {row["kind"]: row for row in rows}
    for kind, label in KIND_LABELS.items():
        row = by_kind.get(kind)
        if row is None:
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


def veto_rates(loops: QuerySet[Loop], filters: Filters) -> tuple[Table, Table, Table]:
    """Vetoes by round kind and by interviewer role (submitted scorecards), and by department (loops)."""
    scorecards = in_period(
        Scorecard.objects.filter(round__loop__in=loops.values("pk"), is_current=True), filters, "", "round__"
    ).order_by()
    by_kind_rows = {
        row["round__kind"]: row
        for row in scorecards.values("round__kind").annotate(n=Count("pk"), vetoes=Count("pk", filter=Q(veto=True)))
    }
    by_kind = Table(
        "veto_by_kind",
        _("Veto rate by round kind"),
        _veto_columns(("kind", _("Round kind")), _("Scorecards")),
        description=_("Share of submitted scorecards that vetoed the candidate."),
    )
    for kind, label in KIND_LABELS.items():
        row = by_kind_rows.get(kind)
        if row:
            by_kind.rows.append(
                {
                    "kind": str(label),
                    "count": row["n"],
                    "vetoes": row["vetoes"],
                    "veto_pct": _share(row["vetoes"], row["n"]),
                }
            )
    by_role_rows = {
        row["round__interviewer__is_bar_raiser"]: row
        for row in scorecards.values("round__interviewer__is_bar_raiser").annotate(
            n=Count("pk"), vetoes=Count("pk", filter=Q(veto=True))
        )
    }
    by_role = Table(
        "veto_by_role",
        _("Veto rate of bar raisers and other interviewers"),
        _veto_columns(("role", _("Interviewers")), _("Scorecards")),
        description=_("Share of submitted scorecards that vetoed the candidate, by the interviewer's training."),
    )
    for flag, label in ((True, _("Trained bar raisers")), (False, _("Other interviewers"))):
        row = by_role_rows.get(flag)
        if row:
            by_role.rows.append(
                {
                    "role": str(label),
                    "count": row["n"],
                    "vetoes": row["vetoes"],
                    "veto_pct": _share(row["vetoes"], row["n"]),
                }
            )
    dept_rows = (
        loops.filter(closed_at__isnull=False)
        .values("position__department__name")
        .annotate(n=Count("pk"), vetoes=Count("pk", filter=Q(veto_scorecard__isnull=False)))
        .order_by("position__department__name")
    )
    by_department = Table(
        "veto_by_department",
        _("Veto rate by hiring department"),
        _veto_columns(("department", _("Department")), _("Closed loops")),
        description=_("Share of closed loops that ended in a veto."),
    )
    for row in dept_rows:
        by_department.rows.append(
            {
                "department": row["position__department__name"],
                "count": row["n"],
                "vetoes": row["vetoes"],
                "veto_pct": _share(row["vetoes"], row["n"]),
            }
        )
    return by_kind, by_role, by_department


def _name(first: str, last: str, username: str) -> str:
    return f"{first} {last}".strip() or username


def feedback_latency(loops: QuerySet[Loop], filters: Filters, *, now: dt.datetime) -> Table:
    """Interview end → first submission of the scorecard, per interviewer, against the target;
    late = submitted after the target, owed = feedback not in and past the target now."""
    target = dt.timedelta(hours=feedback_target_hours())
    ended = F("round__starts_at") + ExpressionWrapper(
        F("round__duration_minutes") * dt.timedelta(minutes=1), output_field=DurationField()
    )
    latency = ExpressionWrapper(F("submitted_at") - ended, output_field=DurationField())
    submitted = (
        in_period(
            Scorecard.objects.filter(
                round__loop__in=loops.values("pk"),
                revision=1,
                submitted_at__isnull=False,
                round__interviewer__isnull=False,
            ),
            filters,
            "",
            "round__",
        )
        .annotate(latency=latency)
        .values(
            "round__interviewer_id",
            "round__interviewer__user__first_name",
            "round__interviewer__user__last_name",
            "round__interviewer__user__username",
        )
        .annotate(
            n=Count("pk"), avg=Avg("latency"), longest=Max("latency"), late=Count("pk", filter=Q(latency__gt=target))
        )
        .order_by()
    )
    round_end = F("starts_at") + ExpressionWrapper(
        F("duration_minutes") * dt.timedelta(minutes=1), output_field=DurationField()
    )
    owed = {
        row["interviewer_id"]: row
        for row in in_period(
            Round.objects.filter(
                loop__in=loops.filter(status__in=OPEN_LOOP_STATUSES).values("pk"),
                status__in=[RoundStatus.SCHEDULED, RoundStatus.HELD],
            ),
            filters,
        )
        .alias(ends=round_end)
        .filter(ends__lt=now - target)
        .values(
            "interviewer_id",
            "interviewer__user__first_name",
            "interviewer__user__last_name",
            "interviewer__user__username",
        )
        .annotate(owed=Count("pk"))
        .order_by()
    }
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
    seen = set()
    for row in submitted:
        pk = row["round__interviewer_id"]
        seen.add(pk)
        table.rows.append(
            {
                "interviewer_id": pk,
                "interviewer": _name(
                    row["round__interviewer__user__first_name"],
                    row["round__interviewer__user__last_name"],
                    row["round__interviewer__user__username"],
                ),
                "scorecards": row["n"],
                "avg_hours": _round(_hours(row["avg"]), 1),
                "max_hours": _round(_hours(row["longest"]), 1),
                "late": row["late"],
                "late_pct": _share(row["late"], row["n"]),
                "overdue_now": owed[pk]["owed"] if pk in owed else 0,
            }
        )
    for pk, row in owed.items():
        if pk in seen:
            continue
        # Owes feedback but has submitted none in the period.
        table.rows.append(
            {
                "interviewer_id": pk,
                "interviewer": _name(
                    row["interviewer__user__first_name"],
                    row["interviewer__user__last_name"],
                    row["interviewer__user__username"],
                ),
                "scorecards": 0,
                "avg_hours": None,
                "max_hours": None,
                "late": 0,
                "late_pct": None,
                "overdue_now": row["owed"],
            }
        )
    table.rows.sort(key=lambda r: (-(r["avg_hours"] or 0), r["interviewer"]))
    return table


def calibration(loops: QuerySet[Loop], filters: Filters) -> Table:
    """Per interviewer, on decided loops: how often the recommendation matched the outcome,
    their ratings against the rest of the same panels, and who leans lenient or harsh.

    lean = own mean rating − the mean rating the other panelists gave in the same loops;
    z = (lean − mean of everyone's lean) / their standard deviation (population), for the
    interviewers with HIRING_CALIBRATION_MIN_SCORECARDS (default 5) or more.
    """
    decided, params = loops.filter(status__in=DECIDED).values("pk").query.sql_with_params()
    positive = ", ".join(["%s"] * len(POSITIVE))
    negative = ", ".join(["%s"] * len(NEGATIVE))
    # On PostgreSQL the rounds and scorecards are also bounded by their copy of the loop's
    # created_at (see in_period): read from their insights indexes, not scanned.
    bounded, bounds = "", []
    if connection.vendor == "postgresql":
        bounded = (
            "AND r.loop_created_at >= %s AND r.loop_created_at < %s "
            "AND s.loop_created_at >= %s AND s.loop_created_at < %s"
        )
        bounds = [filters.start, filters.end, filters.start, filters.end]
    # One pass over the period's decided loops: each current scorecard with its ratings
    # summed (cards), each loop's totals (panels), then per interviewer their own totals
    # and those of the rest of their panels (the loop's minus their own).
    sql = f"""
        WITH cards AS (
            SELECT s.id, r.interviewer_id, r.loop_id, s.veto,
                   ((s.recommendation IN ({positive}) AND l.status = %s)
                    OR (s.recommendation IN ({negative}) AND l.status = %s)) AS matched,
                   COALESCE(SUM(g.score), 0) AS own_sum, COUNT(g.id) AS own_n,
                   COUNT(g.id) FILTER (WHERE g.score = 1) AS r1, COUNT(g.id) FILTER (WHERE g.score = 2) AS r2,
                   COUNT(g.id) FILTER (WHERE g.score = 3) AS r3, COUNT(g.id) FILTER (WHERE g.score = 4) AS r4
            FROM hiring_scorecard s
            JOIN hiring_round r ON r.id = s.round_id
            JOIN hiring_loop l ON l.id = r.loop_id
            LEFT JOIN hiring_rating g ON g.scorecard_id = s.id
            WHERE s.is_current AND r.interviewer_id IS NOT NULL AND r.loop_id IN ({decided}) {bounded}
            GROUP BY s.id, r.interviewer_id, r.loop_id, s.veto, s.recommendation, l.status
        ), panels AS (
            SELECT loop_id, SUM(own_sum) AS loop_sum, SUM(own_n) AS loop_n FROM cards GROUP BY loop_id
        )
        SELECT c.interviewer_id, u.first_name, u.last_name, u.username,
               COUNT(*), SUM(CASE WHEN c.matched THEN 1 ELSE 0 END),
               SUM(c.own_sum), SUM(c.own_n), SUM(p.loop_sum - c.own_sum), SUM(p.loop_n - c.own_n),
               SUM(c.r1), SUM(c.r2), SUM(c.r3), SUM(c.r4)
        FROM cards c
        JOIN panels p ON p.loop_id = c.loop_id
        JOIN hiring_interviewer i ON i.id = c.interviewer_id
        JOIN auth_user u ON u.id = i.user_id
        GROUP BY c.interviewer_id, u.first_name, u.last_name, u.username
    """  # noqa: S608 (placeholders only; the loop filter is Django's own SQL)
    with connection.cursor() as cursor:
        cursor.execute(
            sql,
            [*POSITIVE, LoopStatus.HIRED.value, *NEGATIVE, LoopStatus.REJECTED.value, *params, *bounds],
        )
        keys = ["interviewer_id", "first", "last", "username", "n", "matches", "own_sum", "own_count",
                "panel_sum", "panel_count", "r1", "r2", "r3", "r4"]  # fmt: skip
        rows = [dict(zip(keys, row, strict=True)) for row in cursor.fetchall()]
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
    for row in rows:
        # SUM gives a decimal on PostgreSQL: the means are floats like every other figure.
        mean = float(row["own_sum"]) / float(row["own_count"]) if row["own_count"] else None
        panel_mean = float(row["panel_sum"]) / float(row["panel_count"]) if row["panel_count"] else None
        lean = mean - panel_mean if mean is not None and panel_mean is not None else None
        table.rows.append(
            {
                "interviewer_id": row["interviewer_id"],
                "interviewer": _name(row["first"], row["last"], row["username"]),
                "scorecards": row["n"],
                "matches": int(row["matches"] or 0),
                "match_pct": _share(row["matches"], row["n"]),
                **{f"rated_{s}": int(row[f"r{s}"] or 0) for s in range(1, 5)},
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
    tables: list[Table] = []
    tables.extend(time_to_decision(loops, by_pk))
    tables.extend(time_in_state(loops, by_pk))
    tables.append(pass_through(loops, filters))
    tables.extend(veto_rates(loops, filters))
    tables.append(feedback_latency(loops, filters, now=now))
    shown = may_view_calibration(user)
    if shown:
        tables.append(calibration(loops, filters))
    return Insights(
        filters=filters,
        positions=positions,
        departments=departments,
        tables={t.key: t for t in tables},
        calibration_shown=shown,
    )
