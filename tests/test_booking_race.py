"""Rule 10 under a race, on two real PostgreSQL connections.

The services check for a clash under the loop's row lock, but two loops (of one
candidate, or sharing an interviewer) lock different rows: both checks can pass
before either commits. The exclusion constraints of migration 0014 settle it: the
second write waits for the first transaction, then is refused, and the refusal is
the same DomainError (with its code) as the services' own check.
"""

from __future__ import annotations

import datetime as dt
import os
import threading

import pytest
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from hiring import services
from hiring.models import Position, Round, RoundStatus
from hiring.rules import DomainError
from tests.factories import ANY_HOUR, CandidateFactory

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(
        not os.environ.get("DATABASE_URL", "").startswith("postgres"),
        reason="exclusion constraints need PostgreSQL; CI always runs this (DATABASE_URL is required there)",
    ),
]


def book(world, round_: Round, interviewer, starts_at: dt.datetime) -> Round:
    return services.schedule_round(
        round=round_, interviewer=interviewer, starts_at=starts_at, by=world.recruiter, **ANY_HOUR
    )


def race(first, second) -> dict:
    """Run `first` in a transaction held open until `second` has started and is seen
    waiting; then let `first` commit. Returns what each ended with: "ok" or the code."""
    booked, release = threading.Event(), threading.Event()
    results: dict = {}

    def run(key, target, hold):
        try:
            with transaction.atomic():
                target()
                if hold:
                    booked.set()
                    release.wait(10)
            results[key] = "ok"
        except DomainError as exc:
            results[key] = exc.code
        finally:
            booked.set()
            connection.close()  # each thread has its own connection; give it back

    one = threading.Thread(target=run, args=("first", first, True))
    one.start()
    assert booked.wait(10)
    two = threading.Thread(target=run, args=("second", second, False))
    two.start()
    two.join(1.0)
    # The second booking passed the services' check (it cannot see the first, not yet
    # committed) and now waits on the constraint for the first transaction to end.
    assert two.is_alive(), "the second booking must wait on the exclusion constraint"
    release.set()
    one.join(10)
    two.join(10)
    return results


def second_position(world) -> Position:
    return Position.objects.create(
        title="Platform Engineer",
        department=world.engineering,
        hiring_manager=world.manager,
        recruiter=world.recruiter,
        loop_plan=world.plan,
    )


def test_two_loops_booking_one_candidate_at_overlapping_times_end_with_one_booking(world):
    candidate = CandidateFactory()
    one = world.start_loop(candidate)
    two = services.start_loop(candidate=candidate, position=second_position(world), by=world.recruiter)
    start = timezone.now() + dt.timedelta(days=3)
    first_round, second_round = one.rounds.get(order=1), two.rounds.get(order=1)

    results = race(
        lambda: book(world, first_round, world.manager.interviewer, start),
        lambda: book(world, second_round, world.interviewers[0], start + dt.timedelta(minutes=30)),
    )

    assert results == {"first": "ok", "second": "candidate_busy"}
    assert Round.objects.filter(candidate=candidate, status=RoundStatus.SCHEDULED).count() == 1


def test_two_loops_booking_one_interviewer_at_overlapping_times_end_with_one_booking(world):
    one, two = world.start_loop(), world.start_loop()
    start = timezone.now() + dt.timedelta(days=3)
    ivy = world.interviewers[0]

    results = race(
        lambda: book(world, one.rounds.get(order=1), ivy, start),
        lambda: book(world, two.rounds.get(order=1), ivy, start + dt.timedelta(minutes=15)),
    )

    assert results == {"first": "ok", "second": "interviewer_busy"}
    assert Round.objects.filter(interviewer=ivy, status=RoundStatus.SCHEDULED).count() == 1


def test_the_database_refuses_a_candidate_gap_too_short_even_past_the_services(world, settings):
    settings.HIRING_CANDIDATE_MIN_GAP_MINUTES = 15
    loop = world.start_loop()
    first, second = loop.rounds.get(order=1), loop.rounds.get(order=2)
    start = timezone.now() + dt.timedelta(days=3)
    book(world, first, world.manager.interviewer, start)  # 45 minutes, free again 15 minutes later
    book(world, second, world.interviewers[0], start + dt.timedelta(hours=2))
    # A raw write that skips the services: 50 minutes after the first start is only 5 after its end.
    moved = start + dt.timedelta(minutes=50)
    with pytest.raises(IntegrityError, match="round_candidate_not_double_booked"), transaction.atomic():
        Round.objects.filter(pk=second.pk).update(
            starts_at=moved,
            booked_until=moved + dt.timedelta(minutes=45),
            candidate_free_at=moved + dt.timedelta(minutes=60),
        )
