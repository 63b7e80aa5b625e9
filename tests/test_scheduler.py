"""The scheduler (issue 9): pure Problems in, proposals that keep every rule out.

No database here: hiring.scheduling.problem is plain data, so hypothesis can try many
small companies quickly. check.violations is the oracle; these tests also check the
oracle's key rules directly (local hours, local days) so a bug in both cannot hide.
"""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hiring.scheduling.check import meaningfully_different, violations
from hiring.scheduling.greedy import propose_greedy
from hiring.scheduling.intervals import daily_windows, subtract
from hiring.scheduling.problem import BookedSeat, OpenRound, Person, Problem
from hiring.scheduling.solver import explain_infeasible, propose

UTC = dt.UTC
MONDAY = dt.datetime(2026, 12, 7, tzinfo=UTC)
KINDS = ("screen", "technical", "system_design", "culture", "hiring_manager")
ENGINEERING = 1


def person(
    pid: int,
    *,
    zone: str = "UTC",
    department: int = 2,
    level: int = 1,
    kinds=KINDS,
    bar_raiser: bool = False,
    hours: tuple[int, int] = (9 * 60, 17 * 60),
    weekdays=range(5),
    busy=(),
    start: dt.datetime = MONDAY,
    days: int = 40,
    **limits,
) -> Person:
    free = daily_windows(
        zone,
        start - dt.timedelta(days=2),
        start + dt.timedelta(days=days),
        from_minute=hours[0],
        to_minute=hours[1],
        weekdays=weekdays,
    )
    return Person(
        id=pid,
        name=f"Person {pid}",
        department_id=department,
        department_name=f"Department {department}",
        level_rank=level,
        level_name=f"Level {level}",
        time_zone=zone,
        is_bar_raiser=bar_raiser,
        kinds=frozenset(kinds),
        free=tuple(subtract(free, busy)),
        **limits,
    )


def plan(kinds=("screen", "technical", "system_design", "culture", "bar_raiser"), minutes=60) -> tuple[OpenRound, ...]:
    return tuple(
        OpenRound(
            id=100 + i,
            order=i,
            kind=kind,
            title=kind.replace("_", " ").title(),
            duration_minutes=minutes,
            is_bar_raiser_round=kind == "bar_raiser",
        )
        for i, kind in enumerate(kinds)
    )


def problem(people, *, rounds=None, candidate_zone="UTC", days=10, start=MONDAY, candidate_free=None, **kw) -> Problem:
    end = start + dt.timedelta(days=days)
    if candidate_free is None:
        candidate_free = daily_windows(candidate_zone, start, end, from_minute=8 * 60, to_minute=21 * 60)
    return Problem(
        loop_id=1,
        hiring_department_id=ENGINEERING,
        hiring_department_name="Engineering",
        rounds=rounds if rounds is not None else plan(),
        booked=kw.pop("booked", ()),
        people=tuple(people),
        candidate_free=tuple(candidate_free),
        candidate_time_zone=candidate_zone,
        window_start=start,
        window_end=end,
        **kw,
    )


def assert_valid(prob: Problem, result) -> None:
    assert result.proposals, result.explanations
    for proposal in result.proposals:
        assert violations(prob, proposal) == []
    for earlier, later in zip(result.proposals, result.proposals[1:], strict=False):
        assert earlier.score <= later.score
    for i, a in enumerate(result.proposals):
        for b in result.proposals[i + 1 :]:
            assert meaningfully_different(prob, a, b)


def local_minutes(instant: dt.datetime, zone: str) -> tuple[dt.date, int]:
    moment = instant.astimezone(ZoneInfo(zone))
    return moment.date(), moment.hour * 60 + moment.minute


# --- Basic behaviour ---------------------------------------------------------------


def small_company() -> list[Person]:
    return [
        person(1, department=ENGINEERING, level=1),
        person(2, department=ENGINEERING, level=2),
        person(3, department=2, level=2),
        person(4, department=2, level=3),
        person(5, department=3, level=1),
        person(6, department=3, level=3, bar_raiser=True, kinds=()),
        person(7, department=ENGINEERING, level=3, bar_raiser=True),
    ]


def test_it_proposes_three_different_complete_panels_best_first():
    prob = problem(small_company())
    result = propose(prob, k=3, time_limit_seconds=10)
    assert len(result.proposals) == 3
    assert_valid(prob, result)
    best = result.proposals[0]
    # The earliest possible finish: two days of three rounds (the candidate's cap), from Monday 9:00 UTC.
    assert best.finishes_at.date() == dt.date(2026, 12, 8)
    bar = next(a for a in best.assignments if a.round_id == 104)
    assert bar.interviewer_id == 6  # the only trained bar raiser outside Engineering
    assert set(best.why) == {r.id for r in prob.rounds}
    assert "bar raiser" in best.why[104]


def test_rounds_keep_the_plans_order_and_the_candidates_gap():
    prob = problem(small_company(), candidate_min_gap_minutes=30, candidate_max_rounds_per_day=5)
    result = propose(prob, k=1, time_limit_seconds=10)
    assert_valid(prob, result)
    starts = [a.starts_at for a in sorted(result.proposals[0].assignments, key=lambda a: a.round_id)]
    assert starts == sorted(starts)
    for a, b in itertools.pairwise(starts):
        assert b - a >= dt.timedelta(minutes=90)


def test_a_booked_round_of_the_loop_counts_for_the_panel_and_blocks_its_interviewer_and_time():
    seat = BookedSeat(
        interviewer_id=3,
        department_id=2,
        level_rank=2,
        starts_at=MONDAY + dt.timedelta(hours=9),
        ends_at=MONDAY + dt.timedelta(hours=10),
        order=0,
    )
    prob = problem(small_company(), rounds=plan()[1:], booked=(seat,))
    result = propose(prob, k=2, time_limit_seconds=10)
    assert_valid(prob, result)
    for proposal in result.proposals:
        assert 3 not in {a.interviewer_id for a in proposal.assignments}
        assert min(a.starts_at for a in proposal.assignments) >= seat.ends_at + dt.timedelta(minutes=15)


def test_load_limits_count_the_interviewers_own_local_day_and_week():
    # The only bar raiser (Auckland) already has their one interview of the day on their
    # Tuesday 8 Dec and a full week after it: the round lands on another day of their week 50.
    br = person(
        6,
        zone="Pacific/Auckland",
        department=3,
        level=3,
        bar_raiser=True,
        kinds=(),
        max_per_day=1,
        max_per_week=3,
        booked_per_day={dt.date(2026, 12, 8): 1},
        booked_per_week={(2026, 51): 3},
    )
    people = [p for p in small_company() if p.id != 6] + [br]
    prob = problem(
        people, rounds=plan(("bar_raiser",)), candidate_zone="Pacific/Auckland", min_departments=1, min_levels=1
    )
    result = propose(prob, k=3, time_limit_seconds=10)
    assert_valid(prob, result)
    for proposal in result.proposals:
        (a,) = proposal.assignments
        day, _minute = local_minutes(a.starts_at, "Pacific/Auckland")
        assert day != dt.date(2026, 12, 8)
        assert day.isocalendar()[1] == 50


# --- The solver against the greedy baseline ---------------------------------------


def test_greedy_fails_where_the_solver_succeeds():
    # Grace is the only trained bar raiser outside Engineering, and the earliest free
    # technical interviewer. First-fit gives her the technical round and is then stuck.
    grace = person(1, department=2, level=3, bar_raiser=True, kinds=("technical",), hours=(7 * 60, 17 * 60))
    others = [
        person(2, department=ENGINEERING, level=1, kinds=("screen", "technical")),
        person(3, department=ENGINEERING, level=2, kinds=("culture",)),
        person(4, department=ENGINEERING, level=1, kinds=("technical",), hours=(13 * 60, 17 * 60)),
    ]
    prob = problem([grace, *others], rounds=plan(("screen", "technical", "culture", "bar_raiser")))
    assert not propose_greedy(prob).proposals
    result = propose(prob, k=1, time_limit_seconds=10)
    assert_valid(prob, result)
    seats = {a.round_id: a.interviewer_id for a in result.proposals[0].assignments}
    assert seats[103] == 1  # Grace raises the bar
    assert seats[101] == 4


def test_greedy_finds_the_easy_panel_too():
    prob = problem(small_company())
    result = propose_greedy(prob)
    assert len(result.proposals) == 1
    assert violations(prob, result.proposals[0]) == []


# --- When nothing fits, say why ---------------------------------------------------


def test_no_bar_raiser_free_in_the_window_names_the_nearest():
    grace = person(6, department=3, level=3, bar_raiser=True, kinds=(), start=MONDAY + dt.timedelta(days=14))
    grace = Person(**{**grace.__dict__, "name": "Grace"})
    people = [p for p in small_company() if p.id != 6] + [grace]
    prob = problem(people, days=10)
    result = propose(prob, k=3, time_limit_seconds=5)
    assert not result.proposals
    text = " ".join(result.explanations)
    assert "No trained bar raiser outside Engineering is free in the window" in text
    assert "Grace" in text and "21 Dec" in text


def test_an_empty_window_or_no_open_round_is_said_plainly():
    empty = problem(small_company(), days=0)
    assert propose(empty).explanations == ("The window must end after it starts.",)
    nothing = problem(small_company(), rounds=())
    assert propose(nothing).explanations == ("Every round of this loop is already booked.",)


def test_no_bar_raiser_outside_the_hiring_department_at_all():
    people = [p for p in small_company() if p.id != 6]
    result = propose(problem(people), k=1, time_limit_seconds=5)
    assert result.explanations == ("No trained bar raiser outside Engineering.",)


def test_too_few_departments_free_together_is_explained_by_relaxing_variety():
    people = [
        person(1, department=ENGINEERING, level=1),
        person(2, department=ENGINEERING, level=2),
        person(3, department=ENGINEERING, level=1),
        person(4, department=ENGINEERING, level=2),
        person(6, department=3, level=3, bar_raiser=True, kinds=()),
    ]
    prob = problem(people, min_departments=3)
    assert not propose(prob, k=1, time_limit_seconds=5).proposals
    explanations = explain_infeasible(prob, time_limit_seconds=4)
    assert any("departments" in e for e in explanations), explanations


def test_a_window_too_short_says_when_the_earliest_panel_would_end():
    # One day for five rounds at three a day; the candidate's availability runs on past it:
    # three rounds on Monday from 9:00 with 15-minute breaks, two on Tuesday, the last ending 11:15.
    candidate = daily_windows("UTC", MONDAY, MONDAY + dt.timedelta(days=5), from_minute=8 * 60, to_minute=21 * 60)
    prob = problem(small_company(), days=1, candidate_max_rounds_per_day=3, candidate_free=candidate)
    result = propose(prob, k=1, time_limit_seconds=5)
    assert not result.proposals
    assert "The candidate would need more than 3 rounds a day; widen the window." in result.explanations
    assert (
        "No complete panel fits in the window; the earliest one ends Tue 8 Dec 11:15 UTC. Widen the window."
        in result.explanations
    ), result.explanations


# --- Zones that make it hard -------------------------------------------------------


def assert_inside_local_hours(prob: Problem, result, hours=(9 * 60, 17 * 60)) -> None:
    zones = {p.id: p.time_zone for p in prob.people}
    for proposal in result.proposals:
        for a in proposal.assignments:
            zone = zones[a.interviewer_id]
            day_s, start = local_minutes(a.starts_at, zone)
            day_e, end = local_minutes(a.ends_at, zone)
            assert day_s == day_e and hours[0] <= start and end <= hours[1], (zone, a)
            assert a.starts_at.astimezone(ZoneInfo(zone)).weekday() < 5


def test_a_panel_spanning_kiritimati_and_pago_pago():
    # +14 and -11: the same instant is two dates apart on the calendar. Their working days
    # overlap the candidate (in Honolulu, -10) only near its evening/morning edges.
    people = [
        person(1, zone="Pacific/Kiritimati", department=ENGINEERING, level=1),
        person(2, zone="Pacific/Pago_Pago", department=2, level=2),
        person(3, zone="Pacific/Kiritimati", department=2, level=3),
        person(4, zone="Pacific/Pago_Pago", department=ENGINEERING, level=2),
        person(5, zone="Pacific/Kiritimati", department=3, level=1),
        person(6, zone="Pacific/Pago_Pago", department=3, level=3, bar_raiser=True, kinds=(), max_per_day=1),
    ]
    prob = problem(people, candidate_zone="Pacific/Honolulu", days=14)
    result = propose(prob, k=3, time_limit_seconds=10)
    assert_valid(prob, result)
    assert_inside_local_hours(prob, result)
    zones_used = {prob.people[a.interviewer_id - 1].time_zone for p in result.proposals for a in p.assignments}
    assert zones_used == {"Pacific/Kiritimati", "Pacific/Pago_Pago"}


def test_kathmandu_and_lord_howe_quarter_and_half_hour_offsets():
    # Lord Howe moves by 30 minutes at DST (first Sunday of April / October).
    start = dt.datetime(2026, 10, 2, tzinfo=UTC)
    people = [
        person(1, zone="Asia/Kathmandu", department=ENGINEERING, level=1, start=start),
        person(2, zone="Australia/Lord_Howe", department=2, level=2, start=start),
        person(3, zone="Asia/Kathmandu", department=2, level=3, start=start),
        person(4, zone="Australia/Lord_Howe", department=3, level=1, start=start),
        person(5, zone="Asia/Kathmandu", department=3, level=2, start=start),
        person(6, zone="Australia/Lord_Howe", department=4, level=3, bar_raiser=True, kinds=(), start=start),
    ]
    prob = problem(people, candidate_zone="Asia/Kathmandu", days=14, start=start, candidate_max_rounds_per_day=1)
    result = propose(prob, k=3, time_limit_seconds=10)
    assert_valid(prob, result)
    assert_inside_local_hours(prob, result)
    # One round a day from Friday 2 October: the bar raiser (the only one, in Lord Howe, last
    # in the plan) sits after the change on Sunday 4 October.
    lord_howe = [
        a
        for p in result.proposals
        for a in p.assignments
        if prob.people[a.interviewer_id - 1].time_zone == "Australia/Lord_Howe"
    ]
    assert any(a.starts_at >= dt.datetime(2026, 10, 4, tzinfo=UTC) for a in lord_howe)


@pytest.mark.parametrize(
    ("zone", "change"),
    [("America/New_York", dt.date(2026, 11, 1)), ("Europe/Berlin", dt.date(2026, 10, 25))],
)
def test_a_week_with_a_daylight_saving_change(zone, change):
    start = dt.datetime.combine(change - dt.timedelta(days=3), dt.time(0), UTC)
    people = [
        person(1, zone=zone, department=ENGINEERING, level=1, start=start, weekdays=range(7)),
        person(2, zone=zone, department=2, level=2, start=start, weekdays=range(7)),
        person(3, zone=zone, department=2, level=3, start=start, weekdays=range(7)),
        person(4, zone=zone, department=3, level=1, start=start, weekdays=range(7)),
        person(5, zone=zone, department=3, level=2, start=start, weekdays=range(7)),
        person(6, zone=zone, department=4, level=3, bar_raiser=True, kinds=(), start=start, weekdays=range(7)),
    ]
    # The candidate can only do 9:00-10:00 their (same) zone's time: one round a day,
    # so the rounds straddle the change and the UTC hour must move with it.
    candidate = daily_windows(zone, start, start + dt.timedelta(days=8), from_minute=9 * 60, to_minute=10 * 60)
    prob = problem(people, candidate_zone=zone, days=8, start=start, candidate_free=candidate)
    result = propose(prob, k=1, time_limit_seconds=10)
    assert_valid(prob, result)
    hours = {a.starts_at.hour for a in result.proposals[0].assignments}
    assert len(hours) == 2  # one UTC hour before the change, another after
    for a in result.proposals[0].assignments:
        assert local_minutes(a.starts_at, zone)[1] == 9 * 60


def test_night_shift_hours_cross_midnight():
    people = [p for p in small_company() if p.id != 6]
    night = person(6, department=3, level=3, bar_raiser=True, kinds=(), hours=(22 * 60, 6 * 60), weekdays=range(7))
    candidate = daily_windows("UTC", MONDAY, MONDAY + dt.timedelta(days=10), from_minute=0, to_minute=0)
    prob = problem([*people, night], candidate_free=candidate)
    result = propose(prob, k=1, time_limit_seconds=10)
    assert_valid(prob, result)
    bar = next(a for a in result.proposals[0].assignments if a.round_id == 104)
    hour = bar.starts_at.hour
    assert hour >= 22 or hour < 6


# --- Random small companies ---------------------------------------------------------

ZONES = [
    "UTC",
    "America/New_York",
    "America/Los_Angeles",
    "Europe/Berlin",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tokyo",
    "Australia/Lord_Howe",
    "Pacific/Kiritimati",
    "Pacific/Pago_Pago",
    "Pacific/Auckland",
]


@st.composite
def companies(draw):
    n = draw(st.integers(min_value=3, max_value=9))
    start = MONDAY + dt.timedelta(days=draw(st.integers(min_value=-60, max_value=60)))
    people = []
    for pid in range(1, n + 1):
        begin = draw(st.sampled_from([6, 8, 9, 12, 20])) * 60
        length = draw(st.sampled_from([4, 8, 10])) * 60
        busy_at = start + dt.timedelta(hours=draw(st.integers(min_value=0, max_value=24 * 10)))
        busy = [(busy_at, busy_at + dt.timedelta(hours=draw(st.integers(min_value=1, max_value=30))))]
        max_day = draw(st.one_of(st.none(), st.integers(min_value=1, max_value=3)))
        people.append(
            person(
                pid,
                zone=draw(st.sampled_from(ZONES)),
                department=draw(st.integers(min_value=1, max_value=3)),
                level=draw(st.integers(min_value=1, max_value=3)),
                kinds=draw(st.sets(st.sampled_from(KINDS), min_size=1)),
                bar_raiser=draw(st.booleans()),
                hours=(begin, (begin + length) % (24 * 60)),
                weekdays=draw(st.sampled_from([range(5), (6, 0, 1, 2, 3), range(7)])),
                busy=busy,
                start=start,
                max_per_day=max_day,
                booked_per_day={start.date() + dt.timedelta(days=1): 1},
                max_per_week=draw(st.one_of(st.none(), st.integers(min_value=1, max_value=5))),
            )
        )
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=2, max_size=4))
    rounds = plan((*kinds, "bar_raiser"), minutes=draw(st.sampled_from([30, 45, 60])))
    return problem(
        people,
        rounds=rounds,
        candidate_zone=draw(st.sampled_from(ZONES)),
        days=draw(st.integers(min_value=2, max_value=12)),
        start=start,
        ordered=draw(st.booleans()),
        candidate_max_rounds_per_day=draw(st.integers(min_value=1, max_value=4)),
        candidate_min_gap_minutes=draw(st.sampled_from([0, 15, 30])),
    )


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(companies())
def test_every_proposal_for_a_random_company_keeps_every_rule(prob):
    result = propose(prob, k=3, time_limit_seconds=3, explain=False)
    for proposal in result.proposals:
        assert violations(prob, proposal) == []
        for a in proposal.assignments:
            person_ = next(p for p in prob.people if p.id == a.interviewer_id)
            assert any(s <= a.starts_at and a.ends_at <= e for s, e in person_.free)
    if result.proposals:
        assert_valid(prob, result)
    greedy = propose_greedy(prob)
    if greedy.proposals:
        # Whatever greedy finds, the solver finds too (it is complete on these sizes).
        assert result.proposals or result.timed_out
