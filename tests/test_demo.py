"""The demo: `manage.py seed_demo` fills an empty SQLite database with a company
and candidates in every state, through the services."""

import os
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
    assert "36 candidates" in seeded.stdout

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

    again = manage("seed_demo", env=env)
    assert again.returncode != 0 and "already has candidates" in again.stderr
