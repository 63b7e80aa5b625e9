"""Working hours and waking windows, in the recipient's zone: when a reminder
may go (the policy is in hiring/reminders/__init__.py). Pure functions of
instants; every instant returned is UTC."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings

from hiring.models import Interviewer

UTC = dt.UTC


@dataclasses.dataclass(frozen=True)
class Hours:
    """A daily window, start to end inclusive, on ISO weekdays (1 Monday ... 7 Sunday)."""

    start: dt.time
    end: dt.time
    days: str = "1234567"

    def window(self, day: dt.date, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime] | None:
        if str(day.isoweekday()) not in self.days:
            return None
        # A local time in a spring-forward gap maps to the instant just after the
        # gap (fold=0 reads it with the earlier offset), an ambiguous one to its
        # first occurrence: either way one instant, never two.
        start = dt.datetime.combine(day, self.start, tzinfo=zone).astimezone(UTC)
        end = dt.datetime.combine(day, self.end, tzinfo=zone).astimezone(UTC)
        return start, end


def candidate_hours() -> Hours:
    start, end = settings.HIRING_CANDIDATE_HOURS
    return Hours(start=start, end=end)


def interviewer_hours(interviewer: Interviewer | None) -> Hours:
    if interviewer is None:
        return Hours(start=dt.time(9, 0), end=dt.time(17, 30), days="12345")
    return Hours(start=interviewer.work_start, end=interviewer.work_end, days=interviewer.work_days)


def next_in_hours(instant: dt.datetime, *, zone: str, hours: Hours) -> dt.datetime:
    """The first moment at or after `instant` inside the hours, in UTC."""
    tz = ZoneInfo(zone)
    day = instant.astimezone(tz).date()
    for offset in range(8):
        window = hours.window(day + dt.timedelta(days=offset), tz)
        if window is not None and instant <= window[1]:
            return max(instant, window[0]).astimezone(UTC)
    raise ValueError(f"No working day in {hours.days!r}.")


def last_in_hours_before(instant: dt.datetime, *, zone: str, hours: Hours) -> dt.datetime:
    """The last moment at or before `instant` inside the hours, in UTC."""
    tz = ZoneInfo(zone)
    day = instant.astimezone(tz).date()
    for offset in range(8):
        window = hours.window(day - dt.timedelta(days=offset), tz)
        if window is not None and instant >= window[0]:
            return min(instant, window[1]).astimezone(UTC)
    raise ValueError(f"No working day in {hours.days!r}.")


def day_before_due(starts_at: dt.datetime, *, zone: str, hours: Hours, now: dt.datetime) -> dt.datetime | None:
    """When the day-before reminder goes: None if its nominal time has passed."""
    nominal = starts_at - dt.timedelta(minutes=settings.HIRING_REMINDER_DAY_BEFORE_MINUTES)
    if nominal <= now:
        return None
    earlier = last_in_hours_before(nominal, zone=zone, hours=hours)
    return earlier if earlier > now else nominal


def next_nudge_due(previous_due: dt.datetime, *, zone: str, hours: Hours, now: dt.datetime) -> dt.datetime:
    """The next daily nudge: the same local wall time on the next day, moved into
    working hours, and in the future (after an outage the missed days are not
    sent in a burst). Its local date is always later than the previous one's."""
    tz = ZoneInfo(zone)
    local = previous_due.astimezone(tz)
    day = local.date()
    while True:
        day += dt.timedelta(days=1)
        # Wall-clock arithmetic: across a DST change the gap is 23 or 25 hours
        # and the nudge keeps its local hour.
        due = next_in_hours(dt.datetime.combine(day, local.time(), tzinfo=tz), zone=zone, hours=hours)
        if due > now:
            return due
        day = due.astimezone(tz).date()


def within(starts_at: dt.datetime, ends_at: dt.datetime, *, zone: str, hours: Hours) -> bool:
    """Whether the whole of [starts_at, ends_at] falls inside one of the person's local windows."""
    tz = ZoneInfo(zone)
    window = hours.window(starts_at.astimezone(tz).date(), tz)
    return window is not None and window[0] <= starts_at and ends_at <= window[1]
