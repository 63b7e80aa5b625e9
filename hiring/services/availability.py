"""Availability (issue 9): weekly hours, time off, busy blocks, the calendar feed, load
limits and interviewer pools.

A person changes their own availability; recruiters change anyone's. Pools are
reference data, changed by recruiters only. Feed imports (hiring/scheduling/feeds.py)
write through replace_feed_blocks and record_feed_failure, as the system (by=None).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from collections.abc import Iterable, Sequence

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from hiring import webhooks
from hiring.models import (
    BusyBlock,
    BusySource,
    CalendarFeed,
    FeedStatus,
    Interviewer,
    InterviewerPool,
    RoundKind,
    TimeOff,
    WeeklyHours,
)
from hiring.rules import NotPermitted
from hiring.selectors import is_recruiter
from hiring.services.common import User

MAX_INTERVALS_PER_WEEK = 28
MAX_TIME_OFF = dt.timedelta(days=366)
MAX_BUSY_BLOCK = dt.timedelta(days=31)
MAX_LOAD_LIMIT = 50
MAX_FEED_BLOCKS = 5000


@dataclasses.dataclass(frozen=True)
class HoursSpec:
    """One weekly interval as given: ISO weekday, local start and end (end <= start: next day)."""

    weekday: int
    start: dt.time
    end: dt.time


def _require_owner_or_recruiter(by: User | None, interviewer: Interviewer) -> None:
    """None is the system itself."""
    if by is None:
        return
    if not by.is_authenticated or not by.is_active:
        raise NotPermitted(_("Sign in to change availability."))
    if by.pk != interviewer.user_id and not is_recruiter(by):
        raise NotPermitted(_("Only recruiters can change someone else's availability."))


def _require_recruiter(by: User | None) -> None:
    if by is not None and not is_recruiter(by):
        raise NotPermitted(_("Only recruiters can change interviewer pools."))


def _aware(value: object, field: str) -> dt.datetime:
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        raise ValidationError({field: _("Give a date and time with its zone.")})
    return value.astimezone(dt.UTC)


def _span(starts_at: object, ends_at: object, *, longest: dt.timedelta) -> tuple[dt.datetime, dt.datetime]:
    start, end = _aware(starts_at, "starts_at"), _aware(ends_at, "ends_at")
    if end <= start:
        raise ValidationError({"ends_at": _("The end must be after the start.")})
    if end - start > longest:
        raise ValidationError({"ends_at": _("That is longer than %(days)d days.") % {"days": longest.days}})
    return start, end


def _minutes(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def validate_weekly_hours(intervals: Sequence[HoursSpec]) -> list[HoursSpec]:
    """Whole minutes, weekdays 1-7, at least one interval, none overlapping another
    (a night shift's hours after midnight count on the next day)."""
    if not intervals:
        raise ValidationError({"weekly_hours": _("Give at least one interval of working hours.")})
    if len(intervals) > MAX_INTERVALS_PER_WEEK:
        raise ValidationError(
            {"weekly_hours": _("At most %(count)d intervals a week.") % {"count": MAX_INTERVALS_PER_WEEK}}
        )
    week = 7 * 24 * 60
    spans = []
    for spec in intervals:
        if not isinstance(spec.weekday, int) or isinstance(spec.weekday, bool) or not 1 <= spec.weekday <= 7:
            raise ValidationError({"weekly_hours": _("A weekday is 1 (Monday) to 7 (Sunday).")})
        for value in (spec.start, spec.end):
            if not isinstance(value, dt.time) or value.second or value.microsecond or value.tzinfo:
                raise ValidationError({"weekly_hours": _("Give times as hours and minutes, e.g. 09:30.")})
        start = (spec.weekday - 1) * 24 * 60 + _minutes(spec.start)
        length = (_minutes(spec.end) - _minutes(spec.start)) % (24 * 60) or 24 * 60
        spans.append((start, start + length))
    # Overlaps, the week read as a circle (Sunday's night shift runs into Monday).
    pieces = sorted(p for s, e in spans for p in ([(s, e)] if e <= week else [(s, week), (0, e - week)]))
    for (_s1, e1), (s2, _e2) in itertools.pairwise(pieces):
        if s2 < e1:
            raise ValidationError({"weekly_hours": _("Two intervals overlap; join them into one.")})
    return list(intervals)


@transaction.atomic
def set_weekly_hours(*, interviewer: Interviewer, intervals: Iterable[HoursSpec], by: User | None) -> list[WeeklyHours]:
    """Replace the interviewer's weekly hours. The summary fields follow when the hours
    fit one daytime window (they are what the reminders' quiet hours read)."""
    _require_owner_or_recruiter(by, interviewer)
    specs = validate_weekly_hours(list(intervals))
    interviewer = Interviewer.objects.select_for_update().get(pk=interviewer.pk)
    WeeklyHours.objects.filter(interviewer=interviewer).delete()
    rows = WeeklyHours.objects.bulk_create(
        [WeeklyHours(interviewer=interviewer, weekday=s.weekday, start=s.start, end=s.end) for s in specs]
    )
    if all(s.end > s.start for s in specs):
        interviewer.work_start = min(s.start for s in specs)
        interviewer.work_end = max(s.end for s in specs)
        interviewer.work_days = "".join(sorted({str(s.weekday) for s in specs}))
        interviewer.save(update_fields=["work_start", "work_end", "work_days"])
    return sorted(rows, key=lambda r: (r.weekday, r.start))


@transaction.atomic
def add_time_off(
    *, interviewer: Interviewer, starts_at: dt.datetime, ends_at: dt.datetime, reason: str = "", by: User | None
) -> TimeOff:
    _require_owner_or_recruiter(by, interviewer)
    start, end = _span(starts_at, ends_at, longest=MAX_TIME_OFF)
    reason = (reason or "").strip()
    if len(reason) > 200:
        raise ValidationError({"reason": _("At most 200 characters.")})
    return TimeOff.objects.create(interviewer=interviewer, starts_at=start, ends_at=end, reason=reason)


@transaction.atomic
def remove_time_off(*, time_off: TimeOff, by: User | None) -> None:
    _require_owner_or_recruiter(by, time_off.interviewer)
    TimeOff.objects.filter(pk=time_off.pk).delete()


@transaction.atomic
def add_busy_block(
    *, interviewer: Interviewer, starts_at: dt.datetime, ends_at: dt.datetime, summary: str = "", by: User | None
) -> BusyBlock:
    _require_owner_or_recruiter(by, interviewer)
    start, end = _span(starts_at, ends_at, longest=MAX_BUSY_BLOCK)
    summary = (summary or "").strip()
    if len(summary) > 200:
        raise ValidationError({"summary": _("At most 200 characters.")})
    return BusyBlock.objects.create(
        interviewer=interviewer, starts_at=start, ends_at=end, summary=summary, source=BusySource.MANUAL
    )


@transaction.atomic
def remove_busy_block(*, block: BusyBlock, by: User | None) -> None:
    _require_owner_or_recruiter(by, block.interviewer)
    if block.source != BusySource.MANUAL:
        raise ValidationError({"block": _("This block comes from the calendar feed; change it in the calendar.")})
    BusyBlock.objects.filter(pk=block.pk).delete()


def normalise_feed_url(url: str) -> str:
    """webcal:// (what calendars publish) is https://; anything but http(s) is refused,
    and so is an address inside the service's own network (as for webhooks)."""
    url = (url or "").strip()
    if url.lower().startswith("webcal://"):
        url = "https://" + url[len("webcal://") :]
    if len(url) > 2000:
        raise ValidationError({"url": _("At most 2000 characters.")})
    try:
        URLValidator(schemes=["http", "https"])(url)
    except ValidationError:
        raise ValidationError({"url": _("Give the calendar's secret address (https://…).")}) from None
    try:
        webhooks.check_subscription_url(url)
    except webhooks.RefusedAddress as exc:
        raise ValidationError({"url": str(exc)}) from None
    return url


@transaction.atomic
def set_calendar_feed(*, interviewer: Interviewer, url: str, by: User | None) -> CalendarFeed | None:
    """Set (or, with an empty url, remove) the interviewer's calendar feed. Removing it
    removes the busy blocks it brought; a new address starts as not imported yet."""
    _require_owner_or_recruiter(by, interviewer)
    if not (url or "").strip():
        CalendarFeed.objects.filter(interviewer=interviewer).delete()
        BusyBlock.objects.filter(interviewer=interviewer, source=BusySource.FEED).delete()
        return None
    url = normalise_feed_url(url)
    feed, created = CalendarFeed.objects.select_for_update().get_or_create(
        interviewer=interviewer, defaults={"url": url}
    )
    if not created and feed.url != url:
        feed.url = url
        feed.last_status = FeedStatus.NEVER
        feed.last_error = ""
        feed.last_import_at = None
        feed.last_event_count = 0
        feed.save()
    return feed


def _limit(value: object, field: str) -> int | None:
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_LOAD_LIMIT:
        raise ValidationError({field: _("A whole number from 1 to %(max)d, or empty.") % {"max": MAX_LOAD_LIMIT}})
    return value


@transaction.atomic
def set_load_limits(
    *, interviewer: Interviewer, per_day: int | None, per_week: int | None, by: User | None
) -> Interviewer:
    """The interviewer's own limits (None: the company default)."""
    _require_owner_or_recruiter(by, interviewer)
    per_day = _limit(per_day, "max_interviews_per_day")
    per_week = _limit(per_week, "max_interviews_per_week")
    if per_day is not None and per_week is not None and per_week < per_day:
        raise ValidationError({"max_interviews_per_week": _("A week's limit cannot be below a day's.")})
    Interviewer.objects.filter(pk=interviewer.pk).update(
        max_interviews_per_day=per_day, max_interviews_per_week=per_week
    )
    interviewer.max_interviews_per_day, interviewer.max_interviews_per_week = per_day, per_week
    return interviewer


@transaction.atomic
def set_pool(
    *, kind: str, interviewer_ids: Iterable[int], description: str | None = None, by: User | None
) -> InterviewerPool:
    """Who may take rounds of this kind (the bar-raiser round's pool is the trained bar
    raisers, set on each interviewer, so it has none here)."""
    _require_recruiter(by)
    if kind not in RoundKind.values:
        raise ValidationError({"kind": _("Not a round kind.")})
    if kind == RoundKind.BAR_RAISER:
        raise ValidationError({"kind": _("The bar-raiser round's pool is the trained bar raisers.")})
    ids = set(interviewer_ids)
    found = set(Interviewer.objects.filter(pk__in=ids).values_list("id", flat=True))
    if ids - found:
        raise ValidationError({"members": _("Unknown interviewers: %(ids)s") % {"ids": sorted(ids - found)}})
    pool, _created = InterviewerPool.objects.select_for_update().get_or_create(kind=kind)
    if description is not None:
        pool.description = description.strip()[:200]
        pool.save(update_fields=["description"])
    pool.members.set(found)
    return pool


@transaction.atomic
def remove_pool(*, kind: str, by: User | None) -> None:
    """Drop a kind's pool: the kind is open to every active interviewer again."""
    _require_recruiter(by)
    InterviewerPool.objects.filter(kind=kind).delete()


# --- the feed import's writes (hiring/scheduling/feeds.py) ------------------------------


@dataclasses.dataclass(frozen=True)
class FeedBlock:
    starts_at: dt.datetime
    ends_at: dt.datetime
    uid: str = ""
    summary: str = ""


@transaction.atomic
def replace_feed_blocks(*, feed: CalendarFeed, blocks: Sequence[FeedBlock], now: dt.datetime) -> int:
    """A successful import: the interviewer's feed blocks become exactly these, at once."""
    feed = CalendarFeed.objects.select_for_update().get(pk=feed.pk)
    BusyBlock.objects.filter(interviewer_id=feed.interviewer_id, source=BusySource.FEED).delete()
    BusyBlock.objects.bulk_create(
        [
            BusyBlock(
                interviewer_id=feed.interviewer_id,
                starts_at=b.starts_at,
                ends_at=b.ends_at,
                source=BusySource.FEED,
                uid=b.uid[:255],
                summary=b.summary[:200],
            )
            for b in blocks[:MAX_FEED_BLOCKS]
            if b.ends_at > b.starts_at
        ],
        batch_size=500,
    )
    feed.last_import_at = now
    feed.last_status = FeedStatus.OK
    feed.last_error = ""
    feed.last_event_count = min(len(blocks), MAX_FEED_BLOCKS)
    feed.save(update_fields=["last_import_at", "last_status", "last_error", "last_event_count", "updated_at"])
    return feed.last_event_count


@transaction.atomic
def record_feed_failure(*, feed: CalendarFeed, error: str, now: dt.datetime) -> None:
    """A failed import: said on the record, the blocks of the last good import kept."""
    CalendarFeed.objects.filter(pk=feed.pk).update(
        last_import_at=now, last_status=FeedStatus.FAILED, last_error=error[:500], updated_at=now
    )
