"""The availability services (issue 9): validated, keyword-only, a person's own or a
recruiter's, nothing half-written on bad input."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from hiring import services
from hiring.models import InterviewerPool, RoundKind, TimeOff, WeeklyHours
from hiring.rules import NotPermitted
from hiring.services import HoursSpec

T = dt.time
UTC = dt.UTC


def test_an_interviewer_sets_a_sunday_to_thursday_week(world):
    ivy = world.interviewers[0]
    week = [HoursSpec(day, T(8, 30), T(17)) for day in (7, 1, 2, 3, 4)]
    services.set_weekly_hours(interviewer=ivy, intervals=week, by=ivy.user)
    assert sorted(WeeklyHours.objects.filter(interviewer=ivy).values_list("weekday", flat=True)) == [1, 2, 3, 4, 7]
    ivy.refresh_from_db()
    assert (ivy.work_start, ivy.work_end, ivy.work_days) == (T(8, 30), T(17), "12347")


def test_a_night_shift_is_kept_and_leaves_the_summary_alone(world):
    ivy = world.interviewers[0]
    services.set_weekly_hours(interviewer=ivy, intervals=[HoursSpec(1, T(22), T(6))], by=world.recruiter)
    ivy.refresh_from_db()
    assert WeeklyHours.objects.get(interviewer=ivy).crosses_midnight
    assert ivy.work_start < ivy.work_end  # the summary's own constraint still holds


@pytest.mark.parametrize(
    "intervals",
    [
        [],
        [HoursSpec(8, T(9), T(17))],
        [HoursSpec(1, T(9), T(13)), HoursSpec(1, T(12), T(17))],
        # Sunday's night shift runs into Monday morning's hours.
        [HoursSpec(7, T(22), T(6)), HoursSpec(1, T(5), T(9))],
        [HoursSpec(1, T(9, 0, 30), T(17))],
    ],
)
def test_bad_weekly_hours_are_refused_and_the_old_ones_stay(world, intervals):
    ivy = world.interviewers[0]
    services.set_weekly_hours(interviewer=ivy, intervals=[HoursSpec(1, T(9), T(17))], by=None)
    with pytest.raises(ValidationError) as refused:
        services.set_weekly_hours(interviewer=ivy, intervals=intervals, by=None)
    assert "weekly_hours" in refused.value.message_dict
    assert list(WeeklyHours.objects.filter(interviewer=ivy).values_list("weekday", "start")) == [(1, T(9))]


def test_someone_cannot_change_another_persons_availability(world):
    ivy, other = world.interviewers[0], world.interviewers[1]
    with pytest.raises(NotPermitted):
        services.set_weekly_hours(interviewer=other, intervals=[HoursSpec(1, T(9), T(17))], by=ivy.user)
    start = dt.datetime(2030, 1, 1, tzinfo=UTC)
    with pytest.raises(NotPermitted):
        services.add_time_off(interviewer=other, starts_at=start, ends_at=start + dt.timedelta(days=1), by=ivy.user)
    with pytest.raises(NotPermitted):
        services.set_calendar_feed(interviewer=other, url="https://example.com/x.ics", by=ivy.user)
    with pytest.raises(NotPermitted):
        services.set_pool(kind=RoundKind.TECHNICAL, interviewer_ids=[ivy.pk], by=ivy.user)


def test_time_off_needs_an_end_after_its_start_and_a_zone(world):
    ivy = world.interviewers[0]
    start = dt.datetime(2030, 1, 1, tzinfo=UTC)
    with pytest.raises(ValidationError) as refused:
        services.add_time_off(interviewer=ivy, starts_at=start, ends_at=start, by=ivy.user)
    assert "ends_at" in refused.value.message_dict
    with pytest.raises(ValidationError) as refused:
        services.add_time_off(interviewer=ivy, starts_at=dt.datetime(2030, 1, 1), ends_at=start, by=ivy.user)
    assert "starts_at" in refused.value.message_dict
    away = services.add_time_off(
        interviewer=ivy, starts_at=start, ends_at=start + dt.timedelta(days=3), reason="Holiday", by=ivy.user
    )
    services.remove_time_off(time_off=away, by=world.recruiter)
    assert not TimeOff.objects.exists()


def test_load_limits_are_whole_numbers_and_a_week_holds_a_day(world):
    ivy = world.interviewers[0]
    services.set_load_limits(interviewer=ivy, per_day=2, per_week=5, by=ivy.user)
    ivy.refresh_from_db()
    assert (ivy.max_interviews_per_day, ivy.max_interviews_per_week) == (2, 5)
    for per_day, per_week in [(0, None), (True, None), (None, 51), (4, 3)]:
        with pytest.raises(ValidationError):
            services.set_load_limits(interviewer=ivy, per_day=per_day, per_week=per_week, by=ivy.user)
    services.set_load_limits(interviewer=ivy, per_day=None, per_week=None, by=ivy.user)
    ivy.refresh_from_db()
    assert ivy.max_interviews_per_day is None


def test_pools_are_set_by_recruiters_and_the_bar_raiser_has_none(world):
    ids = [world.interviewers[0].pk, world.interviewers[2].pk]
    pool = services.set_pool(kind=RoundKind.TECHNICAL, interviewer_ids=ids, description="Coders", by=world.recruiter)
    assert set(pool.members.values_list("id", flat=True)) == set(ids)
    with pytest.raises(ValidationError):
        services.set_pool(kind=RoundKind.BAR_RAISER, interviewer_ids=ids, by=world.recruiter)
    with pytest.raises(ValidationError):
        services.set_pool(kind=RoundKind.TECHNICAL, interviewer_ids=[999999], by=world.recruiter)
    assert InterviewerPool.objects.get(kind=RoundKind.TECHNICAL).members.count() == 2
    services.remove_pool(kind=RoundKind.TECHNICAL, by=world.recruiter)
    assert not InterviewerPool.objects.exists()
