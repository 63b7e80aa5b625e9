"""A round booked by hand respects the interviewer's busy blocks and load limits, as the
solver does (rules 10 and 11): refused with its own code, overridable with a reason that
goes on the record, by the service, the API, the admin form and book_proposal alike."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hiring import services
from hiring.models import BusyBlock, BusySource, Event, EventKind, RoundKind, RoundStatus
from hiring.rules import DomainError
from hiring.services.scheduling import Assignment
from hiring.times import format_local
from tests.factories import CandidateFactory
from tests.test_booking_rules import book, next_tuesday

TOKYO = ZoneInfo("Asia/Tokyo")
OVERRIDE = {"allow_outside_hours": True, "outside_hours_reason": "Ivy moved her 1:1 for this."}


@pytest.fixture
def first_round(world):
    loop = world.start_loop()
    return world.panel_for(loop)[0]  # (round, Hank in Europe/London)


def busy(interviewer, start, minutes=60, **kwargs):
    return BusyBlock.objects.create(
        interviewer=interviewer, starts_at=start, ends_at=start + dt.timedelta(minutes=minutes), **kwargs
    )


# --- Ivy2 in Tokyo: her local day is not UTC's ------------------------------------------


@pytest.fixture
def ivy(world):
    """Ivy2, in Asia/Tokyo, working 07:00-20:00 Monday to Friday."""
    ivy = world.interviewers[2]
    ivy.work_start, ivy.work_end = dt.time(7), dt.time(20)
    ivy.save()
    return ivy


def tokyo(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TOKYO).astimezone(dt.UTC)


def a_round_for(world, interviewer):
    """A planned round of a new loop (a candidate in Tokyo) that the interviewer may take."""
    loop = world.start_loop(CandidateFactory(time_zone="Asia/Tokyo"))
    return loop.rounds.exclude(kind=RoundKind.BAR_RAISER).order_by("order").first()


def next_tokyo_tuesday() -> dt.date:
    return next_tuesday("Asia/Tokyo", 12).astimezone(TOKYO).date()


# --- busy blocks ----------------------------------------------------------------------


def test_a_round_over_a_busy_block_is_refused_with_interviewer_calendar_busy(world, first_round):
    round_, hank = first_round
    start = next_tuesday("Europe/London", 10)
    block = busy(hank, start + dt.timedelta(minutes=30), summary="Dentist", source=BusySource.FEED)
    with timezone.override(ZoneInfo("America/New_York")), pytest.raises(DomainError) as refused:
        book(world, round_, hank, start)
    error = refused.value
    assert error.code == "interviewer_calendar_busy"
    assert (error.extra["person"], error.extra["name"]) == ("interviewer", hank.name)
    assert error.extra["busy_source"] == "feed"
    assert error.extra["busy_starts_at"] == block.starts_at.astimezone(ZoneInfo("Europe/London")).isoformat()
    # In the recruiter's zone: the block's start with its day, its end (the same day) without.
    new_york = ZoneInfo("America/New_York")
    expected = (
        f"{hank.name} is busy then ({format_local(block.starts_at, new_york)} – "
        f"{format_local(block.ends_at, new_york, with_day=False)} in their calendar)."
    )
    assert error.message.startswith(expected), error.message
    assert "Dentist" not in str(error.message) + str(error.extra)  # the summary is the interviewer's own
    round_.refresh_from_db()
    assert round_.status == RoundStatus.PLANNED


def test_a_busy_block_that_ends_when_the_round_starts_is_no_clash(world, first_round):
    round_, hank = first_round
    start = next_tuesday("Europe/London", 10)
    busy(hank, start - dt.timedelta(hours=1))
    busy(hank, start + dt.timedelta(minutes=round_.duration_minutes))
    assert book(world, round_, hank, start).status == RoundStatus.SCHEDULED


def test_a_busy_block_can_be_overridden_with_a_reason_on_record(world, first_round):
    round_, hank = first_round
    start = next_tuesday("Europe/London", 10)
    busy(hank, start)
    book(world, round_, hank, start, **OVERRIDE)
    event = Event.objects.get(round=round_, kind=EventKind.ROUND_SCHEDULED)
    assert event.reason == OVERRIDE["outside_hours_reason"]
    assert event.data["outside_hours_reason"] == OVERRIDE["outside_hours_reason"]
    assert [entry["name"] for entry in event.data["busy_block"]] == [hank.name]
    assert "outside_hours" not in event.data and "time_off" not in event.data


def test_the_override_needs_a_reason(world, first_round):
    from django.core.exceptions import ValidationError

    round_, hank = first_round
    start = next_tuesday("Europe/London", 10)
    busy(hank, start)
    with pytest.raises(ValidationError):
        book(world, round_, hank, start, allow_outside_hours=True, outside_hours_reason=" ")


def test_a_reschedule_onto_a_busy_block_is_refused(world, first_round):
    round_, hank = first_round
    start = next_tuesday("Europe/London", 10)
    book(world, round_, hank, start)
    later = start + dt.timedelta(hours=3)
    busy(hank, later)
    with pytest.raises(DomainError) as refused:
        services.reschedule_round(round=round_, starts_at=later, by=world.recruiter, reason="Moved")
    assert refused.value.code == "interviewer_calendar_busy" and "busy_starts_at" in refused.value.extra
    services.reschedule_round(round=round_, starts_at=later, by=world.recruiter, reason="Moved", **OVERRIDE)
    event = Event.objects.get(round=round_, kind=EventKind.ROUND_RESCHEDULED)
    assert event.data["busy_block"][0]["name"] == hank.name


def test_the_api_answers_409_interviewer_calendar_busy_for_a_busy_block(world, first_round, token_for):
    round_, hank = first_round
    start = next_tuesday("Europe/London", 10)
    busy(hank, start, summary="Board meeting")
    client = token_for(world.recruiter)
    url = f"/api/v1/rounds/{round_.pk}/schedule/"
    refused = client.post(url, {"interviewer": hank.pk, "starts_at": start.isoformat()}, format="json")
    assert refused.status_code == 409
    body = refused.json()
    assert (body["code"], body["person"], body["name"]) == ("interviewer_calendar_busy", "interviewer", hank.name)
    assert "busy then" in body["detail"] and body["busy_source"] == "manual"
    assert "Board meeting" not in str(body)
    done = client.post(url, {"interviewer": hank.pk, "starts_at": start.isoformat(), **OVERRIDE}, format="json")
    assert done.status_code == 200, done.content
    assert Event.objects.get(round=round_, kind=EventKind.ROUND_SCHEDULED).data["busy_block"]


def test_the_admin_form_shows_the_busy_block_and_offers_the_override(client, world, first_round):
    round_, hank = first_round
    client.force_login(world.recruiter)
    url = reverse("admin:hiring_round_schedule", args=[round_.pk])
    start = next_tuesday("Europe/London", 10)
    busy(hank, start)
    local = start.astimezone(world.recruiter.interviewer.zone)  # the form reads the recruiter's zone
    data = {"interviewer": hank.pk, "starts_at_0": local.date().isoformat(), "starts_at_1": local.strftime("%H:%M:%S")}
    warned = client.post(url, data)
    assert warned.status_code == 200
    page = warned.content.decode()
    assert f"{hank.name} is busy then" in page
    assert "tick “Schedule anyway” and say why" in page
    round_.refresh_from_db()
    assert round_.status == RoundStatus.PLANNED
    done = client.post(url, {**data, "outside_hours_ok": "on", "outside_hours_reason": "Hank moved it."})
    assert done.status_code == 302
    round_.refresh_from_db()
    assert round_.status == RoundStatus.SCHEDULED
    assert Event.objects.get(round=round_, kind=EventKind.ROUND_SCHEDULED).data["busy_block"]


def test_a_clash_with_another_round_is_still_not_overridable(world, first_round):
    """interviewer_busy is another booked round, which no reason lifts (a busy block has its own code)."""
    round_, hank = first_round
    start = next_tuesday("Europe/London", 10)
    book(world, round_, hank, start)
    other = world.start_loop().rounds.order_by("order").first()
    with pytest.raises(DomainError) as refused:
        book(world, other, hank, start, **OVERRIDE)
    assert refused.value.code == "interviewer_busy" and "busy_starts_at" not in refused.value.extra


def test_book_proposal_refuses_a_busy_block_and_books_nothing(world, first_round):
    round_, hank = first_round
    start = next_tuesday("Europe/London", 10)
    busy(hank, start)
    with pytest.raises(DomainError) as refused:
        services.book_proposal(
            loop=round_.loop,
            by=world.recruiter,
            assignments=[Assignment(round_id=round_.pk, interviewer_id=hank.pk, starts_at=start)],
        )
    assert refused.value.code == "interviewer_calendar_busy" and refused.value.extra["round_id"] == round_.pk
    round_.refresh_from_db()
    assert round_.status == RoundStatus.PLANNED


# --- load limits ----------------------------------------------------------------------


def test_the_daily_limit_counts_the_interviewers_own_day(world, ivy):
    services.set_load_limits(interviewer=ivy, per_day=1, per_week=None, by=world.recruiter)
    tuesday = next_tokyo_tuesday()
    # 08:00 Tuesday in Tokyo is 23:00 Monday in UTC.
    book(world, a_round_for(world, ivy), ivy, tokyo(tuesday, 8))
    # 15:00 Tuesday in Tokyo (06:00 Tuesday UTC): another UTC day, the same day for Ivy.
    with pytest.raises(DomainError) as refused:
        book(world, a_round_for(world, ivy), ivy, tokyo(tuesday, 15))
    error = refused.value
    assert error.code == "interviewer_load_limit"
    assert (error.extra["limit_period"], error.extra["limit"], error.extra["booked"]) == ("day", 1, 1)
    assert error.extra["local_day"] == tuesday.isoformat()
    day = f"Tue {tuesday.day} {tuesday:%b}"
    assert error.message.startswith(
        f"{ivy.name} already has 1 interview on {day} in Asia/Tokyo (their limit is 1 a day)."
    ), error.message
    # 15:00 Monday in Tokyo (06:00 Monday UTC): the same UTC day as the first, another day for Ivy.
    monday = tuesday - dt.timedelta(days=1)
    assert book(world, a_round_for(world, ivy), ivy, tokyo(monday, 15)).status == RoundStatus.SCHEDULED


def test_the_weekly_limit_counts_the_interviewers_own_iso_week(world, ivy):
    services.set_load_limits(interviewer=ivy, per_day=None, per_week=2, by=world.recruiter)
    tuesday = next_tokyo_tuesday()
    book(world, a_round_for(world, ivy), ivy, tokyo(tuesday, 10))
    book(world, a_round_for(world, ivy), ivy, tokyo(tuesday + dt.timedelta(days=1), 10))
    third = a_round_for(world, ivy)
    with pytest.raises(DomainError) as refused:
        book(world, third, ivy, tokyo(tuesday + dt.timedelta(days=2), 10))
    error = refused.value
    assert error.code == "interviewer_load_limit"
    assert (error.extra["limit_period"], error.extra["limit"], error.extra["booked"]) == ("week", 2, 2)
    monday = tuesday - dt.timedelta(days=1)
    assert error.extra["local_day"] == monday.isoformat()
    assert "2 interviews in the week of" in error.message and "(their limit is 2 a week)" in error.message
    # 08:00 next Monday in Tokyo is still Sunday in UTC (the UTC week of the other two),
    # but it is Ivy's next week.
    next_monday = tokyo(monday + dt.timedelta(days=7), 8)
    assert next_monday.astimezone(dt.UTC).isoweekday() == 7
    assert book(world, third, ivy, next_monday).status == RoundStatus.SCHEDULED


def test_a_personal_limit_replaces_the_company_default(world, ivy, settings):
    settings.HIRING_MAX_INTERVIEWS_PER_DAY = 1
    tuesday = next_tokyo_tuesday()
    book(world, a_round_for(world, ivy), ivy, tokyo(tuesday, 9))
    second = a_round_for(world, ivy)
    with pytest.raises(DomainError) as refused:
        book(world, second, ivy, tokyo(tuesday, 14))
    assert refused.value.code == "interviewer_load_limit" and refused.value.extra["limit"] == 1
    services.set_load_limits(interviewer=ivy, per_day=2, per_week=None, by=world.recruiter)
    assert book(world, second, ivy, tokyo(tuesday, 14)).status == RoundStatus.SCHEDULED
    with pytest.raises(DomainError) as refused:
        book(world, a_round_for(world, ivy), ivy, tokyo(tuesday, 17))
    assert (refused.value.extra["limit"], refused.value.extra["booked"]) == (2, 2)


def test_moving_a_round_within_a_full_day_does_not_count_the_round_itself(world, ivy):
    services.set_load_limits(interviewer=ivy, per_day=1, per_week=1, by=world.recruiter)
    tuesday = next_tokyo_tuesday()
    round_ = a_round_for(world, ivy)
    book(world, round_, ivy, tokyo(tuesday, 9))
    moved = services.reschedule_round(round=round_, starts_at=tokyo(tuesday, 15), by=world.recruiter, reason="Later")
    assert moved.starts_at == tokyo(tuesday, 15)
    # A reschedule counts every other round: a second one that day is over the limit.
    other = a_round_for(world, ivy)
    book(world, other, world.interviewers[0], tokyo(tuesday, 10), **OVERRIDE)
    with pytest.raises(DomainError) as refused:
        services.reschedule_round(round=other, interviewer=ivy, by=world.recruiter, reason="Swap")
    assert refused.value.code == "interviewer_load_limit"


def test_a_load_limit_can_be_overridden_with_a_reason_on_record(world, ivy):
    services.set_load_limits(interviewer=ivy, per_day=1, per_week=None, by=world.recruiter)
    tuesday = next_tokyo_tuesday()
    book(world, a_round_for(world, ivy), ivy, tokyo(tuesday, 9))
    second = a_round_for(world, ivy)
    book(world, second, ivy, tokyo(tuesday, 14), **OVERRIDE)
    event = Event.objects.get(round=second, kind=EventKind.ROUND_SCHEDULED)
    (entry,) = event.data["load_limit"]
    assert (entry["limit_period"], entry["limit"], entry["booked"]) == ("day", 1, 1)


def test_the_api_answers_409_interviewer_load_limit(world, ivy, token_for):
    services.set_load_limits(interviewer=ivy, per_day=1, per_week=None, by=world.recruiter)
    tuesday = next_tokyo_tuesday()
    book(world, a_round_for(world, ivy), ivy, tokyo(tuesday, 9))
    second = a_round_for(world, ivy)
    client = token_for(world.recruiter)
    url = f"/api/v1/rounds/{second.pk}/schedule/"
    payload = {"interviewer": ivy.pk, "starts_at": tokyo(tuesday, 14).isoformat()}
    refused = client.post(url, payload, format="json")
    assert refused.status_code == 409
    body = refused.json()
    assert (body["code"], body["limit_period"], body["limit"]) == ("interviewer_load_limit", "day", 1)
    assert client.post(url, {**payload, **OVERRIDE}, format="json").status_code == 200


def test_the_admin_form_shows_the_load_limit(client, world, ivy):
    services.set_load_limits(interviewer=ivy, per_day=1, per_week=None, by=world.recruiter)
    tuesday = next_tokyo_tuesday()
    book(world, a_round_for(world, ivy), ivy, tokyo(tuesday, 9))
    second = a_round_for(world, ivy)
    client.force_login(world.recruiter)
    local = tokyo(tuesday, 14).astimezone(world.recruiter.interviewer.zone)
    data = {"interviewer": ivy.pk, "starts_at_0": local.date().isoformat(), "starts_at_1": local.strftime("%H:%M:%S")}
    warned = client.post(reverse("admin:hiring_round_schedule", args=[second.pk]), data)
    assert warned.status_code == 200
    assert f"{ivy.name} already has 1 interview on" in warned.content.decode()
    second.refresh_from_db()
    assert second.status == RoundStatus.PLANNED


# --- the cost ---------------------------------------------------------------------------


def test_the_checks_cost_the_same_with_one_busy_block_or_many(world, ivy):
    """Busy blocks and other booked rounds are read by a fixed number of queries: one for
    the first overlapping block, two for the load (the interviewer's limits, their booked
    rounds around that day)."""
    tuesday = next_tokyo_tuesday()

    def queries_to_book(start: dt.datetime) -> int:
        round_ = a_round_for(world, ivy)
        with CaptureQueriesContext(connection) as queries:
            book(world, round_, ivy, start, **OVERRIDE)
        return len(queries)

    busy(ivy, tokyo(tuesday, 9))
    few = queries_to_book(tokyo(tuesday, 9))
    for hour in range(7, 20):
        for minutes in (0, 20, 40):
            busy(ivy, tokyo(tuesday + dt.timedelta(days=1), hour) + dt.timedelta(minutes=minutes), minutes=30)
    book(world, a_round_for(world, ivy), ivy, tokyo(tuesday + dt.timedelta(days=1), 8), **OVERRIDE)
    many = queries_to_book(tokyo(tuesday + dt.timedelta(days=1), 12))
    assert BusyBlock.objects.filter(interviewer=ivy).count() > 30
    assert many == few
