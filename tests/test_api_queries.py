"""Every list costs the same number of queries whatever its length or page size.

Each case states the queries it expects. Common to all, first:
  0. is the caller's address locked out? (failed key guesses in the cool-off, django-axes;
     checked before the key is looked up, so a guesser learns nothing while locked out)
  1. the API token, with its user (one indexed lookup by the key's hash)
  2. is the user a recruiter? (the Recruiters group; skipped for lists everyone sees)
  3. for anyone else, who they are: their interviewer id and the positions they
     manage (one query), so each list's own query starts from their rows
The first request of a token also writes its last_used_at; the tests make one
before counting, as every request but the first of a minute runs.
"""

from __future__ import annotations

import pytest

from hiring import services
from hiring.models import Loop

pytestmark = pytest.mark.django_db

LOCKOUT_CHECK = 1  # query 0 above, on every request

LISTS = {
    # endpoint: (queries for a recruiter, queries for an interviewer)
    # token; departments
    "departments": (2, 2),
    # token; competencies
    "competencies": (2, 2),
    # token; interviewers with user, department and level
    "interviewers": (2, 2),
    # token; positions with department, manager, recruiter and plan; the plans' rounds; their competencies
    "positions": (4, 4),
    # token; [recruiter group | who they are]; candidates; the loops of each the caller may see
    "candidates": (4, 4),
    # token; [recruiter group | who they are]; loops with candidate and position; their rounds with interviewers
    "loops": (4, 4),
    # token; [recruiter group | who they are]; rounds with interviewers
    "rounds": (3, 3),
    # token; [recruiter group | who they are]; scorecards with round and author; their ratings with competencies
    "scorecards": (4, 4),
    # token; [recruiter group | who they are]; decisions with who decided (none asked for
    # someone who manages no position: decisions are the hiring manager's)
    "decisions": (3, 2),
    # token; [recruiter group | who they are]; events with actor (and, for others, whether their content may be read)
    "events": (3, 3),
}


def _grow(world, loops: int) -> None:
    for _ in range(loops):
        loop = world.awaiting_decision_loop()
        services.decide(loop=loop, outcome="hire", by=world.recruiter)
        services.create_webhook_subscription(url=f"https://hooks.example.com/{loop.pk}", by=None)


@pytest.fixture
def clients(world, token_for):
    recruiter = token_for(world.recruiter)
    # Ivy0 sits on every loop of the world, so her lists grow with it too.
    interviewer = token_for(world.interviewers[0].user)
    for client in (recruiter, interviewer):
        client.get("/api/v1/departments/")  # the token's first use writes last_used_at
    return {"recruiter": recruiter, "interviewer": interviewer}


@pytest.mark.parametrize("endpoint", list(LISTS))
@pytest.mark.parametrize("role", ["recruiter", "interviewer"])
def test_a_list_costs_the_same_queries_for_one_row_or_many(world, clients, django_assert_num_queries, endpoint, role):
    expected = LOCKOUT_CHECK + LISTS[endpoint][0 if role == "recruiter" else 1]
    _grow(world, 1)
    with django_assert_num_queries(expected):
        small = clients[role].get(f"/api/v1/{endpoint}/")
    _grow(world, 3)
    with django_assert_num_queries(expected):
        large = clients[role].get(f"/api/v1/{endpoint}/", {"page_size": 200})
    assert small.status_code == large.status_code == 200
    if endpoint in {"loops", "rounds", "events", "candidates"}:
        assert len(large.json()["results"]) > len(small.json()["results"])


def test_the_webhook_list_costs_four_queries_however_many_subscriptions(world, clients, django_assert_num_queries):
    # lock-out; token; the user's own permissions; their groups' permissions; subscriptions
    _grow(world, 1)
    with django_assert_num_queries(5):
        clients["recruiter"].get("/api/v1/webhooks/")
    _grow(world, 2)
    with django_assert_num_queries(5):
        response = clients["recruiter"].get("/api/v1/webhooks/")
    assert len(response.json()["results"]) == 3


def test_a_full_page_of_fifty_loops_with_six_rounds_each_is_four_queries(world, clients, django_assert_num_queries):
    for _ in range(51):
        world.start_loop()
    # lock-out; token; recruiter group; 51 loops (one more, to know there is a next page); their 300 rounds
    with django_assert_num_queries(5):
        response = clients["recruiter"].get("/api/v1/loops/")
    page = response.json()
    assert len(page["results"]) == 50 and page["next"]
    assert sum(len(row["rounds"]) for row in page["results"]) == 300
    assert Loop.objects.count() == 51
