"""Benchmark the scheduler on a company in the database (issue 9).

    DATABASE_URL=postgres://.../hiring_x manage.py bench_scheduler
    manage.py bench_scheduler --interviewers 500 --candidates 100 --seed 1

Builds, inside a transaction it rolls back at the end (so any database will do): 500
interviewers in 40 zones and 10 departments, with weekly hours (a Sunday-Thursday week
in some countries), calendar busy blocks, pools and trained bar raisers; a six-round
plan; 100 candidates in random zones, each with a draft loop. Then, for each candidate,
times build_problem (the database reads) + propose(k=3) over a two-week window, and the
greedy first-fit baseline on the same problem, and prints median and p95 times and how
many candidates got a proposal. Reference rows are bulk inserted: this measures the
scheduler, not the booking rules.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import statistics
import time

from django.contrib.auth.models import User
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from hiring.models import (
    BusyBlock,
    Candidate,
    Department,
    Interviewer,
    InterviewerPool,
    Loop,
    LoopPlan,
    Position,
    Round,
    RoundKind,
    RoundTemplate,
    SeniorityLevel,
)
from hiring.scheduling.builder import build_problem
from hiring.scheduling.check import violations
from hiring.scheduling.greedy import propose_greedy
from hiring.scheduling.solver import propose

ZONES = [
    "America/Los_Angeles", "America/Denver", "America/Chicago", "America/New_York", "America/Mexico_City",
    "America/Bogota", "America/Sao_Paulo", "America/Argentina/Buenos_Aires", "America/Halifax", "America/St_Johns",
    "Atlantic/Reykjavik", "Europe/London", "Europe/Lisbon", "Europe/Berlin", "Europe/Paris", "Europe/Warsaw",
    "Europe/Athens", "Europe/Istanbul", "Africa/Lagos", "Africa/Cairo", "Africa/Nairobi", "Africa/Johannesburg",
    "Asia/Jerusalem", "Asia/Riyadh", "Asia/Dubai", "Asia/Tehran", "Asia/Karachi", "Asia/Kolkata", "Asia/Kathmandu",
    "Asia/Dhaka", "Asia/Bangkok", "Asia/Singapore", "Asia/Shanghai", "Asia/Tokyo", "Asia/Seoul",
    "Australia/Adelaide", "Australia/Sydney", "Australia/Lord_Howe", "Pacific/Auckland", "Pacific/Honolulu",
]  # fmt: skip
SUNDAY_WEEK = {"Asia/Jerusalem", "Africa/Cairo"}  # Sunday-Thursday
KINDS = [RoundKind.SCREEN, RoundKind.TECHNICAL, RoundKind.SYSTEM_DESIGN, RoundKind.CULTURE, RoundKind.HIRING_MANAGER]


class _Rollback(Exception):
    pass


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))
    return ordered[index]


class Command(BaseCommand):
    help = "Time the scheduler (3 proposals) and a greedy baseline for N candidates on a generated company."

    def add_arguments(self, parser):
        parser.add_argument("--interviewers", type=int, default=500)
        parser.add_argument("--departments", type=int, default=10)
        parser.add_argument("--candidates", type=int, default=100)
        parser.add_argument("--days", type=int, default=14, help="the window's length")
        parser.add_argument("--k", type=int, default=3)
        parser.add_argument("--time-limit", type=float, default=5.0, help="the solver's limit per candidate")
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--pool-share", type=float, default=0.3, help="share of people in each kind's pool")
        parser.add_argument("--bar-raiser-share", type=float, default=0.08, help="share of trained bar raisers")

    def handle(self, *args, interviewers, departments, candidates, days, k, time_limit, seed, **options):
        rng = random.Random(seed)
        self.pool_share, self.bar_raiser_share = options["pool_share"], options["bar_raiser_share"]
        try:
            with transaction.atomic():
                began = time.perf_counter()
                loops = self.company(rng, interviewers, departments, candidates)
                self.stdout.write(
                    f"company: {interviewers} interviewers, {len(ZONES)} zones, {departments} departments, "
                    f"{BusyBlock.objects.count()} busy blocks, {candidates} draft loops "
                    f"(built in {time.perf_counter() - began:.1f} s, rolled back at the end)"
                )
                self.measure(loops, days=days, k=k, time_limit=time_limit)
                raise _Rollback
        except _Rollback:
            pass

    def company(self, rng: random.Random, count: int, n_departments: int, n_candidates: int) -> list[Loop]:
        tag = f"bench{rng.randrange(10**6)}"
        depts = [Department.objects.create(name=f"{tag} Department {i}") for i in range(n_departments)]
        levels = [
            SeniorityLevel.objects.get_or_create(rank=r, defaults={"name": f"{tag} L{r}"})[0] for r in (1, 2, 3, 4)
        ]
        users = User.objects.bulk_create([User(username=f"{tag}-{i}", first_name=f"Ivy {i}") for i in range(count)])
        people = []
        for i, user in enumerate(users):
            zone = ZONES[i % len(ZONES)]
            begin = rng.choice([7, 8, 9, 9, 10])
            people.append(
                Interviewer(
                    user=user,
                    department=depts[rng.randrange(n_departments)],
                    level=rng.choice(levels),
                    time_zone=zone,
                    work_start=dt.time(begin),
                    work_end=dt.time(begin + 8),
                    work_days="71234" if zone in SUNDAY_WEEK else "12345",
                    is_bar_raiser=rng.random() < self.bar_raiser_share,
                )
            )
        people = Interviewer.objects.bulk_create(people)
        for kind in KINDS:
            pool = InterviewerPool.objects.get_or_create(kind=kind)[0]
            pool.members.add(*[p for p in people if rng.random() < self.pool_share])
        # Calendar busy blocks: 0-3 meetings of 30-120 minutes a day, over four weeks.
        start = self.window_start()
        blocks = []
        for person in people:
            for day in range(-1, 30):
                for _ in range(rng.randrange(4)):
                    at = start + dt.timedelta(days=day, minutes=15 * rng.randrange(96))
                    blocks.append(
                        BusyBlock(
                            interviewer=person,
                            starts_at=at,
                            ends_at=at + dt.timedelta(minutes=rng.choice([30, 60, 90, 120])),
                            source="feed",
                        )
                    )
        BusyBlock.objects.bulk_create(blocks, batch_size=5000)
        plan = LoopPlan.objects.create(name=f"{tag} plan")
        RoundTemplate.objects.bulk_create(
            [
                RoundTemplate(plan=plan, order=order, kind=kind, duration_minutes=rng.choice([45, 60]))
                for order, kind in enumerate([*KINDS, RoundKind.BAR_RAISER], start=1)
            ]
        )
        position = Position.objects.create(
            title="Engineer", department=depts[0], hiring_manager=users[0], recruiter=users[1], loop_plan=plan
        )
        candidates = Candidate.objects.bulk_create(
            [
                Candidate(full_name=f"Person {i}", email=f"{tag}-{i}@example.org", time_zone=rng.choice(ZONES))
                for i in range(n_candidates)
            ]
        )
        loops = Loop.objects.bulk_create([Loop(candidate=c, position=position) for c in candidates])
        Round.objects.bulk_create(
            [
                Round(loop=loop, order=t.order, kind=t.kind, duration_minutes=t.duration_minutes)
                for loop in loops
                for t in plan.rounds.all()
            ]
        )
        return loops

    def window_start(self) -> dt.datetime:
        today = timezone.now().astimezone(dt.UTC).date()
        monday = today + dt.timedelta(days=7 - today.weekday())
        return dt.datetime.combine(monday, dt.time(0), dt.UTC)

    def measure(self, loops: list[Loop], *, days: int, k: int, time_limit: float) -> None:
        start = self.window_start()
        end = start + dt.timedelta(days=days)
        build_times, solve_times, totals, greedy_times, cpu_totals = [], [], [], [], []
        got_one = got_k = greedy_got = timed_out = earlier = later = 0
        sizes = []
        for loop in loops:
            began, began_cpu = time.perf_counter(), time.process_time()
            problem = build_problem(loop=loop, window_start=start, window_end=end)
            built = time.perf_counter()
            result = propose(problem, k=k, time_limit_seconds=time_limit)
            solved, solved_cpu = time.perf_counter(), time.process_time()
            greedy = propose_greedy(problem)
            greedy_done = time.perf_counter()
            build_times.append(built - began)
            solve_times.append(solved - built)
            totals.append(solved - began)
            cpu_totals.append(solved_cpu - began_cpu)
            greedy_times.append(greedy_done - solved + (built - began))
            sizes.append(len(problem.people))
            got_one += bool(result.proposals)
            got_k += len(result.proposals) >= k
            greedy_got += bool(greedy.proposals)
            timed_out += result.timed_out
            if result.proposals and greedy.proposals:
                earlier += result.proposals[0].finishes_at < greedy.proposals[0].finishes_at
                later += result.proposals[0].finishes_at > greedy.proposals[0].finishes_at
            for proposal in (*result.proposals, *greedy.proposals):
                problems = violations(problem, proposal)
                if problems:
                    self.stderr.write(f"loop {loop.pk}: INVALID proposal: {problems}")
        n = len(loops)

        def line(name, values):
            return (
                f"{name:38} median {statistics.median(values):6.3f} s   p95 {_percentile(values, 0.95):6.3f} s"
                f"   max {max(values):6.3f} s"
            )

        self.stdout.write(f"window {start:%Y-%m-%d} + {days} days; {statistics.median(sizes):.0f} people per problem")
        self.stdout.write(line("build_problem (database reads)", build_times))
        self.stdout.write(line(f"propose k={k} (CP-SAT)", solve_times))
        self.stdout.write(line(f"build + propose k={k}", totals))
        self.stdout.write(line(f"  CPU time of build + propose k={k}", cpu_totals))
        self.stdout.write(line("build + greedy first-fit", greedy_times))
        self.stdout.write(
            f"CP-SAT: {got_one}/{n} candidates got a proposal, {got_k}/{n} got {k}; {timed_out} hit the time limit"
        )
        self.stdout.write(
            f"greedy: {greedy_got}/{n} candidates got a proposal; CP-SAT's best finishes earlier for {earlier}, "
            f"later for {later} (it also weighs load and the edges of people's days)"
        )
        load = os.getloadavg()
        self.stdout.write(f"load average {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} on {os.cpu_count()} cores")
