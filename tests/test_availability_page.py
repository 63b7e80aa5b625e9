"""My availability (issue 9): the interviewer's own page, through the services, with
form errors for bad input, bounded, and usable on a 390 px phone under the CSP."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hiring.models import BusyBlock, CalendarFeed, FeedStatus, TimeOff, WeeklyHours
from tests.test_browser import PHONE, sign_in, visit, watch_csp

URL = "/availability/"


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def ivy(world):
    return world.interviewers[0]  # Europe/Berlin


def hours_post(**slots) -> dict:
    return {"action": "hours", **slots}


def test_the_home_page_links_to_my_availability(world, ivy):
    page = signed_in(ivy.user).get("/")
    assert b'href="/availability/"' in page.content


def test_the_page_shows_the_persons_hours_in_their_zone(world, ivy):
    WeeklyHours.objects.create(interviewer=ivy, weekday=1, start=dt.time(9), end=dt.time(17))
    page = signed_in(ivy.user).get(URL)
    assert page.status_code == 200
    text = page.content.decode()
    assert "Europe/Berlin" in text
    assert 'name="d1_s1_start" value="09:00"' in text and 'name="d1_s1_end" value="17:00"' in text


def test_saving_weekly_hours_with_a_night_shift(world, ivy):
    response = signed_in(ivy.user).post(
        URL, hours_post(d7_s1_start="09:00", d7_s1_end="17:00", d1_s1_start="22:00", d1_s1_end="06:00")
    )
    assert response.status_code == 302
    rows = list(WeeklyHours.objects.filter(interviewer=ivy).order_by("weekday").values_list("weekday", "start", "end"))
    assert rows == [(1, dt.time(22), dt.time(6)), (7, dt.time(9), dt.time(17))]


@pytest.mark.parametrize(
    ("post", "words"),
    [
        ({"d1_s1_start": "09:00"}, "Give both the start and the end."),
        ({"d1_s1_start": "25:00", "d1_s1_end": "17:00"}, "Enter a valid time."),
        ({}, "Give at least one interval"),
        ({"d1_s1_start": "09:00", "d1_s1_end": "13:00", "d1_s2_start": "12:00", "d1_s2_end": "17:00"}, "overlap"),
    ],
)
def test_bad_hours_are_a_form_error_and_change_nothing(world, ivy, post, words):
    WeeklyHours.objects.create(interviewer=ivy, weekday=2, start=dt.time(9), end=dt.time(17))
    response = signed_in(ivy.user).post(URL, hours_post(**post))
    assert response.status_code == 400
    assert words in response.content.decode()
    assert list(WeeklyHours.objects.filter(interviewer=ivy).values_list("weekday", flat=True)) == [2]


def test_time_off_is_whole_local_days_and_can_be_removed(world, ivy):
    client = signed_in(ivy.user)
    first = timezone.now().date() + dt.timedelta(days=10)
    response = client.post(
        URL, {"action": "time_off", "first_day": first.isoformat(), "last_day": first.isoformat(), "reason": "Dentist"}
    )
    assert response.status_code == 302
    away = TimeOff.objects.get(interviewer=ivy)
    local = away.starts_at.astimezone(ivy.zone)
    assert (local.date(), local.time()) == (first, dt.time(0))
    assert away.ends_at - away.starts_at in (dt.timedelta(hours=23), dt.timedelta(hours=24), dt.timedelta(hours=25))
    assert "Dentist" in client.get(URL).content.decode()
    assert client.post(URL, {"action": "remove_time_off", "time_off": away.pk}).status_code == 302
    assert not TimeOff.objects.exists()


def test_no_one_removes_someone_elses_time_off(world, ivy):
    other = world.interviewers[1]
    start = timezone.now() + dt.timedelta(days=3)
    away = TimeOff.objects.create(interviewer=other, starts_at=start, ends_at=start + dt.timedelta(days=1))
    assert signed_in(ivy.user).post(URL, {"action": "remove_time_off", "time_off": away.pk}).status_code == 404
    assert signed_in(ivy.user).post(URL, {"action": "remove_time_off", "time_off": "x"}).status_code == 404
    assert TimeOff.objects.filter(pk=away.pk).exists()


def test_time_off_ending_before_it_starts_is_a_form_error(world, ivy):
    day = timezone.now().date() + dt.timedelta(days=10)
    response = signed_in(ivy.user).post(
        URL, {"action": "time_off", "first_day": day.isoformat(), "last_day": (day - dt.timedelta(days=1)).isoformat()}
    )
    assert response.status_code == 400 and "cannot be before the first" in response.content.decode()


def test_the_feed_address_and_its_status_show_only_to_its_owner(world, ivy, settings):
    settings.HIRING_WEBHOOK_ALLOW_PRIVATE_URLS = False
    client = signed_in(ivy.user)
    bad = client.post(URL, {"action": "feed", "url": "http://127.0.0.1/cal.ics"})
    assert bad.status_code == 400 and "non-public" in bad.content.decode()
    assert (
        client.post(URL, {"action": "feed", "url": "https://calendar.example.com/secret-abc/basic.ics"}).status_code
        == 302
    )
    feed = CalendarFeed.objects.get(interviewer=ivy)
    CalendarFeed.objects.filter(pk=feed.pk).update(
        last_status=FeedStatus.FAILED, last_error="The calendar answered HTTP 404.", last_import_at=timezone.now()
    )
    text = client.get(URL).content.decode()
    assert "secret-abc" in text and "The calendar answered HTTP 404." in text
    assert "secret-abc" not in signed_in(world.interviewers[1].user).get(URL).content.decode()
    # Emptying it stops the import and drops what it brought.
    BusyBlock.objects.create(
        interviewer=ivy, starts_at=timezone.now(), ends_at=timezone.now() + dt.timedelta(hours=1), source="feed"
    )
    assert client.post(URL, {"action": "feed", "url": ""}).status_code == 302
    assert not CalendarFeed.objects.exists() and not BusyBlock.objects.exists()


def test_limits_are_saved_and_checked(world, ivy):
    client = signed_in(ivy.user)
    assert client.post(URL, {"action": "limits", "per_day": "2", "per_week": "6"}).status_code == 302
    ivy.refresh_from_db()
    assert (ivy.max_interviews_per_day, ivy.max_interviews_per_week) == (2, 6)
    refused = client.post(URL, {"action": "limits", "per_day": "5", "per_week": "3"})
    assert refused.status_code == 400 and "below a day" in refused.content.decode()
    assert client.post(URL, {"action": "limits", "per_day": "0"}).status_code == 400


def test_an_unknown_action_is_a_bad_request(world, ivy):
    assert signed_in(ivy.user).post(URL, {"action": "drop_tables"}).status_code == 400


def test_the_page_costs_the_same_queries_with_2_or_40_time_off(world, ivy):
    client = signed_in(ivy.user)
    counts = []
    for n in (2, 40):
        TimeOff.objects.filter(interviewer=ivy).delete()
        start = timezone.now() + dt.timedelta(days=1)
        TimeOff.objects.bulk_create(
            TimeOff(
                interviewer=ivy, starts_at=start + dt.timedelta(days=i), ends_at=start + dt.timedelta(days=i, hours=5)
            )
            for i in range(n)
        )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(URL).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.django_db(transaction=True)
def test_my_availability_works_on_a_phone_under_the_csp(world, chromium, live_server, settings):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = chromium.new_context(base_url=live_server.url, viewport=PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        violations = watch_csp(page)
        ivy = world.interviewers[0]
        sign_in(page, ivy.user.username)
        page.get_by_role("link", name="My availability").click()
        page.wait_for_url("**/availability/")
        visit(page, URL)
        page.get_by_label("Monday, interval 1, from").fill("22:00")
        page.get_by_label("Monday, interval 1, to").fill("06:00")
        page.get_by_role("button", name="Save weekly hours").click()
        page.wait_for_url("**/availability/")
        assert page.get_by_text("Your weekly hours are saved.").is_visible()
        # Nothing is wider than the phone.
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert violations == []
    finally:
        context.close()
    assert WeeklyHours.objects.get(interviewer=world.interviewers[0]).end == dt.time(6)
