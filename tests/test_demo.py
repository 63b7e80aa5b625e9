"""The demo: `manage.py seed_demo` fills an empty SQLite database with a company
and candidates in every state, through the services."""

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_the_demo_seeds_an_empty_sqlite_database_with_every_state(tmp_path):
    database = tmp_path / "demo.sqlite3"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CI"}}
    env.update(DEBUG="1", DATABASE_URL=f"sqlite:///{database}", HIRING_VAR_DIR=str(tmp_path / "var"))
    migrated = manage("migrate", "--noinput", env=env)
    assert migrated.returncode == 0, migrated.stderr
    seeded = manage("seed_demo", env=env)
    assert seeded.returncode == 0, seeded.stderr
    assert "37 candidates" in seeded.stdout  # 36, and one draft the scheduler books in one click

    # The Insights page works on the embedded database too: it failed there with "Invalid
    # arguments for operator *" (a duration built as minutes times a timedelta).
    shown = manage(
        "shell",
        "-c",
        "from django.test import Client; from django.contrib.auth.models import User; "
        "c = Client(HTTP_HOST='localhost'); c.force_login(User.objects.get(username='recruiter')); "
        "r = c.get('/admin/insights/'); print(r.status_code, r.content.count(b'<table'))",
        env=env,
    )
    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.split()[-2:] == ["200", "13"], shown.stdout

    db = sqlite3.connect(database)
    statuses = dict(db.execute("select status, count(*) from hiring_loop group by status").fetchall())
    assert set(statuses) == {"draft", "scheduled", "in_progress", "awaiting_decision", "hired", "rejected", "withdrawn"}
    assert db.execute("select count(*) from hiring_loop where veto_scorecard_id is not null").fetchone()[0] >= 1
    zones = db.execute("select count(distinct time_zone) from hiring_interviewer").fetchone()[0]
    continents = {row[0].split("/")[0] for row in db.execute("select time_zone from hiring_interviewer")}
    assert db.execute("select count(*) from hiring_interviewer").fetchone()[0] >= 30
    assert zones >= 8
    assert {"America", "Europe", "Africa", "Asia", "Australia"} <= continents
    # Every change went through the services, so every loop has its history.
    loops_without_events = db.execute(
        "select count(*) from hiring_loop l where not exists (select 1 from hiring_event e where e.loop_id = l.id)"
    ).fetchone()[0]
    assert loops_without_events == 0

    # The README's accounts each have something to do at once (issue 12).
    def one(sql: str) -> int:
        return db.execute(sql).fetchone()[0]

    awaiting_for_manager = one(
        "select count(*) from hiring_loop l join hiring_position p on p.id = l.position_id"
        " join auth_user u on u.id = p.hiring_manager_id"
        " where u.username = 'manager' and l.status = 'awaiting_decision'"
    )
    assert awaiting_for_manager >= 1
    amara_rounds = (
        "select r.kind from hiring_round r join hiring_interviewer i on i.id = r.interviewer_id"
        " join auth_user u on u.id = i.user_id where u.username = 'amara' and r.status = 'scheduled'"
    )
    owed = {row[0] for row in db.execute(amara_rounds + " and r.feedback_due_at < datetime('now')")}
    assert "bar_raiser" in owed and len(owed) >= 2
    assert one(amara_rounds.replace("select r.kind", "select count(*)") + " and r.starts_at > datetime('now')") >= 1
    for_recruiter = (
        "select count(*) from hiring_loop l join hiring_position p on p.id = l.position_id"
        " join auth_user u on u.id = p.recruiter_id where u.username = 'recruiter'"
    )
    assert one(for_recruiter + " and l.status = 'draft'") >= 1
    assert one(for_recruiter + " and l.feedback_due_at < datetime('now')") >= 1
    # A seeded veto visibly cancels the rounds still ahead.
    assert (
        one(
            "select count(*) from hiring_round r join hiring_loop l on l.id = r.loop_id"
            " where l.veto_scorecard_id is not null and r.status = 'cancelled'"
        )
        >= 1
    )
    # No candidate sits two rounds at once.
    clashes = one(
        "select count(*) from hiring_round a join hiring_round b on a.loop_id = b.loop_id and a.id < b.id"
        " where a.status in ('scheduled', 'held', 'submitted') and b.status in ('scheduled', 'held', 'submitted')"
        " and a.starts_at < datetime(b.starts_at, '+' || b.duration_minutes || ' minutes')"
        " and b.starts_at < datetime(a.starts_at, '+' || a.duration_minutes || ' minutes')"
    )
    assert clashes == 0
    assert one("select count(distinct notes) from hiring_scorecard") >= 5
    # The README's counts are the command's.
    readme = (ROOT / "README.md").read_text()
    assert "37 employees" in seeded.stdout and "37 employees" in readme
    counts = re.search(r"Seeded (\d+) employees in (\d+) time zones, \w+ positions, (\d+) candidates", seeded.stdout)
    employees, zones, candidates = counts.groups()
    prose = " ".join(readme.split())
    assert f"{employees} employees in {zones} time zones" in prose
    assert f"{candidates} candidates in every state" in prose

    again = manage("seed_demo", env=env)
    assert again.returncode != 0 and "already has candidates" in again.stderr
