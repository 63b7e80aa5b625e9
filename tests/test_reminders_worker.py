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


def test_the_demo_starts_its_worker_again_when_it_dies_and_stops_it_for_good_on_exit():
    supervisor = Supervisor([sys.executable, "-c", "import time; time.sleep(60)"], env=dict(os.environ), min_delay=0.1)
    supervisor.start()
    wait_for(lambda: supervisor.starts == 1, timeout=10, what="the first worker")
    first = supervisor.process
    os.kill(first.pid, signal.SIGKILL)  # an OOM kill, or an exit on an error it did not survive
    wait_for(lambda: supervisor.starts == 2, timeout=10, what="the worker to be started again")
    assert supervisor.process.pid != first.pid
    assert supervisor.process.poll() is None

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
