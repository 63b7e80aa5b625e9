"""A greedy first-fit baseline: each round in plan order gets the earliest free qualified person.

Only for the benchmark and to show why a real solver is needed: it never revisits a choice,
so an early round can take the one person a later round needed (the test with the only
outside bar raiser who is also the earliest technical interviewer). It does look ahead one
step for variety (it will not fill the last seats from departments already on the panel).
"""

from __future__ import annotations

import bisect
import datetime as dt
import math

from .check import violations
from .problem import Assignment, Problem, Proposal, Result
from .solver import _prepare, _Prepared


def propose_greedy(problem: Problem) -> Result:
    proposal = first_fit(_prepare(problem, prune=False))
    return Result(proposals=(proposal,) if proposal else ())


def first_fit(prep: _Prepared) -> Proposal | None:
    """Greedy's panel over prepared choices, or None."""
    problem = prep.problem
    people = {p.id: p for p in problem.people}
    g = prep.g
    gap = problem.candidate_min_gap_minutes
    taken: list[tuple[int, int]] = []  # candidate's busy slot spans [start, end) incl. the gap
    used_people: set[int] = set()
    departments = set(prep.booked_departments)
    levels = set(prep.booked_levels)
    per_day = [cap for _first, _last, cap in prep.days]
    assignments: list[Assignment] = []
    earliest = -(10**9)

    firsts = [first for first, _last, _cap in prep.days]

    def day_index(slot: int) -> int | None:
        index = bisect.bisect_right(firsts, slot) - 1
        return index if index >= 0 and slot <= prep.days[index][1] else None

    for position, r in enumerate(prep.rounds):
        size = math.ceil((r.duration_minutes + gap) / g)
        left_after = len(prep.rounds) - position - 1
        best: tuple[int, int, int] | None = None
        for pid, ranges in prep.allowed[r.id].items():
            if pid in used_people:
                continue
            person = people[pid]
            need_dep = problem.min_departments - len(departments | {person.department_id})
            need_lvl = problem.min_levels - len(levels | {person.level_rank})
            if need_dep > left_after or need_lvl > left_after:
                continue
            for lo, hi in ranges:
                slot = max(lo, earliest)
                found = None
                while slot <= hi:
                    clash = next((e for s, e in taken if slot < e and s < slot + size), None)
                    if clash is not None:
                        slot = clash  # the first slot after the clashing round and its gap
                        continue
                    index = day_index(slot)
                    if index is None or per_day[index] <= 0:
                        slot += 1
                        continue
                    found = slot
                    break
                if found is not None:
                    key = (found, prep.load[pid], pid)
                    if best is None or key < best:
                        best = key
                    break
        if best is None:
            return None
        slot, _load, pid = best
        used_people.add(pid)
        departments.add(people[pid].department_id)
        levels.add(people[pid].level_rank)
        taken.append((slot, slot + size))
        per_day[day_index(slot)] -= 1
        if problem.ordered:
            earliest = slot + size
        start = prep.at(slot)
        assignments.append(Assignment(r.id, pid, start, start + dt.timedelta(minutes=r.duration_minutes)))
    proposal = Proposal(assignments=tuple(assignments), finishes_at=max(a.ends_at for a in assignments), score=0.0)
    return None if violations(problem, proposal) else proposal
