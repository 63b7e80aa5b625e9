"""Pure helpers over sorted lists of UTC intervals (half-open: [start, end))."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from zoneinfo import ZoneInfo

from .problem import Interval


def normalise(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, merged, empty ones dropped."""
    out: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def intersect(a: Sequence[Interval], b: Sequence[Interval]) -> list[Interval]:
    """The intersection of two sorted, disjoint lists."""
    out: list[Interval] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start = max(a[i][0], b[j][0])
        end = min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def subtract(a: Sequence[Interval], blocks: Iterable[Interval]) -> list[Interval]:
    """`a` without any of `blocks`."""
    out = list(a)
    for b_start, b_end in normalise(blocks):
        kept: list[Interval] = []
        for start, end in out:
            if b_end <= start or end <= b_start:
                kept.append((start, end))
                continue
            if start < b_start:
                kept.append((start, b_start))
            if b_end < end:
                kept.append((b_end, end))
        out = kept
    return out


def clip(a: Sequence[Interval], start: dt.datetime, end: dt.datetime) -> list[Interval]:
    return intersect(a, [(start, end)]) if start < end else []


def daily_windows(
    zone: str,
    start: dt.datetime,
    end: dt.datetime,
    *,
    from_minute: int,
    to_minute: int,
    weekdays: Iterable[int] = range(7),
) -> list[Interval]:
    """The same local hours every chosen weekday (Monday=0) in `zone`, as UTC intervals in [start, end).

    Hours that cross midnight (to_minute <= from_minute) run into the next local day.
    Wall-clock times are resolved with zoneinfo on each date, so a daylight-saving change
    moves the UTC interval, never the local hours.
    """
    tz = ZoneInfo(zone)
    days = set(weekdays)
    first = start.astimezone(tz).date() - dt.timedelta(days=1)
    last = end.astimezone(tz).date()
    span = (to_minute - from_minute) % (24 * 60) or 24 * 60
    out: list[Interval] = []
    day = first
    while day <= last:
        if day.weekday() in days:
            local_start = dt.datetime.combine(day, dt.time(from_minute // 60, from_minute % 60), tz)
            # Wall-clock end on its own date (not start + span), so DST is honoured.
            end_day = day + dt.timedelta(days=(from_minute + span) // (24 * 60))
            end_minute = (from_minute + span) % (24 * 60)
            local_end = dt.datetime.combine(end_day, dt.time(end_minute // 60, end_minute % 60), tz)
            out.append((local_start.astimezone(dt.UTC), local_end.astimezone(dt.UTC)))
        day += dt.timedelta(days=1)
    return clip(normalise(out), start, end)
