"""Busy times entered by hand (issue 9): on My availability, through the services,
bounded, and usable on a 390 px phone under the CSP."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hiring.models import BusyBlock, BusySource
from tests.test_availability_page import URL, signed_in
from tests.test_browser import PHONE, sign_in, visit, watch_csp

pytestmark = pytest.mark.django_db


def busy_post(day: dt.date, start: str, end: str, summary: str = "") -> dict:
    return {"action": "busy", "busy_day": day.isoformat(), "busy_from": start, "busy_to": end, "summary": summary}


def test_a_busy_time_is_added_in_local_time_shown_and_removed(world):
    ivy = world.interviewers[0]  # Europe/Berlin
    client = signed_in(ivy.user)
    day = timezone.now().astimezone(ivy.zone).date() + dt.timedelta(days=10)
    assert client.post(URL, busy_post(day, "14:00", "15:30", "School run")).status_code == 302
    block = BusyBlock.objects.get(interviewer=ivy)
    assert block.source == BusySource.MANUAL
    assert block.starts_at.astimezone(ivy.zone).replace(tzinfo=None) == dt.datetime.combine(day, dt.time(14))
    assert block.ends_at - block.starts_at == dt.timedelta(minutes=90)
    page = client.get(URL).content.decode()
    assert "School run" in page and "Your busy time is added." in page
    assert client.post(URL, {"action": "remove_busy", "busy": block.pk}).status_code == 302
    assert not BusyBlock.objects.exists()


def test_a_busy_time_ending_at_or_before_its_start_ends_the_next_day(world):
    ivy = world.interviewers[0]
    day = timezone.now().astimezone(ivy.zone).date() + dt.timedelta(days=10)
    assert signed_in(ivy.user).post(URL, busy_post(day, "22:00", "02:00")).status_code == 302
    block = BusyBlock.objects.get(interviewer=ivy)
    assert block.ends_at.astimezone(ivy.zone).date() == day + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("post", "words"),
    [
        ({"busy_from": "xx"}, "Enter a valid time"),
        ({"busy_day": ""}, "This field is required"),
        ({"summary": "x" * 201}, "at most 200 characters"),
    ],
)
def test_bad_busy_times_are_a_form_error_and_change_nothing(world, post, words):
    ivy = world.interviewers[0]
    day = timezone.now().date() + dt.timedelta(days=10)
    response = signed_in(ivy.user).post(URL, {**busy_post(day, "09:00", "10:00"), **post})
    assert response.status_code == 400 and words in response.content.decode()
    assert not BusyBlock.objects.exists()


def test_no_one_removes_someone_elses_or_a_feeds_busy_time(world):
    ivy, other = world.interviewers[:2]
    start = timezone.now() + dt.timedelta(days=3)
    theirs = BusyBlock.objects.create(interviewer=other, starts_at=start, ends_at=start + dt.timedelta(hours=1))
    fed = BusyBlock.objects.create(
        interviewer=ivy, starts_at=start, ends_at=start + dt.timedelta(hours=1), source=BusySource.FEED, summary="Feed"
    )
    client = signed_in(ivy.user)
    for pk in (theirs.pk, fed.pk, "x"):
        assert client.post(URL, {"action": "remove_busy", "busy": pk}).status_code == 404
    assert BusyBlock.objects.count() == 2
    assert "Feed" not in client.get(URL).content.decode()  # the feed's are counted in its status, not listed


def test_the_page_costs_the_same_queries_with_2_or_40_busy_times(world):
    ivy = world.interviewers[0]
    client = signed_in(ivy.user)
    counts = []
    for n in (2, 40):
        BusyBlock.objects.filter(interviewer=ivy).delete()
        start = timezone.now() + dt.timedelta(days=1)
        BusyBlock.objects.bulk_create(
            BusyBlock(
                interviewer=ivy, starts_at=start + dt.timedelta(days=i), ends_at=start + dt.timedelta(days=i, hours=1)
            )
            for i in range(n)
        )
        with CaptureQueriesContext(connection) as queries:
            page = client.get(URL).content.decode()
        counts.append(len(queries))
        assert page.count('name="remove_busy"') == 0 and page.count('value="remove_busy"') == n
    assert counts[0] == counts[1]


@pytest.mark.django_db(transaction=True)
def test_adding_a_busy_time_works_on_a_phone_under_the_csp(world, chromium, live_server, settings):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    context = chromium.new_context(base_url=live_server.url, viewport=PHONE)
    context.set_default_timeout(15_000)
    page = context.new_page()
    ivy = world.interviewers[0]
    day = timezone.now().astimezone(ivy.zone).date() + dt.timedelta(days=5)
    try:
        violations = watch_csp(page)
        sign_in(page, ivy.user.username)
        visit(page, URL)
        page.get_by_label("Busy day").fill(day.isoformat())
        page.get_by_label("Busy from").fill("11:00")
        page.get_by_label("Busy until").fill("12:00")
        page.get_by_role("button", name="Add busy time").click()
        page.wait_for_url("**/availability/")
        assert page.get_by_text("Your busy time is added.").is_visible()
        assert page.get_by_role("button", name="Remove").last.is_visible()
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
        assert violations == []
    finally:
        context.close()
    assert BusyBlock.objects.get(interviewer=ivy).ends_at.astimezone(ivy.zone).hour == 12


# --- the API -------------------------------------------------------------------------


def test_busy_times_are_added_and_removed_through_the_api(world, token_for):
    ivy = world.interviewers[0]
    client = token_for(ivy.user)
    start = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)
    base = f"/api/v1/interviewers/{ivy.pk}/busy/"
    added = client.post(
        base,
        {"starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(hours=2)).isoformat(), "summary": "Gym"},
        format="json",
    )
    assert added.status_code == 201, added.content
    assert added.json()["source"] == "manual" and added.json()["summary"] == "Gym"
    block = BusyBlock.objects.get(interviewer=ivy)
    assert [b["id"] for b in client.get(f"/api/v1/interviewers/{ivy.pk}/availability/").json()["busy"]] == [block.pk]
    naive = client.post(base, {"starts_at": "2030-01-01T09:00:00", "ends_at": "2030-01-01T10:00:00"}, format="json")
    assert naive.status_code == 400 and "starts_at" in naive.json()
    backwards = client.post(
        base, {"starts_at": "2030-01-01T10:00:00Z", "ends_at": "2030-01-01T09:00:00Z"}, format="json"
    )
    assert backwards.status_code == 400 and "ends_at" in backwards.json()
    wrong_type = client.post(base, {"starts_at": 5, "ends_at": True, "summary": 3}, format="json")
    assert wrong_type.status_code == 400
    fed = BusyBlock.objects.create(
        interviewer=ivy, starts_at=start, ends_at=start + dt.timedelta(hours=1), source=BusySource.FEED
    )
    assert client.delete(f"{base}{fed.pk}/").status_code == 404
    other = token_for(world.interviewers[1].user)
    assert other.delete(f"{base}{block.pk}/").status_code == 404
    assert (
        other.post(base, {"starts_at": start.isoformat(), "ends_at": start.isoformat()}, format="json").status_code
        == 404
    )
    read_only = token_for(ivy.user, scopes=("read",))
    assert read_only.delete(f"{base}{block.pk}/").status_code == 403
    assert client.delete(f"{base}{block.pk}/").status_code == 204
    assert list(BusyBlock.objects.values_list("source", flat=True)) == [BusySource.FEED]
