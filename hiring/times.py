"""Instants are stored in UTC and shown in the viewer's zone, with the other
party's local time beside it where that helps (DESIGN.md, rule 7)."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo


def local(instant: dt.datetime, zone: str | ZoneInfo) -> dt.datetime:
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    return instant.astimezone(tz)


def format_local(instant: dt.datetime, zone: str | ZoneInfo, *, with_day: bool = True) -> str:
    """'Tue 5 May 10:00 CEST' in the given zone."""
    moment = local(instant, zone)
    day = f"{moment:%a} {moment.day} {moment:%b} " if with_day else ""
    return f"{day}{moment:%H:%M} {moment.tzname()}"


def format_pair(
    instant: dt.datetime,
    *,
    viewer_zone: str,
    other_zone: str,
    other_label: str = "the candidate",
) -> str:
    """'Tue 5 May 10:00 your time · 17:00 for the candidate (Asia/Singapore)'.

    When the other party's local date differs from the viewer's, their day is
    named too, so 23:00 Monday is never read as 23:00 Tuesday.
    """
    mine = local(instant, viewer_zone)
    theirs = local(instant, other_zone)
    text = f"{mine:%a} {mine.day} {mine:%b} {mine:%H:%M} your time"
    if theirs.utcoffset() == mine.utcoffset():
        return f"{text} · same time for {other_label}"
    their_day = f"{theirs:%a} " if theirs.date() != mine.date() else ""
    return f"{text} · {their_day}{theirs:%H:%M} for {other_label} ({other_zone})"


def format_day(day: dt.date) -> str:
    """'Mon 4 May': a local calendar date, as the person's own calendar names it."""
    return f"{day:%a} {day.day} {day:%b}"


def format_clock(hour: int, minute: int = 0) -> str:
    """'08:00': a wall-clock time of day."""
    return f"{hour:02d}:{minute:02d}"
