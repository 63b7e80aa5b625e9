"""Every rule a proposal must satisfy, checked directly (no solver): the tests' oracle and the
solver's last line of defence (a proposal that fails here is never returned)."""

from __future__ import annotations

import datetime as dt
import itertools
import math
from collections import Counter
from zoneinfo import ZoneInfo

from .problem import BAR_RAISER_KIND, OpenRound, Person, Problem, Proposal


def is_bar_raiser_round(round_: OpenRound) -> bool:
    return round_.is_bar_raiser_round or round_.kind == BAR_RAISER_KIND


def eligible(problem: Problem, round_: OpenRound, person: Person) -> bool:
    """Qualified for the round's kind; for the bar-raiser round, trained and from another department."""
    if is_bar_raiser_round(round_):
        return person.is_bar_raiser and person.department_id != problem.hiring_department_id
    return round_.kind in person.kinds


def _inside(start: dt.datetime, end: dt.datetime, intervals) -> bool:
    return any(a <= start and end <= b for a, b in intervals)


def violations(problem: Problem, proposal: Proposal) -> list[str]:
    """The rules this proposal breaks, as short technical strings (empty when it is valid)."""
    out: list[str] = []
    people = {p.id: p for p in problem.people}
    rounds = {r.id: r for r in problem.rounds}
    gap = dt.timedelta(minutes=problem.candidate_min_gap_minutes)
    seen = Counter(a.round_id for a in proposal.assignments)
    if set(seen) != set(rounds) or any(n != 1 for n in seen.values()):
        out.append("not every open round is assigned exactly once")
    booked_ids = {b.interviewer_id for b in problem.booked}
    used = Counter(a.interviewer_id for a in proposal.assignments)
    for pid, n in used.items():
        if n > 1 or pid in booked_ids:
            out.append(f"interviewer {pid} sits twice")
    for a in proposal.assignments:
        r, p = rounds.get(a.round_id), people.get(a.interviewer_id)
        if r is None or p is None:
            out.append(f"unknown round or person in {a}")
            continue
        if a.ends_at - a.starts_at != dt.timedelta(minutes=r.duration_minutes):
            out.append(f"round {r.id} has the wrong length")
        if not eligible(problem, r, p):
            out.append(f"{p.id} is not eligible for round {r.id}")
        if not _inside(a.starts_at, a.ends_at, p.free):
            out.append(f"round {r.id} is outside {p.id}'s free time")
        if not _inside(a.starts_at, a.ends_at, problem.candidate_free):
            out.append(f"round {r.id} is outside the candidate's availability")
        if a.starts_at < problem.window_start or a.ends_at > problem.window_end:
            out.append(f"round {r.id} is outside the window")
    # Load limits, in each interviewer's own days and ISO weeks (one new seat each).
    for a in proposal.assignments:
        p = people.get(a.interviewer_id)
        if p is None:
            continue
        local = a.starts_at.astimezone(ZoneInfo(p.time_zone))
        day, week = local.date(), local.isocalendar()[:2]
        if p.max_per_day is not None and p.booked_per_day.get(day, 0) + 1 > p.max_per_day:
            out.append(f"{p.id} over their daily limit on {day}")
        if p.max_per_week is not None and p.booked_per_week.get(tuple(week), 0) + 1 > p.max_per_week:
            out.append(f"{p.id} over their weekly limit in week {week}")
    # The candidate: never two at once, the gap, rounds per local day, order.
    times = [(a.starts_at, a.ends_at, rounds[a.round_id].order) for a in proposal.assignments if a.round_id in rounds]
    times += [(b.starts_at, b.ends_at, b.order) for b in problem.booked]
    times.sort()
    for (s1, e1, _o1), (s2, _e2, _o2) in itertools.pairwise(times):
        if s2 < e1 + gap:
            out.append(f"candidate rounds at {s1} and {s2} overlap or leave less than the gap")
    czone = ZoneInfo(problem.candidate_time_zone)
    per_day = Counter(s.astimezone(czone).date() for s, _e, _o in times)
    for day, n in per_day.items():
        if n > problem.candidate_max_rounds_per_day:
            out.append(f"candidate has {n} rounds on {day}")
    if problem.ordered:
        by_order = sorted(times, key=lambda t: t[2])
        for (s1, _e1, o1), (s2, _e2, o2) in itertools.pairwise(by_order):
            if o1 < o2 and s2 < s1:
                out.append(f"round order {o1} starts after {o2}")
    # Variety (rule 2) over the whole panel, booked seats included.
    departments = {b.department_id for b in problem.booked}
    levels = {b.level_rank for b in problem.booked}
    for a in proposal.assignments:
        p = people.get(a.interviewer_id)
        if p is not None:
            departments.add(p.department_id)
            levels.add(p.level_rank)
    if len(departments) < problem.min_departments:
        out.append(f"panel spans {len(departments)} departments")
    if len(levels) < problem.min_levels:
        out.append(f"panel spans {len(levels)} levels")
    if proposal.assignments:
        finish = max(a.ends_at for a in proposal.assignments)
        if proposal.finishes_at != finish:
            out.append("finishes_at is not the end of the last round")
    return out


def meaningfully_different(problem: Problem, a: Proposal, b: Proposal) -> bool:
    """At least half the rounds change interviewer, or at least half move to another candidate day."""
    need = math.ceil(len(problem.rounds) / 2)
    czone = ZoneInfo(problem.candidate_time_zone)
    pa = {x.round_id: x for x in a.assignments}
    pb = {x.round_id: x for x in b.assignments}
    changed_people = sum(1 for r in pa if pa[r].interviewer_id != pb[r].interviewer_id)
    changed_days = sum(
        1 for r in pa if pa[r].starts_at.astimezone(czone).date() != pb[r].starts_at.astimezone(czone).date()
    )
    return changed_people >= need or changed_days >= need
