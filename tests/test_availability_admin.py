"""Availability in the admin (issue 9): weekly hours and time off inline on an
interviewer's page, saved through the services; the feed status; pools."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hiring.models import CalendarFeed, FeedStatus, InterviewerPool, RoundKind, TimeOff, WeeklyHours
from tests.factories import InterviewerFactory


@pytest.fixture
def recruiter_client(client, world):
    client.force_login(world.recruiter)
    return client


def change_url(interviewer) -> str:
    return reverse("admin:hiring_interviewer_change", args=[interviewer.pk])


def interviewer_post(interviewer, hours=(), time_off=()) -> dict:
    data = {
        "user": interviewer.user_id,
        "department": interviewer.department_id,
        "level": interviewer.level_id,
        "time_zone": interviewer.time_zone,
        "work_start": "09:00",
        "work_end": "17:30",
        "work_days": "12345",
        "languages": "[]",
        "max_interviews_per_day": "",
        "max_interviews_per_week": "",
        "weekly_hours-TOTAL_FORMS": str(len(hours)),
        "weekly_hours-INITIAL_FORMS": "0",
        "weekly_hours-MIN_NUM_FORMS": "0",
        "weekly_hours-MAX_NUM_FORMS": "1000",
        "time_off-TOTAL_FORMS": str(len(time_off)),
        "time_off-INITIAL_FORMS": "0",
        "time_off-MIN_NUM_FORMS": "0",
        "time_off-MAX_NUM_FORMS": "1000",
    }
    for i, (weekday, start, end) in enumerate(hours):
        data.update(
            {f"weekly_hours-{i}-weekday": weekday, f"weekly_hours-{i}-start": start, f"weekly_hours-{i}-end": end}
        )
    for i, (starts, ends, reason) in enumerate(time_off):
        data.update(
            {
                f"time_off-{i}-starts_at_0": starts.strftime("%Y-%m-%d"),
                f"time_off-{i}-starts_at_1": starts.strftime("%H:%M"),
                f"time_off-{i}-ends_at_0": ends.strftime("%Y-%m-%d"),
                f"time_off-{i}-ends_at_1": ends.strftime("%H:%M"),
                f"time_off-{i}-reason": reason,
            }
        )
    return data


def test_the_interviewer_page_shows_hours_time_off_and_the_feed_status(recruiter_client, world):
    ivy = world.interviewers[0]
    WeeklyHours.objects.create(interviewer=ivy, weekday=1, start=dt.time(22), end=dt.time(6))
    start = timezone.now() + dt.timedelta(days=3)
    TimeOff.objects.create(interviewer=ivy, starts_at=start, ends_at=start + dt.timedelta(days=2), reason="Holiday")
    CalendarFeed.objects.create(
        interviewer=ivy,
        url="https://calendar.example.com/secret/basic.ics",
        last_status=FeedStatus.FAILED,
        last_error="The calendar answered HTTP 404.",
        last_import_at=timezone.now(),
    )
    page = recruiter_client.get(change_url(ivy)).content.decode()

    assert re.search(r"name=\"weekly_hours-0-start\" value=\"22:00", page)
    assert "Holiday" in page
    assert "The calendar answered HTTP 404." in page


def test_weekly_hours_saved_in_the_admin_go_through_the_services(recruiter_client, world):
    ivy = world.interviewers[0]
    response = recruiter_client.post(
        change_url(ivy), interviewer_post(ivy, hours=[(7, "09:00", "17:00"), (1, "22:00", "06:00")])
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    rows = sorted(WeeklyHours.objects.filter(interviewer=ivy).values_list("weekday", "start", "end"))
    assert rows == [(1, dt.time(22), dt.time(6)), (7, dt.time(9), dt.time(17))]


def test_overlapping_hours_are_a_form_error_in_the_admin(recruiter_client, world):
    ivy = world.interviewers[0]
    response = recruiter_client.post(
        change_url(ivy), interviewer_post(ivy, hours=[(1, "09:00", "13:00"), (1, "12:00", "17:00")])
    )
    assert response.status_code == 200
    assert "Two intervals overlap" in response.content.decode()
    assert not WeeklyHours.objects.filter(interviewer=ivy).exists()


def test_time_off_added_in_the_admin(recruiter_client, world):
    ivy = world.interviewers[0]
    start = (timezone.now() + dt.timedelta(days=5)).replace(second=0, microsecond=0)
    response = recruiter_client.post(
        change_url(ivy), interviewer_post(ivy, time_off=[(start, start + dt.timedelta(days=1), "Conference")])
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    assert TimeOff.objects.get(interviewer=ivy).reason == "Conference"


def test_the_interviewer_list_costs_the_same_queries_for_10_and_60_people(recruiter_client, world):
    url = reverse("admin:hiring_interviewer_changelist")
    counts = []
    for extra in (4, 50):
        for _ in range(extra):
            person = InterviewerFactory()
            WeeklyHours.objects.create(interviewer=person, weekday=1, start=dt.time(9), end=dt.time(17))
        with CaptureQueriesContext(connection) as queries:
            page = recruiter_client.get(url)
        assert page.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert "Mon 09:00–17:00" in page.content.decode()


def test_pools_are_reference_data_in_the_admin(recruiter_client, world):
    add = reverse("admin:hiring_interviewerpool_add")
    members = [world.interviewers[0].pk, world.interviewers[1].pk]
    response = recruiter_client.post(add, {"kind": RoundKind.TECHNICAL, "description": "Coders", "members": members})
    assert response.status_code == 302
    pool = InterviewerPool.objects.get(kind=RoundKind.TECHNICAL)
    assert set(pool.members.values_list("id", flat=True)) == set(members)
    refused = recruiter_client.post(add, {"kind": RoundKind.BAR_RAISER, "members": members})
    assert refused.status_code == 200 and not InterviewerPool.objects.filter(kind=RoundKind.BAR_RAISER).exists()
    listing = recruiter_client.get(reverse("admin:hiring_interviewerpool_changelist"))
    assert listing.status_code == 200 and "Coders" in listing.content.decode()
