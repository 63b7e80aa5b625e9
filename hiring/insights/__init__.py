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

The package: scope (who, which loops, labels, settings), parts (the raw rows' SQL), tables
(what people read) and period (rollups and raw rows put together; compute).
"""

from hiring.insights.parts import STATE_EVENTS, Partials, in_period, in_ranges, raw_partials
from hiring.insights.period import (
    MAX_RAW_BUCKETS,
    Insights,
    compute,
    period_partials,
    rollup_partials,
    rollups_enabled,
    utc_day_start,
)
from hiring.insights.scope import (
    DEFAULT_PERIOD_DAYS,
    KIND_LABELS,
    MAX_PERIOD_DAYS,
    STATE_LABELS,
    Filters,
    departments_for,
    feedback_target,
    feedback_target_hours,
    loops_for,
    make_filters,
    may_view_calibration,
    may_view_insights,
    positions_for,
)
from hiring.insights.tables import Table

__all__ = [
    "DEFAULT_PERIOD_DAYS",
    "KIND_LABELS",
    "MAX_PERIOD_DAYS",
    "MAX_RAW_BUCKETS",
    "STATE_EVENTS",
    "STATE_LABELS",
    "Filters",
    "Insights",
    "Partials",
    "Table",
    "compute",
    "departments_for",
    "feedback_target",
    "feedback_target_hours",
    "in_period",
    "in_ranges",
    "loops_for",
    "make_filters",
    "may_view_calibration",
    "may_view_insights",
    "period_partials",
    "positions_for",
    "raw_partials",
    "rollup_partials",
    "rollups_enabled",
    "utc_day_start",
]
