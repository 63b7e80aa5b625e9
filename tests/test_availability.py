"""Availability as data (issue 9): weekly hours in hard zones, time off, busy blocks,
booked rounds, load counts and pools, read through hiring/scheduling/availability.py."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from hiring.models import BusyBlock, InterviewerPool, RoundKind, TimeOff, WeeklyHours
from hiring.scheduling.availability import (
    DailyInterval,
    free_intervals,
    in_weekly_hours,
    load_counts,
    local_instant,
    qualified,
    qualified_ids,
    subtract,
    working_windows,
)
from tests.factories import InterviewerFactory

UTC = dt.UTC


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=UTC)


def local(zone: str, *args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ZoneInfo(zone))


def monday_ahead() -> dt.date:
    """A Monday two to three weeks from now: bookable (rounds are booked up to a year ahead)."""
    day = dt.date.today() + dt.timedelta(days=14)
    return day + dt.timedelta(days=(7 - day.weekday()) % 7)


def at(day: dt.date, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=UTC)


def weekdays(start: dt.time, end: dt.time, days="12345") -> list[DailyInterval]:
    return [DailyInterval(int(d), start, end) for d in days]


# --- pure: weekly hours become instants, one local day at a time ----------------------


def test_kiritimati_and_pago_pago_work_the_same_instant_on_different_dates():
    # +14 and -11: 25 hours apart. Kiritimati's Tuesday 09:00 is Pago Pago's Monday 08:00.
    start, end = utc(2026, 6, 1), utc(2026, 6, 3)
    kiritimati = working_windows(weekdays(dt.time(9), dt.time(17)), zone="Pacific/Kiritimati", start=start, end=end)
    pago = working_windows(weekdays(dt.time(8), dt.time(16)), zone="Pacific/Pago_Pago", start=start, end=end)
    tuesday_kiritimati = local("Pacific/Kiritimati", 2026, 6, 2, 9).astimezone(UTC)
    assert (tuesday_kiritimati, tuesday_kiritimati + dt.timedelta(hours=8)) in kiritimati
    assert (tuesday_kiritimati, tuesday_kiritimati + dt.timedelta(hours=8)) in pago
    assert tuesday_kiritimati.astimezone(ZoneInfo("Pacific/Pago_Pago")).date() == dt.date(2026, 6, 1)


def test_kathmandu_hours_sit_on_the_quarter_hour():
    windows = working_windows(
        weekdays(dt.time(9), dt.time(17)), zone="Asia/Kathmandu", start=utc(2026, 6, 1), end=utc(2026, 6, 2)
    )
    # 09:00 +05:45 is 03:15 UTC.
    assert windows[0] == (utc(2026, 6, 1, 3, 15), utc(2026, 6, 1, 11, 15))


def test_lord_howe_half_hour_spring_forward_shortens_the_window_by_half_an_hour():
    # Lord Howe moves 02:00 -> 02:30 on Sunday 4 October 2026; a Sunday shift 01:00-09:00.
    zone = "Australia/Lord_Howe"
    windows = working_windows(
        [DailyInterval(7, dt.time(1), dt.time(9))], zone=zone, start=utc(2026, 10, 1), end=utc(2026, 10, 6)
    )
    assert len(windows) == 1
    start, end = windows[0]
    assert end - start == dt.timedelta(hours=7, minutes=30)
    assert start.astimezone(ZoneInfo(zone)).hour == 1 and end.astimezone(ZoneInfo(zone)).hour == 9


def test_a_start_in_the_skipped_half_hour_of_lord_howe_is_the_end_of_the_gap():
    instant = local_instant(dt.date(2026, 10, 4), dt.time(2, 15), ZoneInfo("Australia/Lord_Howe"))
    assert instant.astimezone(ZoneInfo("Australia/Lord_Howe")).time() == dt.time(2, 30)


def test_new_york_hours_follow_the_clock_across_the_march_change():
    # 9:00-17:00 New York: 14:00 UTC on Friday 6 March (EST), 13:00 UTC on Monday 9 March (EDT).
    windows = working_windows(
        weekdays(dt.time(9), dt.time(17)), zone="America/New_York", start=utc(2026, 3, 6), end=utc(2026, 3, 10)
    )
    assert windows == [(utc(2026, 3, 6, 14), utc(2026, 3, 6, 22)), (utc(2026, 3, 9, 13), utc(2026, 3, 9, 21))]


def test_berlin_hours_follow_the_clock_across_the_october_change():
    windows = working_windows(
        weekdays(dt.time(9), dt.time(17)), zone="Europe/Berlin", start=utc(2026, 10, 23), end=utc(2026, 10, 27)
    )
    assert windows == [(utc(2026, 10, 23, 7), utc(2026, 10, 23, 15)), (utc(2026, 10, 26, 8), utc(2026, 10, 26, 16))]


def test_a_night_shift_crosses_midnight_and_the_dst_change_in_one_piece():
    # Saturday 22:00 to Sunday 06:00 in New York, the night the clocks go forward (8 March
    # 2026): seven hours of real time, one window, the Sunday morning still in it.
    windows = working_windows(
        [DailyInterval(6, dt.time(22), dt.time(6))],
        zone="America/New_York",
        start=utc(2026, 3, 6),
        end=utc(2026, 3, 10),
    )
    assert windows == [(utc(2026, 3, 8, 3), utc(2026, 3, 8, 10))]


def test_a_night_shift_in_the_autumn_keeps_the_repeated_hour():
    # Saturday 31 October 22:00 EDT to Sunday 1 November 06:00 EST: nine hours.
    windows = working_windows(
        [DailyInterval(6, dt.time(22), dt.time(6))],
        zone="America/New_York",
        start=utc(2026, 10, 30),
        end=utc(2026, 11, 3),
    )
    assert windows == [(utc(2026, 11, 1, 2), utc(2026, 11, 1, 11))]


def test_a_sunday_to_thursday_week_has_no_friday():
    sunday_thursday = weekdays(dt.time(9), dt.time(17), days="71234")
    windows = working_windows(sunday_thursday, zone="Asia/Jerusalem", start=utc(2026, 6, 5), end=utc(2026, 6, 8))
    # Friday 5 and Saturday 6 June are off; Sunday 7 June 09:00 IDT (+3) is 06:00 UTC.
    assert windows == [(utc(2026, 6, 7, 6), utc(2026, 6, 7, 14))]


def test_two_intervals_a_day_and_the_window_edges_clip():
    split = [DailyInterval(1, dt.time(9), dt.time(12)), DailyInterval(1, dt.time(13), dt.time(17))]
    windows = working_windows(split, zone="UTC", start=utc(2026, 6, 1, 10), end=utc(2026, 6, 1, 15))
    assert windows == [(utc(2026, 6, 1, 10), utc(2026, 6, 1, 12)), (utc(2026, 6, 1, 13), utc(2026, 6, 1, 15))]


def test_subtract_removes_blocks_and_keeps_what_is_left():
    free = subtract([(utc(2026, 1, 1, 9), utc(2026, 1, 1, 17))], [(utc(2026, 1, 1, 8), utc(2026, 1, 1, 10))])
    assert free == [(utc(2026, 1, 1, 10), utc(2026, 1, 1, 17))]
    free = subtract(free, [(utc(2026, 1, 1, 12), utc(2026, 1, 1, 13)), (utc(2026, 1, 1, 16), utc(2026, 1, 1, 18))])
    assert free == [(utc(2026, 1, 1, 10), utc(2026, 1, 1, 12)), (utc(2026, 1, 1, 13), utc(2026, 1, 1, 16))]


# --- from the database -------------------------------------------------------------------


@pytest.mark.django_db
def test_free_intervals_take_away_time_off_busy_blocks_and_booked_rounds(world):
    monday = monday_ahead()
    loop = world.scheduled_loop(start=at(monday, 13))  # rounds at 13:00, 14:00 ... UTC
    booked = loop.rounds.order_by("order").first()
    person = booked.interviewer
    person.time_zone = "UTC"
    person.save()
    WeeklyHours.objects.create(interviewer=person, weekday=1, start=dt.time(9), end=dt.time(17))
    TimeOff.objects.create(interviewer=person, starts_at=at(monday, 9), ends_at=at(monday, 10))
    BusyBlock.objects.create(interviewer=person, starts_at=at(monday, 11), ends_at=at(monday, 12))
    free = free_intervals(interviewer_ids=[person.pk], start=at(monday), end=at(monday + dt.timedelta(days=1)))
    assert free[person.pk] == [
        (at(monday, 10), at(monday, 11)),
        (at(monday, 12), at(monday, 13)),
        (booked.ends_at, at(monday, 17)),
    ]


@pytest.mark.django_db
def test_someone_without_weekly_rows_has_their_summary_hours():
    person = InterviewerFactory(time_zone="Asia/Tokyo", work_start=dt.time(10), work_end=dt.time(18), work_days="12345")
    monday = monday_ahead()
    free = free_intervals(interviewer_ids=[person.pk], start=at(monday), end=at(monday + dt.timedelta(days=1)))
    assert free[person.pk] == [(at(monday, 1), at(monday, 9))]


@pytest.mark.django_db
def test_free_intervals_cost_the_same_queries_for_two_and_for_twenty_people(django_assert_num_queries):
    def people(n):
        result = []
        for i in range(n):
            person = InterviewerFactory(time_zone=["Asia/Kathmandu", "Pacific/Kiritimati"][i % 2])
            WeeklyHours.objects.create(interviewer=person, weekday=1, start=dt.time(9), end=dt.time(17))
            TimeOff.objects.create(interviewer=person, starts_at=utc(2030, 6, 3), ends_at=utc(2030, 6, 3, 1))
            BusyBlock.objects.create(interviewer=person, starts_at=utc(2030, 6, 4), ends_at=utc(2030, 6, 4, 1))
            result.append(person.pk)
        return result

    for ids in (people(2), people(20)):
        # interviewers, weekly rows, time off, busy blocks, booked rounds
        with django_assert_num_queries(5):
            free = free_intervals(interviewer_ids=ids, start=utc(2030, 6, 1), end=utc(2030, 6, 15))
        assert set(free) == set(ids) and all(free.values())


@pytest.mark.django_db
def test_in_weekly_hours_reads_a_night_shift(world):
    person = InterviewerFactory(time_zone="Europe/London")
    WeeklyHours.objects.create(interviewer=person, weekday=3, start=dt.time(22), end=dt.time(6))
    # Wednesday 10 June 2026 23:30 BST to Thursday 00:30: inside; Thursday 06:30: outside.
    start = local("Europe/London", 2026, 6, 10, 23, 30)
    assert in_weekly_hours(interviewer=person, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    late = local("Europe/London", 2026, 6, 11, 5, 30)
    assert not in_weekly_hours(interviewer=person, starts_at=late, ends_at=late + dt.timedelta(hours=1))


@pytest.mark.django_db
def test_load_counts_count_by_the_interviewers_own_day_and_week(world):
    monday = monday_ahead()
    sunday = monday - dt.timedelta(days=1)
    loop = world.scheduled_loop(start=at(sunday, 11, 30))  # Sunday 11:30 UTC onwards
    round_ = loop.rounds.order_by("order").first()
    person = round_.interviewer
    person.time_zone = "Pacific/Kiritimati"  # +14: Monday 01:30 there
    person.max_interviews_per_day = 1
    person.save()
    load = load_counts(interviewer_ids=[person.pk], start=at(sunday), end=at(sunday + dt.timedelta(days=7)))
    load = load[person.pk]
    assert load.per_day == {monday: 1}
    iso = monday.isocalendar()
    assert load.per_week == {(iso.year, iso.week): 1}
    assert load.day_limit == 1 and load.week_limit == 8
    assert not load.has_room(at(sunday, 20))  # Monday in Kiritimati too
    assert load.has_room(at(monday, 12))  # Tuesday there


@pytest.mark.django_db
def test_pools_say_who_may_take_a_kind_and_the_bar_raisers_are_the_trained_ones(world):
    pool = InterviewerPool.objects.create(kind=RoundKind.TECHNICAL)
    expert = InterviewerFactory()
    pool.members.add(expert)
    assert list(qualified(RoundKind.TECHNICAL)) == [expert]
    assert set(qualified(RoundKind.BAR_RAISER)) == {i for i in qualified(RoundKind.CULTURE) if i.is_bar_raiser}
    ids = qualified_ids([RoundKind.TECHNICAL, RoundKind.BAR_RAISER, RoundKind.CULTURE])
    assert ids[RoundKind.TECHNICAL] == {expert.pk}
    assert ids[RoundKind.BAR_RAISER] == set(qualified(RoundKind.BAR_RAISER).values_list("id", flat=True))
    assert ids[RoundKind.BAR_RAISER]
    expert.user.is_active = False
    expert.user.save()
    assert qualified_ids([RoundKind.TECHNICAL])[RoundKind.TECHNICAL] == set()
