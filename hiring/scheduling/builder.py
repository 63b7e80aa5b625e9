"""From the database to a scheduling Problem (a constant number of queries)."""

from __future__ import annotations

import datetime as dt

from .problem import Interval, Problem


def build_problem(
    *,
    loop,
    window_start: dt.datetime,
    window_end: dt.datetime,
    candidate_free: tuple[Interval, ...] | list[Interval] | None = None,
    candidate_time_zone: str | None = None,
) -> Problem:
    """The open rounds of `loop`, who could take them and when, inside [window_start, window_end).

    `candidate_free` is the candidate's own availability (UTC intervals, e.g. from the
    availability link); None means their waking hours (HIRING_CANDIDATE_HOURS) every day
    in `candidate_time_zone` (default: the candidate's zone).
    """
    raise NotImplementedError
