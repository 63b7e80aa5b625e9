"""Who is free when: the contract the solver (and the booking rules) read.

Every interval is UTC and half-open, [start, end). Weekly hours are wall-clock times
in the interviewer's own zone, turned into instants one local day at a time, so a
daylight-saving change moves them with the clock:

* a local start or end that does not exist (the hour skipped in spring) is read as the
  first instant after the gap;
* one that exists twice (the hour repeated in autumn) is read as its first occurrence
  for a start and its second for an end, so the window keeps its whole wall-clock span;
* an interval whose end is at or before its start ends on the next local day (a night
  shift 22:00-06:00), whatever happens to the clock overnight.

Someone with no WeeklyHours rows has their summary hours (Interviewer.work_start to
work_end on work_days), the model's default for people nobody has configured.

Reads here make a fixed number of queries whatever the number of interviewers.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connections
from django.db.models import BigIntegerField, Func, QuerySet

from hiring.models import (
    BOOKED_ROUND_STATUSES,
    BusyBlock,
    Interviewer,
    InterviewerPool,
    Round,
    RoundKind,
    TimeOff,
    WeeklyHours,
)

UTC = dt.UTC
Interval = tuple[dt.datetime, dt.datetime]
# The longest round (RoundTemplate allows 480 minutes): how far before a window a
# booked round may start and still reach into it.
LONGEST_ROUND = dt.timedelta(minutes=480)
EPOCH = dt.datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = dt.timedelta(microseconds=1)


@lru_cache(maxsize=1024)
def zone_info(name: str) -> ZoneInfo:
    """ZoneInfo keeps only a few zones strongly cached (it reloads the others from disk);
    a company spans dozens."""
    return ZoneInfo(name)


def _micros(instant: dt.datetime) -> int:
    """Whole microseconds since the Unix epoch (exact, unlike a float timestamp)."""
    return (instant - EPOCH) // MICROSECOND


class _EpochMicros(Func):
    """A timestamptz column as whole microseconds since the epoch: PostgreSQL sends an
    integer, which is many times cheaper to read than a datetime."""

    template = "(EXTRACT(EPOCH FROM %(expressions)s) * 1000000)::bigint"
    output_field = BigIntegerField()


@dataclasses.dataclass(frozen=True)
class DailyInterval:
    """One weekly interval: ISO weekday (1 Monday ... 7 Sunday), local start and end;
    an end at or before the start ends the next day."""

    weekday: int
    start: dt.time
    end: dt.time

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start


def summary_intervals(*, work_start: dt.time, work_end: dt.time, work_days: str) -> list[DailyInterval]:
    return [DailyInterval(int(day), work_start, work_end) for day in sorted(set(work_days)) if day in "1234567"]


def weekly_intervals(interviewer: Interviewer, rows: Iterable[WeeklyHours] | None = None) -> list[DailyInterval]:
    """The interviewer's weekly hours: their rows (read now unless given), else the summary."""
    if rows is None:
        rows = interviewer.weekly_hours.all()
    intervals = [DailyInterval(row.weekday, row.start, row.end) for row in rows]
    if intervals:
        return intervals
    return summary_intervals(
        work_start=interviewer.work_start, work_end=interviewer.work_end, work_days=interviewer.work_days
    )


def short_day_names() -> dict[int, str]:
    """ISO weekday -> its short name in the active language (CLDR, through Babel)."""
    from babel.dates import get_day_names

    from hiring.times import babel_locale

    names = get_day_names("abbreviated", locale=babel_locale())  # 0 is Monday
    return {iso: names[iso - 1] for iso in range(1, 8)}


def describe_week(intervals: Iterable[DailyInterval]) -> str:
    """'Mon-Fri 09:00-17:30; Sun 22:00-06:00': days with the same hours together (for lists)."""
    from hiring.times import format_wall_clock

    short_days = short_day_names()
    by_day: dict[int, tuple] = defaultdict(tuple)
    for i in sorted(intervals, key=lambda i: (i.weekday, i.start)):
        start, end = format_wall_clock(i.start.hour, i.start.minute), format_wall_clock(i.end.hour, i.end.minute)
        by_day[i.weekday] += (f"{start}–{end}",)
    groups: dict[tuple, list[int]] = {}
    for day in sorted(by_day):
        groups.setdefault(by_day[day], []).append(day)
    parts = []
    for hours, days in groups.items():
        runs, run = [], [days[0]]
        for day in days[1:]:
            if day == run[-1] + 1:
                run.append(day)
            else:
                runs.append(run)
                run = [day]
        runs.append(run)
        names = ", ".join(short_days[r[0]] if len(r) == 1 else f"{short_days[r[0]]}–{short_days[r[-1]]}" for r in runs)
        parts.append(f"{names} {', '.join(hours)}")
    return "; ".join(parts)


# --- pure interval arithmetic -------------------------------------------------------


def local_instant(day: dt.date, time: dt.time, zone: ZoneInfo, *, fold: int = 0) -> dt.datetime:
    """The UTC instant of a local wall time (see the module docstring for gaps and folds)."""
    local = dt.datetime.combine(day, time, tzinfo=zone).replace(fold=fold)
    instant = local.astimezone(UTC)
    if instant.astimezone(zone).replace(tzinfo=None) == local.replace(tzinfo=None):
        return instant
    # A wall time in a gap: the transition lies between its two readings. Search it to
    # the second (a gap is at most a day, so this takes under 20 steps).
    low = int(local.replace(fold=1).astimezone(UTC).timestamp())
    high = int(local.replace(fold=0).astimezone(UTC).timestamp())
    if low > high:
        low, high = high, low
    after_offset = dt.datetime.fromtimestamp(high, UTC).astimezone(zone).utcoffset()
    while low < high:
        middle = (low + high) // 2
        if dt.datetime.fromtimestamp(middle, UTC).astimezone(zone).utcoffset() == after_offset:
            high = middle
        else:
            low = middle + 1
    return dt.datetime.fromtimestamp(low, UTC)


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Sorted, with overlapping and touching intervals joined; empty ones dropped."""
    result: list[Interval] = []
    for start, end in sorted(i for i in intervals if i[0] < i[1]):
        if result and start <= result[-1][1]:
            if end > result[-1][1]:
                result[-1] = (result[-1][0], end)
        else:
            result.append((start, end))
    return result


def subtract(intervals: Iterable[Interval], blocks: Iterable[Interval]) -> list[Interval]:
    """The parts of `intervals` outside every block."""
    blocks = merge(blocks)
    result: list[Interval] = []
    for start, end in merge(intervals):
        cursor = start
        for b_start, b_end in blocks:
            if b_end <= cursor:
                continue
            if b_start >= end:
                break
            if b_start > cursor:
                result.append((cursor, b_start))
            cursor = max(cursor, b_end)
            if cursor >= end:
                break
        if cursor < end:
            result.append((cursor, end))
    return result


def working_windows(
    intervals: Sequence[DailyInterval], *, zone: ZoneInfo | str, start: dt.datetime, end: dt.datetime
) -> list[Interval]:
    """The instants of weekly hours within [start, end), merged, UTC."""
    tz = zone_info(zone) if isinstance(zone, str) else zone
    by_day: dict[int, list[DailyInterval]] = defaultdict(list)
    for interval in intervals:
        by_day[interval.weekday].append(interval)
    # From the day before (a night shift reaching into the window) to the last local day.
    day = start.astimezone(tz).date() - dt.timedelta(days=1)
    last = end.astimezone(tz).date()
    windows: list[Interval] = []
    while day <= last:
        for interval in by_day.get(day.isoweekday(), ()):
            w_start = local_instant(day, interval.start, tz, fold=0)
            end_day = day + dt.timedelta(days=1) if interval.crosses_midnight else day
            w_end = local_instant(end_day, interval.end, tz, fold=1)
            lo, hi = max(w_start, start), min(w_end, end)
            if lo < hi:
                windows.append((lo, hi))
        day += dt.timedelta(days=1)
    return merge(windows)


def covers(windows: Iterable[Interval], start: dt.datetime, end: dt.datetime) -> bool:
    """Whether [start, end) lies inside one of the (merged) windows."""
    return any(w_start <= start and end <= w_end for w_start, w_end in merge(windows))


# --- reads ---------------------------------------------------------------------------


def _interviewers(ids: Sequence[int]) -> dict[int, Interviewer]:
    return {
        i.pk: i
        for i in Interviewer.objects.filter(pk__in=ids).only(
            "id",
            "time_zone",
            "work_start",
            "work_end",
            "work_days",
            "max_interviews_per_day",
            "max_interviews_per_week",
        )
    }


def _weekly_rows(ids: Sequence[int]) -> dict[int, list[WeeklyHours]]:
    rows: dict[int, list[WeeklyHours]] = defaultdict(list)
    for row in WeeklyHours.objects.filter(interviewer_id__in=ids):
        rows[row.interviewer_id].append(row)
    return rows


def _booked_rounds(ids: Sequence[int], start: dt.datetime, end: dt.datetime) -> dict[int, list[tuple[int, int]]]:
    """Booked rounds reaching into [start, end), as epoch microseconds."""
    booked: dict[int, list[tuple[int, int]]] = defaultdict(list)
    rounds = Round.objects.filter(
        interviewer_id__in=ids,
        status__in=BOOKED_ROUND_STATUSES,
        starts_at__lt=end,
        starts_at__gt=start - LONGEST_ROUND,
    ).values_list("interviewer_id", "starts_at", "duration_minutes", "booked_until")
    for interviewer_id, starts_at, minutes, booked_until in rounds:
        ends_at = booked_until or starts_at + dt.timedelta(minutes=minutes)
        booked[interviewer_id].append((_micros(starts_at), _micros(ends_at)))
    return booked


def _blocks(model, ids: Sequence[int], start: dt.datetime, end: dt.datetime) -> dict[int, list[tuple[int, int]]]:
    """Rows of `model` (time off, busy blocks) overlapping [start, end), as epoch
    microseconds: a calendar brings tens of thousands of them."""
    blocks: dict[int, list[tuple[int, int]]] = defaultdict(list)
    if not ids:
        return blocks
    overlapping = model.objects.filter(interviewer_id__in=ids, starts_at__lt=end, ends_at__gt=start)
    if connections[overlapping.db].vendor != "postgresql":
        # SQLite (the embedded default) has no EXTRACT(EPOCH ...): read datetimes, convert here.
        for interviewer_id, starts_at, ends_at in overlapping.values_list("interviewer_id", "starts_at", "ends_at"):
            blocks[interviewer_id].append((_micros(starts_at), _micros(ends_at)))
        return blocks
    query = overlapping.values_list("interviewer_id", _EpochMicros("starts_at"), _EpochMicros("ends_at"))
    # The cursor's plain integer tuples: the ORM would run a converter on every value.
    with connections[query.db].cursor() as cursor:
        cursor.execute(*query.query.sql_with_params())
        rows = cursor.fetchall()
    for interviewer_id, starts_at, ends_at in rows:
        blocks[interviewer_id].append((starts_at, ends_at))
    return blocks


def _subtract_sorted(windows: Sequence[tuple[int, int]], blocks: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """`windows` (sorted, disjoint) minus `blocks` (any order), in one linear sweep."""
    blocks = sorted(b for b in blocks if b[0] < b[1])
    result: list[tuple[int, int]] = []
    j, n = 0, len(blocks)
    for start, end in windows:
        cursor = start
        # Blocks ending before this window cannot touch the later ones either.
        while j < n and blocks[j][1] <= cursor:
            j += 1
        k = j
        while k < n and blocks[k][0] < end:
            b_start, b_end = blocks[k]
            if b_start > cursor:
                result.append((cursor, b_start))
            if b_end > cursor:
                cursor = b_end
            if cursor >= end:
                break
            k += 1
        if cursor < end:
            result.append((cursor, end))
    return result


def _check_window(start: dt.datetime, end: dt.datetime) -> None:
    if start.tzinfo is None or end.tzinfo is None:
        raise ValueError("start and end must be aware datetimes.")


def free_intervals(
    *, interviewer_ids: Iterable[int], start: dt.datetime, end: dt.datetime
) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """For each interviewer asked about (unknown ids are left out): the UTC half-open
    intervals within [start, end) inside their weekly hours and not in time off, a busy
    block or a booked round (scheduled, held or submitted). Five queries in all.

    People sharing a zone and weekly hours share one expansion of those hours; the
    subtraction runs on integer microseconds and only the answer becomes datetimes."""
    _check_window(start, end)
    ids = sorted(set(interviewer_ids))
    interviewers = _interviewers(ids)
    rows = _weekly_rows(ids)
    time_off = _blocks(TimeOff, ids, start, end)
    busy = _blocks(BusyBlock, ids, start, end)
    booked = _booked_rounds(ids, start, end)
    hours: dict[tuple, list[tuple[int, int]]] = {}
    instants: dict[int, dt.datetime] = {}

    def instant(micros: int) -> dt.datetime:
        found = instants.get(micros)
        if found is None:
            found = instants[micros] = EPOCH + dt.timedelta(microseconds=micros)
        return found

    result: dict[int, list[Interval]] = {}
    for pk, interviewer in interviewers.items():
        weekly = weekly_intervals(interviewer, rows.get(pk, []))
        key = (interviewer.time_zone, tuple(sorted((i.weekday, i.start, i.end) for i in weekly)))
        windows = hours.get(key)
        if windows is None:
            windows = hours[key] = [
                (_micros(a), _micros(b))
                for a, b in working_windows(weekly, zone=interviewer.time_zone, start=start, end=end)
            ]
        blocks = [*time_off.get(pk, ()), *busy.get(pk, ()), *booked.get(pk, ())]
        free = _subtract_sorted(windows, blocks) if blocks else windows
        result[pk] = [(instant(a), instant(b)) for a, b in free]
    return result


def in_weekly_hours(*, interviewer: Interviewer, starts_at: dt.datetime, ends_at: dt.datetime) -> bool:
    """Whether [starts_at, ends_at) lies inside the interviewer's weekly hours (one query)."""
    windows = working_windows(
        weekly_intervals(interviewer, list(WeeklyHours.objects.filter(interviewer=interviewer))),
        zone=interviewer.time_zone,
        start=starts_at - dt.timedelta(days=1),
        end=ends_at + dt.timedelta(days=1),
    )
    return covers(windows, starts_at, ends_at)


def time_off_during(*, interviewer_id: int, starts_at: dt.datetime, ends_at: dt.datetime) -> TimeOff | None:
    """The first time off of the interviewer overlapping [starts_at, ends_at), if any."""
    return (
        TimeOff.objects.filter(interviewer_id=interviewer_id, starts_at__lt=ends_at, ends_at__gt=starts_at)
        .order_by("starts_at")
        .first()
    )


@dataclasses.dataclass
class Load:
    """Booked rounds of one interviewer, counted by local date and ISO week of their zone,
    with the limits that apply to them."""

    zone: ZoneInfo
    day_limit: int
    week_limit: int
    per_day: dict[dt.date, int] = dataclasses.field(default_factory=dict)
    per_week: dict[tuple[int, int], int] = dataclasses.field(default_factory=dict)

    def day_count(self, instant: dt.datetime) -> int:
        return self.per_day.get(instant.astimezone(self.zone).date(), 0)

    def week_count(self, instant: dt.datetime) -> int:
        return self.per_week.get(week_of(instant.astimezone(self.zone).date()), 0)

    def has_room(self, instant: dt.datetime, *, extra: int = 1) -> bool:
        """Whether `extra` more interviews starting at `instant` stay within both limits."""
        return self.day_count(instant) + extra <= self.day_limit and self.week_count(instant) + extra <= self.week_limit


def week_of(day: dt.date) -> tuple[int, int]:
    iso = day.isocalendar()
    return (iso.year, iso.week)


def load_counts(*, interviewer_ids: Iterable[int], start: dt.datetime, end: dt.datetime) -> dict[int, Load]:
    """Booked rounds (scheduled, held, submitted) of each interviewer per local day and
    ISO week, for every local day and week that [start, end) touches (whole weeks are
    counted, also their parts outside the window). Two queries."""
    _check_window(start, end)
    ids = sorted(set(interviewer_ids))
    interviewers = _interviewers(ids)
    loads = {
        pk: Load(
            zone=zone_info(i.time_zone),
            day_limit=i.max_interviews_per_day or settings.HIRING_MAX_INTERVIEWS_PER_DAY,
            week_limit=i.max_interviews_per_week or settings.HIRING_MAX_INTERVIEWS_PER_WEEK,
        )
        for pk, i in interviewers.items()
    }
    # A week reaches 7 days either side, a local day 14 hours more.
    margin = dt.timedelta(days=8)
    rounds = Round.objects.filter(
        interviewer_id__in=list(loads),
        status__in=BOOKED_ROUND_STATUSES,
        starts_at__gte=start - margin,
        starts_at__lt=end + margin,
    ).values_list("interviewer_id", "starts_at")
    for interviewer_id, starts_at in rounds:
        load = loads[interviewer_id]
        day = starts_at.astimezone(load.zone).date()
        load.per_day[day] = load.per_day.get(day, 0) + 1
        week = week_of(day)
        load.per_week[week] = load.per_week.get(week, 0) + 1
    return loads


def qualified(kind: str) -> QuerySet[Interviewer]:
    """The active interviewers who may take a round of this kind: the trained bar raisers
    for the bar-raiser round, the pool's members for a kind with a pool, else everyone."""
    if kind not in RoundKind.values:
        raise ValueError(f"{kind!r} is not a round kind.")
    people = Interviewer.objects.filter(user__is_active=True)
    if kind == RoundKind.BAR_RAISER:
        return people.filter(is_bar_raiser=True)
    pool = InterviewerPool.objects.filter(kind=kind).first()
    if pool is None:
        return people
    return people.filter(pools=pool)


def qualified_ids(kinds: Iterable[str]) -> dict[str, set[int]]:
    """For each round kind, the ids of the active interviewers qualified for it (see
    qualified()). Three queries whatever the number of kinds."""
    kinds = set(kinds)
    unknown = kinds - set(RoundKind.values)
    if unknown:
        raise ValueError(f"Not round kinds: {sorted(unknown)}")
    active = dict(Interviewer.objects.filter(user__is_active=True).values_list("id", "is_bar_raiser"))
    members: dict[str, set[int]] = defaultdict(set)
    pooled = set(InterviewerPool.objects.filter(kind__in=kinds).values_list("kind", flat=True))
    for kind, interviewer_id in InterviewerPool.members.through.objects.filter(
        interviewerpool__kind__in=kinds
    ).values_list("interviewerpool__kind", "interviewer_id"):
        if interviewer_id in active:
            members[kind].add(interviewer_id)
    result: dict[str, set[int]] = {}
    for kind in kinds:
        if kind == RoundKind.BAR_RAISER:
            result[kind] = {pk for pk, trained in active.items() if trained}
        elif kind in pooled:
            result[kind] = members[kind]
        else:
            result[kind] = set(active)
    return result
