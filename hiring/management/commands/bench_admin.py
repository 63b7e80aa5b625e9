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
        parser.add_argument(
            "--insights",
            action="store_true",
            help="also fill the facts insights read (loops over three years, decisions, scorecards, "
            "ratings, vetoes, state events) and measure the insights page and API",
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
        insights: bool,
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
            if insights:
                fill_insights_facts(self.stdout)
            fold_insights(self.stdout)
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
        if insights:
            cases += insights_cases(recruiter, manager)
            explain_insights(self.stdout, recruiter)
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
                    # An export streams: the time includes writing it all.
                    body = b"".join(response.streaming_content) if response.streaming else response.content
                    times.append((time.perf_counter() - began) * 1000)
                    cpu.append((time.process_time() - began_cpu) * 1000)
                if response.status_code != 200:
                    raise CommandError(f"{name}: HTTP {response.status_code} for {url}")
                queries = len(captured)
                sql.append(sum(float(q["time"]) for q in captured.captured_queries) * 1000)
            size = len(body) / 1024
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
        if connection.vendor == "postgresql":
            fill_sql(self.stdout, count, position, [i.pk for i in self.panel])
        else:
            self.fill_python(count, position)

    def fill_python(self, count: int, position: Position) -> None:
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


# --- the set-based fill (PostgreSQL) ------------------------------------------------------------
# The same rows as fill_python, made by INSERT ... SELECT over generate_series: about 10 minutes
# per 100,000 candidates through bulk_create becomes seconds. Candidate i (0-based) is
# "Person i" <ci@example.org>; its loop and six rounds follow i exactly as fill_python makes them
# (including fill_python's start minutes, which count within its batch of BATCH). Columns the SQL
# does not compute get the value Django would save for a new row (defaults, auto_now(_add), the
# empty strings of blank fields), read from the model's fields, so a column added later is filled
# too. Rows go in index order, so ids follow the same order as bulk_create's.
SQL_FILL_BATCH = 100_000


def fill_sql(out, count: int, position: Position, panel: list[int]) -> None:
    now = timezone.now()
    scheduled = [LoopStatus.SCHEDULED.value, LoopStatus.IN_PROGRESS.value]
    statuses = [s.value for s in STATUSES]
    kinds = [k.value for k in KINDS]
    # fill_python's start of candidate i: now + ((i % 20) - 10) days + ((i % BATCH) % 600) minutes.
    start = f"(%s::timestamptz + make_interval(days => (g.i %% 20)::int - 10, mins => ((g.i %% {BATCH}) %% 600)::int))"
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit = off")
        for first in range(0, count, SQL_FILL_BATCH):
            last = min(count, first + SQL_FILL_BATCH) - 1
            began = time.perf_counter()
            cursor.execute("SELECT coalesce(max(id), 0) FROM hiring_candidate")
            (after,) = cursor.fetchone()
            _insert_select(
                cursor,
                Candidate(full_name="", email="", time_zone="Asia/Tokyo"),
                {
                    "full_name": ("'Person ' || g.i", []),
                    "email": ("'c' || g.i || '@example.org'", []),
                },
                "FROM generate_series(%s::bigint, %s::bigint) AS g(i) ORDER BY g.i",
                [first, last],
                row=f"g.i - {first}",
            )
            # The candidates just made, numbered back to their index by id order.
            people = (
                "(SELECT id, %s::bigint - 1 + row_number() OVER (ORDER BY id) AS i "
                "FROM hiring_candidate WHERE id > %s) AS g"
            )
            status = f"(%s::text[])[1 + (g.i %% {len(statuses)})::int]"
            cursor.execute("SELECT coalesce(max(id), 0) FROM hiring_loop")
            (loops_after,) = cursor.fetchone()
            _insert_select(
                cursor,
                Loop(position=position),
                {
                    "candidate_id": ("g.id", []),
                    "status": (status, [statuses]),
                    "feedback_due_at": (
                        f"CASE WHEN {status} = ANY(%s::text[]) THEN {start} + interval '3 hours' END",
                        [statuses, scheduled, now],
                    ),
                },
                f"FROM {people} ORDER BY g.id",
                [first, after],
                row=f"g.i - {first}",
            )
            # Six rounds per loop, in (loop, order) order.
            booked = "g.status = ANY(%s::text[])"
            begins = f"{start} + make_interval(hours => o.n)"
            _insert_select(
                cursor,
                Round(),
                {
                    "loop_id": ("g.id", []),
                    "order": ("o.n", []),
                    "kind": ("(%s::text[])[o.n]", [kinds]),
                    "status": (
                        f"CASE WHEN {booked} THEN %s ELSE %s END",
                        [scheduled, RoundStatus.SCHEDULED.value, RoundStatus.PLANNED.value],
                    ),
                    "interviewer_id": (f"CASE WHEN {booked} THEN (%s::int[])[o.n] END", [scheduled, panel]),
                    "starts_at": (f"CASE WHEN {booked} THEN {begins} END", [scheduled, now]),
                    "feedback_due_at": (
                        f"CASE WHEN {booked} THEN {begins} + interval '2 hours' END",
                        [scheduled, now],
                    ),
                },
                # The loops just made, numbered the same way (one per candidate, in the same order).
                # No join back to the candidates: with the fresh rows not yet analyzed the planner
                # chose a nested loop over the numbered candidates, quadratic in the batch.
                "FROM (SELECT id, status, %s::bigint - 1 + row_number() OVER (ORDER BY id) AS i "
                "FROM hiring_loop WHERE id > %s) AS g CROSS JOIN generate_series(1, 6) AS o(n) "
                "ORDER BY g.id, o.n",
                [first, loops_after],
                row=f"(g.i - {first}) * 6 + o.n",
            )
            out.write(f"  {last + 1:,} ... ({time.perf_counter() - began:.0f} s)")
        cursor.execute("RESET synchronous_commit")
        # Fresh statistics before the --insights updates join these tables.
        cursor.execute("ANALYZE hiring_candidate, hiring_loop, hiring_round")


def _insert_select(
    cursor, template, computed: dict[str, tuple[str, list]], source: str, params: list, *, row: str
) -> None:
    """INSERT INTO the template's table every concrete column but the id: the computed ones as
    given (SQL over the source's rows, with their parameters), every other one as the value
    Django would save for the template as a new row. auto_now(_add) times advance a microsecond
    a row (row: the row's number in the statement), as bulk_create's read the clock row by row:
    distinct and in id order, not one value per statement."""
    columns, values, args = [], [], []
    for field in template._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.column in computed:
            sql, sql_params = computed[field.column]
            values.append(sql)
            args += sql_params
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            values.append(f"%s::timestamptz + ({row}) * interval '1 microsecond'")
            args.append(field.get_db_prep_save(field.pre_save(template, True), connection))
        else:
            values.append("%s")
            args.append(field.get_db_prep_save(field.pre_save(template, True), connection))
    unknown = set(computed) - {f.column for f in template._meta.concrete_fields}
    if unknown:
        raise CommandError(f"no such columns: {sorted(unknown)}")
    cursor.execute(
        f"INSERT INTO {template._meta.db_table} ({', '.join(columns)}) SELECT {', '.join(values)} {source}",
        args + params,
    )


# --- the board and "needs my action" (issue 12, hiring/admin/board.py) ---------------------------


def board_cases(*, recruiter: User, manager: User, position: Position) -> list[tuple[str, User, str]]:
    """The board (one position, every position, narrowed by a flag or a person) and "needs my
    action" as the recruiter and as the hiring manager (made staff with the right to read loops)."""
    from django.contrib.auth.models import Permission

    # The --insights fill makes them staff already: the right to read loops is added either way.
    User.objects.filter(pk=manager.pk).update(is_staff=True)
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


# --- insights (issue 12) ----------------------------------------------------------------------
# Kept apart from the list benchmark above: the facts are filled by SQL (INSERT ... SELECT,
# PostgreSQL only) after the loops exist, and the cases are added to the same timing table.


def fill_insights_facts(out) -> None:
    """Spread the loops over three years, close the decided ones, give their rounds submitted
    scorecards (one rating each, latencies of 0-8 hours), veto a third of the rejections at the
    technical round, record the decisions and each loop's state events."""
    if connection.vendor != "postgresql":
        raise CommandError("--insights fills its facts with PostgreSQL SQL.")
    from hiring.models import Competency

    panel = list(
        Interviewer.objects.filter(user__username__startswith="bench-ivy")
        .order_by("user__username")
        .values_list("pk", flat=True)
    )
    manager = User.objects.get(username="bench-ivy0")
    User.objects.filter(pk=manager.pk).update(is_staff=True)  # a hiring manager who uses the admin
    skill = Competency.objects.get_or_create(name="Bench skill")[0]
    now = timezone.now()
    steps = [
        (
            "loops over three years",
            "UPDATE hiring_loop SET created_at = %s "
            "- make_interval(days => (id %% 1095)::int, hours => (id %% 24)::int)",
            [now],
        ),
        (
            "closed loops",
            "UPDATE hiring_loop SET closed_at = created_at "
            "+ make_interval(days => (4 + id %% 27)::int, hours => (id %% 7)::int) "
            "WHERE status IN ('hired', 'rejected', 'withdrawn')",
            [],
        ),
        (
            "rounds of decided loops held",
            "UPDATE hiring_round r SET status = 'submitted', interviewer_id = (%s::int[])[r.\"order\"], "
            'starts_at = l.created_at + make_interval(days => 1, hours => r."order"), feedback_due_at = NULL '
            "FROM hiring_loop l WHERE r.loop_id = l.id AND l.status IN ('hired', 'rejected')",
            [panel],
        ),
        (
            "scorecards",
            "INSERT INTO hiring_scorecard (round_id, revision, author_id, recommendation, notes, veto, veto_reason, "
            "key_takeaways, private_note, submitted_at, is_current, created_at) "
            "SELECT r.id, 1, i.user_id, (ARRAY['strong_no', 'no', 'yes', 'strong_yes'])[1 + r.id %% 4], '', false, '', "
            "'', '', r.starts_at + make_interval(mins => r.duration_minutes + (r.id %% 480)::int), true, r.starts_at "
            "FROM hiring_round r JOIN hiring_interviewer i ON i.id = r.interviewer_id WHERE r.status = 'submitted'",
            [],
        ),
        (
            "ratings",
            "INSERT INTO hiring_rating (scorecard_id, competency_id, score) "
            "SELECT s.id, %s, 1 + (s.id * 7 + s.round_id) %% 4 FROM hiring_scorecard s",
            [skill.pk],
        ),
        (
            "vetoes",
            "UPDATE hiring_scorecard s SET veto = true, veto_reason = 'Bench veto.', recommendation = 'strong_no' "
            "FROM hiring_round r JOIN hiring_loop l ON l.id = r.loop_id "
            "WHERE s.round_id = r.id AND r.\"order\" = 2 AND l.status = 'rejected' AND l.id %% 3 = 0",
            [],
        ),
        (
            "vetoed loops",
            "UPDATE hiring_loop l SET veto_scorecard_id = s.id FROM hiring_scorecard s "
            "JOIN hiring_round r ON r.id = s.round_id WHERE r.loop_id = l.id AND s.veto",
            [],
        ),
        (
            "decisions",
            "INSERT INTO hiring_decision (loop_id, outcome, decided_by_id, reason, decided_at) "
            "SELECT id, CASE status WHEN 'hired' THEN 'hire' ELSE 'reject' END, %s, 'Bench.', closed_at "
            "FROM hiring_loop WHERE status IN ('hired', 'rejected') AND veto_scorecard_id IS NULL",
            [manager.pk],
        ),
    ]
    steps += [
        (
            "events: created",
            "INSERT INTO hiring_event (kind, created_at, loop_id, candidate_id, reason, data) "
            "SELECT 'loop.created', created_at, id, candidate_id, '', '{}' FROM hiring_loop",
            [],
        ),
        (
            "events: scheduled",
            "INSERT INTO hiring_event (kind, created_at, loop_id, candidate_id, reason, data) "
            "SELECT 'loop.scheduled', created_at + interval '1 day', id, candidate_id, '', "
            '\'{"from": "draft", "to": "scheduled"}\' FROM hiring_loop WHERE status <> \'draft\'',
            [],
        ),
        (
            "events: in progress",
            "INSERT INTO hiring_event (kind, created_at, loop_id, candidate_id, reason, data) "
            "SELECT 'loop.status_changed', created_at + interval '2 days', id, candidate_id, '', "
            '\'{"from": "scheduled", "to": "in_progress"}\' FROM hiring_loop '
            "WHERE status IN ('in_progress', 'awaiting_decision', 'hired', 'rejected')",
            [],
        ),
        (
            "events: awaiting decision",
            "INSERT INTO hiring_event (kind, created_at, loop_id, candidate_id, reason, data) "
            "SELECT 'loop.status_changed', created_at + interval '3 days', id, candidate_id, '', "
            '\'{"from": "in_progress", "to": "awaiting_decision"}\' FROM hiring_loop '
            "WHERE status IN ('awaiting_decision', 'hired') OR (status = 'rejected' AND veto_scorecard_id IS NULL)",
            [],
        ),
        (
            "events: closed",
            "INSERT INTO hiring_event (kind, created_at, loop_id, candidate_id, reason, data) "
            "SELECT CASE WHEN veto_scorecard_id IS NOT NULL THEN 'loop.vetoed' "
            "WHEN status = 'withdrawn' THEN 'candidate.withdrawn' ELSE 'loop.decided' END, "
            "closed_at, id, candidate_id, '', '{}' FROM hiring_loop WHERE closed_at IS NOT NULL",
            [],
        ),
    ]
    with connection.cursor() as cursor:
        for name, sql, params in steps:
            began = time.perf_counter()
            cursor.execute(sql, params)
            out.write(f"  insights facts: {name}: {cursor.rowcount:,} rows in {time.perf_counter() - began:.0f} s")


def fold_insights(out) -> None:
    """The bulk fill marked a bucket per written row: mark each bucket once instead, and fold
    them all into the insights rollups, as beat would (timed: the cost of a full rebuild)."""
    from hiring import services
    from hiring.models import InsightsDirty

    if connection.vendor != "postgresql":
        return
    began = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE hiring_insightsdirty")
    buckets = services.mark_all_insights()
    while InsightsDirty.objects.exists():
        services.refresh_insights()
    out.write(f"  insights rollups: {buckets:,} buckets folded in {time.perf_counter() - began:.0f} s")


def insights_cases(recruiter: User, manager: User) -> list[tuple[str, User, str]]:
    manager = User.objects.get(pk=manager.pk)
    return [
        ("insights page (recruiter)", recruiter, "/admin/insights/"),
        ("insights page (manager)", manager, "/admin/insights/"),
        ("insights page 1 year", recruiter, "/admin/insights/?first_day=" + _days_ago(364)),
        ("insights API (recruiter)", recruiter, "/api/v1/insights/"),
        ("insights export csv", recruiter, "/admin/insights/?export=feedback_latency&format=csv"),
    ]


def _days_ago(days: int) -> str:
    return (timezone.localdate() - dt.timedelta(days=days)).isoformat()


def explain_insights(out, recruiter: User) -> None:
    """The plans of the insights page's queries over the rollups (hiring/insights/period.py
    rollup_partials) and the marks: each reads an index range of days, not the loops."""
    from hiring import insights

    filters = insights.make_filters(first_day=None, last_day=None, today=timezone.localdate())
    with CaptureQueriesContext(connection) as captured:
        insights.compute(recruiter, filters, now=timezone.now())
    for query in captured.captured_queries:
        sql = query["sql"]
        if "hiring_insights" not in sql:
            continue
        table = next(t for t in ("dirty", "loopday", "kindday", "personday") if f"hiring_insights{t}" in sql)
        out.write(f"EXPLAIN insights {table}:")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql)
            for (line,) in cursor.fetchall():
                out.write("    " + line)
