"""Calendar feeds (issue 9): real .ics files served over a local HTTP server, imported
into busy blocks: a weekly recurring event, an all-day event, free and cancelled events
left out, and a broken feed recorded without losing the last good import."""

from __future__ import annotations

import datetime as dt
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from hiring import services
from hiring.models import BusyBlock, BusySource, CalendarFeed, FeedStatus
from hiring.scheduling import feeds
from hiring.scheduling.availability import free_intervals
from tests.factories import InterviewerFactory

UTC = dt.UTC
NOW = dt.datetime(2026, 3, 2, 12, tzinfo=UTC)  # a Monday

CALENDAR = b"""BEGIN:VCALENDAR\r
VERSION:2.0\r
PRODID:-//test//feeds//EN\r
BEGIN:VTIMEZONE\r
TZID:America/New_York\r
BEGIN:STANDARD\r
DTSTART:19701101T020000\r
RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r
TZOFFSETFROM:-0400\r
TZOFFSETTO:-0500\r
END:STANDARD\r
BEGIN:DAYLIGHT\r
DTSTART:19700308T020000\r
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r
TZOFFSETFROM:-0500\r
TZOFFSETTO:-0400\r
END:DAYLIGHT\r
END:VTIMEZONE\r
BEGIN:VEVENT\r
UID:standup@test\r
SUMMARY:Team standup\r
DTSTART;TZID=America/New_York:20260302T100000\r
DTEND;TZID=America/New_York:20260302T103000\r
RRULE:FREQ=WEEKLY;COUNT=3\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:holiday@test\r
SUMMARY:Conference\r
DTSTART;VALUE=DATE:20260304\r
DTEND;VALUE=DATE:20260305\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:free@test\r
SUMMARY:Focus (free)\r
TRANSP:TRANSPARENT\r
DTSTART:20260303T150000Z\r
DTEND:20260303T160000Z\r
END:VEVENT\r
BEGIN:VEVENT\r
UID:cancelled@test\r
SUMMARY:Called off\r
STATUS:CANCELLED\r
DTSTART:20260303T170000Z\r
DTEND:20260303T180000Z\r
END:VEVENT\r
END:VCALENDAR\r
"""


class Server:
    """A local HTTP server answering each path from a dict (status, body)."""

    def __init__(self):
        routes = self.routes = {}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                status, body = routes.get(self.path, (404, b"not found"))
                self.send_response(status)
                if status in (301, 302):
                    self.send_header("Location", body.decode())
                    body = b""
                self.send_header("Content-Type", "text/calendar")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}{path}"

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def server(settings):
    # The local server is a private address: allowed here as the webhook tests allow theirs.
    settings.HIRING_WEBHOOK_ALLOW_PRIVATE_URLS = True
    settings.HIRING_FEED_HORIZON_DAYS = 21
    s = Server()
    yield s
    s.close()


@pytest.fixture
def person(db):
    return InterviewerFactory(time_zone="Europe/Berlin")


def feed_for(person, url):
    return services.set_calendar_feed(interviewer=person, url=url, by=None)


def test_a_weekly_event_and_an_all_day_event_become_busy_blocks(server, person):
    server.routes["/cal.ics"] = (200, CALENDAR)
    feed = feed_for(person, server.url("/cal.ics"))
    assert feeds.import_feed(feed, now=NOW)
    blocks = list(BusyBlock.objects.filter(interviewer=person).order_by("starts_at"))
    assert all(b.source == BusySource.FEED for b in blocks)
    spans = [(b.starts_at, b.ends_at, b.uid) for b in blocks]
    berlin = ZoneInfo("Europe/Berlin")
    assert spans == [
        # 10:00 New York: 15:00 UTC while it is EST, 14:00 UTC after 8 March.
        (dt.datetime(2026, 3, 2, 15, tzinfo=UTC), dt.datetime(2026, 3, 2, 15, 30, tzinfo=UTC), "standup@test"),
        # The all-day event is the whole of 4 March in the interviewer's own zone.
        (
            dt.datetime(2026, 3, 4, tzinfo=berlin).astimezone(UTC),
            dt.datetime(2026, 3, 5, tzinfo=berlin).astimezone(UTC),
            "holiday@test",
        ),
        (dt.datetime(2026, 3, 9, 14, tzinfo=UTC), dt.datetime(2026, 3, 9, 14, 30, tzinfo=UTC), "standup@test"),
        (dt.datetime(2026, 3, 16, 14, tzinfo=UTC), dt.datetime(2026, 3, 16, 14, 30, tzinfo=UTC), "standup@test"),
    ]
    feed.refresh_from_db()
    assert (feed.last_status, feed.last_event_count, feed.last_import_at) == (FeedStatus.OK, 4, NOW)
    # The busy blocks are what the solver's availability reads.
    free = free_intervals(
        interviewer_ids=[person.pk], start=dt.datetime(2026, 3, 4, tzinfo=UTC), end=dt.datetime(2026, 3, 5, tzinfo=UTC)
    )
    assert free[person.pk] == []


def test_a_second_import_replaces_the_feed_blocks_and_keeps_manual_ones(server, person):
    server.routes["/cal.ics"] = (200, CALENDAR)
    feed = feed_for(person, server.url("/cal.ics"))
    manual = services.add_busy_block(
        interviewer=person, starts_at=NOW + dt.timedelta(days=1), ends_at=NOW + dt.timedelta(days=1, hours=1), by=None
    )
    feeds.import_feed(feed, now=NOW)
    feeds.import_feed(feed, now=NOW)
    assert BusyBlock.objects.filter(interviewer=person, source=BusySource.FEED).count() == 4
    assert BusyBlock.objects.filter(pk=manual.pk).exists()


@pytest.mark.parametrize(
    ("status", "body", "words"),
    [
        (200, b"this is not a calendar", "not an iCalendar"),
        (500, b"oops", "HTTP 500"),
        (404, b"", "HTTP 404"),
    ],
)
def test_a_broken_feed_is_recorded_and_the_last_good_blocks_stay(server, person, status, body, words):
    server.routes["/cal.ics"] = (200, CALENDAR)
    feed = feed_for(person, server.url("/cal.ics"))
    feeds.import_feed(feed, now=NOW)
    server.routes["/cal.ics"] = (status, body)
    assert feeds.import_feed(feed, now=NOW + dt.timedelta(hours=1)) is False
    feed.refresh_from_db()
    assert feed.last_status == FeedStatus.FAILED and words in feed.last_error
    assert BusyBlock.objects.filter(interviewer=person, source=BusySource.FEED).count() == 4


def test_a_feed_that_cannot_be_reached_is_recorded(server, person, settings):
    settings.HIRING_FEED_TIMEOUT_SECONDS = 1
    feed = feed_for(person, "http://127.0.0.1:9/nothing.ics")  # the discard port: refused
    assert feeds.import_feed(feed, now=NOW) is False
    feed.refresh_from_db()
    assert feed.last_status == FeedStatus.FAILED and "could not be reached" in feed.last_error


def test_a_feed_larger_than_the_cap_is_refused(server, person, settings):
    settings.HIRING_FEED_MAX_BYTES = 500
    server.routes["/big.ics"] = (200, CALENDAR)
    feed = feed_for(person, server.url("/big.ics"))
    assert feeds.import_feed(feed, now=NOW) is False
    feed.refresh_from_db()
    assert "larger than 500 bytes" in feed.last_error


def test_a_redirect_is_followed(server, person):
    server.routes["/cal.ics"] = (200, CALENDAR)
    server.routes["/old.ics"] = (302, b"/cal.ics")
    feed = feed_for(person, server.url("/old.ics"))
    assert feeds.import_feed(feed, now=NOW)


def test_private_addresses_are_refused_as_for_webhooks(person, settings):
    settings.HIRING_WEBHOOK_ALLOW_PRIVATE_URLS = False
    with pytest.raises(ValidationError) as refused:
        services.set_calendar_feed(interviewer=person, url="http://127.0.0.1:8000/cal.ics", by=None)
    assert "url" in refused.value.message_dict
    with pytest.raises(ValidationError):
        services.set_calendar_feed(interviewer=person, url="file:///etc/passwd", by=None)
    # A feed stored earlier whose address is private now fails its import, on record.
    feed = CalendarFeed.objects.create(interviewer=person, url="http://10.0.0.1/cal.ics")
    assert feeds.import_feed(feed, now=NOW) is False
    feed.refresh_from_db()
    assert feed.last_status == FeedStatus.FAILED and "non-public" in feed.last_error


def test_webcal_addresses_are_read_as_https(person, settings):
    settings.HIRING_WEBHOOK_ALLOW_PRIVATE_URLS = True
    feed = services.set_calendar_feed(interviewer=person, url="webcal://calendar.example.com/x/basic.ics", by=None)
    assert feed.url == "https://calendar.example.com/x/basic.ics"


def test_the_beat_task_imports_every_feed_and_counts_failures(server, person):
    server.routes["/cal.ics"] = (200, CALENDAR)
    feed_for(person, server.url("/cal.ics"))
    other = InterviewerFactory(time_zone="Asia/Kathmandu")
    feed_for(other, server.url("/missing.ics"))
    from hiring.tasks import import_calendar_feeds

    assert import_calendar_feeds() == {"imported": 1, "failed": 1}
