"""The action endpoints: a whole loop driven through the API, then every way a
change is refused: 409 with the rule's words for an illegal change, 400 naming
the field for bad input, and nothing half-written either way."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from hiring.models import Candidate, Decision, Event, Loop, LoopStatus, Round, RoundKind, RoundStatus, Scorecard
from tests.factories import ANY_HOUR

pytestmark = pytest.mark.django_db


def _ratings(round_: Round, score: int = 3) -> list[dict]:
    return [{"competency": c.pk, "score": score} for c in round_.competencies.all()]


def _scorecard(round_: Round, **extra) -> dict:
    return {"ratings": _ratings(round_), "recommendation": "yes", "notes": "Good.", **extra}


def _snapshot() -> tuple:
    return (
        Event.objects.count(),
        Scorecard.objects.count(),
        Decision.objects.count(),
        list(Loop.objects.order_by("pk").values_list("status", flat=True)),
        list(Round.objects.order_by("pk").values_list("status", "starts_at", "interviewer_id")),
    )


def test_a_whole_loop_runs_through_the_api_from_candidate_to_hire(world, token_for):
    recruiter = token_for(world.recruiter)
    created = recruiter.post(
        "/api/v1/candidates/",
        {"full_name": "Grace H", "email": "grace@example.org", "time_zone": "America/New_York"},
        format="json",
    )
    assert created.status_code == 201, created.content
    started = recruiter.post(
        "/api/v1/loops/", {"candidate": created.json()["id"], "position": world.position.pk}, format="json"
    )
    assert started.status_code == 201, started.content
    loop = started.json()
    assert loop["status"] == "draft" and len(loop["rounds"]) == 6

    start = dt.datetime.now(dt.UTC) - dt.timedelta(hours=8)
    panel = dict((r.pk, i) for r, i in world.panel_for(Loop.objects.get(pk=loop["id"])))
    for i, row in enumerate(loop["rounds"]):
        response = recruiter.post(
            f"/api/v1/rounds/{row['id']}/schedule/",
            {
                "interviewer": panel[row["id"]].pk,
                "starts_at": (start + dt.timedelta(hours=i)).isoformat(),
                **ANY_HOUR,
            },
            format="json",
        )
        assert response.status_code == 200, response.content
        assert response.json()["status"] == "scheduled"
    assert recruiter.get(f"/api/v1/loops/{loop['id']}/").json()["status"] == "scheduled"

    for round_ in Round.objects.filter(loop_id=loop["id"]).select_related("interviewer__user"):
        client = token_for(round_.interviewer.user)
        response = client.post(f"/api/v1/rounds/{round_.pk}/submit-scorecard/", _scorecard(round_), format="json")
        assert response.status_code == 201, response.content
    assert recruiter.get(f"/api/v1/loops/{loop['id']}/").json()["status"] == "awaiting_decision"

    decided = token_for(world.manager).post(f"/api/v1/loops/{loop['id']}/decision/", {"outcome": "hire"}, format="json")
    assert decided.status_code == 201, decided.content
    assert decided.json()["outcome"] == "hire"
    kinds = [e["kind"] for e in recruiter.get("/api/v1/events/", {"loop": loop["id"]}).json()["results"]]
    assert kinds[0] == "loop.created" and kinds[-1] == "loop.decided"
    assert kinds.count("round.scheduled") == 6 and kinds.count("scorecard.submitted") == 6


def test_a_veto_through_the_api_ends_the_loop_and_a_later_hire_is_refused(world, token_for):
    # Rounds at -90, -30, +30 ... minutes: the first had begun (so it is kept as held), the rest had not.
    loop = world.scheduled_loop(start=timezone.now() - dt.timedelta(minutes=90))
    rounds = list(loop.rounds.order_by("order"))
    ivy0 = token_for(world.interviewers[0].user)
    response = ivy0.post(
        f"/api/v1/rounds/{rounds[1].pk}/submit-scorecard/",
        _scorecard(rounds[1], veto=True, veto_reason="Plagiarised the take-home."),
        format="json",
    )
    assert response.status_code == 201, response.content
    loop.refresh_from_db()
    assert loop.status == LoopStatus.REJECTED and loop.is_vetoed
    statuses = list(loop.rounds.order_by("order").values_list("status", flat=True))
    assert statuses == [RoundStatus.HELD, RoundStatus.SUBMITTED] + [RoundStatus.CANCELLED] * 4

    before = _snapshot()
    hire = token_for(world.manager).post(f"/api/v1/loops/{loop.pk}/decision/", {"outcome": "hire"}, format="json")
    assert hire.status_code == 409
    assert "vetoed" in hire.json()["detail"]
    assert _snapshot() == before


def test_a_veto_without_a_reason_is_a_400_on_the_veto_reason_and_writes_nothing(world, token_for):
    loop = world.scheduled_loop()
    round_ = loop.rounds.order_by("order")[1]
    before = _snapshot()
    response = token_for(world.interviewers[0].user).post(
        f"/api/v1/rounds/{round_.pk}/submit-scorecard/", _scorecard(round_, veto=True), format="json"
    )
    assert response.status_code == 400
    assert "veto_reason" in response.json()
    assert _snapshot() == before


def test_submitting_twice_is_a_409_that_points_to_amending(world, token_for):
    loop = world.scheduled_loop()
    round_ = loop.rounds.order_by("order")[1]
    client = token_for(world.interviewers[0].user)
    assert (
        client.post(f"/api/v1/rounds/{round_.pk}/submit-scorecard/", _scorecard(round_), format="json").status_code
        == 201
    )
    before = _snapshot()
    again = client.post(f"/api/v1/rounds/{round_.pk}/submit-scorecard/", _scorecard(round_), format="json")
    assert again.status_code == 409
    assert "amend" in again.json()["detail"]
    assert _snapshot() == before


def test_amending_adds_a_revision_and_keeps_the_first_on_record(world, token_for):
    loop = world.scheduled_loop()
    round_ = loop.rounds.order_by("order")[1]
    client = token_for(world.interviewers[0].user)
    first = client.post(f"/api/v1/rounds/{round_.pk}/submit-scorecard/", _scorecard(round_), format="json").json()
    amended = client.post(
        f"/api/v1/rounds/{round_.pk}/amend-scorecard/", _scorecard(round_, recommendation="strong_yes"), format="json"
    )
    assert amended.status_code == 201
    assert amended.json()["revision"] == 2 and amended.json()["is_current"] is True
    history = client.get("/api/v1/scorecards/", {"round": round_.pk, "ordering": "id"}).json()["results"]
    assert [(s["id"], s["is_current"]) for s in history] == [(first["id"], False), (amended.json()["id"], True)]


def test_amending_before_submitting_is_a_409(world, token_for):
    loop = world.scheduled_loop()
    round_ = loop.rounds.order_by("order")[1]
    response = token_for(world.interviewers[0].user).post(
        f"/api/v1/rounds/{round_.pk}/amend-scorecard/", _scorecard(round_), format="json"
    )
    assert response.status_code == 409


def test_a_hire_before_every_scorecard_is_in_is_a_409_naming_what_is_missing(world, token_for):
    loop = world.scheduled_loop()
    before = _snapshot()
    response = token_for(world.recruiter).post(f"/api/v1/loops/{loop.pk}/decision/", {"outcome": "hire"}, format="json")
    assert response.status_code == 409
    assert "no submitted scorecard" in response.json()["detail"]
    assert _snapshot() == before


def test_a_reject_without_a_reason_is_a_400_on_the_reason(world, token_for):
    loop = world.scheduled_loop()
    response = token_for(world.recruiter).post(
        f"/api/v1/loops/{loop.pk}/decision/", {"outcome": "reject"}, format="json"
    )
    assert response.status_code == 400
    assert "reason" in response.json()


def test_withdrawing_twice_is_a_409(world, token_for):
    loop = world.scheduled_loop()
    client = token_for(world.recruiter)
    assert client.post(f"/api/v1/loops/{loop.pk}/withdraw/", {"reason": "Moved on."}, format="json").status_code == 200
    again = client.post(f"/api/v1/loops/{loop.pk}/withdraw/", {"reason": "Moved on."}, format="json")
    assert again.status_code == 409
    assert "withdrawn" in again.json()["detail"]


def test_cancelling_a_round_whose_scorecard_is_in_is_a_409(world, token_for):
    loop = world.scheduled_loop()
    round_ = loop.rounds.order_by("order")[1]
    world.submit(round_)
    response = token_for(world.recruiter).post(
        f"/api/v1/rounds/{round_.pk}/cancel/", {"reason": "Oops."}, format="json"
    )
    assert response.status_code == 409
    assert Round.objects.get(pk=round_.pk).status == RoundStatus.SUBMITTED


def test_a_second_bar_raiser_or_a_non_trained_one_is_refused_with_409(world, token_for):
    loop = world.start_loop()
    bar = loop.rounds.get(kind=RoundKind.BAR_RAISER)
    response = token_for(world.recruiter).post(
        f"/api/v1/rounds/{bar.pk}/schedule/",
        {
            "interviewer": world.interviewers[1].pk,
            "starts_at": (dt.datetime.now(dt.UTC) + dt.timedelta(days=2)).isoformat(),
        },
        format="json",
    )
    assert response.status_code == 409
    assert "not a trained bar raiser" in response.json()["detail"]
    assert Round.objects.get(pk=bar.pk).status == RoundStatus.PLANNED


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"interviewer": 1, "starts_at": "2030-05-04T09:00:00"}, "starts_at"),  # no offset
        ({"interviewer": 1, "starts_at": "tomorrow"}, "starts_at"),
        ({"interviewer": 1}, "starts_at"),
        ({"interviewer": "abc", "starts_at": "2030-05-04T09:00:00Z"}, "interviewer"),
        ({"interviewer": 999999, "starts_at": "2030-05-04T09:00:00Z"}, "interviewer"),
    ],
)
def test_scheduling_with_bad_input_is_a_400_naming_the_field(world, token_for, body, field):
    loop = world.start_loop()
    round_ = loop.rounds.order_by("order").first()
    before = _snapshot()
    response = token_for(world.recruiter).post(f"/api/v1/rounds/{round_.pk}/schedule/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert _snapshot() == before


def test_scheduling_years_ahead_is_a_400_from_the_service(world, token_for):
    loop = world.start_loop()
    round_ = loop.rounds.order_by("order").first()
    response = token_for(world.recruiter).post(
        f"/api/v1/rounds/{round_.pk}/schedule/",
        {"interviewer": world.interviewers[0].pk, "starts_at": "2099-01-01T09:00:00+09:00"},
        format="json",
    )
    assert response.status_code == 400
    assert "year" in response.json()["starts_at"][0]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"full_name": "A", "email": "not-an-email", "time_zone": "UTC"}, "email"),
        ({"full_name": "A", "email": "a@example.org", "time_zone": "Mars/Olympus"}, "time_zone"),
        (
            {"full_name": "A", "email": "a@example.org", "time_zone": "UTC", "preferred_language": "xx"},
            "preferred_language",
        ),
        ({"full_name": "A\x00B", "email": "a@example.org", "time_zone": "UTC"}, "full_name"),
        ({"email": "a@example.org", "time_zone": "UTC"}, "full_name"),
    ],
)
def test_creating_a_candidate_with_bad_input_is_a_400_naming_the_field(world, token_for, body, field):
    response = token_for(world.recruiter).post("/api/v1/candidates/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()
    assert not Candidate.objects.filter(email="a@example.org").exists()


def test_a_candidate_email_already_taken_in_another_case_is_a_400(world, token_for):
    client = token_for(world.recruiter)
    body = {"full_name": "Ann", "email": "ann@example.org", "time_zone": "UTC"}
    assert client.post("/api/v1/candidates/", body, format="json").status_code == 201
    again = client.post("/api/v1/candidates/", {**body, "email": "ANN@example.org"}, format="json")
    assert again.status_code == 400
    assert "email" in again.json()


def test_rating_a_competency_twice_or_off_the_scale_is_a_400(world, token_for):
    loop = world.scheduled_loop()
    round_ = loop.rounds.order_by("order")[1]
    client = token_for(world.interviewers[0].user)
    competency = round_.competencies.first()
    twice = _scorecard(round_, ratings=[{"competency": competency.pk, "score": 3}] * 2)
    assert client.post(f"/api/v1/rounds/{round_.pk}/submit-scorecard/", twice, format="json").status_code == 400
    off = _scorecard(round_, ratings=[{"competency": competency.pk, "score": 9}])
    assert client.post(f"/api/v1/rounds/{round_.pk}/submit-scorecard/", off, format="json").status_code == 400
    missing = _scorecard(round_, ratings=[])
    response = client.post(f"/api/v1/rounds/{round_.pk}/submit-scorecard/", missing, format="json")
    assert response.status_code == 400 and "ratings" in response.json()
    assert not Scorecard.objects.filter(round=round_).exists()


def test_malformed_json_is_a_400(world, token_for):
    response = token_for(world.recruiter).post(
        "/api/v1/candidates/", data=b'{"full_name": ', content_type="application/json"
    )
    assert response.status_code == 400


@pytest.mark.parametrize(
    "query",
    [
        {"updated_since": "yesterday"},
        {"position": "abc"},
        {"position": "99999999999999999999999"},
        {"status": "nope"},
        {"vetoed": "maybe"},
        {"updated_since": "0001-01-01T00:00:00+05:00"},  # before year 1 in UTC
    ],
)
def test_a_filter_value_that_does_not_parse_is_a_400_naming_it(world, token_for, query):
    response = token_for(world.recruiter).get("/api/v1/loops/", query)
    assert response.status_code == 400
    assert set(query) <= set(response.json())


def test_a_cursor_that_does_not_decode_is_a_400_not_a_404_or_500(world, token_for):
    # Issue 8: a made-up cursor is bad input (400), as every other bad query value is.
    assert token_for(world.recruiter).get("/api/v1/events/", {"cursor": "\x00garbage"}).status_code == 400
    assert token_for(world.recruiter).get("/api/v1/events/", {"cursor": "garbage"}).status_code == 400


def test_updated_since_finds_a_loop_whose_round_changed_after_the_loop_row(world, token_for):
    loop = world.scheduled_loop()
    other = world.scheduled_loop(start=dt.datetime.now(dt.UTC) - dt.timedelta(hours=20))
    since = dt.datetime.now(dt.UTC)
    world.submit(loop.rounds.order_by("order")[1])  # touches the round; the loop moves to in_progress
    ids = [
        row["id"]
        for row in token_for(world.recruiter)
        .get("/api/v1/loops/", {"updated_since": since.isoformat()})
        .json()["results"]
    ]
    assert ids == [loop.pk]
    assert other.pk not in ids


def test_lists_page_with_a_cursor_and_never_repeat_a_row(world, token_for):
    for _ in range(3):
        world.start_loop()
    client = token_for(world.recruiter)
    seen, url = [], "/api/v1/loops/?page_size=2"
    while url:
        page = client.get(url).json()
        seen += [row["id"] for row in page["results"]]
        url = page["next"]
    assert seen == sorted(Loop.objects.values_list("pk", flat=True), reverse=True)


def test_a_filter_instant_with_an_offset_postgresql_refuses_in_a_literal_is_read_in_utc(world, token_for):
    # Found by schemathesis: "-20:23" is valid ISO 8601, beyond PostgreSQL's offsets.
    response = token_for(world.recruiter).get("/api/v1/decisions/", {"decided_since": "0366-10-12T13:50:48-20:23"})
    assert response.status_code == 200
