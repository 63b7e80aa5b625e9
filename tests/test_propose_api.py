"""Issue 9 through the API: propose, book (all or nothing, 409 with the rule's code),
request availability and read it; strict input, never a 500."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from hiring import services
from hiring.models import AvailabilityRequest, LoopStatus, RoundStatus
from hiring.services import scheduling
from tests.factories import ANY_HOUR, CandidateFactory

pytestmark = pytest.mark.django_db


def _start(days: int = 5, hour: int = 6) -> dt.datetime:
    day = timezone.now().date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=dt.UTC)


def test_propose_then_book_through_the_api(world, token_for):
    client = token_for(world.recruiter)
    loop = world.start_loop()
    proposed = client.post(f"/api/v1/loops/{loop.pk}/propose/", {"k": 2}, format="json")
    assert proposed.status_code == 200, proposed.content
    body = proposed.json()
    assert 1 <= len(body["proposals"]) <= 2
    option = body["proposals"][0]
    assert all(a["why"] for a in option["assignments"])
    booked = client.post(
        f"/api/v1/loops/{loop.pk}/book/",
        {"assignments": [{k: a[k] for k in ("round", "interviewer", "starts_at")} for a in option["assignments"]]},
        format="json",
    )
    assert booked.status_code == 200, booked.content
    assert booked.json()["status"] == LoopStatus.SCHEDULED


def test_book_refuses_the_candidate_double_booked_with_409_and_books_nothing(world, token_for):
    client = token_for(world.recruiter)
    candidate = CandidateFactory()
    first = world.start_loop(candidate)
    start = _start()
    services.book_proposal(
        loop=first,
        by=world.recruiter,
        assignments=[
            {"round_id": r.pk, "interviewer_id": i.pk, "starts_at": start + dt.timedelta(hours=2 * n)}
            for n, (r, i) in enumerate(world.panel_for(first))
        ],
        **ANY_HOUR,
    )
    from hiring.models import Position

    other_position = Position.objects.create(
        title="Data Engineer",
        department=world.engineering,
        hiring_manager=world.manager,
        recruiter=world.recruiter,
        loop_plan=world.plan,
    )
    second = services.start_loop(candidate=candidate, position=other_position, by=world.recruiter)
    # Different people would be free; the candidate is not (the same instant as their first round).
    rounds = list(second.rounds.order_by("order"))
    people = [world.interviewers[4], world.interviewers[3], world.interviewers[2]]
    response = client.post(
        f"/api/v1/loops/{second.pk}/book/",
        {
            "assignments": [
                {
                    "round": rounds[0].pk,
                    "interviewer": people[0].pk,
                    "starts_at": (start + dt.timedelta(hours=7)).isoformat(),
                },
                {"round": rounds[1].pk, "interviewer": people[1].pk, "starts_at": start.isoformat()},
            ],
            **ANY_HOUR,
        },
        format="json",
    )
    assert response.status_code == 409, response.content
    assert response.json()["code"] == "candidate_busy"
    assert response.json()["round_id"] == rounds[1].pk
    assert not second.rounds.filter(status=RoundStatus.SCHEDULED).exists()


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"assignments": []},
        {"assignments": "x"},
        {"assignments": [{"round": "1", "interviewer": 1, "starts_at": "2026-01-01T09:00:00Z"}]},
        {"assignments": [{"round": 1, "interviewer": 1, "starts_at": "2026-01-01T09:00:00"}]},
        {
            "assignments": [{"round": 1, "interviewer": 1, "starts_at": "2026-01-01T09:00:00Z"}],
            "allow_outside_hours": 1,
        },
    ],
)
def test_book_refuses_bad_input_with_400(world, token_for, body):
    loop = world.start_loop()
    response = token_for(world.recruiter).post(f"/api/v1/loops/{loop.pk}/book/", body, format="json")
    assert response.status_code == 400, response.content


def test_book_of_a_round_of_another_loop_is_a_400(world, token_for):
    loop = world.start_loop()
    other = world.start_loop()
    round_ = other.rounds.first()
    response = token_for(world.recruiter).post(
        f"/api/v1/loops/{loop.pk}/book/",
        {
            "assignments": [
                {"round": round_.pk, "interviewer": world.interviewers[0].pk, "starts_at": _start().isoformat()}
            ]
        },
        format="json",
    )
    assert response.status_code == 400
    assert "assignments" in response.json()


def test_propose_refuses_a_bad_window(world, token_for):
    loop = world.start_loop()
    client = token_for(world.recruiter)
    for body in (
        {"window_start": "2026-01-01T00:00:00", "window_end": "2026-01-02T00:00:00Z"},
        {"window_start": _start(5).isoformat(), "window_end": _start(3).isoformat()},
        {"window_start": _start(1).isoformat(), "window_end": _start(90).isoformat()},
        {"window_start": "1990-01-01T00:00:00Z", "window_end": "1990-01-05T00:00:00Z"},
        {"k": 0},
        {"k": "3"},
    ):
        response = client.post(f"/api/v1/loops/{loop.pk}/propose/", body, format="json")
        assert response.status_code == 400, (body, response.content)


def test_request_availability_and_read_what_the_candidate_gave(world, token_for):
    client = token_for(world.recruiter)
    loop = world.start_loop()
    made = client.post(f"/api/v1/loops/{loop.pk}/request-availability/", {"days": 5}, format="json")
    assert made.status_code == 201, made.content
    assert made.json()["state"] == "open" and made.json()["days"] == 5
    request = AvailabilityRequest.objects.get(pk=made.json()["id"])
    day = scheduling.offered_days(request)[0]
    scheduling.submit_availability(
        token=scheduling.availability_token(request), blocks=[scheduling.block_value(day, 10)]
    )
    read = client.get(f"/api/v1/loops/{loop.pk}/availability/")
    assert read.status_code == 200
    body = read.json()
    assert body["time_zone"] == loop.candidate.time_zone
    assert len(body["windows"]) == 1 and body["windows"][0]["starts_at"].endswith("Z")
    assert body["request"]["state"] == "used"


def test_interviewers_may_not_propose_book_or_read_availability(world, token_for):
    loop = world.scheduled_loop()
    client = token_for(world.interviewers[0].user)
    assert client.post(f"/api/v1/loops/{loop.pk}/propose/", {}, format="json").status_code == 403
    assert client.post(f"/api/v1/loops/{loop.pk}/request-availability/", {}, format="json").status_code == 403
    assert client.get(f"/api/v1/loops/{loop.pk}/availability/").status_code == 403


def test_a_token_without_the_scope_may_not_book(world, token_for):
    loop = world.start_loop()
    client = token_for(world.recruiter, scopes=("read",))
    response = client.post(f"/api/v1/loops/{loop.pk}/book/", {"assignments": []}, format="json")
    assert response.status_code == 403
