"""The loop scheduler: OR-Tools CP-SAT over precomputed choices.

The model stays small because most of the work is done before the solver sees it:

- time is a grid of `granularity_minutes` slots; each open round has one integer start
  variable `t[r]` whose domain is the union of the slots where someone qualified and the
  candidate are both free for the whole round;
- each (round, person) pair gets one boolean; "this person takes this round" forces the
  start into that person's own slots (a domain constraint, not a boolean per slot);
- a person sits at most once in a loop, so their load limits reduce to dropping the days
  and weeks where they are already full, before the solver starts;
- pairs are pruned to the best few dozen per round (earliest, least loaded), keeping the
  best of every department and level so the variety rules are not pruned away.

Ranking (lower is better): the candidate day the loop finishes on first; within it the
slot it finishes in, the load the chosen people already carry, and rounds that sit within
an hour of the edge of someone's free time, weighed together.
Each next proposal must change at least half the interviewers or move at least half the
rounds to another candidate day.
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import time
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from ortools.sat.python import cp_model

from hiring.times import format_local

from .check import eligible, is_bar_raiser_round, violations
from .intervals import clip, intersect, normalise, subtract
from .problem import Assignment, Interval, OpenRound, Person, Problem, Proposal, Result

EPOCH = dt.datetime(2000, 1, 3, tzinfo=dt.UTC)  # a Monday, on every grid
EDGE_MARGIN = dt.timedelta(minutes=60)
MAX_PEOPLE_PER_ROUND = 40
PER_GROUP_KEEP = 3
WEIGHT_DAY = 1000  # per candidate day the loop runs on: more than every other term together
WEIGHT_FINISH = 1  # per slot (15 minutes)
WEIGHT_LOAD = 2  # per interview the person already has in the window's weeks
WEIGHT_EDGE = 4  # per round within an hour of the edge of someone's free time
WORKERS = 2

SlotRange = tuple[int, int]  # inclusive


@dataclass
class _Prepared:
    problem: Problem
    origin: dt.datetime
    g: int
    rounds: list[OpenRound]
    # round id -> person id -> allowed start slots (inclusive ranges)
    allowed: dict[int, dict[int, list[SlotRange]]]
    core: dict[int, dict[int, list[SlotRange]]]
    load: dict[int, int]
    # candidate local days: (first slot, last slot, rounds still allowed that day)
    days: list[tuple[int, int, int]]
    booked_departments: set[int] = field(default_factory=set)
    booked_levels: set[int] = field(default_factory=set)

    def at(self, slot: int) -> dt.datetime:
        return self.origin + dt.timedelta(minutes=slot * self.g)


def _floor_slot(origin: dt.datetime, g: int, t: dt.datetime) -> int:
    return math.floor((t - origin).total_seconds() / 60 / g)


def _ceil_slot(origin: dt.datetime, g: int, t: dt.datetime) -> int:
    return math.ceil((t - origin).total_seconds() / 60 / g)


def _minutes_in(origin: dt.datetime, intervals: Iterable[Interval]) -> list[tuple[int, int]]:
    """UTC intervals as whole minutes from `origin`, shrunk inwards to the minute."""
    out = []
    for start, end in intervals:
        lo = math.ceil((start - origin).total_seconds() / 60)
        hi = math.floor((end - origin).total_seconds() / 60)
        if lo < hi:
            out.append((lo, hi))
    return out


def _start_ranges(g: int, intervals: Iterable[tuple[int, int]], minutes: int) -> list[SlotRange]:
    """Slots s where [s, s + minutes) fits wholly inside one of `intervals` (in minutes)."""
    out: list[SlotRange] = []
    for start, end in intervals:
        lo, hi = -(-start // g), (end - minutes) // g
        if lo <= hi:
            out.append((lo, hi))
    return out


def _intersect_ranges(a: Sequence[SlotRange], b: Sequence[SlotRange]) -> list[SlotRange]:
    out: list[SlotRange] = []
    i = j = 0
    while i < len(a) and j < len(b):
        lo, hi = max(a[i][0], b[j][0]), min(a[i][1], b[j][1])
        if lo <= hi:
            out.append((lo, hi))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def _merge_ranges(ranges: Iterable[SlotRange]) -> list[SlotRange]:
    out: list[SlotRange] = []
    for lo, hi in sorted(ranges):
        if out and lo <= out[-1][1] + 1:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


@lru_cache(maxsize=1024)
def _zone(name: str) -> ZoneInfo:
    # ZoneInfo keeps only a few zones strongly cached; a company spans dozens.
    return ZoneInfo(name)


def _midnight(day: dt.date, zone: str) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), _zone(zone)).astimezone(dt.UTC)


def _local_day_starts(zone: str, start: dt.datetime, end: dt.datetime) -> list[tuple[dt.date, dt.datetime]]:
    """Each local date touching [start, end) with the UTC instant its midnight falls on."""
    day = start.astimezone(_zone(zone)).date()
    out = []
    while True:
        midnight = _midnight(day, zone)
        if midnight >= end:
            break
        out.append((day, midnight))
        day += dt.timedelta(days=1)
    return out


def _full_days(person: Person) -> list[Interval]:
    """The UTC spans of the person's local days (and ISO weeks) on which they are already at their limit."""
    out: list[Interval] = []
    one = dt.timedelta(days=1)
    if person.max_per_day is not None:
        for day, count in person.booked_per_day.items():
            if count >= person.max_per_day:
                out.append((_midnight(day, person.time_zone), _midnight(day + one, person.time_zone)))
    if person.max_per_week is not None:
        for (year, week), count in person.booked_per_week.items():
            if count >= person.max_per_week:
                monday = dt.date.fromisocalendar(year, week, 1)
                out.append((_midnight(monday, person.time_zone), _midnight(monday + 7 * one, person.time_zone)))
    return out


def _prepare(problem: Problem, relax: frozenset[str] = frozenset(), *, prune: bool = True) -> _Prepared:
    g = problem.granularity_minutes
    window_end = problem.window_end
    if "window" in relax:
        window_end = max([window_end] + [p.free[-1][1] for p in problem.people if p.free])
    origin = EPOCH + dt.timedelta(minutes=g * _floor_slot(EPOCH, g, problem.window_start))
    gap = dt.timedelta(minutes=0 if "gap" in relax else problem.candidate_min_gap_minutes)
    candidate = [(problem.window_start, window_end)] if "candidate" in relax else list(problem.candidate_free)
    candidate = clip(normalise(candidate), problem.window_start, window_end)
    # The candidate's rounds of this loop already booked, with the gap on either side.
    candidate = subtract(candidate, [(b.starts_at - gap, b.ends_at + gap) for b in problem.booked])
    rounds = sorted(problem.rounds, key=lambda r: (r.order, r.id))
    booked_ids = {b.interviewer_id for b in problem.booked}
    allowed: dict[int, dict[int, list[SlotRange]]] = {}
    core: dict[int, dict[int, list[SlotRange]]] = {}
    load: dict[int, int] = {}
    for person in problem.people:
        load[person.id] = min(10, sum(person.booked_per_week.values()))
    # Per person work shared by every round (in whole minutes from the origin, which is
    # faster than datetimes): free time with the candidate, days already full.
    candidate_m = _minutes_in(origin, candidate)
    shared: dict[int, tuple[list[tuple[int, int]], list[tuple[int, int]]]] = {}
    for person in problem.people:
        if person.id in booked_ids:
            continue
        free = clip(list(person.free), problem.window_start, window_end)
        if "load" not in relax:
            free = subtract(free, _full_days(person))
        free_m = _minutes_in(origin, free)
        shared[person.id] = (intersect(free_m, candidate_m), free_m)
    margin = int(EDGE_MARGIN.total_seconds() // 60)
    # The starts at least EDGE_MARGIN inside a person's free time, per (person, duration).
    inner_cache: dict[tuple[int, int], list[SlotRange]] = {}
    for r in rounds:
        lo_bound, hi_bound = problem.window_start, window_end
        if problem.ordered and "order" not in relax:
            # Rounds of this loop already booked keep their place in the order.
            for b in problem.booked:
                if b.order < r.order:
                    lo_bound = max(lo_bound, b.ends_at + gap)
                elif b.order > r.order:
                    hi_bound = min(hi_bound, b.starts_at - gap)
        bounds = _minutes_in(origin, [(lo_bound, hi_bound)])
        per_person: dict[int, list[SlotRange]] = {}
        per_core: dict[int, list[SlotRange]] = {}
        if not bounds:
            allowed[r.id] = per_person
            core[r.id] = per_core
            continue
        (b_lo, b_hi) = bounds[0]
        for person in problem.people:
            if person.id not in shared or not eligible(problem, r, person):
                continue
            both, free_m = shared[person.id]
            clipped = [(max(a, b_lo), min(b, b_hi)) for a, b in both if b > b_lo and a < b_hi]
            ranges = _start_ranges(g, clipped, r.duration_minutes)
            if not ranges:
                continue
            per_person[person.id] = ranges
            key = (person.id, r.duration_minutes)
            inner_ranges = inner_cache.get(key)
            if inner_ranges is None:
                inner = [(a + margin, b - margin) for a, b in free_m if b - a > 2 * margin]
                inner_ranges = inner_cache[key] = _start_ranges(g, inner, r.duration_minutes)
            per_core[person.id] = _intersect_ranges(ranges, inner_ranges)
        allowed[r.id] = per_person
        core[r.id] = per_core
    if prune:
        _prune(problem, allowed, core, load)
    # Candidate-local days with how many more rounds each may take.
    czone = _zone(problem.candidate_time_zone)
    per_day_cap = len(rounds) if "per_day" in relax else problem.candidate_max_rounds_per_day
    booked_per_day: dict[dt.date, int] = defaultdict(int)
    for b in problem.booked:
        booked_per_day[b.starts_at.astimezone(czone).date()] += 1
    days: list[tuple[int, int, int]] = []
    local_days = _local_day_starts(problem.candidate_time_zone, problem.window_start, window_end)
    local_days.append((None, _midnight(local_days[-1][0] + dt.timedelta(days=1), problem.candidate_time_zone)))
    for (day, midnight), (_n, next_midnight) in itertools.pairwise(local_days):
        first, last = _ceil_slot(origin, g, midnight), _ceil_slot(origin, g, next_midnight) - 1
        days.append((first, last, max(0, per_day_cap - booked_per_day.get(day, 0))))
    return _Prepared(
        problem=problem,
        origin=origin,
        g=g,
        rounds=rounds,
        allowed=allowed,
        core=core,
        load=load,
        days=days,
        booked_departments={b.department_id for b in problem.booked},
        booked_levels={b.level_rank for b in problem.booked},
    )


def _prune(problem: Problem, allowed, core, load, keep_pairs: Iterable[tuple[int, int]] = ()) -> None:
    """Keep the best people per round: earliest free, least loaded, plus the best of every group
    (and `keep_pairs`, the (round, person) pairs of a known solution)."""
    people = {p.id: p for p in problem.people}
    kept_pairs = set(keep_pairs)
    for r_id, per_person in allowed.items():
        if len(per_person) <= MAX_PEOPLE_PER_ROUND:
            continue
        ranked = sorted(per_person, key=lambda pid: (per_person[pid][0][0], load[pid], pid))
        keep = set(ranked[:MAX_PEOPLE_PER_ROUND]) | {pid for r, pid in kept_pairs if r == r_id}
        by_department: dict[int, int] = defaultdict(int)
        by_level: dict[int, int] = defaultdict(int)
        for pid in ranked:
            person = people[pid]
            if by_department[person.department_id] < PER_GROUP_KEEP:
                keep.add(pid)
            if by_level[person.level_rank] < PER_GROUP_KEEP:
                keep.add(pid)
            by_department[person.department_id] += 1
            by_level[person.level_rank] += 1
        for pid in list(per_person):
            if pid not in keep:
                del per_person[pid]
                core[r_id].pop(pid, None)


@dataclass
class _Model:
    model: cp_model.CpModel
    t: dict[int, cp_model.IntVar]
    a: dict[tuple[int, int], cp_model.IntVar]
    b: dict[tuple[int, int], cp_model.IntVar]


def _build(prep: _Prepared, relax: frozenset[str], *, horizon: int | None = None) -> _Model | None:
    """The CP-SAT model; None when some round has no choice at all. `horizon`: the last start slot allowed."""
    problem = prep.problem
    model = cp_model.CpModel()
    g = prep.g
    gap = 0 if "gap" in relax else problem.candidate_min_gap_minutes
    t: dict[int, cp_model.IntVar] = {}
    a: dict[tuple[int, int], cp_model.IntVar] = {}
    domains: dict[int, list[SlotRange]] = {}
    sizes: dict[int, int] = {}
    intervals = []
    ends = []
    by_person: dict[int, list] = defaultdict(list)
    penalties = []
    for r in prep.rounds:
        per_person = prep.allowed[r.id]
        if horizon is not None:
            per_person = {
                pid: clipped
                for pid, ranges in per_person.items()
                if (clipped := _intersect_ranges(ranges, [(ranges[0][0], horizon)]))
            }
        if not per_person:
            return None
        domain = _merge_ranges(rng for ranges in per_person.values() for rng in ranges)
        domains[r.id] = domain
        t[r.id] = model.new_int_var_from_domain(cp_model.Domain.from_intervals([list(x) for x in domain]), f"t{r.id}")
        sizes[r.id] = math.ceil((r.duration_minutes + gap) / g)
        intervals.append(model.new_fixed_size_interval_var(t[r.id], sizes[r.id], f"i{r.id}"))
        ends.append(t[r.id] + math.ceil(r.duration_minutes / g))
        choices = []
        for pid, ranges in per_person.items():
            var = model.new_bool_var(f"a{r.id}_{pid}")
            a[r.id, pid] = var
            choices.append(var)
            by_person[pid].append(var)
            if ranges != domain:
                model.add_linear_expression_in_domain(
                    t[r.id], cp_model.Domain.from_intervals([list(x) for x in ranges])
                ).only_enforce_if(var)
            core_ranges = _intersect_ranges(ranges, prep.core[r.id].get(pid) or [])
            # Near an edge of their free time: a penalty, unless the start is in the core.
            if core_ranges:
                edge = model.new_bool_var(f"e{r.id}_{pid}")
                model.add_linear_expression_in_domain(
                    t[r.id], cp_model.Domain.from_intervals([list(x) for x in core_ranges])
                ).only_enforce_if([var, edge.Not()])
                penalties.append(WEIGHT_EDGE * edge)
            else:
                penalties.append(WEIGHT_EDGE * var)
            if prep.load[pid]:
                penalties.append(WEIGHT_LOAD * prep.load[pid] * var)
        model.add_exactly_one(choices)
    for vars_ in by_person.values():
        if len(vars_) > 1:
            model.add_at_most_one(vars_)
    model.add_no_overlap(intervals)
    if problem.ordered and "order" not in relax:
        for r1, r2 in itertools.pairwise(prep.rounds):
            if r1.order < r2.order:
                model.add(t[r2.id] >= t[r1.id] + sizes[r1.id])
    # Rounds per candidate-local day.
    b: dict[tuple[int, int], cp_model.IntVar] = {}
    per_day: dict[int, list] = defaultdict(list)
    for r in prep.rounds:
        lo, hi = domains[r.id][0][0], domains[r.id][-1][1]
        options = []
        for index, (first, last, cap) in enumerate(prep.days):
            if last < lo or first > hi or cap == 0:
                continue
            var = model.new_bool_var(f"d{r.id}_{index}")
            model.add_linear_constraint(t[r.id], first, last).only_enforce_if(var)
            b[r.id, index] = var
            options.append(var)
            per_day[index].append(var)
        if not options:
            return None
        model.add_exactly_one(options)
    for index, vars_ in per_day.items():
        if len(vars_) > prep.days[index][2]:
            model.add(sum(vars_) <= prep.days[index][2])
    # Variety over the whole panel (rule 2), booked seats included.
    if "variety" not in relax:
        people = {p.id: p for p in problem.people}
        for attribute, already, minimum in (
            ("department_id", prep.booked_departments, problem.min_departments),
            ("level_rank", prep.booked_levels, problem.min_levels),
        ):
            missing = minimum - len(already)
            if missing <= 0:
                continue
            groups: dict[int, list] = defaultdict(list)
            for (_r, pid), var in a.items():
                value = getattr(people[pid], attribute)
                if value not in already:
                    groups[value].append(var)
            if len(groups) < missing:
                return None
            used = []
            for vars_ in groups.values():
                flag = model.new_bool_var("")
                model.add(sum(vars_) >= 1).only_enforce_if(flag)
                used.append(flag)
            model.add(sum(used) >= missing)
    finish = model.new_int_var(0, max(d[1] for d in prep.days) + 10_000, "finish")
    model.add_max_equality(finish, ends)
    # The candidate's day the loop ends on comes first; within it, the finish time, load and edges.
    finish_day = model.new_int_var(0, len(prep.days), "finish_day")
    for r in prep.rounds:
        model.add(finish_day >= sum(index * var for (r_id, index), var in b.items() if r_id == r.id))
    model.minimize(WEIGHT_DAY * finish_day + WEIGHT_FINISH * finish + sum(penalties))
    return _Model(model=model, t=t, a=a, b=b)


def _solver(seconds: float) -> cp_model.CpSolver:
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.05, seconds)
    solver.parameters.num_workers = WORKERS
    # Probing the holey start domains costs seconds on a large company and finds little.
    solver.parameters.cp_model_probing_level = 0
    # An hour's difference in finish time is worth looking for; less is not worth the wait.
    solver.parameters.absolute_gap_limit = 4
    return solver


def _day_of(prep: _Prepared, slot: int) -> int | None:
    for index, (first, last, _cap) in enumerate(prep.days):
        if first <= slot <= last:
            return index
    return None


def _slot(prep: _Prepared, instant: dt.datetime) -> int:
    return _floor_slot(prep.origin, prep.g, instant)


def _differ(built: _Model, prep: _Prepared, proposal: Proposal) -> None:
    """The next proposal changes at least half the people, or moves at least half the rounds to other days."""
    need = math.ceil(len(prep.rounds) / 2)
    same_people = [built.a[key] for x in proposal.assignments if (key := (x.round_id, x.interviewer_id)) in built.a]
    same_days = [
        built.b[key]
        for x in proposal.assignments
        if (key := (x.round_id, _day_of(prep, _slot(prep, x.starts_at)))) in built.b
    ]
    other_people = built.model.new_bool_var("")
    built.model.add(sum(same_people) <= len(prep.rounds) - need).only_enforce_if(other_people)
    built.model.add(sum(same_days) <= len(prep.rounds) - need).only_enforce_if(other_people.Not())


def _why(problem: Problem, person: Person, round_: OpenRound, start: dt.datetime) -> str:
    when = format_local(start, person.time_zone)
    if is_bar_raiser_round(round_):
        return _("Trained bar raiser from %(department)s, %(level)s; %(when)s their time.") % {
            "department": person.department_name,
            "level": person.level_name,
            "when": when,
        }
    return _("%(department)s, %(level)s, in the pool for this round; %(when)s their time.") % {
        "department": person.department_name,
        "level": person.level_name,
        "when": when,
    }


def _solve(
    prep: _Prepared,
    relax: frozenset[str],
    *,
    k: int,
    deadline: float,
    per_solve: float,
    hint: Proposal | None = None,
) -> tuple[list[Proposal], bool]:
    """Up to k proposals (best first) and whether a time limit cut the search short.

    With a known solution (`hint`, e.g. greedy's) the search starts from it and first keeps
    to one candidate day past where it ends: the best panels finish early, and the smaller
    model is solved much faster. If that leaves fewer than k, the whole window is searched.
    """
    problem = prep.problem
    people = {p.id: p for p in problem.people}
    proposals: list[Proposal] = []
    timed_out = False
    stages: list[int | None] = [None]
    if hint is not None:
        day = _day_of(prep, _slot(prep, hint.finishes_at - dt.timedelta(minutes=1)))
        if day is not None and day + 1 < len(prep.days) - 1:
            stages = [prep.days[day + 1][1], None]
    for horizon in stages:
        built = _build(prep, relax, horizon=horizon)
        if built is None:
            continue
        for earlier in proposals:
            _differ(built, prep, earlier)
        if hint is not None and not proposals:
            for x in hint.assignments:
                if (x.round_id, x.interviewer_id) in built.a:
                    built.model.add_hint(built.a[x.round_id, x.interviewer_id], 1)
                built.model.add_hint(built.t[x.round_id], _slot(prep, x.starts_at))
        while len(proposals) < k:
            remaining = deadline - time.monotonic()
            if remaining <= 0.02:
                return proposals, True
            solver = _solver(min(remaining, per_solve))
            status = solver.solve(built.model)
            if status == cp_model.INFEASIBLE:
                break
            if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
                return proposals, True
            timed_out = timed_out or status == cp_model.FEASIBLE
            chosen = {r_id: pid for (r_id, pid), var in built.a.items() if solver.boolean_value(var)}
            starts = {r.id: solver.value(built.t[r.id]) for r in prep.rounds}
            assignments = tuple(
                Assignment(
                    round_id=r.id,
                    interviewer_id=chosen[r.id],
                    starts_at=prep.at(starts[r.id]),
                    ends_at=prep.at(starts[r.id]) + dt.timedelta(minutes=r.duration_minutes),
                )
                for r in prep.rounds
            )
            proposal = Proposal(
                assignments=assignments,
                finishes_at=max(x.ends_at for x in assignments),
                score=float(solver.objective_value),
                why={r.id: _why(problem, people[chosen[r.id]], r, prep.at(starts[r.id])) for r in prep.rounds},
            )
            proposals.append(proposal)
            _differ(built, prep, proposal)
        if len(proposals) >= k:
            break
    return proposals, timed_out


def propose(problem: Problem, *, k: int = 3, time_limit_seconds: float = 2.0, explain: bool = True) -> Result:
    """Up to `k` proposals that differ meaningfully, best first; explanations when none exists.

    `time_limit_seconds` bounds the search for proposals (each solve gets a share); the
    explanations, when nothing fits, take up to as long again.
    """
    from .greedy import first_fit  # greedy builds on this module

    started = time.monotonic()
    if not problem.rounds:
        return Result(proposals=(), explanations=(_("Every round of this loop is already booked."),))
    if problem.window_end <= problem.window_start:
        return Result(proposals=(), explanations=(_("The window must end after it starts."),))
    prep = _prepare(problem, prune=False)
    # Greedy's panel, when it finds one, is a valid start: CP-SAT improves from there.
    hint = first_fit(prep)
    _prune(
        problem,
        prep.allowed,
        prep.core,
        prep.load,
        [(x.round_id, x.interviewer_id) for x in hint.assignments] if hint else [],
    )
    proposals, timed_out = _solve(
        prep,
        frozenset(),
        k=k,
        deadline=started + time_limit_seconds,
        per_solve=max(0.2, time_limit_seconds / (k + 1)),
        hint=hint,
    )
    if hint is not None and not proposals:
        proposals = [hint]  # the time ran out before CP-SAT reported anything
    valid = [p for p in proposals if not violations(problem, p)]
    if len(valid) != len(proposals):  # never expected: check.py and the model disagree
        raise AssertionError("the solver produced a proposal that breaks a rule")
    if valid:
        return Result(proposals=tuple(sorted(valid, key=lambda p: p.score)), timed_out=timed_out)
    if not explain:
        return Result(proposals=(), timed_out=timed_out)
    return Result(
        proposals=(),
        explanations=tuple(explain_infeasible(problem, time_limit_seconds=max(1.0, time_limit_seconds))),
        timed_out=timed_out,
    )


# --- Why nothing fits -------------------------------------------------------------


def _round_label(round_: OpenRound) -> str:
    return round_.title or round_.kind.replace("_", " ")


def _nearest(
    problem: Problem, round_: OpenRound, *, after: dt.datetime, until: dt.datetime | None = None
) -> tuple[Person, dt.datetime] | None:
    """The qualified person free soonest from `after` (for the whole round), with when."""
    best: tuple[Person, dt.datetime] | None = None
    length = dt.timedelta(minutes=round_.duration_minutes)
    booked_ids = {b.interviewer_id for b in problem.booked}
    for person in problem.people:
        if person.id in booked_ids or not eligible(problem, round_, person):
            continue
        for a, b in person.free:
            a = max(a, after)
            if b - a >= length and (until is None or a + length <= until):
                if best is None or a < best[1]:
                    best = (person, a)
                break
    return best


def explain_infeasible(problem: Problem, *, time_limit_seconds: float = 2.0) -> list[str]:
    """Why no panel exists, in words a recruiter can act on: one constraint family relaxed at a time."""
    out: list[str] = []
    prep = _prepare(problem, prune=False)
    department = problem.hiring_department_name or _("the hiring department")
    # 1. A round nobody can take at all, or nobody can take in the window.
    for r in prep.rounds:
        if prep.allowed[r.id]:
            continue
        pool = [p for p in problem.people if eligible(problem, r, p)]
        if not pool:
            if is_bar_raiser_round(r):
                out.append(_("No trained bar raiser outside %(department)s.") % {"department": department})
            else:
                out.append(_("No one is in the pool for %(round)s.") % {"round": _round_label(r)})
            continue
        unloaded = _prepare(problem, frozenset({"load"}), prune=False)
        if unloaded.allowed[r.id]:
            out.append(
                _("Everyone free for %(round)s in the window has reached their interview limit.")
                % {"round": _round_label(r)}
            )
            continue
        inside = _nearest(problem, r, after=problem.window_start, until=problem.window_end)
        nearest = inside or _nearest(problem, r, after=problem.window_end)
        if inside:
            text = _("No one in the pool for %(round)s is free when the candidate is.") % {"round": _round_label(r)}
        elif is_bar_raiser_round(r):
            text = _("No trained bar raiser outside %(department)s is free in the window.") % {"department": department}
        else:
            text = _("No one in the pool for %(round)s is free in the window.") % {"round": _round_label(r)}
        if nearest:
            person, when = nearest
            text += " " + _("The nearest is %(name)s, %(when)s.") % {
                "name": person.name,
                "when": format_local(when, problem.candidate_time_zone),
            }
        out.append(text)
    if out:
        return out
    # 2. Each round can be taken alone but not all together: relax one family at a time.
    deadline_each = max(0.3, time_limit_seconds / 6)
    relaxations = [
        ("variety", _("Not enough departments or seniority levels are free together; add people to the pools.")),
        ("load", _("Interviewers' daily or weekly limits block every panel; raise a limit or free someone.")),
        ("per_day", _("The candidate would need more than %(n)s rounds a day; widen the window.")),
        ("gap", _("The rounds fit only without the break between them.")),
        ("order", _("The rounds fit only in a different order than the plan's.")),
        ("candidate", _("The panel fits only outside the candidate's availability; ask them for more times.")),
    ]
    for family, message in relaxations:
        relaxed = _prepare(problem, frozenset({family}))
        found, _timed_out = _solve(
            relaxed, frozenset({family}), k=1, deadline=time.monotonic() + deadline_each, per_solve=deadline_each
        )
        if found:
            out.append(message % {"n": problem.candidate_max_rounds_per_day} if "%(n)" in message else message)
    relaxed = _prepare(problem, frozenset({"window"}))
    found, _timed_out = _solve(
        relaxed, frozenset({"window"}), k=1, deadline=time.monotonic() + deadline_each, per_solve=deadline_each
    )
    if found:
        out.append(
            _("No complete panel fits in the window; the earliest one ends %(when)s. Widen the window.")
            % {"when": format_local(found[0].finishes_at, problem.candidate_time_zone)}
        )
    if not out:
        out.append(_("No panel fits even with one rule relaxed; widen the window and add people to the pools."))
    return out


def relaxed_problem(problem: Problem, **changes) -> Problem:
    """A copy with some fields changed (for callers that want to retry with a wider window)."""
    return replace(problem, **changes)
