"""Rule 10 reads the weekly hours and the time off (issue 9): per-weekday hours, a night
shift across midnight, and time off refused with its own code unless overridden."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from hiring import services
from hiring.models import Event, EventKind, RoundStatus, TimeOff, WeeklyHours
from hiring.rules import DomainError
from tests.test_booking_rules import book, next_tuesday


@pytest.fixture
def first_round(world):
    loop = world.start_loop()
    return world.panel_for(loop)[0]  # (round, Hank in Europe/London)


def test_a_night_shift_interviewer_can_be_booked_after_midnight(world, first_round):
    round_, hank = first_round
    # Hank works Monday nights, 22:00 to 06:00 the next morning, London time.
    WeeklyHours.objects.create(interviewer=hank, weekday=1, start=dt.time(22), end=dt.time(6))
    # Tuesday 01:00 London is 08:00 in Singapore (the candidate is awake).
    night = next_tuesday("Europe/London", 1)
    assert book(world, round_, hank, night).status == RoundStatus.SCHEDULED


def test_the_old_daytime_hours_no_longer_count_once_weekly_hours_are_set(world, first_round):
    round_, hank = first_round
    WeeklyHours.objects.create(interviewer=hank, weekday=1, start=dt.time(22), end=dt.time(6))
    with pytest.raises(DomainError) as refused:
        book(world, round_, hank, next_tuesday("Europe/London", 10))
    assert refused.value.code == "outside_hours" and refused.value.extra["person"] == "interviewer"


def test_hours_are_per_weekday(world, first_round):
    round_, hank = first_round
    # Tuesdays only in the afternoon.
    WeeklyHours.objects.create(interviewer=hank, weekday=2, start=dt.time(12), end=dt.time(18))
    with pytest.raises(DomainError):
        book(world, round_, hank, next_tuesday("Europe/London", 10))
    assert book(world, round_, hank, next_tuesday("Europe/London", 12)).status == RoundStatus.SCHEDULED


def test_time_off_is_refused_with_its_own_code(world, first_round):
    round_, hank = first_round
    start = next_tuesday("Europe/London", 10)
    TimeOff.objects.create(
        interviewer=hank, starts_at=start - dt.timedelta(days=1), ends_at=start + dt.timedelta(days=2)
    )
    with pytest.raises(DomainError, match="away then") as refused:
        book(world, round_, hank, start)
    error = refused.value
    assert error.code == "interviewer_time_off" and error.extra["name"] == hank.name
    assert error.extra["time_zone"] == "Europe/London"
    assert error.extra["local_start"] == start.astimezone(ZoneInfo("Europe/London")).isoformat()
    round_.refresh_from_db()
    assert round_.status == RoundStatus.PLANNED


def test_time_off_can_be_overridden_with_a_reason_on_record(world, first_round):
    round_, hank = first_round
    start = next_tuesday("Europe/London", 10)
    TimeOff.objects.create(interviewer=hank, starts_at=start, ends_at=start + dt.timedelta(hours=2))
    book(world, round_, hank, start, allow_outside_hours=True, outside_hours_reason="Hank asked to keep this one.")
    event = Event.objects.get(round=round_, kind=EventKind.ROUND_SCHEDULED)
    assert event.data["outside_hours_reason"] == "Hank asked to keep this one."
    assert [entry["name"] for entry in event.data["time_off"]] == [hank.name]
    assert "outside_hours" not in event.data


def test_a_reschedule_into_time_off_is_refused(world, first_round):
    round_, hank = first_round
    start = next_tuesday("Europe/London", 10)
    book(world, round_, hank, start)
    later = start + dt.timedelta(hours=3)
    TimeOff.objects.create(interviewer=hank, starts_at=later, ends_at=later + dt.timedelta(hours=1))
    with pytest.raises(DomainError) as refused:
        services.reschedule_round(round=round_, starts_at=later, by=world.recruiter, reason="Moved")
    assert refused.value.code == "interviewer_time_off"


def test_the_api_answers_409_interviewer_time_off(world, first_round, token_for):
    round_, hank = first_round
    start = next_tuesday("Europe/London", 10)
    TimeOff.objects.create(interviewer=hank, starts_at=start, ends_at=start + dt.timedelta(hours=2), reason="Leave")
    client = token_for(world.recruiter)
    url = f"/api/v1/rounds/{round_.pk}/schedule/"
    refused = client.post(url, {"interviewer": hank.pk, "starts_at": start.isoformat()}, format="json")
    assert refused.status_code == 409
    body = refused.json()
    assert (body["code"], body["person"], body["name"]) == ("interviewer_time_off", "interviewer", hank.name)
    assert "Leave" not in str(body)  # the reason of someone's time off is theirs
    done = client.post(
        url,
        {
            "interviewer": hank.pk,
            "starts_at": start.isoformat(),
            "allow_outside_hours": True,
            "outside_hours_reason": "Agreed with Hank.",
        },
        format="json",
    )
    assert done.status_code == 200, done.content
