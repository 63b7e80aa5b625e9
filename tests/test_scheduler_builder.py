"""The scheduler's builder: a draft loop in the database becomes a Problem the solver can
answer, in a number of queries that does not grow with the company."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from hiring import services
from hiring.models import BusyBlock, InterviewerPool, Position, RoundKind
from hiring.scheduling.builder import build_problem
from hiring.scheduling.check import violations
from hiring.scheduling.solver import propose
from tests.factories import ANY_HOUR, CandidateFactory, InterviewerFactory, LevelFactory, UserFactory, World

pytestmark = pytest.mark.django_db

UTC = dt.UTC
MONDAY = dt.datetime(2026, 12, 7, tzinfo=UTC)


def window(days: int = 10) -> tuple[dt.datetime, dt.datetime]:
    return MONDAY, MONDAY + dt.timedelta(days=days)


def test_a_draft_loop_gets_proposals_that_keep_every_rule():
    world = World()
    loop = world.start_loop(CandidateFactory(time_zone="Europe/Lisbon"))
    start, end = window()
    problem = build_problem(loop=loop, window_start=start, window_end=end)
    assert {r.kind for r in problem.rounds} == set(loop.rounds.values_list("kind", flat=True))
    assert problem.hiring_department_name == "Engineering"
    result = propose(problem, k=3, time_limit_seconds=10)
    assert result.proposals, result.explanations
    for proposal in result.proposals:
        assert violations(problem, proposal) == []
        bar = next(a for a in proposal.assignments if a.round_id == loop.rounds.get(kind=RoundKind.BAR_RAISER).pk)
        assert bar.interviewer_id == world.bar_raiser.pk


def test_pools_busy_blocks_and_booked_rounds_shape_the_problem():
    world = World()
    loop = world.start_loop(CandidateFactory(time_zone="Europe/Lisbon"))
    technical = InterviewerPool.objects.create(kind=RoundKind.TECHNICAL)
    technical.members.add(world.interviewers[0])
    start, end = window()
    BusyBlock.objects.create(interviewer=world.interviewers[0], starts_at=start, ends_at=start + dt.timedelta(days=2))
    screen = loop.rounds.get(kind=RoundKind.SCREEN)
    services.schedule_round(
        round=screen,
        interviewer=world.interviewers[1],
        starts_at=MONDAY + dt.timedelta(days=1, hours=10),
        by=world.recruiter,
        **ANY_HOUR,
    )
    problem = build_problem(loop=loop, window_start=start, window_end=end)
    assert screen.pk not in {r.id for r in problem.rounds}
    assert [b.interviewer_id for b in problem.booked] == [world.interviewers[1].pk]
    people = {p.id: p for p in problem.people}
    assert world.interviewers[1].pk not in people
    assert people[world.interviewers[0].pk].kinds >= {RoundKind.TECHNICAL}
    assert RoundKind.TECHNICAL not in people[world.interviewers[2].pk].kinds
    assert all(s >= start + dt.timedelta(days=2) for s, _e in people[world.interviewers[0].pk].free)
    result = propose(problem, k=1, time_limit_seconds=10)
    assert result.proposals, result.explanations
    (proposal,) = result.proposals
    assert violations(problem, proposal) == []
    tech = loop.rounds.get(kind=RoundKind.TECHNICAL)
    assert next(a for a in proposal.assignments if a.round_id == tech.pk).interviewer_id == world.interviewers[0].pk


def test_given_candidate_availability_is_used_and_their_other_rounds_are_taken_out():
    world = World()
    loop = world.start_loop(CandidateFactory(time_zone="Asia/Singapore"))
    start, end = window()
    # The same candidate in another position's loop, one round booked Monday 02:00-02:45 UTC.
    position = Position.objects.create(
        title="Product Manager",
        department=world.product,
        hiring_manager=world.manager,
        recruiter=world.recruiter,
        loop_plan=world.plan,
    )
    elsewhere = services.start_loop(candidate=loop.candidate, position=position, by=world.recruiter)
    services.schedule_round(
        round=elsewhere.rounds.order_by("order").first(),
        interviewer=world.interviewers[3],
        starts_at=MONDAY + dt.timedelta(hours=2),
        by=world.recruiter,
        **ANY_HOUR,
    )
    given = [(MONDAY + dt.timedelta(hours=1), MONDAY + dt.timedelta(hours=5))]
    problem = build_problem(loop=loop, window_start=start, window_end=end, candidate_free=given)
    gap = dt.timedelta(minutes=15)
    assert problem.candidate_free == (
        (MONDAY + dt.timedelta(hours=1), MONDAY + dt.timedelta(hours=2) - gap),
        (MONDAY + dt.timedelta(hours=2, minutes=45) + gap, MONDAY + dt.timedelta(hours=5)),
    )
    assert problem.candidate_time_zone == "Asia/Singapore"
    # Without given availability: the candidate's waking hours (08:00-21:00 Singapore).
    waking = build_problem(loop=loop, window_start=start, window_end=end).candidate_free
    assert waking[0] == (MONDAY, MONDAY + dt.timedelta(hours=2) - gap)  # 08:00 local is 00:00 UTC
    assert waking[1][1] == MONDAY + dt.timedelta(hours=13)


def _company(size: int) -> None:
    level = LevelFactory(rank=2)
    for i in range(size):
        InterviewerFactory(user=UserFactory(username=f"extra{size}_{i}"), level=level, time_zone="America/Chicago")


def test_the_builder_makes_the_same_number_of_queries_for_a_small_and_a_larger_company():
    world = World()
    loop = world.start_loop()
    start, end = window()
    counts = []
    for size in (2, 12):
        _company(size)
        with CaptureQueriesContext(connection) as queries:
            problem = build_problem(loop=loop, window_start=start, window_end=end)
        counts.append(len(queries))
        assert len(problem.people) >= 7 + size
    # loop, rounds, pools (3), people, free time (5), load (2), the candidate's other rounds.
    assert counts[0] == counts[1] <= 14, counts
