"""Settings read the environment and fail at start-up, naming the variable,
when a value is wrong. Each case starts a fresh interpreter, as a deployment would."""

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

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


# --- issue 8, fault 10: production settings complete from the environment -----------------

COMPOSE_VARIABLE = re.compile(r"\$\{(?P<name>\w+)(?:(?P<op>:?[-?])(?P<arg>[^}]*))?\}")


def compose_environment(service: str, **given: str) -> dict[str, str]:
    """The environment docker compose would give `service`: each ${NAME:-default} takes its
    default unless NAME is given, ${NAME:?message} must be given (as compose insists)."""
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())

    def substitute(match: re.Match) -> str:
        name, op = match["name"], match["op"]
        if name in given:
            return given[name]
        if op and op.endswith("?"):
            raise AssertionError(f"compose refuses to start without {name}")
        return match["arg"] or ""

    return {
        key: COMPOSE_VARIABLE.sub(substitute, str(value))
        for key, value in compose["services"][service]["environment"].items()
    }


def test_check_deploy_passes_with_the_production_variables_of_the_web_service():
    env = compose_environment("web", SECRET_KEY=secrets.token_urlsafe(50))
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "CI"} and not k.startswith("SECURE_")}
    environment.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_the_production_variables_turn_on_hsts_the_proxy_header_and_a_strict_policy():
    env = compose_environment("web", SECRET_KEY=secrets.token_urlsafe(50))
    code = (
        "import django; django.setup(); from django.conf import settings as s; import json; "
        "print(json.dumps([s.SECURE_HSTS_SECONDS, s.SECURE_PROXY_SSL_HEADER, s.SECURE_SSL_REDIRECT, "
        "s.SESSION_COOKIE_SECURE, s.CONTENT_SECURITY_POLICY['DIRECTIVES']]))"
    )
    environment = {k: v for k, v in os.environ.items() if k not in {"DEBUG", "CI"} and not k.startswith("SECURE_")}
    environment.update(env, DJANGO_SETTINGS_MODULE="config.settings")
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    hsts, proxy, redirect, secure_cookie, csp = json.loads(result.stdout)
    assert hsts >= 31536000 and proxy == ["HTTP_X_FORWARDED_PROTO", "https"] and redirect and secure_cookie
    assert csp["script-src"] == ["'self'"] and csp["style-src"] == ["'self'"]
    assert csp["default-src"] == ["'none'"] and csp["frame-ancestors"] == ["'none'"]
    assert not any("unsafe" in source for sources in csp.values() for source in sources)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SECURE_PROXY_SSL_HEADER": "X-Forwarded-Proto"}, "SECURE_PROXY_SSL_HEADER must look like"),
        ({"SECURE_PROXY_SSL_HEADER": "X Forwarded,https"}, "SECURE_PROXY_SSL_HEADER must look like"),
        ({"SECURE_HSTS_SECONDS": "a year"}, "SECURE_HSTS_SECONDS must be a whole number"),
        ({"SECURE_HSTS_PRELOAD": "perhaps"}, "SECURE_HSTS_PRELOAD must be true or false"),
    ],
)
def test_a_bad_transport_setting_fails_at_start_up_naming_the_variable(env, message):
    result = start(**env)
    assert result.returncode != 0
    assert message in result.stderr


def test_the_pages_carry_hsts_and_the_policy_when_configured(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 3600
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    response = client.get("/accounts/login/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert response["Strict-Transport-Security"].startswith("max-age=3600")
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    # Over plain http there is no HSTS header (browsers ignore it there anyway).
    assert "Strict-Transport-Security" not in client.get("/accounts/login/")
