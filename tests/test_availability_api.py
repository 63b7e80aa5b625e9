"""Availability and pools through the API (issue 9): one's own or, for recruiters,
anyone's; strict input; all or nothing; the feed address never shown to others."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from hiring.models import CalendarFeed, InterviewerPool, RoundKind, TimeOff, WeeklyHours
from tests.factories import InterviewerFactory


def url(interviewer) -> str:
    return f"/api/v1/interviewers/{interviewer.pk}/availability/"


@pytest.fixture
def ivy(world):
    return world.interviewers[0]


def test_an_interviewer_reads_and_changes_their_own_availability(world, ivy, token_for):
    client = token_for(ivy.user)
    body = client.get(url(ivy)).json()
    assert body["uses_default_hours"] is True and body["time_zone"] == "Europe/Berlin"
    assert body["weekly_hours"][0] == {"weekday": 1, "start": "09:00", "end": "17:30"}
    changed = client.patch(
        url(ivy),
        {
            "weekly_hours": [
                {"weekday": 7, "start": "09:00", "end": "17:00"},
                {"weekday": 1, "start": "22:00", "end": "06:00"},
            ],
            "max_interviews_per_day": 2,
            "calendar_feed_url": "https://calendar.example.com/secret-xyz/basic.ics",
        },
        format="json",
    )
    assert changed.status_code == 200, changed.content
    body = changed.json()
    assert body["uses_default_hours"] is False
    assert {"weekday": 1, "start": "22:00", "end": "06:00"} in body["weekly_hours"]
    assert body["max_interviews_per_day"] == 2 and body["max_interviews_per_week"] is None
    assert body["calendar_feed"]["url"].endswith("secret-xyz/basic.ics")
    assert body["calendar_feed"]["last_status"] == "never"


def test_others_get_a_404_and_never_the_feed_address(world, ivy, token_for):
    CalendarFeed.objects.create(interviewer=ivy, url="https://calendar.example.com/secret-xyz/basic.ics")
    other = token_for(world.interviewers[1].user)
    assert other.get(url(ivy)).status_code == 404
    assert other.patch(url(ivy), {"max_interviews_per_day": 1}, format="json").status_code == 404
    assert "secret-xyz" not in other.get(f"/api/v1/interviewers/{ivy.pk}/").content.decode()
    assert "secret-xyz" not in other.get("/api/v1/interviewers/").content.decode()
    # A recruiter reads and changes anyone's.
    recruiter = token_for(world.recruiter)
    assert recruiter.get(url(ivy)).json()["calendar_feed"]["url"].endswith("secret-xyz/basic.ics")
    assert recruiter.patch(url(ivy), {"max_interviews_per_week": 4}, format="json").status_code == 200


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"weekly_hours": [{"weekday": 8, "start": "09:00", "end": "17:00"}]}, "weekly_hours"),
        ({"weekly_hours": [{"weekday": "1", "start": "09:00", "end": "17:00"}]}, "weekly_hours"),
        ({"weekly_hours": [{"weekday": 1, "start": "9", "end": "17:00"}]}, "weekly_hours"),
        ({"weekly_hours": []}, "weekly_hours"),
        (
            {
                "weekly_hours": [
                    {"weekday": 1, "start": "09:00", "end": "13:00"},
                    {"weekday": 1, "start": "12:00", "end": "14:00"},
                ]
            },
            "weekly_hours",
        ),
        ({"max_interviews_per_day": "3"}, "max_interviews_per_day"),
        ({"max_interviews_per_day": 0}, "max_interviews_per_day"),
        ({"calendar_feed_url": "ftp://example.com/x.ics"}, "url"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_changes_nothing(world, ivy, token_for, body, field):
    WeeklyHours.objects.create(interviewer=ivy, weekday=3, start=dt.time(9), end=dt.time(17))
    # A good part beside the bad one is not kept either.
    response = token_for(ivy.user).patch(url(ivy), {"max_interviews_per_week": 5, **body}, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    ivy.refresh_from_db()
    assert ivy.max_interviews_per_week is None
    assert list(WeeklyHours.objects.filter(interviewer=ivy).values_list("weekday", flat=True)) == [3]


def test_time_off_is_added_and_removed(world, ivy, token_for):
    client = token_for(ivy.user)
    start = (timezone.now() + dt.timedelta(days=3)).replace(microsecond=0)
    added = client.post(
        f"/api/v1/interviewers/{ivy.pk}/time-off/",
        {"starts_at": start.isoformat(), "ends_at": (start + dt.timedelta(days=2)).isoformat(), "reason": "Holiday"},
        format="json",
    )
    assert added.status_code == 201, added.content
    away = TimeOff.objects.get(interviewer=ivy)
    assert client.get(url(ivy)).json()["time_off"][0]["reason"] == "Holiday"
    naive = client.post(
        f"/api/v1/interviewers/{ivy.pk}/time-off/",
        {"starts_at": "2030-01-01T09:00:00", "ends_at": "2030-01-02T09:00:00"},
        format="json",
    )
    assert naive.status_code == 400 and "starts_at" in naive.json()
    backwards = client.post(
        f"/api/v1/interviewers/{ivy.pk}/time-off/",
        {"starts_at": "2030-01-02T09:00:00Z", "ends_at": "2030-01-01T09:00:00Z"},
        format="json",
    )
    assert backwards.status_code == 400 and "ends_at" in backwards.json()
    assert (
        token_for(world.interviewers[1].user).delete(f"/api/v1/interviewers/{ivy.pk}/time-off/{away.pk}/").status_code
        == 404
    )
    assert client.delete(f"/api/v1/interviewers/{ivy.pk}/time-off/{away.pk}/").status_code == 204
    assert not TimeOff.objects.exists()


def test_writes_need_the_availability_scope(world, ivy, token_for):
    read_only = token_for(ivy.user, scopes=("read",))
    assert read_only.get(url(ivy)).status_code == 200
    assert read_only.patch(url(ivy), {"max_interviews_per_day": 1}, format="json").status_code == 403


def test_pools_are_read_by_anyone_and_written_by_recruiters(world, ivy, token_for):
    recruiter = token_for(world.recruiter)
    members = [ivy.pk, world.interviewers[2].pk]
    created = recruiter.post("/api/v1/pools/", {"kind": "technical", "members": members}, format="json")
    assert created.status_code == 201, created.content
    assert created.json() == {"kind": "technical", "description": "", "members": sorted(members)}
    replaced = recruiter.post("/api/v1/pools/", {"kind": "technical", "members": [ivy.pk]}, format="json")
    assert replaced.status_code == 200 and replaced.json()["members"] == [ivy.pk]
    assert recruiter.post("/api/v1/pools/", {"kind": "bar_raiser", "members": []}, format="json").status_code == 400
    assert recruiter.post("/api/v1/pools/", {"kind": "culture", "members": [10**9]}, format="json").status_code == 400
    reader = token_for(ivy.user)
    assert reader.get("/api/v1/pools/technical/").json()["members"] == [ivy.pk]
    assert reader.post("/api/v1/pools/", {"kind": "culture", "members": [ivy.pk]}, format="json").status_code == 403
    assert reader.delete("/api/v1/pools/technical/").status_code == 403
    assert recruiter.delete("/api/v1/pools/technical/").status_code == 204
    assert not InterviewerPool.objects.exists()


def test_the_pool_list_costs_the_same_queries_for_few_and_many_members(world, token_for):
    client = token_for(world.recruiter)
    client.get("/api/v1/pools/")  # the token's first use is noted once
    counts = []
    for n in (2, 40):
        for kind in (RoundKind.TECHNICAL, RoundKind.CULTURE, RoundKind.SCREEN):
            pool, _ = InterviewerPool.objects.get_or_create(kind=kind)
            pool.members.add(*[InterviewerFactory() for _ in range(n)])
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/pools/")
        assert response.status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]


def test_the_availability_costs_the_same_queries_with_few_or_many_rows(world, ivy, token_for):
    client = token_for(ivy.user)
    client.get(url(ivy))  # the token's first use is noted once
    counts = []
    for n in (2, 30):
        start = timezone.now() + dt.timedelta(days=1)
        TimeOff.objects.bulk_create(
            TimeOff(
                interviewer=ivy, starts_at=start + dt.timedelta(days=i), ends_at=start + dt.timedelta(days=i, hours=1)
            )
            for i in range(n)
        )
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url(ivy)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
