"""Calendar feeds (issue 9): each interviewer's secret iCalendar address, imported into
their feed busy blocks by a beat task.

The fetch is the webhooks' (hiring/webhooks.py): http and https only, the address
resolved once, every address checked (HIRING_WEBHOOK_ALLOW_PRIVATE_URLS lifts that
for local servers) and the connection pinned to it, a timeout, and a size cap.
Redirects are followed a few times, each target checked again.

Parsing is icalendar's; recurrences (RRULE, RDATE, EXDATE, moved occurrences) are
expanded by recurring-ical-events over [now, now + HIRING_FEED_HORIZON_DAYS]. An
all-day event is busy from local midnight to local midnight in the interviewer's zone,
and so is a floating time; free (TRANSP:TRANSPARENT) and cancelled events are not busy.

A feed that fails (unreachable, refused, too large, not a calendar) is recorded on its
CalendarFeed with the reason; the blocks of its last good import stay. Never a crash.
"""

from __future__ import annotations

import datetime as dt
import http.client
import logging
from urllib.parse import urljoin, urlsplit
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from hiring import services, webhooks
from hiring.models import CalendarFeed
from hiring.services.availability import FeedBlock

logger = logging.getLogger(__name__)
UTC = dt.UTC
MAX_REDIRECTS = 3


class FeedError(Exception):
    """Why a feed could not be imported, in words for its owner."""


def fetch(url: str) -> bytes:
    """GET the feed, pinned to checked addresses, at most HIRING_FEED_MAX_BYTES."""
    limit = settings.HIRING_FEED_MAX_BYTES
    timeout = settings.HIRING_FEED_TIMEOUT_SECONDS
    for _hop in range(MAX_REDIRECTS + 1):
        try:
            scheme, host, port = webhooks._url_host(url)
            addresses = webhooks.resolve_checked(host, port)
        except webhooks.RefusedAddress as exc:
            raise FeedError(str(exc)) from None
        parts = urlsplit(url)
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        if scheme == "https":
            conn: http.client.HTTPConnection = webhooks._PinnedHTTPSConnection(
                host, port, addresses=addresses, timeout=timeout, context=webhooks.ssl_context()
            )
        else:
            conn = webhooks._PinnedHTTPConnection(host, port, addresses=addresses, timeout=timeout)
        try:
            conn.request("GET", target, headers={"Accept": "text/calendar", "User-Agent": "hiring-loop-feeds"})
            response = conn.getresponse()
            if response.status in (301, 302, 303, 307, 308) and response.getheader("Location"):
                url = urljoin(url, response.getheader("Location"))
                continue
            if not 200 <= response.status < 300:
                raise FeedError(_("The calendar answered HTTP %(status)d.") % {"status": response.status})
            body = response.read(limit + 1)
            if len(body) > limit:
                raise FeedError(_("The calendar is larger than %(size)d bytes.") % {"size": limit})
            return body
        finally:
            conn.close()
    raise FeedError(_("The calendar redirected too many times."))


def _instant(value: dt.date | dt.datetime, zone: ZoneInfo) -> dt.datetime:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:  # floating time: the owner's own clock
            value = value.replace(tzinfo=zone)
        return value.astimezone(UTC)
    # An all-day date: from local midnight.
    return dt.datetime.combine(value, dt.time(0), tzinfo=zone).astimezone(UTC)


def parse(data: bytes, *, zone: str, start: dt.datetime, end: dt.datetime) -> list[FeedBlock]:
    """The busy stretches of a calendar between start and end, UTC, sorted."""
    tz = ZoneInfo(zone)
    try:
        calendar = icalendar.Calendar.from_ical(data)
    except ValueError as exc:
        raise FeedError(_("This is not an iCalendar file (%(error)s).") % {"error": str(exc)[:200]}) from None
    if calendar.name != "VCALENDAR":
        raise FeedError(_("This is not an iCalendar file."))
    blocks = []
    for event in recurring_ical_events.of(calendar).between(start, end):
        if str(event.get("STATUS", "")).upper() == "CANCELLED":
            continue
        if str(event.get("TRANSP", "OPAQUE")).upper() == "TRANSPARENT":
            continue
        if "DTSTART" not in event:
            continue
        first = event["DTSTART"].dt
        if "DTEND" in event:
            last = event["DTEND"].dt
        elif "DURATION" in event:
            last = first + event["DURATION"].dt
        elif isinstance(first, dt.datetime):
            continue  # an instant, not a stretch of time
        else:
            last = first + dt.timedelta(days=1)
        begins, ends = _instant(first, tz), _instant(last, tz)
        if ends <= begins or ends <= start or begins >= end:
            continue
        blocks.append(
            FeedBlock(
                starts_at=begins,
                ends_at=ends,
                uid=str(event.get("UID", ""))[:255],
                summary=str(event.get("SUMMARY", ""))[:200],
            )
        )
    return sorted(blocks, key=lambda b: (b.starts_at, b.ends_at))


def import_feed(feed: CalendarFeed, *, now: dt.datetime | None = None) -> bool:
    """Import one feed; True if it worked. A failure is recorded, never raised."""
    now = now or timezone.now()
    horizon = now + dt.timedelta(days=settings.HIRING_FEED_HORIZON_DAYS)
    try:
        data = fetch(feed.url)
        blocks = parse(data, zone=feed.interviewer.time_zone, start=now, end=horizon)
    except FeedError as exc:
        services.record_feed_failure(feed=feed, error=str(exc), now=now)
        return False
    except (OSError, http.client.HTTPException) as exc:
        services.record_feed_failure(
            feed=feed, error=_("The calendar could not be reached (%(error)s).") % {"error": exc}, now=now
        )
        return False
    except Exception as exc:  # a calendar can break a parser in ways no list foresees
        logger.warning("calendar feed %s failed", feed.pk, exc_info=True)
        services.record_feed_failure(
            feed=feed, error=_("The calendar could not be read (%(error)s).") % {"error": type(exc).__name__}, now=now
        )
        return False
    services.replace_feed_blocks(feed=feed, blocks=blocks, now=now)
    return True


def import_all(*, now: dt.datetime | None = None) -> dict:
    """Import every feed, one after the other (beat runs this every HIRING_FEED_SWEEP_SECONDS)."""
    done = failed = 0
    for feed in CalendarFeed.objects.select_related("interviewer").order_by("id").iterator(chunk_size=200):
        if import_feed(feed, now=now):
            done += 1
        else:
            failed += 1
    return {"imported": done, "failed": failed}
