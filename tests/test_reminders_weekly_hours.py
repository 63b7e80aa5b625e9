"""Quiet hours follow the interviewer's weekly hours (issue 9): per weekday, several
intervals a day, across midnight. A non-urgent reminder waits for the next of them."""

from __future__ import annotations

import datetime as dt

import pytest

from hiring import services
from hiring.models import Interviewer, Reminder, ReminderKind, ReminderStatus
from hiring.reminders import interviewer_hours, next_in_hours
from hiring.reminders.hours import last_in_hours_before, within
from hiring.services.availability import HoursSpec
from tests.test_reminders import TOKYO, UTC, in_zone, local, row, run_sweep, schedule_one, upcoming

Kind = ReminderKind
pytestmark = pytest.mark.django_db
NIGHT = [HoursSpec(weekday=d, start=dt.time(22, 0), end=dt.time(6, 0)) for d in (7, 1, 2, 3, 4)]


def night_shift(interviewer: Interviewer) -> Interviewer:
    services.set_weekly_hours(interviewer=interviewer, intervals=NIGHT, by=None)
    return Interviewer.objects.get(pk=interviewer.pk)


def test_a_night_shift_interviewer_is_reminded_at_ten_at_night_not_at_nine_in_the_morning(world):
    tokyo = night_shift(world.interviewers[2])
    hours = interviewer_hours(tokyo)
    tuesday_morning = local(TOKYO, 2026, 11, 24, 10).astimezone(UTC)
    assert in_zone(next_in_hours(tuesday_morning, zone=TOKYO, hours=hours), TOKYO).strftime("%a %H:%M") == "Tue 22:00"
    # 03:00 on Tuesday is inside Monday's shift (22:00-06:00): sent at once.
    tuesday_night = local(TOKYO, 2026, 11, 24, 3).astimezone(UTC)
    assert next_in_hours(tuesday_night, zone=TOKYO, hours=hours) == tuesday_night
    # A Sunday-to-Thursday week: Friday and Saturday wait for Sunday night.
    friday = local(TOKYO, 2026, 11, 27, 10).astimezone(UTC)
    assert in_zone(next_in_hours(friday, zone=TOKYO, hours=hours), TOKYO).strftime("%a %H:%M") == "Sun 22:00"
    # The day-before reminder moves earlier, to the end of the last shift (Thursday's, Friday 06:00).
    saturday = local(TOKYO, 2026, 11, 28, 15).astimezone(UTC)
    assert in_zone(last_in_hours_before(saturday, zone=TOKYO, hours=hours), TOKYO).strftime("%a %H:%M") == "Fri 06:00"
    assert within(tuesday_night, tuesday_night + dt.timedelta(hours=2), zone=TOKYO, hours=hours)
    assert not within(tuesday_morning, tuesday_morning + dt.timedelta(hours=1), zone=TOKYO, hours=hours)


def test_a_split_day_waits_for_the_afternoon_interval(world):
    tokyo = world.interviewers[2]
    split = [
        HoursSpec(weekday=d, start=start, end=end)
        for d in (7, 1, 2, 3, 4)
        for start, end in ((dt.time(8, 0), dt.time(12, 0)), (dt.time(13, 0), dt.time(16, 0)))
    ]
    services.set_weekly_hours(interviewer=tokyo, intervals=split, by=None)
    hours = interviewer_hours(Interviewer.objects.get(pk=tokyo.pk))
    lunch = local(TOKYO, 2026, 11, 24, 12, 30).astimezone(UTC)
    assert in_zone(next_in_hours(lunch, zone=TOKYO, hours=hours), TOKYO).strftime("%a %H:%M") == "Tue 13:00"
    friday = local(TOKYO, 2026, 11, 27, 9).astimezone(UTC)
    assert in_zone(next_in_hours(friday, zone=TOKYO, hours=hours), TOKYO).strftime("%a %H:%M") == "Sun 08:00"


def test_feedback_due_and_the_nudges_of_a_night_shift_come_at_night(world):
    tokyo = night_shift(world.interviewers[2])
    start = upcoming(TOKYO, 3, 16, 30)  # Wednesday 16:30, feedback due 18:15
    round_ = schedule_one(world, interviewer=tokyo, start=start)
    due = row(round_, Kind.FEEDBACK_DUE, tokyo.user.email).due_at
    assert in_zone(due, TOKYO).strftime("%a %H:%M") == "Wed 22:00"

    run_sweep(due)  # sends feedback due, writes Thursday's nudge
    [nudge] = Reminder.objects.filter(round=round_, kind=Kind.FEEDBACK_OVERDUE, status=ReminderStatus.PENDING)
    assert in_zone(nudge.due_at, TOKYO).strftime("%a %H:%M") == "Thu 22:00"
    run_sweep(nudge.due_at)  # Friday and Saturday are off: the next one is Sunday night
    [later] = Reminder.objects.filter(round=round_, kind=Kind.FEEDBACK_OVERDUE, status=ReminderStatus.PENDING)
    assert in_zone(later.due_at, TOKYO).strftime("%a %H:%M") == "Sun 22:00"


def test_someone_without_weekly_hours_keeps_the_summary(world):
    tokyo = world.interviewers[2]
    assert not tokyo.weekly_hours.exists()
    evening = local(TOKYO, 2026, 11, 24, 19).astimezone(UTC)
    due = next_in_hours(evening, zone=TOKYO, hours=interviewer_hours(tokyo))
    assert in_zone(due, TOKYO).strftime("%a %H:%M") == "Wed 09:00"
