"""From the database to a scheduling Problem, in a constant number of queries.

Reads only: the loop and its rounds, who is qualified (availability.qualified_ids), when
they are free and how loaded (availability.free_intervals / load_counts), and the
candidate's other booked rounds. People's free time is read past the window
(EXPLAIN_HORIZON) so an explanation can name the nearest free time beyond it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings

from hiring.models import BOOKED_ROUND_STATUSES, Interviewer, Loop, Round, RoundKind, RoundStatus

from .availability import free_intervals, load_counts, qualified_ids
from .intervals import clip, daily_windows, normalise, subtract
from .problem import BAR_RAISER_KIND, BookedSeat, Interval, OpenRound, Person, Problem

EXPLAIN_HORIZON = dt.timedelta(days=7)


def candidate_waking_hours(zone: str, start: dt.datetime, end: dt.datetime) -> list[Interval]:
    """HIRING_CANDIDATE_HOURS every day in the candidate's zone, as UTC intervals."""
    first, last = settings.HIRING_CANDIDATE_HOURS
    return daily_windows(
        zone, start, end, from_minute=first.hour * 60 + first.minute, to_minute=last.hour * 60 + last.minute
    )


def build_problem(
    *,
    loop: Loop,
    window_start: dt.datetime,
    window_end: dt.datetime,
    candidate_free: Iterable[Interval] | None = None,
    candidate_time_zone: str | None = None,
    ordered: bool = True,
) -> Problem:
    """The open (planned) rounds of `loop`, who could take them and when, inside [window_start, window_end).

    `candidate_free` is the candidate's own availability (UTC intervals, e.g. from the
    availability link); None means their waking hours (HIRING_CANDIDATE_HOURS) every day
    in `candidate_time_zone` (default: the candidate's zone). The candidate's rounds in
    other loops, with the minimum gap around them, are taken out either way.
    Queries: 1 loop, 1 rounds, 3 pools, 1 people, 5 free time, 2 load, 1 candidate's other rounds.
    """
    if window_start.tzinfo is None or window_end.tzinfo is None:
        raise ValueError("window_start and window_end must be aware datetimes.")
    loop = Loop.objects.select_related("position__department", "candidate").get(pk=loop.pk)
    rounds = list(
        Round.objects.filter(loop=loop)
        .exclude(status__in=[RoundStatus.CANCELLED, RoundStatus.NO_SHOW])
        .select_related("interviewer__department", "interviewer__level")
        .order_by("order", "pk")
    )
    open_rounds = [r for r in rounds if r.status == RoundStatus.PLANNED]
    booked_rounds = [r for r in rounds if r.status in BOOKED_ROUND_STATUSES and r.interviewer_id and r.starts_at]
    booked = tuple(
        BookedSeat(
            interviewer_id=r.interviewer_id,
            department_id=r.interviewer.department_id,
            level_rank=r.interviewer.level.rank,
            starts_at=r.starts_at,
            ends_at=r.starts_at + dt.timedelta(minutes=r.duration_minutes),
            order=r.order,
            is_bar_raiser_round=r.kind == RoundKind.BAR_RAISER,
            is_bar_raiser=r.interviewer.is_bar_raiser,
        )
        for r in booked_rounds
    )
    kinds = {r.kind for r in open_rounds}
    qualified = qualified_ids(kinds) if kinds else {}
    booked_ids = {b.interviewer_id for b in booked}
    ids = set().union(*qualified.values()) - booked_ids if qualified else set()
    horizon_end = window_end + EXPLAIN_HORIZON
    interviewers = list(
        Interviewer.objects.filter(pk__in=ids).select_related("user", "department", "level").order_by("pk")
    )
    free = free_intervals(interviewer_ids=ids, start=window_start, end=horizon_end) if ids else {}
    loads = load_counts(interviewer_ids=ids, start=window_start, end=horizon_end) if ids else {}
    people = []
    for interviewer in interviewers:
        load = loads.get(interviewer.pk)
        people.append(
            Person(
                id=interviewer.pk,
                name=interviewer.name,
                department_id=interviewer.department_id,
                department_name=interviewer.department.name,
                level_rank=interviewer.level.rank,
                level_name=interviewer.level.name,
                time_zone=interviewer.time_zone,
                is_bar_raiser=interviewer.is_bar_raiser,
                kinds=frozenset(
                    k for k, members in qualified.items() if k != BAR_RAISER_KIND and interviewer.pk in members
                ),
                free=tuple(free.get(interviewer.pk, ())),
                max_per_day=load.day_limit if load else None,
                max_per_week=load.week_limit if load else None,
                booked_per_day=dict(load.per_day) if load else {},
                booked_per_week=dict(load.per_week) if load else {},
            )
        )
    zone = candidate_time_zone or loop.candidate.time_zone
    # Past the window too (the solver keeps to the window): "widen the window to ..." needs it.
    if candidate_free is None:
        candidate = candidate_waking_hours(zone, window_start, horizon_end)
    else:
        candidate = clip(normalise(candidate_free), window_start, horizon_end)
    gap = dt.timedelta(minutes=settings.HIRING_CANDIDATE_MIN_GAP_MINUTES)
    elsewhere = (
        Round.objects.filter(
            loop__candidate_id=loop.candidate_id,
            status__in=BOOKED_ROUND_STATUSES,
            starts_at__lt=horizon_end + gap,
            starts_at__gt=window_start - dt.timedelta(hours=9),
        )
        .exclude(loop=loop)
        .values_list("starts_at", "duration_minutes")
    )
    candidate = subtract(candidate, [(s - gap, s + dt.timedelta(minutes=m) + gap) for s, m in elsewhere])
    return Problem(
        loop_id=loop.pk,
        hiring_department_id=loop.position.department_id,
        hiring_department_name=loop.position.department.name,
        rounds=tuple(
            OpenRound(
                id=r.pk,
                order=r.order,
                kind=r.kind,
                title=r.title or r.get_kind_display(),
                duration_minutes=r.duration_minutes,
                is_bar_raiser_round=r.kind == RoundKind.BAR_RAISER,
            )
            for r in open_rounds
        ),
        booked=booked,
        people=tuple(people),
        candidate_free=tuple(candidate),
        candidate_time_zone=zone,
        window_start=window_start,
        window_end=window_end,
        ordered=ordered,
        min_departments=settings.HIRING_PANEL_MIN_DEPARTMENTS,
        min_levels=settings.HIRING_PANEL_MIN_LEVELS,
        candidate_min_gap_minutes=settings.HIRING_CANDIDATE_MIN_GAP_MINUTES,
        candidate_max_rounds_per_day=settings.HIRING_CANDIDATE_MAX_ROUNDS_PER_DAY,
    )
