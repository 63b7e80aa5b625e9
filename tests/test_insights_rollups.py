"""Insights rollups (issue 12, hiring/services/insights.py): the figures read from the per-day
rollups are the figures read from the raw rows, for every filter, zone and viewer; every write
that can change a figure marks its bucket, in its own transaction, and a marked bucket is read
from the raw rows until a refresh folds it in, so no write is ever missing from the figures.
PostgreSQL only: the triggers and rollups are PostgreSQL's (SQLite reads the raw rows)."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hiring import insights, services
from hiring.models import (
    Decision,
    Event,
    EventKind,
    InsightsDirty,
    InsightsKindDay,
    InsightsLoopDay,
    InsightsPersonDay,
    Loop,
    LoopStatus,
    Rating,
    Round,
    RoundKind,
    Scorecard,
)
from tests.factories import InterviewerFactory
from tests.test_insights import DAY, HOUR, company, figures  # noqa: F401 (company is a fixture)

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="rollups and their triggers are PostgreSQL's"),
]


def everything(result: insights.Insights) -> dict:
    return {key: table.rows for key, table in result.tables.items()}


def both_ways(settings, user, **filters) -> tuple[dict, dict]:
    """(figures from the rollups and the raw rows at the edges, figures from the raw rows only)."""
    filters = {"first_day": None, "last_day": None, **filters}
    settings.HIRING_INSIGHTS_ROLLUPS = True
    folded = everything(figures(user, **filters))
    settings.HIRING_INSIGHTS_ROLLUPS = False
    raw = everything(figures(user, **filters))
    settings.HIRING_INSIGHTS_ROLLUPS = True
    return folded, raw


def bucket(loop: Loop) -> tuple[dt.date, int]:
    loop = Loop.objects.get(pk=loop.pk)
    return loop.created_at.astimezone(dt.UTC).date(), loop.position_id


def marked() -> set[tuple[dt.date, int]]:
    return set(InsightsDirty.objects.values_list("day", "position_id"))


def test_the_folded_rollups_give_the_hand_computed_figures_for_every_viewer_and_filter(company, world, settings):
    recruiter = User.objects.get(pk=world.recruiter.pk)
    manager = User.objects.get(pk=world.manager.pk)
    assert bucket(company.a) in marked()  # the company's writes marked their bucket
    assert services.refresh_insights() >= 1
    assert not marked()
    assert InsightsLoopDay.objects.count() == 1  # one UTC day, one position
    assert InsightsKindDay.objects.count() == 6  # the six round kinds held
    assert InsightsPersonDay.objects.count() == 6  # the six interviewers
    cases = [
        (recruiter, {}),
        (manager, {}),
        (recruiter, {"position_id": world.position.pk}),
        (recruiter, {"department_id": world.position.department_id}),
        (recruiter, {"department_id": world.product.pk}),
        (recruiter, {"first_day": timezone.now().date() - 30 * DAY, "last_day": timezone.now().date() - 30 * DAY}),
    ]
    for user, filters in cases:
        folded, raw = both_ways(settings, user, **filters)
        assert folded == raw, (user, filters)
    folded, _ = both_ways(settings, recruiter)
    assert [r["decided"] for r in folded["time_to_decision_by_position"]] == [3]
    assert {r["interviewer"]: r["late"] for r in folded["feedback_latency"]}["Ivy0 Interviewer"] == 1


def test_a_folded_period_reads_no_raw_scorecard_round_or_event(company, world):
    services.refresh_insights()
    recruiter = User.objects.get(pk=world.recruiter.pk)
    with CaptureQueriesContext(connection) as captured:
        figures(recruiter, first_day=None, last_day=None)
    tables = " ".join(q["sql"] for q in captured.captured_queries)
    assert "hiring_insightsloopday" in tables and "hiring_insightspersonday" in tables
    assert "hiring_scorecard" not in tables and "hiring_event" not in tables
    # Only "overdue now" reads rounds: it moves with the clock, not with a write.
    assert sum("hiring_round" in q["sql"] for q in captured.captured_queries) == 1


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "America/Los_Angeles", "Pacific/Kiritimati", "Asia/Kathmandu"])
def test_the_hours_at_either_end_of_a_zones_days_come_from_the_raw_rows(company, world, settings, zone):
    """A period is whole days in the viewer's zone, rollups are UTC days: a loop that started an
    hour inside the period and one an hour before it share a UTC day, and only the first counts."""
    today = timezone.now().astimezone(ZoneInfo(zone)).date()
    first_day = today - 40 * DAY
    start = dt.datetime.combine(first_day, dt.time(0), ZoneInfo(zone))
    Loop.objects.filter(pk=company.a.pk).update(created_at=start + HOUR, closed_at=start + 5 * DAY)
    Loop.objects.filter(pk=company.b.pk).update(created_at=start - HOUR, closed_at=start + 5 * DAY)
    services.refresh_insights()
    recruiter = User.objects.get(pk=world.recruiter.pk)
    folded, raw = both_ways(settings, recruiter, first_day=first_day, last_day=today, zone=zone)
    assert folded == raw
    # A (hired) and C (vetoed) started inside the period; B an hour before it.
    assert [(r["decided"], r["hired"]) for r in folded["time_to_decision_by_position"]] == [(2, 1)]
    # The last day ends at the zone's midnight, inside a UTC day: a loop an hour before it counts.
    end = dt.datetime.combine(today - 1 * DAY, dt.time(0), ZoneInfo(zone))
    Loop.objects.filter(pk=company.b.pk).update(created_at=end - HOUR)
    services.refresh_insights()
    folded, raw = both_ways(settings, recruiter, first_day=first_day, last_day=today - 2 * DAY, zone=zone)
    assert folded == raw
    assert [r["decided"] for r in folded["time_to_decision_by_position"]] == [3]


def test_a_write_after_the_refresh_counts_at_once_and_after_the_next_refresh(company, world, settings):
    recruiter = User.objects.get(pk=world.recruiter.pk)
    services.refresh_insights()
    before, _ = both_ways(settings, recruiter)
    services.withdraw(loop=company.d, by=world.recruiter, reason="Took another offer.")
    assert bucket(company.d) in marked()
    folded, raw = both_ways(settings, recruiter)
    assert folded == raw != before
    assert {r["department"]: r["count"] for r in folded["veto_by_department"]} == {"Engineering": 4}
    services.refresh_insights()
    assert not marked()
    assert both_ways(settings, recruiter)[0] == raw


def _writes(company):
    a, d = company.a, company.d
    first_round = Round.objects.filter(loop=a).order_by("order").first()
    card = Scorecard.objects.filter(round__loop=a, is_current=True).first()
    return {
        "loop status": lambda: Loop.objects.filter(pk=d.pk).update(status=LoopStatus.WITHDRAWN),
        "loop closed_at": lambda: Loop.objects.filter(pk=a.pk).update(closed_at=timezone.now()),
        "loop started": lambda: Loop.objects.filter(pk=a.pk).update(created_at=timezone.now() - 50 * DAY),
        "round time": lambda: Round.objects.filter(pk=first_round.pk).update(duration_minutes=30),
        "round interviewer": lambda: Round.objects.filter(pk=first_round.pk).update(interviewer=InterviewerFactory()),
        "round added": lambda: Round.objects.create(loop=a, order=99, kind=RoundKind.OTHER),
        "scorecard": lambda: Scorecard.objects.filter(pk=card.pk).update(veto=True, veto_reason="On second thought."),
        "scorecard submitted": lambda: Scorecard.objects.filter(pk=card.pk).update(submitted_at=timezone.now()),
        "rating": lambda: Rating.objects.filter(scorecard=card).update(score=1),
        "rating deleted": lambda: Rating.objects.filter(scorecard=card).delete(),
        "state event": lambda: Event.objects.create(kind=EventKind.LOOP_STATUS_CHANGED, loop=d, data={"to": "x"}),
        "state event moved": lambda: Event.objects.filter(loop=a, kind=EventKind.LOOP_DECIDED).update(
            created_at=timezone.now()
        ),
        "decision": lambda: Decision.objects.filter(loop=a).delete(),
    }


WRITES = [
    "loop status",
    "loop closed_at",
    "loop started",
    "round time",
    "round interviewer",
    "round added",
    "scorecard",
    "scorecard submitted",
    "rating",
    "rating deleted",
    "state event",
    "state event moved",
    "decision",
]


@pytest.mark.parametrize("write", WRITES)
def test_every_write_that_can_change_a_figure_marks_its_loops_bucket(company, world, settings, write):
    """Whoever writes (a service, the admin, a bulk update, a fill script): the triggers mark."""
    services.refresh_insights()
    assert not marked()
    was = bucket(company.a)
    _writes(company)[write]()
    assert was in marked()
    folded, raw = both_ways(settings, User.objects.get(pk=world.recruiter.pk))
    assert folded == raw


def test_writes_that_change_no_figure_mark_nothing(company, world):
    services.refresh_insights()
    Loop.objects.filter(pk=company.d.pk).update(feedback_due_at=timezone.now())
    Event.objects.create(kind=EventKind.CANDIDATE_UPDATED, candidate=company.d.candidate, loop=company.d)
    Scorecard.objects.filter(round__loop=company.a).update(notes="Edited notes.")
    assert not marked()


def test_a_changed_feedback_target_is_read_raw_until_the_rows_are_recounted(company, world, settings):
    recruiter = User.objects.get(pk=world.recruiter.pk)
    services.refresh_insights()
    settings.HIRING_FEEDBACK_TARGET_HOURS = 2
    folded, raw = both_ways(settings, recruiter)
    assert folded == raw
    assert {r["interviewer"]: r["late"] for r in folded["feedback_latency"]}["Ivy0 Interviewer"] == 2
    assert services.mark_stale_targets() == 1
    services.refresh_insights()
    assert set(InsightsPersonDay.objects.values_list("target_seconds", flat=True)) == {7200.0}
    assert both_ways(settings, recruiter)[0] == raw


def test_the_folded_figures_cost_the_same_queries_at_two_sizes(company, world):
    recruiter = User.objects.get(pk=world.recruiter.pk)
    services.refresh_insights()
    with CaptureQueriesContext(connection) as small:
        figures(recruiter, first_day=None, last_day=None)
    for _ in range(3):
        world.awaiting_decision_loop()
    services.refresh_insights()
    recruiter = User.objects.get(pk=world.recruiter.pk)
    with CaptureQueriesContext(connection) as large:
        figures(recruiter, first_day=None, last_day=None)
    assert len(small) == len(large)


def test_the_refresh_command_rebuilds_every_bucket(company, world, settings):
    from django.core.management import call_command

    recruiter = User.objects.get(pk=world.recruiter.pk)
    services.refresh_insights()
    InsightsLoopDay.objects.all().delete()  # lost rollups: --all rebuilds them
    call_command("insights_refresh", "--all", stdout=open("/dev/null", "w"))  # noqa: SIM115
    folded, raw = both_ways(settings, recruiter)
    assert folded == raw
    assert InsightsLoopDay.objects.count() == 1


# Real commits on two connections; the rows the migrations seed (groups, rejection reasons) come back.
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_write_that_commits_while_a_refresh_runs_keeps_its_mark(company, world, settings):
    """The refresh reads the marks it will clear before it reads the rows: a write still open
    then is not in its figures, and its own mark outlives the refresh."""
    services.refresh_insights()
    written, go_on = threading.Event(), threading.Event()
    failures: list[BaseException] = []

    def writer() -> None:
        try:
            with transaction.atomic():
                Loop.objects.filter(pk=company.d.pk).update(status=LoopStatus.WITHDRAWN, closed_at=timezone.now())
                written.set()
                go_on.wait(30)
        except BaseException as exc:
            failures.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=writer)
    thread.start()
    assert written.wait(30)
    InsightsDirty.objects.create(day=bucket(company.a)[0], position_id=world.position.pk)
    assert services.refresh_insights() == 1  # folds the bucket without the open write
    go_on.set()
    thread.join(30)
    assert not failures
    assert bucket(company.d) in marked()
    folded, raw = both_ways(settings, User.objects.get(pk=world.recruiter.pk))
    assert folded == raw
    assert {r["department"]: r["count"] for r in folded["veto_by_department"]} == {"Engineering": 4}


def test_beat_folds_the_marks_with_the_refresh_task(company, settings):
    from hiring import tasks

    assert settings.CELERY_BEAT_SCHEDULE["hiring-insights-refresh"]["task"] == tasks.refresh_insights.name
    assert marked()
    assert tasks.refresh_insights() >= 1
    assert not marked()
