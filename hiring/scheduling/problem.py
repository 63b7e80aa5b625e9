"""The scheduling problem as plain data: what the solver reads and what it returns.

No Django here (no models, no queries): builder.py turns the database into a Problem,
solver.py and greedy.py turn a Problem into a Result. That keeps the solver testable
with hypothesis over thousands of made-up companies without touching PostgreSQL.

Every instant is an aware datetime in UTC. Local days (for load limits and the
candidate's rounds-per-day) are computed with each person's own `time_zone`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

Interval = tuple[dt.datetime, dt.datetime]
IsoWeek = tuple[int, int]  # (ISO year, ISO week number), in the person's own zone

BAR_RAISER_KIND = "bar_raiser"


@dataclass(frozen=True)
class Person:
    """An interviewer who could take a seat.

    `kinds` are the round kinds the person is qualified for (their pools); a bar-raiser
    round further needs `is_bar_raiser` and a department other than the hiring one.
    `free` are the UTC intervals when they can interview (weekly hours minus time off
    minus busy blocks minus rounds already booked anywhere), sorted and disjoint. They may
    run past the window: the solver keeps to the window, and an explanation names the
    nearest free time beyond it ("the nearest is Grace on 2 Dec"). The edges of these
    intervals are the edges of their day, which the ranking keeps away from.
    `booked_per_day` / `booked_per_week` count the interviews they already have, keyed
    by their own local date / ISO week; None limits mean no limit.
    """

    id: int
    name: str
    department_id: int
    department_name: str
    level_rank: int
    level_name: str
    time_zone: str
    is_bar_raiser: bool
    kinds: frozenset[str]
    free: tuple[Interval, ...]
    max_per_day: int | None = None
    max_per_week: int | None = None
    booked_per_day: Mapping[dt.date, int] = field(default_factory=dict, compare=False, hash=False)
    booked_per_week: Mapping[IsoWeek, int] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class OpenRound:
    """A round of the loop still to be given an interviewer and a start."""

    id: int
    order: int
    kind: str
    title: str
    duration_minutes: int
    is_bar_raiser_round: bool = False


@dataclass(frozen=True)
class BookedSeat:
    """A round of the same loop already booked: its interviewer counts for variety and can't sit again."""

    interviewer_id: int
    department_id: int
    level_rank: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    order: int = 0
    is_bar_raiser_round: bool = False
    is_bar_raiser: bool = False


@dataclass(frozen=True)
class Problem:
    loop_id: int
    hiring_department_id: int
    rounds: tuple[OpenRound, ...]
    booked: tuple[BookedSeat, ...]
    people: tuple[Person, ...]
    # When the candidate can interview (UTC, sorted, disjoint; may run past the window, as
    # people's free time may) and their zone.
    candidate_free: tuple[Interval, ...]
    candidate_time_zone: str
    window_start: dt.datetime
    window_end: dt.datetime
    ordered: bool = True
    min_departments: int = 2
    min_levels: int = 2
    candidate_min_gap_minutes: int = 15
    candidate_max_rounds_per_day: int = 3
    granularity_minutes: int = 15
    hiring_department_name: str = ""


@dataclass(frozen=True)
class Assignment:
    round_id: int
    interviewer_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime


@dataclass(frozen=True)
class Proposal:
    """One complete panel: every open round with an interviewer and a start.

    `score` is lower-is-better (finish time first, then even load, then distance from
    the edges of people's days); `why` says in a sentence why each person fits.
    """

    assignments: tuple[Assignment, ...]
    finishes_at: dt.datetime
    score: float
    why: Mapping[int, str] = field(default_factory=dict, compare=False, hash=False)


@dataclass(frozen=True)
class Result:
    """Up to K proposals, best first. With none, `explanations` says why in a recruiter's words."""

    proposals: tuple[Proposal, ...]
    explanations: tuple[str, ...] = ()
    # True when the solver stopped at its time limit (the proposals may not be the best).
    timed_out: bool = False

    @property
    def ok(self) -> bool:
        return bool(self.proposals)
