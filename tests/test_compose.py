"""docker-compose.yml cannot run here (no Docker engine), so its structure is
checked: the production shape, health checks, env wiring, and that every
command it runs exists in this project."""

import importlib
import re
import shutil
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
SERVICES = COMPOSE["services"]
APP = ["web", "worker", "beat", "migrate"]


def test_it_runs_web_worker_beat_postgres_and_redis():
    assert {"web", "worker", "beat", "postgres", "redis"} <= set(SERVICES)


def test_worker_and_beat_reuse_the_web_image():
    builds = {name: SERVICES[name]["build"] for name in APP}
    images = {SERVICES[name]["image"] for name in APP}
    assert all(build == builds["web"] for build in builds.values())
    assert len(images) == 1
    dockerfile = ROOT / builds["web"]["context"] / builds["web"]["dockerfile"]
    text = dockerfile.read_text()
    assert "pip install" in text and "collectstatic" in text


@pytest.mark.parametrize("name", APP)
def test_app_services_reach_postgres_and_redis_by_service_name(name):
    env = SERVICES[name]["environment"]
    assert re.match(r"postgres://\w+:\w+@postgres:5432/\w+$", env["DATABASE_URL"])
    assert env["REDIS_URL"] == "redis://redis:6379/0"
    assert "SECRET_KEY" in env and ":?" in env["SECRET_KEY"], "a missing SECRET_KEY must stop compose"
    depends = SERVICES[name]["depends_on"]
    assert depends["postgres"]["condition"] == depends["redis"]["condition"] == "service_healthy"


def test_web_worker_and_beat_wait_for_the_migration():
    for name in ("web", "worker", "beat"):
        assert SERVICES[name]["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


@pytest.mark.parametrize("name", ["web", "worker", "postgres", "redis"])
def test_long_running_services_have_health_checks(name):
    check = SERVICES[name]["healthcheck"]
    assert check["test"][0] in {"CMD", "CMD-SHELL"}
    assert check["retries"] >= 3


def test_the_web_health_check_url_exists(client, db):
    from hiring.observability.health import record_heartbeat

    record_heartbeat()  # readiness asks that beat swept recently
    target = SERVICES["web"]["healthcheck"]["test"][-1]
    path = re.search(r"http://127\.0\.0\.1:8000(/\S*?)'", target).group(1)
    response = client.get(path)
    assert response.status_code == 200 and response.json()["status"] == "ok"


def test_every_command_names_a_program_and_module_this_project_has():
    bin_dir = Path(sys.executable).parent
    for name in APP:
        command = SERVICES[name]["command"]
        program = command[0]
        assert shutil.which(program, path=str(bin_dir)) or program == "python", f"{name}: {program} is not installed"
        if program == "gunicorn":
            module, attribute = command[1].split(":")
            assert hasattr(importlib.import_module(module), attribute)
        if program == "celery":
            assert command[1:3] == ["-A", "config"]
            assert importlib.import_module("config").celery_app.main == "hiring"
            assert command[3] in {"worker", "beat"}
        if program == "python":
            assert command[1] == "manage.py" and (ROOT / "manage.py").exists()
