"""Issue 8, fault 3: the demo's worker comes back if it dies (manage.py demo runs
it under hiring.management.commands.demo.Supervisor). The worker riding out a
broker restart is in tests/test_celery_e2e.py."""

from __future__ import annotations

import os
import signal
import sys
import time

from hiring.management.commands.demo import Supervisor
from tests.test_celery_e2e import wait_for


def alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def test_the_demo_starts_its_worker_again_when_it_dies_and_stops_it_for_good_on_exit(tmp_path):
    # A "worker" with a child of its own, as celery's pool and embedded beat are.
    script = (
        "import pathlib, subprocess, sys, time; "
        "child = subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(60)']); "
        f"pathlib.Path({str(tmp_path)!r}, f'child-{{child.pid}}').touch(); time.sleep(60)"
    )
    supervisor = Supervisor([sys.executable, "-c", script], env=dict(os.environ), min_delay=0.1)
    supervisor.start()
    wait_for(lambda: list(tmp_path.glob("child-*")), timeout=20, what="the first worker")
    first = supervisor.process
    [orphan] = [int(path.name.split("-")[1]) for path in tmp_path.glob("child-*")]
    os.kill(first.pid, signal.SIGKILL)  # an OOM kill, or an exit on an error it did not survive
    wait_for(lambda: supervisor.starts == 2, timeout=10, what="the worker to be started again")
    assert supervisor.process.pid != first.pid
    assert supervisor.process.poll() is None
    # What the dead worker left behind (its pool, its beat) is ended with it.
    wait_for(lambda: not alive(orphan), timeout=10, what="the dead worker's child to be ended")

    supervisor.stop()
    assert supervisor.process.poll() is not None
    time.sleep(0.5)
    assert supervisor.starts == 2  # stopped for good: not started again


def test_the_worker_is_configured_to_wait_out_a_broker_outage_however_long():
    """The e2e test restarts a broker under a busy worker; these are the settings that
    let it wait longer than a test can (the default gives up after 100 reconnections)."""
    from config.celery import app

    assert app.conf.broker_connection_retry and app.conf.broker_connection_retry_on_startup
    assert app.conf.broker_connection_max_retries is None
    assert app.conf.broker_channel_error_retry is True
    if str(app.conf.broker_url).startswith("redis"):
        options = app.conf.broker_transport_options
        assert options["retry_on_timeout"] is True
        assert 0 < options["health_check_interval"] < options["socket_timeout"]
