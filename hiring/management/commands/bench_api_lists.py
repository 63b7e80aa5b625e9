"""Time the API's lists per role on a large database (issue 8, "lists that grow
with the table").

    DATABASE_URL=postgres://.../hiring_bench_1k   manage.py bench_api_lists --candidates 1000
    DATABASE_URL=postgres://.../hiring_bench_100k manage.py bench_api_lists --candidates 100000

Fills an EMPTY database (bulk inserts: this measures reads, not the rules) with
N candidates, one six-round loop each, in a mix of states, with the events,
scorecards and ratings those states imply, then requests the first page of
each list as each role through the API (a token, in process) and prints the
median time and the query count. The roles:

- recruiter: sees everything;
- manager: hiring manager of the one position every loop is for;
- panelist: sits on about half of all loops (a busy interviewer: their own rows
  grow with the table);
- rare: a bar raiser on one loop in 500 (few own rows in a large table);
- outsider: sits on nothing.

Run it twice, on a database of 1,000 and one of 100,000, and compare.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time

from django.contrib.auth.models import Group, User
from django.core.management.base import BaseCommand, CommandError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hiring import services
from hiring.models import (
    Candidate,
    Competency,
    Department,
    Event,
    EventKind,
    Interviewer,
    Loop,
    LoopPlan,
    LoopStatus,
    Position,
    Rating,
    Recommendation,
    Round,
    RoundKind,
    RoundStatus,
    Scorecard,
    SeniorityLevel,
)

BATCH = 10_000
KINDS = [
    RoundKind.SCREEN,
    RoundKind.TECHNICAL,
    RoundKind.SYSTEM_DESIGN,
    RoundKind.CULTURE,
    RoundKind.HIRING_MANAGER,
    RoundKind.BAR_RAISER,
]
# Loop states in turn; the rounds of the later ones are held and have scorecards.
STATUSES = [
    LoopStatus.DRAFT,
    LoopStatus.SCHEDULED,
    LoopStatus.IN_PROGRESS,
    LoopStatus.AWAITING_DECISION,
    LoopStatus.HIRED,
    LoopStatus.REJECTED,
    LoopStatus.WITHDRAWN,
]
CLOSED = (LoopStatus.HIRED, LoopStatus.REJECTED, LoopStatus.WITHDRAWN)
POOL = 10  # interviewers; a loop's panel is five of them in turn, plus a bar raiser
RARE_EVERY = 500
ENDPOINTS = ["loops", "rounds", "events", "scorecards", "candidates", "decisions"]
ROLES = ["recruiter", "manager", "panelist", "rare", "outsider"]


class Command(BaseCommand):
    help = "Time the API's lists (first page) per role on N candidates (fills an empty database)."

    def add_arguments(self, parser):
        parser.add_argument("--candidates", type=int, default=100_000)
        parser.add_argument("--repeat", type=int, default=7)
        parser.add_argument("--only", default="", help="Comma-separated endpoints to time (default: all).")

    def handle(self, *args, candidates: int, repeat: int, only: str, **options):
        if not Candidate.objects.exists():
            started = time.perf_counter()
            self.company()
            self.fill(candidates)
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("ANALYZE")
            self.stdout.write(f"filled {candidates:,} candidates in {time.perf_counter() - started:.0f} s")
        elif not User.objects.filter(username="lists-recruiter").exists():
            raise CommandError("bench_api_lists fills an empty database; this one has other candidates.")
        clients = {}
        for role in ROLES:
            user = User.objects.get(username=f"lists-{role}")
            _, raw = services.create_api_token(user=user, name="bench_api_lists", scopes=["read"], by=None)
            # localhost: the default ALLOWED_HOSTS, so the bench runs with production settings.
            clients[role] = (Client(SERVER_NAME="localhost", HTTP_AUTHORIZATION=f"Bearer {raw}"), raw)
        endpoints = [e for e in only.split(",") if e] or ENDPOINTS
        self.stdout.write(
            f"{Candidate.objects.count():,} candidates, {Round.objects.count():,} rounds, "
            f"{Event.objects.count():,} events, {Scorecard.objects.count():,} scorecards ({connection.vendor})"
        )
        header = f"{'endpoint':12} {'role':10} {'median ms':>10} {'min ms':>8} {'db ms':>8} {'queries':>8} {'rows':>5}"
        self.stdout.write(header)
        for endpoint in endpoints:
            for role in ROLES:
                client, _ = clients[role]
                client.get(f"/api/v1/{endpoint}/")  # warm: the token's first use writes last_used_at
                times, db_times, queries, rows = [], [], 0, 0
                for _ in range(repeat):
                    timer = _QueryTimer()
                    with CaptureQueriesContext(connection) as captured, connection.execute_wrapper(timer):
                        began = time.perf_counter()
                        response = client.get(f"/api/v1/{endpoint}/")
                        times.append((time.perf_counter() - began) * 1000)
                    if response.status_code != 200:
                        raise CommandError(f"{endpoint} as {role}: HTTP {response.status_code}")
                    queries, rows = len(captured), len(response.json()["results"])
                    # The database's share (the queries' own time), apart from Python's on a busy machine.
                    db_times.append(timer.seconds * 1000)
                self.stdout.write(
                    f"{endpoint:12} {role:10} {statistics.median(times):10.1f} {min(times):8.1f} "
                    f"{statistics.median(db_times):8.1f} {queries:8d} {rows:5d}"
                )

    def company(self) -> None:
        hiring, other = (Department.objects.create(name=name) for name in ("Lists Eng", "Lists Product"))
        levels = [SeniorityLevel.objects.create(rank=900 + r, name=f"Lists L{r}") for r in (1, 2, 3)]

        def person(role: str, **fields) -> Interviewer:
            user = User.objects.create_user(f"lists-{role}", first_name=role.title(), is_staff=role == "recruiter")
            return Interviewer.objects.create(
                user=user,
                department=fields.get("department", hiring),
                level=fields.get("level", levels[1]),
                time_zone="Europe/Berlin",
                is_bar_raiser=fields.get("bar_raiser", False),
            )

        recruiter = person("recruiter").user
        recruiter.groups.add(Group.objects.get(name="Recruiters"))
        manager = person("manager").user
        person("outsider")
        self.pool = [person("panelist", level=levels[2])] + [
            person(f"pool{i}", department=other if i % 2 else hiring, level=levels[i % 3]) for i in range(1, POOL)
        ]
        self.bar_raisers = [person(f"raiser{i}", department=other, bar_raiser=True) for i in range(3)]
        self.rare = person("rare", department=other, bar_raiser=True)
        self.competency = Competency.objects.create(name="Lists competency")
        self.recruiter = recruiter
        self.position = Position.objects.create(
            title="Lists engineer",
            department=hiring,
            hiring_manager=manager,
            recruiter=recruiter,
            loop_plan=LoopPlan.objects.create(name="Lists plan"),
        )

    def panel(self, n: int) -> list[Interviewer]:
        """Loop n's six seats: five of the pool in turn (the panelist in half of the loops), and a bar raiser."""
        seats = [self.pool[(n + i * 2) % POOL] for i in range(5)]
        raiser = self.rare if n % RARE_EVERY == 0 else self.bar_raisers[n % len(self.bar_raisers)]
        return [*seats, raiser]

    def fill(self, count: int) -> None:
        now = timezone.now()
        for first in range(0, count, BATCH):
            size = min(BATCH, count - first)
            people = Candidate.objects.bulk_create(
                [
                    Candidate(full_name=f"Lists person {i}", email=f"lists{i}@example.org", time_zone="Asia/Tokyo")
                    for i in range(first, first + size)
                ]
            )
            statuses = [STATUSES[(first + k) % len(STATUSES)] for k in range(size)]
            loops = Loop.objects.bulk_create(
                [
                    Loop(
                        candidate=c,
                        position=self.position,
                        status=statuses[k],
                        closed_at=now if statuses[k] in CLOSED else None,
                    )
                    for k, c in enumerate(people)
                ]
            )
            rounds, events = [], []
            for k, loop in enumerate(loops):
                n = first + k
                status = statuses[k]
                events.append(Event(kind=EventKind.CANDIDATE_CREATED, actor=self.recruiter, candidate=people[k]))
                events.append(Event(kind=EventKind.LOOP_CREATED, actor=self.recruiter, candidate=people[k], loop=loop))
                start = now - dt.timedelta(days=10) + dt.timedelta(days=n % 20, minutes=n % 600)
                seats = self.panel(n)
                held = status not in (LoopStatus.DRAFT, LoopStatus.SCHEDULED)
                for order, kind in enumerate(KINDS, start=1):
                    planned = status == LoopStatus.DRAFT
                    begins = start + dt.timedelta(hours=order)
                    rounds.append(
                        Round(
                            loop=loop,
                            order=order,
                            kind=kind,
                            status=RoundStatus.PLANNED
                            if planned
                            else (RoundStatus.SUBMITTED if held else RoundStatus.SCHEDULED),
                            interviewer=None if planned else seats[order - 1],
                            starts_at=None if planned else begins,
                            feedback_due_at=None if planned else begins + dt.timedelta(hours=2),
                        )
                    )
            Round.objects.bulk_create(rounds, batch_size=5000)
            scorecards = []
            for round_ in rounds:
                if round_.status == RoundStatus.SUBMITTED:
                    events.append(
                        Event(
                            kind=EventKind.ROUND_SCHEDULED,
                            actor=self.recruiter,
                            candidate_id=round_.loop.candidate_id,
                            loop=round_.loop,
                            round=round_,
                        )
                    )
                    scorecards.append(
                        Scorecard(
                            round=round_,
                            revision=1,
                            author_id=round_.interviewer.user_id,
                            recommendation=Recommendation.YES,
                            notes="Fine.",
                            submitted_at=round_.starts_at + dt.timedelta(hours=1),
                            is_current=True,
                        )
                    )
            Scorecard.objects.bulk_create(scorecards, batch_size=5000)
            Rating.objects.bulk_create(
                [Rating(scorecard=s, competency=self.competency, score=3) for s in scorecards], batch_size=5000
            )
            events += [
                Event(
                    kind=EventKind.SCORECARD_SUBMITTED,
                    actor_id=s.author_id,
                    candidate_id=s.round.loop.candidate_id,
                    loop=s.round.loop,
                    round=s.round,
                    data={"scorecard_id": s.pk, "recommendation": s.recommendation},
                )
                for s in scorecards
            ]
            Event.objects.bulk_create(events, batch_size=5000)
            self.stdout.write(f"  {first + size:,} ...")


class _QueryTimer:
    """Adds up the time the database took, to the microsecond (Django's own log rounds to the millisecond)."""

    def __init__(self) -> None:
        self.seconds = 0.0

    def __call__(self, execute, sql, params, many, context):
        began = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - began
