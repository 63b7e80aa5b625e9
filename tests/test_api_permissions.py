"""Who may read and do what through the API: each role × each endpoint × their own
object and someone else's, then the lists, which must show nothing more than
the detail views would."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from rest_framework.test import APIClient

from hiring import services
from hiring.models import Event, EventKind, Position, Round, RoundKind, Scorecard
from tests.factories import ANY_HOUR, CandidateFactory, InterviewerFactory, UserFactory

pytestmark = pytest.mark.django_db


class Scene:
    """A world with two positions.

    own: a scheduled loop on Hank's position, where Ivy0 has submitted her
    scorecard and Ivy1 has not yet; other: a draft loop on Olga's position, with
    nobody seated. Ivy4 sits on nothing.
    """

    def __init__(self, world, token_for):
        self.world = world
        self.olga = UserFactory(username="olga", first_name="Olga", last_name="Other")
        self.position2 = Position.objects.create(
            title="Data Engineer",
            department=world.engineering,
            hiring_manager=self.olga,
            recruiter=world.recruiter,
            loop_plan=world.plan,
        )
        self.candidate = CandidateFactory()
        self.own = world.scheduled_loop(self.candidate)
        self.other = services.start_loop(candidate=CandidateFactory(), position=self.position2, by=world.recruiter)
        rounds = list(self.own.rounds.order_by("order"))
        self.ivy0_round, self.ivy1_round = rounds[1], rounds[2]
        self.ivy0_scorecard = world.submit(self.ivy0_round)
        self.other_round = self.other.rounds.order_by("order").first()
        self.loop_event = Event.objects.filter(loop=self.own, kind=EventKind.LOOP_CREATED).get()
        self.candidate_event = Event.objects.filter(candidate=self.candidate, kind=EventKind.CANDIDATE_CREATED).first()
        if self.candidate_event is None:
            self.candidate_event = services.record_event(
                kind=EventKind.CANDIDATE_CREATED, actor=world.recruiter, candidate=self.candidate
            )
        self.admin = User.objects.create_superuser("root", "root@example.com", "x")
        InterviewerFactory(user=self.admin, department=world.product)
        self.clients = {
            "recruiter": token_for(world.recruiter),
            "manager": token_for(world.manager),
            "ivy0": token_for(world.interviewers[0].user),
            "ivy1": token_for(world.interviewers[1].user),
            "outsider": token_for(world.interviewers[4].user),
            "admin": token_for(self.admin),
            "readonly": token_for(world.recruiter, scopes=["read"]),
            "anonymous": APIClient(),
        }


@pytest.fixture
def scene(world, token_for):
    return Scene(world, token_for)


def _ids(response) -> set[int]:
    assert response.status_code == 200, response.content
    return {row["id"] for row in response.json()["results"]}


# --- reads: detail of one's own object and someone else's ---------------------------------

READ_MATRIX = {
    # url (by scene attribute): recruiter, manager, ivy1 (sits, not submitted), outsider, anonymous
    "loops/{own.pk}": (200, 200, 200, 404, 401),
    "loops/{other.pk}": (200, 404, 404, 404, 401),
    "candidates/{candidate.pk}": (200, 200, 200, 404, 401),
    "candidates/{other.candidate_id}": (200, 404, 404, 404, 401),
    "rounds/{ivy0_round.pk}": (200, 200, 200, 404, 401),
    "rounds/{other_round.pk}": (200, 404, 404, 404, 401),
    "scorecards/{ivy0_scorecard.pk}": (200, 200, 404, 404, 401),
    "events/{loop_event.pk}": (200, 200, 200, 404, 401),
    "events/{candidate_event.pk}": (200, 404, 404, 404, 401),
    "positions/{position2.pk}": (200, 200, 200, 200, 401),
    "interviewers/{world.bar_raiser.pk}": (200, 200, 200, 200, 401),
    "departments/{world.product.pk}": (200, 200, 200, 200, 401),
}
ROLES = ["recruiter", "manager", "ivy1", "outsider", "anonymous"]


@pytest.mark.parametrize(
    ("path", "role", "expected"),
    [(path, role, codes[i]) for path, codes in READ_MATRIX.items() for i, role in enumerate(ROLES)],
)
def test_each_role_reads_exactly_the_objects_it_may_see(scene, path, role, expected):
    response = scene.clients[role].get(f"/api/v1/{path.format(**vars(scene))}/")
    assert response.status_code == expected, response.content


def test_the_author_reads_her_own_scorecard_before_anyone_else_has_submitted(scene):
    response = scene.clients["ivy0"].get(f"/api/v1/scorecards/{scene.ivy0_scorecard.pk}/")
    assert response.status_code == 200
    assert response.json()["notes"] == "Solid."


def test_a_decision_is_read_by_recruiters_and_the_hiring_manager_only(scene):
    decision = services.decide(
        loop=scene.own, outcome="reject", rejection_reason="other", reason="Not this time.", by=scene.world.recruiter
    )
    expected = {"recruiter": 200, "manager": 200, "ivy0": 404, "ivy1": 404, "outsider": 404, "anonymous": 401}
    got = {role: scene.clients[role].get(f"/api/v1/decisions/{decision.pk}/").status_code for role in expected}
    assert got == expected


@pytest.mark.parametrize(
    ("role", "expected"), [("recruiter", 200), ("admin", 200), ("manager", 403), ("ivy1", 403), ("anonymous", 401)]
)
def test_webhook_subscriptions_are_listed_only_to_those_with_the_view_permission(scene, role, expected):
    assert scene.clients[role].get("/api/v1/webhooks/").status_code == expected


# --- writes -----------------------------------------------------------------------------


def _write_cases():
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=3)
    cases = {
        "create candidate": (
            "post",
            "candidates",
            lambda s: {"full_name": "Ada L", "email": "ada@example.org", "time_zone": "Europe/Paris"},
            {"recruiter": 201, "readonly": 403, "manager": 403, "ivy1": 403, "outsider": 403, "anonymous": 401},
        ),
        "update candidate": (
            "patch",
            "candidates/{candidate.pk}",
            lambda s: {"source": "referral"},
            {"recruiter": 200, "readonly": 403, "manager": 403, "ivy1": 403, "outsider": 404, "anonymous": 401},
        ),
        "start loop": (
            "post",
            "loops",
            lambda s: {"candidate": s.candidate.pk, "position": s.position2.pk},
            {"recruiter": 201, "readonly": 403, "manager": 403, "ivy1": 403, "outsider": 400, "anonymous": 401},
        ),
        "withdraw own": (
            "post",
            "loops/{own.pk}/withdraw",
            lambda s: {"reason": "Took another offer."},
            {"recruiter": 200, "readonly": 403, "manager": 403, "ivy1": 403, "outsider": 404, "anonymous": 401},
        ),
        "withdraw other": (
            "post",
            "loops/{other.pk}/withdraw",
            lambda s: {"reason": "Took another offer."},
            {"recruiter": 200, "manager": 404, "ivy1": 404},
        ),
        "decide own": (
            "post",
            "loops/{own.pk}/decision",
            lambda s: {"outcome": "reject", "rejection_reason": "skills", "reason": "Not a fit."},
            {"recruiter": 201, "readonly": 403, "manager": 201, "ivy1": 403, "outsider": 404, "anonymous": 401},
        ),
        "decide other": (
            "post",
            "loops/{other.pk}/decision",
            lambda s: {"outcome": "reject", "rejection_reason": "skills", "reason": "Not a fit."},
            {"recruiter": 201, "manager": 404, "ivy1": 404},
        ),
        "schedule other": (
            "post",
            "rounds/{other_round.pk}/schedule",
            lambda s: {"interviewer": s.world.interviewers[4].pk, "starts_at": start.isoformat(), **ANY_HOUR},
            {"recruiter": 200, "readonly": 403, "manager": 404, "ivy1": 404, "outsider": 404, "anonymous": 401},
        ),
        "reschedule own": (
            "post",
            "rounds/{ivy1_round.pk}/reschedule",
            lambda s: {"starts_at": start.isoformat(), "reason": "Clash.", **ANY_HOUR},
            {"recruiter": 200, "readonly": 403, "manager": 403, "ivy1": 403, "outsider": 404, "anonymous": 401},
        ),
        "cancel own": (
            "post",
            "rounds/{ivy1_round.pk}/cancel",
            lambda s: {"reason": "Panel change."},
            {"recruiter": 200, "readonly": 403, "manager": 403, "ivy1": 403, "outsider": 404, "anonymous": 401},
        ),
        "submit own": (
            "post",
            "rounds/{ivy1_round.pk}/submit-scorecard",
            lambda s: _scorecard_body(s.ivy1_round),
            {"ivy1": 201, "ivy0": 403, "recruiter": 403, "manager": 403, "outsider": 404, "anonymous": 401},
        ),
        "amend own": (
            "post",
            "rounds/{ivy0_round.pk}/amend-scorecard",
            lambda s: _scorecard_body(s.ivy0_round),
            {"ivy0": 201, "ivy1": 403, "recruiter": 403, "manager": 403, "outsider": 404, "anonymous": 401},
        ),
        "subscribe webhook": (
            "post",
            "webhooks",
            lambda s: {"url": "https://hooks.example.com/in", "events": ["loop.decided"]},
            {"admin": 201, "recruiter": 403, "manager": 403, "ivy1": 403, "anonymous": 401},
        ),
    }
    return [
        pytest.param(method, path, body, role, code, id=f"{name}-{role}")
        for name, (method, path, body, codes) in cases.items()
        for role, code in codes.items()
    ]


def _scorecard_body(round_: Round) -> dict:
    return {
        "ratings": [{"competency": c.pk, "score": 3} for c in round_.competencies.all()],
        "recommendation": "yes",
        "notes": "Clear thinking.",
    }


@pytest.mark.parametrize(("method", "path", "body", "role", "expected"), _write_cases())
def test_each_role_may_make_exactly_the_changes_its_role_allows(scene, method, path, body, role, expected):
    events_before = Event.objects.count()
    response = getattr(scene.clients[role], method)(
        f"/api/v1/{path.format(**vars(scene))}/", body(scene), format="json"
    )
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert Event.objects.count() == events_before, "a refused change wrote nothing"
    else:
        assert Event.objects.count() > events_before or path == "webhooks"


def test_a_token_without_the_write_scope_cannot_submit_even_its_own_scorecard(scene, token_for):
    client = token_for(scene.world.interviewers[1].user, scopes=["read"])
    response = client.post(
        f"/api/v1/rounds/{scene.ivy1_round.pk}/submit-scorecard/", _scorecard_body(scene.ivy1_round), format="json"
    )
    assert response.status_code == 403
    assert "scorecards:write" in response.json()["detail"]
    assert not Scorecard.objects.filter(round=scene.ivy1_round).exists()


# --- lists show nothing the detail would not ---------------------------------------------


@pytest.mark.parametrize("endpoint", ["loops", "candidates", "rounds", "scorecards", "decisions", "events"])
def test_an_interviewer_who_sits_on_nothing_sees_empty_lists(scene, endpoint):
    assert _ids(scene.clients["outsider"].get(f"/api/v1/{endpoint}/")) == set()


def test_a_hiring_manager_lists_only_the_loops_of_his_positions(scene):
    assert _ids(scene.clients["manager"].get("/api/v1/loops/")) == {scene.own.pk}
    assert _ids(scene.clients["recruiter"].get("/api/v1/loops/")) == {scene.own.pk, scene.other.pk}


def test_a_hiring_manager_cannot_find_another_positions_loop_by_filtering(scene):
    response = scene.clients["manager"].get("/api/v1/loops/", {"position": scene.position2.pk})
    assert _ids(response) == set()


def test_a_candidates_nested_loops_show_only_the_loops_the_caller_may_see(scene):
    services.start_loop(candidate=scene.candidate, position=scene.position2, by=scene.world.recruiter)
    rows = scene.clients["manager"].get("/api/v1/candidates/").json()["results"]
    assert [row["id"] for row in rows] == [scene.candidate.pk]
    assert [loop["id"] for loop in rows[0]["loops"]] == [scene.own.pk]
    everything = scene.clients["recruiter"].get(f"/api/v1/candidates/{scene.candidate.pk}/").json()
    assert len(everything["loops"]) == 2


def test_rounds_of_other_loops_are_not_listed(scene):
    rounds = _ids(scene.clients["ivy1"].get("/api/v1/rounds/"))
    assert rounds == set(scene.own.rounds.values_list("pk", flat=True))


def test_decisions_are_not_listed_to_interviewers(scene):
    services.decide(
        loop=scene.own, outcome="reject", rejection_reason="other", reason="Not this time.", by=scene.world.recruiter
    )
    assert _ids(scene.clients["ivy1"].get("/api/v1/decisions/")) == set()
    assert len(_ids(scene.clients["manager"].get("/api/v1/decisions/"))) == 1


def test_candidate_events_without_a_loop_are_listed_to_recruiters_only(scene):
    kinds = {row["kind"] for row in scene.clients["manager"].get("/api/v1/events/").json()["results"]}
    assert EventKind.CANDIDATE_CREATED not in kinds
    assert EventKind.LOOP_CREATED in kinds


def test_a_superuser_without_a_profile_still_reads_everything(scene):
    bare = User.objects.create_superuser("bare", "bare@example.com", "x")
    client = APIClient()
    client.force_authenticate(bare)
    assert _ids(client.get("/api/v1/loops/")) == {scene.own.pk, scene.other.pk}


def test_the_hiring_managers_bar_raiser_round_is_visible_to_him_with_its_times_in_utc(scene):
    row = scene.clients["manager"].get(f"/api/v1/loops/{scene.own.pk}/").json()
    bar = next(r for r in row["rounds"] if r["kind"] == RoundKind.BAR_RAISER)
    assert bar["starts_at"].endswith("Z")
    assert dt.datetime.fromisoformat(bar["starts_at"]) == Round.objects.get(pk=bar["id"]).starts_at
    assert timezone.now() > dt.datetime.fromisoformat(row["created_at"])


# --- the event feed: each kind's reason and data follow the object they describe ---------
# An event of every kind is recorded on the scene's loop (candidate events on the
# candidate alone, as the services record them), its reason and data carrying a
# secret. Each role then reads it through the detail and the list:
#   full: listed with its reason and data; redacted: listed, reason and data empty;
#   hidden: not listed, 404 for the detail; or the status code a role gets for any read.

EVERY_ROLE = ["recruiter", "readonly", "manager", "ivy0", "ivy1", "outsider", "noread", "anonymous"]
_PIPELINE = {"recruiter": "full", "readonly": "full", "manager": "full", "ivy0": "full", "ivy1": "full"}
# Scorecard content (rule 5): Ivy0 has submitted in this loop, Ivy1 has not.
_FEEDBACK = {**_PIPELINE, "ivy1": "redacted"}
# As /decisions/ shows a decision: recruiters and the hiring manager only.
_DECISION = {**_PIPELINE, "ivy0": "redacted", "ivy1": "redacted"}
_RECRUITERS = {**_DECISION, "manager": "redacted"}
_CANDIDATE_ONLY = {"recruiter": "full", "readonly": "full", "manager": "hidden", "ivy0": "hidden", "ivy1": "hidden"}
_EVERYONE_ELSE = {"outsider": "hidden", "noread": 403, "anonymous": 401}

EVENT_MATRIX = {
    EventKind.CANDIDATE_CREATED: _CANDIDATE_ONLY,
    EventKind.CANDIDATE_UPDATED: _CANDIDATE_ONLY,
    EventKind.LOOP_CREATED: _PIPELINE,
    EventKind.LOOP_SCHEDULED: _PIPELINE,
    EventKind.LOOP_STATUS_CHANGED: _PIPELINE,
    EventKind.ROUND_ADDED: _PIPELINE,
    EventKind.ROUND_SCHEDULED: _PIPELINE,
    EventKind.ROUND_RESCHEDULED: _PIPELINE,
    EventKind.ROUND_CANCELLED: _PIPELINE,
    EventKind.ROUND_HELD: _PIPELINE,
    EventKind.ROUND_NO_SHOW: _PIPELINE,
    EventKind.SCORECARD_SUBMITTED: _FEEDBACK,
    EventKind.SCORECARD_AMENDED: _FEEDBACK,
    EventKind.LOOP_VETOED: _FEEDBACK,
    EventKind.LOOP_DECIDED: _DECISION,
    EventKind.CANDIDATE_WITHDRAWN: _DECISION,
    EventKind.REMINDER_RESENT: _RECRUITERS,
    # Issue 11: erasure and export are on the candidate alone; a deactivation is about an
    # employee, for recruiters (recorded here on the loop, its content still theirs alone).
    EventKind.CANDIDATE_ERASED: _CANDIDATE_ONLY,
    EventKind.CANDIDATE_EXPORTED: _CANDIDATE_ONLY,
    EventKind.USER_DEACTIVATED: _RECRUITERS,
    # Issue 9: availability is recruiters' business (recorded on the loop); the booking is the panel's.
    EventKind.AVAILABILITY_REQUESTED: _RECRUITERS,
    EventKind.AVAILABILITY_GIVEN: _RECRUITERS,
    EventKind.LOOP_BOOKED: _PIPELINE,
    # Issue 12: what a recruiter wrote to the candidate is the recruiters' record (recorded on the loop).
    EventKind.MESSAGE_SENT: _RECRUITERS,
}


def test_the_event_matrix_covers_every_kind_of_event():
    assert set(EVENT_MATRIX) == set(EventKind.values)


def _event_outcome(client, event: Event):
    detail = client.get(f"/api/v1/events/{event.pk}/")
    listed = client.get("/api/v1/events/", {"kind": event.kind, "page_size": 200})
    if detail.status_code in (401, 403):
        assert listed.status_code == detail.status_code
        return detail.status_code
    rows = [row for row in listed.json()["results"] if row["id"] == event.pk]
    if detail.status_code == 404:
        assert rows == [], "a list shows nothing the detail hides"
        return "hidden"
    assert detail.status_code == 200 and rows == [detail.json()]
    row = detail.json()
    secret = f"secret of {event.kind}"
    if row["redacted"]:
        assert row["reason"] == "" and row["data"] == {}
        return "redacted"
    assert row["reason"] == secret and row["data"] == {"note": secret}
    return "full"


@pytest.mark.parametrize("kind", list(EVENT_MATRIX))
def test_each_role_reads_each_kind_of_event_as_it_reads_the_object_it_describes(scene, token_for, kind):
    scene.clients["noread"] = token_for(scene.world.interviewers[0].user, scopes=["scorecards:write"])
    on_loop = not kind.startswith("candidate.") or kind == EventKind.CANDIDATE_WITHDRAWN
    event = services.record_event(
        kind=kind,
        actor=scene.world.recruiter,
        candidate=scene.candidate,
        loop=scene.own if on_loop else None,
        round=scene.ivy0_round if kind.startswith(("round.", "scorecard.")) else None,
        reason=f"secret of {kind}",
        data={"note": f"secret of {kind}"},
    )
    expected = {**EVENT_MATRIX[kind], **_EVERYONE_ELSE}
    got = {role: _event_outcome(scene.clients[role], event) for role in EVERY_ROLE}
    assert got == expected


def test_a_decision_reason_never_reaches_the_panel_through_the_event_feed(scene):
    services.decide(
        loop=scene.own,
        outcome="reject",
        rejection_reason="other",
        reason="Salary expectations too high.",
        by=scene.world.recruiter,
    )
    for role in ("ivy0", "ivy1"):
        assert (
            "Salary expectations" not in scene.clients[role].get("/api/v1/events/", {"page_size": 200}).content.decode()
        )
        assert _ids(scene.clients[role].get("/api/v1/decisions/")) == set()
    manager_feed = scene.clients["manager"].get("/api/v1/events/", {"kind": "loop.decided"}).json()["results"]
    assert [row["reason"] for row in manager_feed] == ["Salary expectations too high."]


def test_a_hiring_manager_who_sits_on_another_positions_loop_reads_it_as_a_panelist(scene):
    # Hank manages the scene's own position and takes a seat on Olga's loop: he sees
    # both loops, and in Olga's only the pipeline, no feedback and no decision (rule 5).
    world = scene.world
    start = dt.datetime.now(dt.UTC) + dt.timedelta(days=5)
    first = scene.other.rounds.order_by("order").first()
    services.schedule_round(
        round=first, interviewer=world.manager.interviewer, starts_at=start, by=world.recruiter, **ANY_HOUR
    )
    hank = scene.clients["manager"]
    assert _ids(hank.get("/api/v1/loops/")) == {scene.own.pk, scene.other.pk}
    assert set(scene.other.rounds.values_list("pk", flat=True)) <= _ids(hank.get("/api/v1/rounds/", {"page_size": 200}))
    assert _ids(hank.get("/api/v1/scorecards/")) == {scene.ivy0_scorecard.pk}
    services.decide(
        loop=scene.other, outcome="reject", rejection_reason="other", reason="Olga's reason.", by=world.recruiter
    )
    assert _ids(hank.get("/api/v1/decisions/")) == set()
    decided = hank.get("/api/v1/events/", {"loop": scene.other.pk, "kind": "loop.decided"}).json()["results"]
    assert [(row["redacted"], row["reason"]) for row in decided] == [(True, "")]
