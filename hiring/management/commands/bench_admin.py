"""Benchmark the recruiters' candidate list on a large database.

    DATABASE_URL=postgres://.../hiring_bench manage.py bench_admin --candidates 1000000
    DATABASE_URL=... manage.py bench_admin --candidates 100000 --fill-only   # fill once
    DATABASE_URL=... ALLOWED_HOSTS=testserver manage.py bench_admin --reuse   # measure again

Fills an EMPTY database with N candidates, each with a six-round loop in a mix
of states (bulk inserts: this measures reads, not the rules), then requests the
admin lists (candidates, loops, rounds; unfiltered, filtered and searched) as a
recruiter, "My interviews" as a heavy interviewer and as the hiring manager, and
a debrief, and prints the median time, the query count and the size of each.
Refuses to fill a database that already has candidates; --reuse measures one
filled before (so code before and after a change can be timed on the same rows).
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

from hiring.models import (
    Candidate,
    Department,
    Interviewer,
    Loop,
    LoopPlan,
    LoopStatus,
    Position,
    Round,
    RoundKind,
    RoundStatus,
    SeniorityLevel,
)

BATCH = 20_000
KINDS = [
    RoundKind.SCREEN,
    RoundKind.TECHNICAL,
    RoundKind.SYSTEM_DESIGN,
    RoundKind.CULTURE,
    RoundKind.HIRING_MANAGER,
    RoundKind.BAR_RAISER,
]
STATUSES = [
    LoopStatus.DRAFT,
    LoopStatus.SCHEDULED,
    LoopStatus.IN_PROGRESS,
    LoopStatus.AWAITING_DECISION,
    LoopStatus.HIRED,
    LoopStatus.REJECTED,
    LoopStatus.WITHDRAWN,
]


class Command(BaseCommand):
    help = "Time the admin candidate list on N candidates (fills an empty database)."

    def add_arguments(self, parser):
        parser.add_argument("--candidates", type=int, default=100_000)
        parser.add_argument("--repeat", type=int, default=5)
        parser.add_argument("--fill-only", action="store_true", help="fill the database and stop")
        parser.add_argument("--reuse", action="store_true", help="measure a database bench_admin filled before")
        parser.add_argument("--only", default="", help="measure only the cases whose name contains this")
        parser.add_argument(
            "--explain-board", action="store_true", help="print the PostgreSQL plans of the board's queries"
        )

    def handle(
        self,
        *args,
        candidates: int,
        repeat: int,
        fill_only: bool,
        reuse: bool,
        only: str,
        explain_board: bool,
        **options,
    ):
        if reuse:
            recruiter = User.objects.get(username="bench-recruiter")
            position = Position.objects.get(title="Engineer", recruiter=recruiter)
        else:
            if Candidate.objects.exists():
                raise CommandError("bench_admin fills an empty database; this one has candidates.")
            started = time.perf_counter()
            recruiter, position = self.company()
            self.fill(candidates, position)
            with connection.cursor() as cursor:
                if connection.vendor == "postgresql":
                    cursor.execute("ANALYZE")
            self.stdout.write(
                f"filled {candidates:,} candidates, {candidates * 6:,} rounds "
                f"in {time.perf_counter() - started:.0f} s ({connection.vendor})"
            )
        if fill_only:
            return
        if explain_board:
            explain_board_queries(self.stdout, recruiter=recruiter, position=position)
            return
        # The heavy interviewer sits on round 2 of every scheduled loop (2 in 7 of them: 28,600
        # open rounds at 100,000 candidates); the hiring manager also sits on round 1 and decides
        # every loop awaiting a decision.
        interviewer = User.objects.get(username="bench-ivy1")
        manager = position.hiring_manager
        debriefed = Loop.objects.filter(status=LoopStatus.AWAITING_DECISION).order_by("pk").first()
        cases = [
            ("candidates", recruiter, "/admin/hiring/candidate/"),
            ("candidates status=awaiting", recruiter, "/admin/hiring/candidate/?loop_status=awaiting_decision"),
            ("candidates vetoed", recruiter, "/admin/hiring/candidate/?loop_status=vetoed"),
            ("candidates overdue", recruiter, "/admin/hiring/candidate/?feedback=overdue"),
            ("candidates position", recruiter, f"/admin/hiring/candidate/?position={position.pk}"),
            ("candidates search name", recruiter, "/admin/hiring/candidate/?q=person+4242"),
            ("candidates search email", recruiter, f"/admin/hiring/candidate/?q=c{candidates // 2}%40"),
            ("loops", recruiter, "/admin/hiring/loop/"),
            ("loops status=awaiting", recruiter, "/admin/hiring/loop/?status__exact=awaiting_decision"),
            ("rounds", recruiter, "/admin/hiring/round/"),
            ("rounds status=scheduled", recruiter, "/admin/hiring/round/?status__exact=scheduled"),
            ("my interviews (interviewer)", interviewer, "/"),
            ("my interviews (manager)", manager, "/"),
            ("debrief", manager, f"/loops/{debriefed.pk}/debrief/"),
            *board_cases(recruiter=recruiter, manager=manager, position=position),
        ]
        # Wall time is what a person waits; on a shared machine it also counts the time this
        # process waits for a CPU. "cpu" is this process's own CPU time (Python: the view and
        # the rendering) and "sql" the database's side as the client timed it.
        self.stdout.write(
            f"{'case':30} {'median ms':>10} {'min ms':>8} {'cpu ms':>7} {'sql ms':>7} {'queries':>8} {'KB':>6}"
        )
        clients: dict[int, Client] = {}
        for name, user, url in cases:
            if only not in name:
                continue
            if user.pk not in clients:
                clients[user.pk] = Client()
                clients[user.pk].force_login(user)
            client = clients[user.pk]
            times, cpu, sql, queries = [], [], [], 0
            for _ in range(repeat):
                with CaptureQueriesContext(connection) as captured:
                    began, began_cpu = time.perf_counter(), time.process_time()
                    response = client.get(url)
                    times.append((time.perf_counter() - began) * 1000)
                    cpu.append((time.process_time() - began_cpu) * 1000)
                if response.status_code != 200:
                    raise CommandError(f"{name}: HTTP {response.status_code} for {url}")
                queries = len(captured)
                sql.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
            size = len(response.content) / 1024
            self.stdout.write(
                f"{name:30} {statistics.median(times):10.1f} {min(times):8.1f} {statistics.median(cpu):7.1f} "
                f"{statistics.median(sql):7.1f} {queries:8d} {size:6.0f}"
            )

    def company(self) -> tuple[User, Position]:
        engineering = Department.objects.create(name="Engineering")
        product = Department.objects.create(name="Product")
        levels = [SeniorityLevel.objects.create(rank=r, name=f"L{r}") for r in (1, 2, 3)]
        recruiter = User.objects.create_user("bench-recruiter", password=None, is_staff=True)
        recruiter.groups.add(Group.objects.get(name="Recruiters"))
        Interviewer.objects.create(user=recruiter, department=product, level=levels[1], time_zone="America/New_York")
        panel = []
        for i in range(6):
            user = User.objects.create_user(f"bench-ivy{i}", password=None, first_name=f"Ivy{i}")
            panel.append(
                Interviewer.objects.create(
                    user=user,
                    department=engineering if i % 2 else product,
                    level=levels[i % 3],
                    time_zone="Europe/Berlin",
                    is_bar_raiser=i == 5,
                )
            )
        plan = LoopPlan.objects.create(name="Bench plan")
        position = Position.objects.create(
            title="Engineer", department=engineering, hiring_manager=panel[0].user, recruiter=recruiter, loop_plan=plan
        )
        self.panel = panel
        return User.objects.get(pk=recruiter.pk), position

    def fill(self, count: int, position: Position) -> None:
        now = timezone.now()
        for first in range(0, count, BATCH):
            size = min(BATCH, count - first)
            people = Candidate.objects.bulk_create(
                [
                    Candidate(full_name=f"Person {i}", email=f"c{i}@example.org", time_zone="Asia/Tokyo")
                    for i in range(first, first + size)
                ]
            )
            starts = [now + dt.timedelta(days=((first + n) % 20) - 10, minutes=n % 600) for n in range(size)]
            statuses = [STATUSES[(first + n) % len(STATUSES)] for n in range(size)]
            loops = Loop.objects.bulk_create(
                [
                    Loop(
                        candidate=c,
                        position=position,
                        status=statuses[n],
                        # As services keep it: the first scheduled round's feedback falls due first.
                        feedback_due_at=starts[n] + dt.timedelta(hours=3)
                        if statuses[n] in (LoopStatus.SCHEDULED, LoopStatus.IN_PROGRESS)
                        else None,
                    )
                    for n, c in enumerate(people)
                ]
            )
            rounds = []
            for n, loop in enumerate(loops):
                start = starts[n]
                for order, kind in enumerate(KINDS, start=1):
                    begins = start + dt.timedelta(hours=order)
                    status = (
                        RoundStatus.SCHEDULED
                        if loop.status in (LoopStatus.SCHEDULED, LoopStatus.IN_PROGRESS)
                        else RoundStatus.PLANNED
                    )
                    rounds.append(
                        Round(
                            loop=loop,
                            order=order,
                            kind=kind,
                            status=status,
                            interviewer=self.panel[order - 1] if status != RoundStatus.PLANNED else None,
                            starts_at=begins if status != RoundStatus.PLANNED else None,
                            feedback_due_at=begins + dt.timedelta(hours=2) if status != RoundStatus.PLANNED else None,
                        )
                    )
            Round.objects.bulk_create(rounds, batch_size=5000)
            self.stdout.write(f"  {first + size:,} ...")


# --- the board and "needs my action" (issue 12, hiring/admin/board.py) ---------------------------


def board_cases(*, recruiter: User, manager: User, position: Position) -> list[tuple[str, User, str]]:
    """The board (one position, every position, narrowed by a flag or a person) and "needs my
    action" as the recruiter and as the hiring manager (made staff with the right to read loops)."""
    from django.contrib.auth.models import Permission

    if not manager.is_staff:
        manager.is_staff = True
        manager.save(update_fields=["is_staff"])
        manager.user_permissions.add(Permission.objects.get(codename="view_loop", content_type__app_label="hiring"))
        manager = User.objects.get(pk=manager.pk)
    board = "/admin/hiring/position/board/"
    return [
        ("board position", recruiter, f"{board}?position={position.pk}"),
        ("board all positions", recruiter, board),
        ("board position overdue", recruiter, f"{board}?position={position.pk}&flag=overdue"),
        ("board position stalled", recruiter, f"{board}?position={position.pk}&flag=stalled"),
        ("board by manager", recruiter, f"{board}?manager={manager.pk}"),
        ("my action (recruiter)", recruiter, "/admin/hiring/position/my-action/"),
        ("my action (manager)", manager, "/admin/hiring/position/my-action/"),
    ]


def explain_board_queries(stdout, *, recruiter: User, position: Position) -> None:
    """EXPLAIN (ANALYZE) of each query the board and "needs my action" run: each should start
    from an index (loop_board_idx, loop_status_created_idx, loop_feedback_due_idx, ...)."""
    from hiring.admin.board import BoardFilters, card_queryset, column_counts, my_action

    if connection.vendor != "postgresql":
        raise CommandError("--explain-board reads PostgreSQL plans.")
    filters = BoardFilters(position=position)
    with CaptureQueriesContext(connection) as captured:
        column_counts(filters)
        for status in LoopStatus.values:
            list(card_queryset(filters, status)[:50])
        list(card_queryset(BoardFilters(), LoopStatus.DRAFT)[:50])
        my_action(recruiter)
    with connection.cursor() as cursor:
        for query in captured.captured_queries:
            sql = query["sql"]
            if not sql.lstrip().upper().startswith("SELECT") or "auth_group" in sql:
                continue
            cursor.execute("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF) " + sql)
            stdout.write("\n" + sql[:300] + ("..." if len(sql) > 300 else ""))
            for (line,) in cursor.fetchall():
                stdout.write("    " + line)
