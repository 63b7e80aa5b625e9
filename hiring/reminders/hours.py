"""Working hours and waking windows, in the recipient's zone: when a reminder
may go (the policy is in hiring/reminders/__init__.py). Pure functions of
instants; every instant returned is UTC.

An interviewer with weekly hours (hiring.models.WeeklyHours: per weekday, several
intervals a day, across midnight) has exactly those, read through
hiring.scheduling.availability; one without rows keeps the summary
(work_start to work_end on work_days), like candidates' waking window."""

from __future__ import annotations

import dataclasses
import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings

from hiring.models import Interviewer
from hiring.scheduling.availability import DailyInterval, Interval, covers, weekly_intervals, working_windows

UTC = dt.UTC


@dataclasses.dataclass(frozen=True)
class Hours:
    """A daily window, start to end inclusive, on ISO weekdays (1 Monday ... 7 Sunday);
    or, when `interviewer` is given and has WeeklyHours rows, their weekly hours
    (read once, on first use, so a party whose hours nobody asks about costs nothing)."""

    start: dt.time = dt.time(9, 0)
    end: dt.time = dt.time(17, 30)
    days: str = "1234567"
    interviewer: Interviewer | None = dataclasses.field(default=None, compare=False, repr=False)

    def weekly(self) -> list[DailyInterval]:
        """The interviewer's weekly intervals, or [] when the daily window applies."""
        if self.interviewer is None:
            return []
        cached = self.__dict__.get("_weekly")
        if cached is None:
            rows = list(self.interviewer.weekly_hours.all())  # the prefetch cache when there is one
            cached = weekly_intervals(self.interviewer, rows) if rows else []
            object.__setattr__(self, "_weekly", cached)
        return cached

    def windows(self, start: dt.datetime, end: dt.datetime, zone: ZoneInfo) -> list[Interval]:
        """The windows (UTC, merged) that reach into [start, end), each one whole."""
        weekly = self.weekly()
        if weekly:
            # A day either side, so a window reaching past the range is not cut short.
            margin = dt.timedelta(days=1)
            return working_windows(weekly, zone=zone, start=start - margin, end=end + margin)
        day, last = start.astimezone(zone).date() - dt.timedelta(days=1), end.astimezone(zone).date()
        out = []
        while day <= last:
            window = self.window(day, zone)
            if window is not None:
                out.append(window)
            day += dt.timedelta(days=1)
        return out

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
    return Hours(
        start=interviewer.work_start, end=interviewer.work_end, days=interviewer.work_days, interviewer=interviewer
    )


def next_in_hours(instant: dt.datetime, *, zone: str, hours: Hours) -> dt.datetime:
    """The first moment at or after `instant` inside the hours, in UTC."""
    tz = ZoneInfo(zone)
    for w_start, w_end in hours.windows(instant, instant + dt.timedelta(days=8), tz):
        if instant <= w_end:
            return max(instant, w_start).astimezone(UTC)
    raise ValueError(f"No working day in {hours.days!r}.")


def last_in_hours_before(instant: dt.datetime, *, zone: str, hours: Hours) -> dt.datetime:
    """The last moment at or before `instant` inside the hours, in UTC."""
    tz = ZoneInfo(zone)
    for w_start, w_end in reversed(hours.windows(instant - dt.timedelta(days=8), instant, tz)):
        if instant >= w_start:
            return min(instant, w_end).astimezone(UTC)
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
    if hours.weekly():
        return covers(hours.windows(starts_at, ends_at, tz), starts_at, ends_at)
    window = hours.window(starts_at.astimezone(tz).date(), tz)
    return window is not None and window[0] <= starts_at and ends_at <= window[1]
