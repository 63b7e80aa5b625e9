"""A veto racing a hire, on two real PostgreSQL connections (rule 4).

Both services lock the loop row first, so whichever commits second sees what
the first did. These tests run the two at once and check that no run ends in
a hire on a vetoed loop.
"""

import os
import threading

import pytest
from django.db import connection, transaction

from hiring import services
from hiring.models import Decision, Loop, LoopStatus, Recommendation, RoundKind
from hiring.rules import DomainError

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="row locks need PostgreSQL; CI always runs this (DATABASE_URL is required there)",
    ),
]


def veto(loop: Loop) -> None:
    round_ = loop.rounds.select_related("interviewer__user").get(kind=RoundKind.BAR_RAISER)
    services.amend_scorecard(
        round=round_,
        by=round_.interviewer.user,
        ratings={c.pk: 1 for c in round_.competencies.all()},
        recommendation=Recommendation.STRONG_NO,
        veto=True,
        veto_reason="Misrepresented past work.",
    )


def hire(loop: Loop, manager) -> None:
    services.decide(loop=loop, outcome="hire", by=manager, reason="Strong panel")


def run_in_thread(target, results: dict, key: str, *args) -> threading.Thread:
    def body():
        try:
            target(*args)
            results[key] = "ok"
        except DomainError as exc:
            results[key] = exc.message
        finally:
            connection.close()  # each thread has its own connection; give it back

    thread = threading.Thread(target=body)
    thread.start()
    return thread


def test_a_hire_waits_for_a_veto_holding_the_loop_and_is_then_refused(world):
    loop = world.awaiting_decision_loop()
    locked, release = threading.Event(), threading.Event()
    results: dict = {}

    def veto_and_hold():
        # The veto runs inside an outer transaction that stays open until released,
        # so its row lock is held while the hire tries.
        with transaction.atomic():
            veto(loop)
            locked.set()
            release.wait(10)

    vetoer = run_in_thread(veto_and_hold, results, "veto")
    assert locked.wait(10)
    hirer = run_in_thread(hire, results, "hire", loop, world.manager)
    hirer.join(1.0)
    assert hirer.is_alive(), "the hire must wait on the loop's row lock, not read a stale loop"
    release.set()
    vetoer.join(10)
    hirer.join(10)

    assert results["veto"] == "ok"
    assert "vetoed" in results["hire"]
    loop.refresh_from_db()
    assert loop.status == LoopStatus.REJECTED and loop.is_vetoed
    assert not Decision.objects.filter(loop=loop).exists()


def test_a_veto_after_a_committed_hire_is_refused_and_the_hire_stands_alone(world):
    loop = world.awaiting_decision_loop()
    locked, release = threading.Event(), threading.Event()
    results: dict = {}

    def hire_and_hold():
        with transaction.atomic():
            hire(loop, world.manager)
            locked.set()
            release.wait(10)

    hirer = run_in_thread(hire_and_hold, results, "hire")
    assert locked.wait(10)
    vetoer = run_in_thread(veto, results, "veto", loop)
    vetoer.join(1.0)
    assert vetoer.is_alive()
    release.set()
    hirer.join(10)
    vetoer.join(10)

    assert results["hire"] == "ok"
    assert "hired and closed" in results["veto"]
    loop.refresh_from_db()
    assert loop.status == LoopStatus.HIRED and not loop.is_vetoed


@pytest.mark.parametrize("attempt", range(8))
def test_a_veto_and_a_hire_started_together_never_end_in_a_vetoed_hire(world, attempt):
    loop = world.awaiting_decision_loop()
    barrier = threading.Barrier(2)
    results: dict = {}

    def at_once(action, *args):
        barrier.wait(5)
        action(*args)

    threads = [
        run_in_thread(at_once, results, "veto", veto, loop),
        run_in_thread(at_once, results, "hire", hire, loop, world.manager),
    ]
    for thread in threads:
        thread.join(15)

    loop.refresh_from_db()
    winners = [key for key, value in results.items() if value == "ok"]
    assert len(winners) == 1, results
    if winners == ["veto"]:
        assert loop.status == LoopStatus.REJECTED and loop.is_vetoed
        assert not Decision.objects.filter(loop=loop).exists()
    else:
        assert loop.status == LoopStatus.HIRED and not loop.is_vetoed
