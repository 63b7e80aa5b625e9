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
