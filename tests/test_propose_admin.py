"""Issue 9 in the admin: propose a schedule, book one, refusal shown with its reason,
request availability, and the schedule form's interviewer picker."""

from __future__ import annotations

import datetime as dt
import re
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hiring import services
from hiring.models import AvailabilityRequest, Interviewer, InterviewerPool, LoopStatus, RoundKind, RoundStatus
from hiring.services.availability import HoursSpec
from tests.factories import ANY_HOUR, InterviewerFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def recruiter_client(client, world):
    client.force_login(world.recruiter)
    return client


def signed_options(html: str) -> list[str]:
    return re.findall(r'name="proposal" value="([^"]+)"', html)


def test_a_draft_loop_offers_propose_and_request_availability(recruiter_client, world):
    loop = world.start_loop()
    page = recruiter_client.get(reverse("admin:hiring_loop_change", args=[loop.pk])).content.decode()
    assert reverse("admin:hiring_loop_propose", args=[loop.pk]) in page
    assert reverse("admin:hiring_loop_request_availability", args=[loop.pk]) in page


def test_propose_shows_options_in_three_zones_and_books_one(recruiter_client, world):
    loop = world.start_loop()
    response = recruiter_client.get(reverse("admin:hiring_loop_propose", args=[loop.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    options = signed_options(html)
    assert options, html
    assert "America/New_York" in html and loop.candidate.time_zone in html  # Rita's zone and the candidate's
    assert "Book option 1" in html
    booked = recruiter_client.post(reverse("admin:hiring_loop_book", args=[loop.pk]), {"proposal": options[0]})
    assert booked.status_code == 302
    loop.refresh_from_db()
    assert loop.status == LoopStatus.SCHEDULED


def test_booking_a_stale_option_shows_the_reason_and_books_nothing(recruiter_client, world):
    loop = world.start_loop()
    html = recruiter_client.get(reverse("admin:hiring_loop_propose", args=[loop.pk])).content.decode()
    [first, *_] = signed_options(html)
    # Meanwhile someone books the first round by hand at another time.
    round_ = loop.rounds.order_by("order").first()
    services.schedule_round(
        round=round_,
        interviewer=world.interviewers[4],
        starts_at=timezone.now() + dt.timedelta(days=20),
        by=world.recruiter,
        **ANY_HOUR,
    )
    response = recruiter_client.post(reverse("admin:hiring_loop_book", args=[loop.pk]), {"proposal": first})
    assert response.status_code == 409
    assert "no longer planned" in response.content.decode()
    assert loop.rounds.filter(status=RoundStatus.SCHEDULED).count() == 1


def test_a_tampered_option_is_refused_with_a_message(recruiter_client, world):
    loop = world.start_loop()
    response = recruiter_client.post(reverse("admin:hiring_loop_book", args=[loop.pk]), {"proposal": "forged"})
    assert response.status_code == 409
    assert "could not be read" in response.content.decode()
    assert not loop.rounds.filter(status=RoundStatus.SCHEDULED).exists()
    assert recruiter_client.get(reverse("admin:hiring_loop_book", args=[loop.pk])).status_code == 405


def test_request_availability_from_the_admin(recruiter_client, world):
    loop = world.start_loop()
    url = reverse("admin:hiring_loop_request_availability", args=[loop.pk])
    assert recruiter_client.get(url).status_code == 200
    assert not AvailabilityRequest.objects.exists()
    response = recruiter_client.post(url, {"days": 7})
    assert response.status_code == 302
    assert AvailabilityRequest.objects.get(loop=loop).days == 7
    response = recruiter_client.post(url, {"days": 99})
    assert response.status_code == 200 and AvailabilityRequest.objects.count() == 1


def test_interviewers_cannot_open_the_scheduling_pages(client, world):
    loop = world.start_loop()
    world.interviewers[0].user.is_staff = True
    world.interviewers[0].user.save()
    client.force_login(world.interviewers[0].user)
    assert client.get(reverse("admin:hiring_loop_propose", args=[loop.pk])).status_code in (302, 403)


# --- the interviewer picker --------------------------------------------------------


def test_the_picker_finds_people_by_name_and_says_who_is_qualified_and_free(recruiter_client, world):
    loop = world.start_loop()
    round_ = loop.rounds.get(kind=RoundKind.TECHNICAL)
    pool = InterviewerPool.objects.create(kind=RoundKind.TECHNICAL)
    pool.members.add(world.interviewers[1])
    busy_at = timezone.now() + dt.timedelta(days=6)
    # Round the clock, so "free" here is about booked rounds only, whatever the hour.
    round_the_clock = [HoursSpec(weekday=d, start=dt.time(0, 0), end=dt.time(0, 0)) for d in range(1, 8)]
    for person in Interviewer.objects.all():
        services.set_weekly_hours(interviewer=person, intervals=round_the_clock, by=None)
    other = world.start_loop()
    services.schedule_round(
        round=other.rounds.get(kind=RoundKind.TECHNICAL),
        interviewer=world.interviewers[1],
        starts_at=busy_at,
        by=world.recruiter,
        **ANY_HOUR,
    )
    url = reverse("admin:hiring_round_interviewers", args=[round_.pk])
    found = recruiter_client.get(url, {"q": "ivy", "starts_at": busy_at.isoformat()}).json()["results"]
    assert found[0]["id"] == world.interviewers[1].pk and found[0]["qualified"] is True
    assert found[0]["free"] is False
    assert all(p["free"] for p in found[1:]) and not any(p["qualified"] for p in found[1:])
    only = recruiter_client.get(url, {"q": "Ivy3"}).json()["results"]
    assert [p["id"] for p in only] == [world.interviewers[3].pk]
    assert recruiter_client.get(url, {"starts_at": "nonsense"}).status_code == 400


def test_the_bar_raiser_picker_puts_trained_bar_raisers_outside_the_department_first(recruiter_client, world):
    loop = world.start_loop()
    round_ = loop.rounds.get(kind=RoundKind.BAR_RAISER)
    found = recruiter_client.get(reverse("admin:hiring_round_interviewers", args=[round_.pk])).json()["results"]
    assert found[0]["id"] == world.bar_raiser.pk and found[0]["qualified"]
    assert sum(p["qualified"] for p in found) == 1


def test_the_picker_answers_in_constant_queries_and_bounded_rows(recruiter_client, world):
    loop = world.start_loop()
    round_ = loop.rounds.get(kind=RoundKind.TECHNICAL)
    url = reverse("admin:hiring_round_interviewers", args=[round_.pk])
    params = {"starts_at": (timezone.now() + dt.timedelta(days=3)).isoformat()}
    recruiter_client.get(url, params)

    def count() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            rows = recruiter_client.get(url, params).json()["results"]
        return len(queries), len(rows)

    small_queries, _rows = count()
    for n in range(30):
        InterviewerFactory(user=UserFactory(username=f"extra{n}", first_name="Extra", last_name=f"Person{n}"))
    big_queries, rows = count()
    assert big_queries == small_queries
    assert rows == 20


def test_the_picker_is_free_only_inside_weekly_hours_and_outside_time_off_and_busy_blocks(recruiter_client, world):
    round_ = world.start_loop().rounds.get(kind=RoundKind.TECHNICAL)
    url = reverse("admin:hiring_round_interviewers", args=[round_.pk])
    night, away, blocked, fine = world.interviewers[:4]
    for person in (night, away, blocked, fine):
        person.time_zone = "Asia/Tokyo"
        person.save(update_fields=["time_zone"])
    every_day = [HoursSpec(weekday=d, start=dt.time(8, 0), end=dt.time(20, 0)) for d in range(1, 8)]
    for person in (away, blocked, fine):
        services.set_weekly_hours(interviewer=person, intervals=every_day, by=None)
    night_shift = [HoursSpec(weekday=d, start=dt.time(22, 0), end=dt.time(6, 0)) for d in range(1, 8)]
    services.set_weekly_hours(interviewer=night, intervals=night_shift, by=None)
    day = (timezone.now() + dt.timedelta(days=5)).astimezone(ZoneInfo("Asia/Tokyo")).date()
    at = dt.datetime.combine(day, dt.time(10, 0), tzinfo=ZoneInfo("Asia/Tokyo"))
    services.add_time_off(
        interviewer=away, starts_at=at - dt.timedelta(hours=2), ends_at=at + dt.timedelta(hours=6), by=None
    )
    services.add_busy_block(
        interviewer=blocked, starts_at=at + dt.timedelta(minutes=30), ends_at=at + dt.timedelta(hours=1), by=None
    )

    found = {
        p["id"]: p["free"]
        for p in recruiter_client.get(url, {"q": "ivy", "starts_at": at.isoformat()}).json()["results"]
    }
    assert found[fine.pk] is True
    assert found[night.pk] is False  # 10:00 is outside 22:00-06:00
    assert found[away.pk] is False
    assert found[blocked.pk] is False
    late = at.replace(hour=23)  # inside the night shift, outside the others' hours
    found = {
        p["id"]: p["free"]
        for p in recruiter_client.get(url, {"q": "ivy", "starts_at": late.isoformat()}).json()["results"]
    }
    assert found[night.pk] is True and found[fine.pk] is False


def test_the_schedule_form_lists_a_bounded_choice_qualified_first(recruiter_client, world):
    loop = world.start_loop()
    round_ = loop.rounds.get(kind=RoundKind.BAR_RAISER)
    for n in range(60):
        InterviewerFactory(user=UserFactory(username=f"many{n}", first_name="Many", last_name=f"Person{n}"))
    html = recruiter_client.get(reverse("admin:hiring_round_schedule", args=[round_.pk])).content.decode()
    options = re.findall(r"<option value=\"(\d+)\"", html)
    assert len(options) == 50
    assert options[0] == str(world.bar_raiser.pk)
    assert "data-picker-url" in html and "picker.js" in html
