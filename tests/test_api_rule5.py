"""Rule 5 through the API: an interviewer's token reads no other scorecard of a
loop before submitting their own: not in a list, a detail, a filter, the
pipeline, nor the events' data."""

from __future__ import annotations

import json

import pytest

from hiring.models import Scorecard

pytestmark = pytest.mark.django_db

SECRET_NOTES = "Candidate struggled badly with recursion"
VETO_REASON = "Was dismissive of a junior colleague"


@pytest.fixture
def loop_with_two_scorecards(world):
    loop = world.scheduled_loop()
    rounds = list(loop.rounds.order_by("order"))
    # Round 1 is the hiring manager's, round 2 Ivy0's, round 3 Ivy1's.
    for round_ in rounds[:2]:
        scorecard = world.submit(round_, recommendation="strong_no")
        Scorecard.objects.filter(pk=scorecard.pk).update(notes=SECRET_NOTES)
    return loop, rounds


def _everything_readable(client, loop) -> str:
    """Every read endpoint the interviewer could try, as one string to search."""
    pages = [
        "/api/v1/scorecards/",
        f"/api/v1/scorecards/?loop={loop.pk}",
        f"/api/v1/scorecards/?position={loop.position_id}&is_current=true",
        f"/api/v1/loops/{loop.pk}/",
        "/api/v1/loops/",
        "/api/v1/rounds/",
        f"/api/v1/events/?loop={loop.pk}",
        "/api/v1/events/?kind=scorecard.submitted",
        f"/api/v1/candidates/{loop.candidate_id}/",
    ]
    pages += [f"/api/v1/scorecards/{pk}/" for pk in Scorecard.objects.values_list("pk", flat=True)]
    return "\n".join(json.dumps(client.get(page).json()) for page in pages)


def test_an_interviewer_who_has_not_submitted_reads_no_other_scorecard_anywhere(
    world, token_for, loop_with_two_scorecards
):
    loop, _ = loop_with_two_scorecards
    ivy1 = token_for(world.interviewers[1].user)
    everything = _everything_readable(ivy1, loop)
    assert SECRET_NOTES not in everything
    assert "strong_no" not in everything
    assert ivy1.get("/api/v1/scorecards/").json()["results"] == []
    for pk in Scorecard.objects.values_list("pk", flat=True):
        assert ivy1.get(f"/api/v1/scorecards/{pk}/").status_code == 404


def test_the_scorecard_events_of_others_are_listed_but_redacted_until_one_submits(
    world, token_for, loop_with_two_scorecards
):
    loop, rounds = loop_with_two_scorecards
    ivy1 = token_for(world.interviewers[1].user)
    events = ivy1.get("/api/v1/events/", {"loop": loop.pk, "kind": "scorecard.submitted"}).json()["results"]
    assert len(events) == 2
    assert all(e["redacted"] and e["data"] == {} and e["reason"] == "" for e in events)

    world.submit(rounds[2])
    events = ivy1.get("/api/v1/events/", {"loop": loop.pk, "kind": "scorecard.submitted"}).json()["results"]
    assert len(events) == 3
    assert not any(e["redacted"] for e in events)
    assert {e["data"]["recommendation"] for e in events} == {"strong_no", "yes"}


def test_once_she_submitted_her_own_the_interviewer_reads_every_scorecard_of_the_loop(
    world, token_for, loop_with_two_scorecards
):
    loop, rounds = loop_with_two_scorecards
    ivy1 = token_for(world.interviewers[1].user)
    response = ivy1.post(
        f"/api/v1/rounds/{rounds[2].pk}/submit-scorecard/",
        {
            "ratings": [{"competency": c.pk, "score": 4} for c in rounds[2].competencies.all()],
            "recommendation": "strong_yes",
        },
        format="json",
    )
    assert response.status_code == 201, response.content
    listed = ivy1.get("/api/v1/scorecards/", {"loop": loop.pk}).json()["results"]
    assert len(listed) == 3
    assert SECRET_NOTES in json.dumps(listed)


def test_a_veto_reason_is_hidden_from_an_interviewer_who_had_not_submitted(world, token_for):
    loop = world.scheduled_loop()
    rounds = list(loop.rounds.order_by("order"))
    world.submit(rounds[1], veto=True, veto_reason=VETO_REASON)
    ivy1 = token_for(world.interviewers[1].user)
    everything = _everything_readable(ivy1, loop)
    assert VETO_REASON not in everything
    pipeline = ivy1.get(f"/api/v1/loops/{loop.pk}/").json()
    assert pipeline["status"] == "rejected" and pipeline["vetoed"] is True
    # The hiring manager sees it.
    manager = token_for(world.manager)
    assert VETO_REASON in json.dumps(manager.get("/api/v1/scorecards/", {"veto": "true"}).json())


def test_the_hiring_manager_reads_every_scorecard_without_submitting_his_own(world, token_for):
    loop = world.scheduled_loop()
    rounds = list(loop.rounds.order_by("order"))
    world.submit(rounds[1])  # Ivy0's; the manager's own round (the first) has none yet
    manager = token_for(world.manager)
    assert len(manager.get("/api/v1/scorecards/", {"loop": loop.pk}).json()["results"]) == 1
