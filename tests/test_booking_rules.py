"""Rule 10: no one in two places at once, and no round outside someone's hours
without an override on record, through the services, the admin and the API.

The candidate (World's default) is in Asia/Singapore, awake 08:00-21:00; Hank in
Europe/London and Ivy0 in Europe/Berlin work 09:00-17:30, Ivy2 in Asia/Tokyo too.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from hiring import services
from hiring.models import Event, EventKind, Position, RoundStatus
from hiring.rules import DomainError
from tests.factories import CandidateFactory


def next_tuesday(zone: str, hour: int, minute: int = 0) -> dt.datetime:
    """The next Tuesday (at least two days ahead) at hour:minute in `zone`, in UTC."""
    tz = ZoneInfo(zone)
    local = timezone.now().astimezone(tz) + dt.timedelta(days=2)
    while local.isoweekday() != 2:
        local += dt.timedelta(days=1)
    return local.replace(hour=hour, minute=minute, second=0, microsecond=0).astimezone(dt.UTC)


@pytest.fixture
def two_rounds(world):
    """A draft loop's first two rounds (45 minutes each) and their panel seats: Hank, Ivy0."""
    loop = world.start_loop()
    (first, hank), (second, ivy0) = world.panel_for(loop)[:2]
    # 10:00 in London is 11:00 in Berlin and 18:00 in Singapore: inside everyone's hours.
    return first, hank, second, ivy0, next_tuesday("Europe/London", 10)


def book(world, round_, interviewer, starts_at, **kwargs):
    return services.schedule_round(
        round=round_, interviewer=interviewer, starts_at=starts_at, by=world.recruiter, **kwargs
    )


# --- the candidate in two rounds at once --------------------------------------


def test_a_candidate_is_never_booked_into_two_overlapping_rounds(world, two_rounds):
    first, hank, second, ivy0, start = two_rounds
    book(world, first, hank, start)
    with pytest.raises(DomainError, match="already has an interview at that time") as refused:
        book(world, second, ivy0, start + dt.timedelta(minutes=30))
    assert refused.value.code == "candidate_busy"
    second.refresh_from_db()
    assert second.status == RoundStatus.PLANNED and second.interviewer is None


def test_the_candidate_gets_the_minimum_gap_between_rounds(world, two_rounds, settings):
    first, hank, second, ivy0, start = two_rounds
    settings.HIRING_CANDIDATE_MIN_GAP_MINUTES = 15
    book(world, first, hank, start)  # ends at start + 45 minutes
    with pytest.raises(DomainError) as refused:
        book(world, second, ivy0, start + dt.timedelta(minutes=45 + 10))
    assert refused.value.code == "candidate_busy" and refused.value.extra["min_gap_minutes"] == 15
    book(world, second, ivy0, start + dt.timedelta(minutes=45 + 15))
    second.refresh_from_db()
    assert second.status == RoundStatus.SCHEDULED


def test_a_gap_of_zero_allows_back_to_back_rounds(world, two_rounds, settings):
    first, hank, second, ivy0, start = two_rounds
    settings.HIRING_CANDIDATE_MIN_GAP_MINUTES = 0
    book(world, first, hank, start)
    assert book(world, second, ivy0, start + dt.timedelta(minutes=45)).status == RoundStatus.SCHEDULED


def test_a_reschedule_cannot_move_a_round_onto_another_of_the_candidates(world, two_rounds):
    first, hank, second, ivy0, start = two_rounds
    book(world, first, hank, start)
    book(world, second, ivy0, start + dt.timedelta(hours=2))
    with pytest.raises(DomainError) as refused:
        services.reschedule_round(round=second, starts_at=start + dt.timedelta(minutes=15), by=world.recruiter)
    assert refused.value.code == "candidate_busy"
    second.refresh_from_db()
    assert second.starts_at == start + dt.timedelta(hours=2)


def test_the_candidate_is_not_double_booked_across_two_of_their_loops(world, two_rounds):
    first, hank, _second, ivy0, start = two_rounds
    book(world, first, hank, start)
    other = Position.objects.create(
        title="Platform Engineer",
        department=world.engineering,
        hiring_manager=world.manager,
        recruiter=world.recruiter,
        loop_plan=world.plan,
    )
    loop = services.start_loop(candidate=first.loop.candidate, position=other, by=world.recruiter)
    with pytest.raises(DomainError) as refused:
        book(world, loop.rounds.get(order=1), ivy0, start + dt.timedelta(minutes=30))
    assert refused.value.code == "candidate_busy"


def test_a_cancelled_round_frees_the_candidates_time(world, two_rounds):
    first, hank, second, ivy0, start = two_rounds
    book(world, first, hank, start)
    services.cancel_round(round=first, by=world.recruiter, reason="Hank is ill.")
    assert book(world, second, ivy0, start).status == RoundStatus.SCHEDULED


# --- hours ----------------------------------------------------------------------


def test_a_round_outside_the_interviewers_hours_is_refused_without_an_override(world):
    loop = world.start_loop()
    round_ = loop.rounds.get(order=1)
    ivy2 = world.interviewers[2]  # Tokyo
    night = next_tuesday("Asia/Tokyo", 3)
    with pytest.raises(DomainError, match="03:00 JST for Ivy2 Interviewer, outside their working hours") as refused:
        book(world, round_, ivy2, night)
    error = refused.value
    assert error.code == "outside_hours"
    assert error.extra["person"] == "interviewer" and error.extra["name"] == "Ivy2 Interviewer"
    assert error.extra["time_zone"] == "Asia/Tokyo" and error.extra["local_start"].startswith(
        night.astimezone(ZoneInfo("Asia/Tokyo")).strftime("%Y-%m-%dT03:00:00+09:00")
    )
    # The candidate (02:00 in Singapore) is outside too, and listed.
    assert [p["person"] for p in error.extra["outside"]] == ["interviewer", "candidate"]
    round_.refresh_from_db()
    assert round_.status == RoundStatus.PLANNED


def test_a_round_outside_the_candidates_waking_hours_is_refused_naming_the_candidate(world):
    loop = world.start_loop()
    round_, hank = world.panel_for(loop)[0]
    # 16:00 in London (inside Hank's day) is midnight in Singapore.
    late = next_tuesday("Europe/London", 16)
    with pytest.raises(DomainError, match="for the candidate") as refused:
        book(world, round_, hank, late)
    assert refused.value.extra["person"] == "candidate"
    assert refused.value.extra["time_zone"] == "Asia/Singapore"
    assert refused.value.extra["name"] == loop.candidate.full_name


def test_an_override_needs_a_reason(world):
    loop = world.start_loop()
    round_ = loop.rounds.get(order=1)
    with pytest.raises(ValidationError) as refused:
        book(world, round_, world.interviewers[2], next_tuesday("Asia/Tokyo", 3), allow_outside_hours=True)
    assert "outside_hours_reason" in refused.value.message_dict


def test_an_override_with_a_reason_books_the_round_and_is_on_record(world):
    loop = world.start_loop()
    round_ = loop.rounds.get(order=1)
    booked = book(
        world,
        round_,
        world.interviewers[2],
        next_tuesday("Asia/Tokyo", 3),
        allow_outside_hours=True,
        outside_hours_reason="Ivy offered an early call; the candidate agreed.",
    )
    assert booked.status == RoundStatus.SCHEDULED
    event = Event.objects.get(round=round_, kind=EventKind.ROUND_SCHEDULED)
    assert event.reason == "Ivy offered an early call; the candidate agreed."
    assert event.data["outside_hours_reason"] == "Ivy offered an early call; the candidate agreed."
    assert [p["person"] for p in event.data["outside_hours"]] == ["interviewer", "candidate"]


def test_a_round_inside_everyones_hours_records_no_override(world, two_rounds):
    first, hank, *_rest, start = two_rounds
    book(world, first, hank, start, allow_outside_hours=True, outside_hours_reason="Just in case.")
    event = Event.objects.get(round=first, kind=EventKind.ROUND_SCHEDULED)
    assert "outside_hours" not in event.data and event.reason == ""


def test_a_reschedule_outside_hours_needs_the_override_and_records_it(world, two_rounds):
    first, hank, *_rest, start = two_rounds
    book(world, first, hank, start)
    late = next_tuesday("Europe/London", 16)
    with pytest.raises(DomainError) as refused:
        services.reschedule_round(round=first, starts_at=late, by=world.recruiter, reason="Hank moved it.")
    assert refused.value.code == "outside_hours"
    services.reschedule_round(
        round=first,
        starts_at=late,
        by=world.recruiter,
        reason="Hank moved it.",
        allow_outside_hours=True,
        outside_hours_reason="The candidate is travelling and asked for it.",
    )
    event = Event.objects.get(round=first, kind=EventKind.ROUND_RESCHEDULED)
    assert event.reason == "Hank moved it. Booked anyway: The candidate is travelling and asked for it."
    assert event.data["outside_hours"][0]["person"] == "candidate"


# --- the API ------------------------------------------------------------------------


def test_the_api_answers_409_candidate_busy_for_a_double_booked_candidate(world, two_rounds, token_for):
    first, hank, second, ivy0, start = two_rounds
    book(world, first, hank, start)
    response = token_for(world.recruiter).post(
        f"/api/v1/rounds/{second.pk}/schedule/",
        {"interviewer": ivy0.pk, "starts_at": (start + dt.timedelta(minutes=30)).isoformat()},
        format="json",
    )
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "candidate_busy" and body["person"] == "candidate"
    assert "already has an interview at that time" in body["detail"]


def test_the_api_answers_409_interviewer_busy_for_a_double_booked_interviewer(world, two_rounds, token_for):
    first, hank, *_rest, start = two_rounds
    book(world, first, hank, start)
    other = world.start_loop()
    response = token_for(world.recruiter).post(
        f"/api/v1/rounds/{other.rounds.get(order=1).pk}/schedule/",
        {"interviewer": hank.pk, "starts_at": (start + dt.timedelta(minutes=15)).isoformat()},
        format="json",
    )
    assert response.status_code == 409
    assert response.json()["code"] == "interviewer_busy" and response.json()["name"] == "Hank Manager"


def test_the_api_answers_409_outside_hours_saying_who_and_which_local_time(world, token_for):
    round_ = world.start_loop().rounds.get(order=1)
    night = next_tuesday("Asia/Tokyo", 3)
    client = token_for(world.recruiter)
    url = f"/api/v1/rounds/{round_.pk}/schedule/"
    refused = client.post(url, {"interviewer": world.interviewers[2].pk, "starts_at": night.isoformat()}, format="json")
    assert refused.status_code == 409
    body = refused.json()
    assert (body["code"], body["person"], body["name"], body["time_zone"]) == (
        "outside_hours",
        "interviewer",
        "Ivy2 Interviewer",
        "Asia/Tokyo",
    )
    assert dt.datetime.fromisoformat(body["local_start"]).strftime("%H:%M%z") == "03:00+0900"

    no_reason = client.post(
        url,
        {"interviewer": world.interviewers[2].pk, "starts_at": night.isoformat(), "allow_outside_hours": True},
        format="json",
    )
    assert no_reason.status_code == 400 and "outside_hours_reason" in no_reason.json()

    booked = client.post(
        url,
        {
            "interviewer": world.interviewers[2].pk,
            "starts_at": night.isoformat(),
            "allow_outside_hours": True,
            "outside_hours_reason": "Agreed on a call.",
        },
        format="json",
    )
    assert booked.status_code == 200, booked.content
    event = Event.objects.get(round=round_, kind=EventKind.ROUND_SCHEDULED)
    assert event.reason == "Agreed on a call." and event.data["outside_hours"][0]["person"] == "interviewer"


def test_the_api_reschedule_takes_the_override_too(world, two_rounds, token_for):
    first, hank, *_rest, start = two_rounds
    book(world, first, hank, start)
    client = token_for(world.recruiter)
    url = f"/api/v1/rounds/{first.pk}/reschedule/"
    late = next_tuesday("Europe/London", 16).isoformat()
    refused = client.post(url, {"starts_at": late}, format="json")
    assert refused.status_code == 409 and refused.json()["person"] == "candidate"
    moved = client.post(
        url, {"starts_at": late, "allow_outside_hours": True, "outside_hours_reason": "Asked for it."}, format="json"
    )
    assert moved.status_code == 200, moved.content


def test_the_schema_documents_the_override_and_the_409(client, db):
    schema = client.get("/api/schema/?format=json").json()
    fields = schema["components"]["schemas"]["ScheduleRequest"]["properties"]
    assert {"allow_outside_hours", "outside_hours_reason"} <= set(fields)
    assert "outside_hours_reason" in schema["components"]["schemas"]["RescheduleRequest"]["properties"]
    answers = schema["paths"]["/api/v1/rounds/{id}/schedule/"]["post"]["responses"]
    assert "409" in answers


# --- the admin ------------------------------------------------------------------------


@pytest.fixture
def recruiter_client(client, world):
    client.force_login(world.recruiter)
    return client


def admin_form(interviewer, starts_at, **extra):
    local = timezone.localtime(starts_at, ZoneInfo("America/New_York"))  # Rita's zone
    return {
        "interviewer": interviewer.pk,
        "starts_at_0": local.date().isoformat(),
        "starts_at_1": local.strftime("%H:%M:%S"),
        **extra,
    }


def test_the_admin_refuses_a_double_booked_candidate_with_the_rule(recruiter_client, world, two_rounds):
    first, hank, second, ivy0, start = two_rounds
    book(world, first, hank, start)
    response = recruiter_client.post(
        reverse("admin:hiring_round_schedule", args=[second.pk]), admin_form(ivy0, start + dt.timedelta(minutes=30))
    )
    assert response.status_code == 200
    assert "already has an interview at that time" in response.content.decode()
    second.refresh_from_db()
    assert second.status == RoundStatus.PLANNED


def test_schedule_anyway_in_the_admin_needs_a_reason_and_puts_it_on_record(recruiter_client, world):
    round_ = world.start_loop().rounds.get(order=1)
    url = reverse("admin:hiring_round_schedule", args=[round_.pk])
    night = next_tuesday("Asia/Tokyo", 3)
    ivy2 = world.interviewers[2]
    without = recruiter_client.post(url, admin_form(ivy2, night, outside_hours_ok="on"))
    assert without.status_code == 200
    assert "Say why this round may be booked anyway" in without.content.decode()
    round_.refresh_from_db()
    assert round_.status == RoundStatus.PLANNED

    done = recruiter_client.post(
        url, admin_form(ivy2, night, outside_hours_ok="on", outside_hours_reason="Ivy asked for an early slot.")
    )
    assert done.status_code == 302
    event = Event.objects.get(round=round_, kind=EventKind.ROUND_SCHEDULED)
    assert event.reason == "Ivy asked for an early slot." and event.data["outside_hours"]


def test_a_new_candidate_in_the_same_slot_is_not_refused(world, two_rounds):
    """The rule is per person: another candidate with other interviewers may take the same time."""
    first, hank, *_rest, start = two_rounds
    book(world, first, hank, start)
    other = world.start_loop(CandidateFactory())
    round_, _hank = world.panel_for(other)[0]
    assert book(world, round_, world.interviewers[0], start).status == RoundStatus.SCHEDULED
