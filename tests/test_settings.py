"""Settings read the environment and fail at start-up, naming the variable,
when a value is wrong. Each case starts a fresh interpreter, as a deployment would."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def start(**env: str) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "CI"}}
    environment.update({"DJANGO_SETTINGS_MODULE": "config.settings", "DEBUG": "1", **env})
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings; "
            "print(settings.DATABASES['default']['ENGINE'], settings.CELERY_BROKER_URL)",
        ],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DATABASE_URL": "mysql://root@localhost/hiring"}, "DATABASE_URL must be a postgres:// or sqlite:// URL"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL must be a postgres:// or sqlite:// URL"),
        ({"DATABASE_URL": "postgres://user@localhost:5432"}, "DATABASE_URL must name a database"),
        ({"DATABASE_URL": "postgres://user@localhost:notaport/db"}, "DATABASE_URL is not a valid database URL"),
        ({"REDIS_URL": "http://localhost:6379"}, "REDIS_URL must be a redis:// or rediss:// URL"),
        ({"DEBUG": "maybe"}, "DEBUG must be true or false"),
        ({"EMAIL_PORT": "twenty-five"}, "EMAIL_PORT must be a whole number"),
        ({"HIRING_MIN_ROUNDS": "4"}, "HIRING_MIN_ROUNDS must be at least 5"),
        ({"HIRING_PANEL_MIN_DEPARTMENTS": "1"}, "HIRING_PANEL_MIN_DEPARTMENTS must be at least 2"),
        ({"HIRING_DEFAULT_TIME_ZONE": "Mars/Base"}, "HIRING_DEFAULT_TIME_ZONE must be an IANA time zone"),
        ({"HIRING_DEFAULT_TIME_ZONE": "localtime"}, "HIRING_DEFAULT_TIME_ZONE must be an IANA time zone"),
        ({"DEBUG": "0", "SECRET_KEY": ""}, "SECRET_KEY must be set when DEBUG is off"),
    ],
)
def test_a_bad_setting_fails_at_start_up_naming_the_variable(env, message):
    result = start(**env)
    assert result.returncode != 0
    assert message in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_with_no_variables_it_runs_on_sqlite_and_a_serverless_broker():
    result = start()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.sqlite3", "filesystem://"]


def test_postgres_and_redis_are_switched_on_by_their_variables():
    result = start(DATABASE_URL="postgres://postgres@127.0.0.1:5432/hiring", REDIS_URL="redis://127.0.0.1:6379/0")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "redis://127.0.0.1:6379/0"]
