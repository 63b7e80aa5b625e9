"""Issue 9, the recruiter's side: asking the candidate when they can meet (a signed
link, no login) and booking a whole proposal in one step, all or nothing."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.core import signing
from django.test import Client
from django.utils import timezone

from hiring import services
from hiring.models import (
    AvailabilityRequest,
    AvailabilityRequestState,
    CandidateAvailability,
    Event,
    EventKind,
    LoopStatus,
    Reminder,
    ReminderKind,
    RoundStatus,
)
from hiring.rules import DomainError
from hiring.services import scheduling
from tests.factories import ANY_HOUR, CandidateFactory
from tests.test_reminders import run_sweep, sent

pytestmark = pytest.mark.django_db


def token_of(request: AvailabilityRequest) -> str:
    return scheduling.availability_token(request)


def url_of(request: AvailabilityRequest) -> str:
    return f"/availability/{token_of(request)}/"


def first_blocks(request: AvailabilityRequest, count: int = 2) -> list[str]:
    day = scheduling.offered_days(request)[0]
    return [scheduling.block_value(day, start) for start, _end in scheduling.DAY_BLOCKS[:count]]


# --- the link ----------------------------------------------------------------------


def test_requesting_availability_emails_the_candidate_a_link_in_their_language(world):
    candidate = CandidateFactory(preferred_language="fr", time_zone="Asia/Tokyo")
    loop = world.start_loop(candidate)
    request = services.request_availability(loop=loop, by=world.recruiter)
    run_sweep(timezone.now())
    [message] = sent(ReminderKind.AVAILABILITY_REQUEST, candidate.email)
    [link] = re.findall(r"http://\S+/availability/\S+/", message.body)
    assert scheduling.request_from_token(link.rstrip("/").rsplit("/", 1)[1]).pk == request.pk
    assert Client().get(link.split("://", 1)[1].split("/", 1)[1].join(["/", ""])).status_code == 200
    # The expiry in the candidate's own zone, named in French by CLDR ("heure normale du Japon").
    assert "Japon" in message.body
    assert Event.objects.filter(kind=EventKind.AVAILABILITY_REQUESTED, loop=loop).count() == 1


def test_only_recruiters_may_request_availability(world):
    loop = world.start_loop()
    with pytest.raises(Exception, match="recruiters"):
        services.request_availability(loop=loop, by=world.interviewers[0].user)
    assert not AvailabilityRequest.objects.exists()


def test_the_page_offers_the_candidates_own_working_days_in_their_zone(world):
    candidate = CandidateFactory(time_zone="Pacific/Kiritimati")
    loop = world.start_loop(candidate)
    request = services.request_availability(loop=loop, by=world.recruiter)
    days = scheduling.offered_days(request)
    assert len(days) == 10 and all(day.isoweekday() <= 5 for day in days)
    today_there = request.created_at.astimezone(candidate.zone).date()
    assert days[0] > today_there
    response = Client().get(url_of(request))
    assert response.status_code == 200
    assert "Pacific/Kiritimati" in response.content.decode()
    assert f'value="{scheduling.block_value(days[0], 8)}"' in response.content.decode()


def test_submitting_stores_windows_in_utc_from_the_candidates_local_times(world):
    candidate = CandidateFactory(time_zone="Asia/Kathmandu")  # +05:45
    loop = world.start_loop(candidate)
    request = services.request_availability(loop=loop, by=world.recruiter)
    response = Client().post(url_of(request), {"blocks": first_blocks(request, 2)})
    assert response.status_code == 200
    [window] = CandidateAvailability.objects.filter(loop=loop)  # two adjacent blocks merge
    day = scheduling.offered_days(request)[0]
    assert window.starts_at.astimezone(candidate.zone) == dt.datetime.combine(day, dt.time(8), candidate.zone)
    assert window.ends_at - window.starts_at == dt.timedelta(hours=4)
    assert window.starts_at.utcoffset() == dt.timedelta(0) or window.starts_at.tzinfo is not None
    request.refresh_from_db()
    assert request.state == AvailabilityRequestState.USED
    # The saved times show ticked when the candidate comes back.
    assert response.content.decode().count("checked") == 2


def test_submitting_twice_replaces_never_duplicates(world):
    loop = world.start_loop()
    request = services.request_availability(loop=loop, by=world.recruiter)
    client = Client()
    client.post(url_of(request), {"blocks": first_blocks(request, 3)})
    day2 = scheduling.offered_days(request)[1]
    client.post(url_of(request), {"blocks": [scheduling.block_value(day2, 14)]})
    [window] = CandidateAvailability.objects.filter(loop=loop)
    assert window.starts_at.astimezone(loop.candidate.zone).date() == day2
    assert Event.objects.filter(kind=EventKind.AVAILABILITY_GIVEN, loop=loop).count() == 2


def test_a_tampered_link_gets_a_clear_page_with_400(world):
    loop = world.start_loop()
    request = services.request_availability(loop=loop, by=world.recruiter)
    token = token_of(request)
    forged = signing.dumps({"r": request.pk}, salt="another-salt")
    for bad in (token[:-2] + ("AA" if not token.endswith("AA") else "BB"), forged, "x", "a" * 400):
        response = Client().get(f"/availability/{bad}/")
        assert response.status_code == 400, bad
        assert "not valid" in response.content.decode()
    response = Client().post(f"/availability/{forged}/", {"blocks": first_blocks(request)})
    assert response.status_code == 400
    assert not CandidateAvailability.objects.exists()


def test_an_expired_link_gets_a_clear_page_with_410(world, settings):
    loop = world.start_loop()
    request = services.request_availability(loop=loop, by=world.recruiter)
    AvailabilityRequest.objects.filter(pk=request.pk).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    response = Client().get(url_of(request))
    assert response.status_code == 410
    assert "expired" in response.content.decode()
    response = Client().post(url_of(request), {"blocks": first_blocks(request)})
    assert response.status_code == 410
    assert not CandidateAvailability.objects.exists()


def test_a_superseded_link_gets_a_clear_page_with_410_and_the_new_one_works(world):
    loop = world.start_loop()
    old = services.request_availability(loop=loop, by=world.recruiter)
    new = services.request_availability(loop=loop, by=world.recruiter)
    old.refresh_from_db()
    assert old.state == AvailabilityRequestState.SUPERSEDED
    response = Client().post(url_of(old), {"blocks": first_blocks(old)})
    assert response.status_code == 410
    assert "replaced by a newer one" in response.content.decode()
    assert Client().get(url_of(new)).status_code == 200


def test_a_link_of_a_closed_loop_gets_a_clear_page(world):
    loop = world.start_loop()
    request = services.request_availability(loop=loop, by=world.recruiter)
    services.withdraw(loop=loop, by=world.recruiter, reason="The candidate took another offer.")
    response = Client().get(url_of(request))
    assert response.status_code == 410
    assert "closed" in response.content.decode()


def test_times_not_on_offer_are_a_form_error_and_change_nothing(world):
    loop = world.start_loop()
    request = services.request_availability(loop=loop, by=world.recruiter)
    client = Client()
    client.post(url_of(request), {"blocks": first_blocks(request, 1)})
    for bad in (["2001-01-01T08"], ["nonsense"], []):
        response = client.post(url_of(request), {"blocks": bad})
        assert response.status_code == 400
    assert CandidateAvailability.objects.filter(loop=loop).count() == 1


# --- booking a proposal -----------------------------------------------------------------


def _day_after(days: int, hour: int, zone: str = "UTC") -> dt.datetime:
    from zoneinfo import ZoneInfo

    day = timezone.now().astimezone(ZoneInfo(zone)).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=ZoneInfo(zone)).astimezone(dt.UTC)


def _assignments(world, loop, start: dt.datetime) -> list[dict]:
    return [
        {"round_id": r.pk, "interviewer_id": i.pk, "starts_at": start + dt.timedelta(hours=2 * n)}
        for n, (r, i) in enumerate(world.panel_for(loop))
    ]


def test_booking_a_proposal_schedules_every_round_and_sends_invitations_on_commit(
    world, django_capture_on_commit_callbacks
):
    loop = world.start_loop()
    services.request_availability(loop=loop, by=world.recruiter)
    booked = services.book_proposal(
        loop=loop, by=world.recruiter, assignments=_assignments(world, loop, _day_after(5, 6)), **ANY_HOUR
    )
    loop.refresh_from_db()
    assert loop.status == LoopStatus.SCHEDULED
    assert len(booked) == loop.rounds.count()
    assert all(r.status == RoundStatus.SCHEDULED for r in loop.rounds.all())
    assert Reminder.objects.filter(kind=ReminderKind.INVITATION, round__loop=loop).count() == 2 * len(booked)
    assert Event.objects.filter(kind=EventKind.LOOP_BOOKED, loop=loop).count() == 1
    # Booked: the candidate's link is closed.
    assert not AvailabilityRequest.objects.filter(loop=loop, state__in=scheduling.LIVE_STATES).exists()


def test_booking_is_all_or_nothing_when_a_round_in_the_middle_is_refused(world):
    loop = world.start_loop()
    other = world.start_loop()
    assignments = _assignments(world, loop, _day_after(5, 6))
    # Someone books the third round's interviewer at its time in another loop first.
    third = assignments[2]
    other_round = other.rounds.order_by("order").first()
    from hiring.models import Interviewer, Round

    services.schedule_round(
        round=other_round,
        interviewer=Interviewer.objects.get(pk=third["interviewer_id"]),
        starts_at=third["starts_at"],
        by=world.recruiter,
        **ANY_HOUR,
    )
    with pytest.raises(DomainError) as refused:
        services.book_proposal(loop=loop, by=world.recruiter, assignments=assignments, **ANY_HOUR)
    assert refused.value.code == "interviewer_busy"
    assert refused.value.extra["round_id"] == third["round_id"]
    assert set(Round.objects.filter(loop=loop).values_list("status", flat=True)) == {RoundStatus.PLANNED}
    assert not Reminder.objects.filter(round__loop=loop).exists()
    assert not Event.objects.filter(loop=loop, kind__in=[EventKind.ROUND_SCHEDULED, EventKind.LOOP_BOOKED]).exists()


def test_booking_rechecks_the_candidates_own_double_booking(world):
    candidate = CandidateFactory()
    first = world.start_loop(candidate)
    from hiring.models import Position

    second_position = Position.objects.create(
        title="Data Engineer",
        department=world.engineering,
        hiring_manager=world.manager,
        recruiter=world.recruiter,
        loop_plan=world.plan,
    )
    second = services.start_loop(candidate=candidate, position=second_position, by=world.recruiter)
    start = _day_after(5, 6)
    services.book_proposal(loop=first, by=world.recruiter, assignments=_assignments(world, first, start), **ANY_HOUR)
    # Each round starts as the same interviewer's round of the first loop ends: the
    # interviewers are free, the candidate is not (no gap after their previous round).
    durations = {r.order: r.duration_minutes for r in first.rounds.all()}
    moved = [
        {**a, "starts_at": a["starts_at"] + dt.timedelta(minutes=durations[n + 1])}
        for n, a in enumerate(_assignments(world, second, start))
    ]
    with pytest.raises(DomainError) as refused:
        services.book_proposal(loop=second, by=world.recruiter, assignments=moved, **ANY_HOUR)
    assert refused.value.code == "candidate_busy"
    assert not second.rounds.filter(status=RoundStatus.SCHEDULED).exists()


def test_booking_rechecks_working_hours_unless_overridden(world):
    loop = world.start_loop()
    # 03:00 in Berlin and in Singapore's night: outside someone's hours.
    assignments = _assignments(world, loop, _day_after(5, 19, "UTC"))
    with pytest.raises(DomainError) as refused:
        services.book_proposal(loop=loop, by=world.recruiter, assignments=assignments)
    assert refused.value.code == "outside_hours"
    assert not loop.rounds.filter(status=RoundStatus.SCHEDULED).exists()


def test_booking_refuses_bad_assignments_with_a_field_error(world):
    from django.core.exceptions import ValidationError

    loop = world.start_loop()
    other = world.start_loop()
    for bad in (
        [],
        [{"round_id": "x"}],
        _assignments(world, other, _day_after(5, 6)),
        [{**a, "starts_at": a["starts_at"].replace(tzinfo=None)} for a in _assignments(world, loop, _day_after(5, 6))],
    ):
        with pytest.raises(ValidationError):
            services.book_proposal(loop=loop, by=world.recruiter, assignments=bad, **ANY_HOUR)
    assert not loop.rounds.filter(status=RoundStatus.SCHEDULED).exists()


def test_only_recruiters_may_book(world):
    loop = world.start_loop()
    with pytest.raises(Exception, match="recruiters"):
        services.book_proposal(
            loop=loop, by=world.interviewers[0].user, assignments=_assignments(world, loop, _day_after(5, 6))
        )


def test_the_default_window_is_ten_working_days_from_tomorrow_in_the_recruiters_zone():
    now = dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC)  # a Friday
    start, end = scheduling.default_window(zone="America/New_York", now=now)
    assert start == dt.datetime(2026, 11, 21, 5, 0, tzinfo=dt.UTC)  # Saturday 00:00 EST
    # Ten working days from Mon 23 Nov: through Fri 4 Dec, so the window ends Sat 5 Dec 00:00 EST.
    assert end == dt.datetime(2026, 12, 5, 5, 0, tzinfo=dt.UTC)


# --- propose, then book what was proposed ------------------------------------------------


def test_a_proposal_books_in_one_step_and_every_round_then_holds(world):
    loop = world.start_loop()
    result = services.propose_schedule(loop=loop, by=world.recruiter)
    assert result.proposals, result.explanations
    proposal = result.proposals[0]
    assert {a.round_id for a in proposal.assignments} == set(loop.rounds.values_list("pk", flat=True))
    services.book_proposal(loop=loop, by=world.recruiter, assignments=proposal.assignments)
    loop.refresh_from_db()
    assert loop.status == LoopStatus.SCHEDULED


def test_proposals_use_the_candidates_own_windows(world):
    loop = world.start_loop()
    request = services.request_availability(loop=loop, by=world.recruiter)
    days = scheduling.offered_days(request)
    # Two mornings and two afternoons, in the candidate's zone (Singapore).
    blocks = [scheduling.block_value(day, start) for day in days[2:4] for start in (8, 10, 12, 14, 16, 18)]
    scheduling.submit_availability(token=scheduling.availability_token(request), blocks=blocks)
    windows = scheduling.candidate_windows(loop=loop)
    result = services.propose_schedule(loop=loop, by=world.recruiter)
    for proposal in result.proposals:
        for a in proposal.assignments:
            assert any(w.starts_at <= a.starts_at and a.ends_at <= w.ends_at for w in windows)


def test_the_demo_has_a_draft_loop_the_scheduler_books_in_one_click(db):
    from django.core.management import call_command

    from hiring.models import Loop

    call_command("seed_demo", stdout=io.StringIO())
    ready = [
        loop
        for loop in Loop.objects.filter(status=LoopStatus.DRAFT).select_related("position__recruiter")
        if not loop.rounds.exclude(status=RoundStatus.PLANNED).exists()
    ]
    assert len(ready) == 1
    [loop] = ready
    assert CandidateAvailability.objects.filter(loop=loop).exists()
    recruiter = loop.position.recruiter
    result = services.propose_schedule(loop=loop, by=recruiter)
    assert result.proposals, result.explanations
    services.book_proposal(loop=loop, by=recruiter, assignments=result.proposals[0].assignments)
    loop.refresh_from_db()
    assert loop.status == LoopStatus.SCHEDULED
