"""The recruiters' admin: the candidate pipeline list, its filters and query
count, and the workflow forms that call the services."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hiring import services
from hiring.admin.pipeline import CandidateAdmin
from hiring.models import (
    Candidate,
    Decision,
    Event,
    EventKind,
    Loop,
    LoopStatus,
    Round,
    RoundKind,
    RoundStatus,
)
from tests.factories import CandidateFactory, UserFactory

pytestmark = pytest.mark.django_db

CANDIDATES = reverse("admin:hiring_candidate_changelist")


@pytest.fixture
def recruiter_client(client, world):
    client.force_login(world.recruiter)
    return client


def one_of_each_state(world) -> dict[str, Candidate]:
    """A candidate in every state a loop can reach, each built through the services."""
    past = timezone.now() - dt.timedelta(hours=8)
    made = {}
    made["draft"] = world.start_loop(CandidateFactory(full_name="Dora Draft")).candidate
    made["scheduled"] = world.scheduled_loop(
        CandidateFactory(full_name="Sam Scheduled"), start=timezone.now() + dt.timedelta(days=1)
    ).candidate
    loop = world.scheduled_loop(CandidateFactory(full_name="Ines Inprogress"), start=past)
    world.submit(loop.rounds.get(order=1))
    made["in_progress"] = loop.candidate
    made["awaiting_decision"] = world.awaiting_decision_loop(CandidateFactory(full_name="Ada Awaiting")).candidate
    loop = world.awaiting_decision_loop(CandidateFactory(full_name="Hugo Hired"))
    services.decide(loop=loop, outcome="hire", by=world.manager, reason="Yes")
    made["hired"] = loop.candidate
    loop = world.scheduled_loop(CandidateFactory(full_name="Vera Vetoed"), start=past)
    world.submit(loop.rounds.get(order=2), veto=True, veto_reason="Dishonest about a past role.")
    made["vetoed"] = loop.candidate
    loop = world.scheduled_loop(
        CandidateFactory(full_name="Walt Withdrawn"), start=timezone.now() + dt.timedelta(days=3)
    )
    services.withdraw(loop=loop, by=world.recruiter, reason="Took another offer")
    made["withdrawn"] = loop.candidate
    return made


def test_the_candidate_list_shows_each_candidates_pipeline_in_every_state(recruiter_client, world):
    one_of_each_state(world)
    page = recruiter_client.get(CANDIDATES).content.decode()
    for name in [
        "Dora Draft",
        "Sam Scheduled",
        "Ines Inprogress",
        "Ada Awaiting",
        "Hugo Hired",
        "Vera Vetoed",
        "Walt Withdrawn",
    ]:
        assert name in page
    for label in ["Draft", "Scheduled", "In progress", "Awaiting decision", "Hired", "Vetoed", "Withdrawn"]:
        assert f">{label}</span>" in page
    # One badge per round, with its state; the veto is its own unmistakable badge.
    assert page.count('class="hl-badge') == 7 * 6
    assert page.count('class="hl-badge hl-veto"') == 1
    assert "Scorecard in" in page and "Planned" in page and "Cancelled" in page
    # The next interview is shown in the recruiter's zone (New York) beside the candidate's.
    assert "your time ·" in page and "for the candidate (Asia/Singapore)" in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("loop_status=vetoed", {"Vera Vetoed"}),
        ("loop_status=awaiting_decision", {"Ada Awaiting"}),
        ("loop_status=withdrawn", {"Walt Withdrawn"}),
        ("feedback=overdue", {"Ines Inprogress"}),
        ("q=hugo", {"Hugo Hired"}),
    ],
)
def test_the_candidate_list_filters_and_searches(recruiter_client, world, query, expected):
    made = one_of_each_state(world)
    page = recruiter_client.get(f"{CANDIDATES}?{query}").content.decode()
    shown = {c.full_name for c in made.values() if f">{c.full_name}<br>" in page}
    assert shown == expected


def test_the_candidate_list_filters_by_position_and_department(recruiter_client, world):
    one_of_each_state(world)
    Candidate.objects.create(full_name="Nolan Noloop", email="n@example.org", time_zone="UTC")
    by_position = recruiter_client.get(f"{CANDIDATES}?position={world.position.pk}").content.decode()
    by_department = recruiter_client.get(f"{CANDIDATES}?department={world.product.pk}").content.decode()
    assert "Hugo Hired" in by_position and "Nolan Noloop" not in by_position
    assert "Hugo Hired" not in by_department  # the position is in Engineering


def add_candidates_with_loops(world, count: int, *, first: int = 0) -> None:
    """Many candidates with a six-round loop each, inserted in bulk: this builds data for a
    query count, it does not exercise the rules."""
    candidates = Candidate.objects.bulk_create(
        [
            Candidate(full_name=f"Bulk {i}", email=f"bulk{i}@example.org", time_zone="Asia/Tokyo")
            for i in range(first, first + count)
        ]
    )
    statuses = [LoopStatus.DRAFT, LoopStatus.SCHEDULED, LoopStatus.IN_PROGRESS, LoopStatus.AWAITING_DECISION]
    loops = Loop.objects.bulk_create(
        [Loop(candidate=c, position=world.position, status=statuses[i % 4]) for i, c in enumerate(candidates)]
    )
    start = timezone.now() + dt.timedelta(days=2)
    panel = [world.manager.interviewer, *world.interviewers]
    Round.objects.bulk_create(
        [
            Round(
                loop=loop,
                order=order,
                kind=RoundKind.TECHNICAL,
                interviewer=panel[order - 1],
                starts_at=start + dt.timedelta(hours=order),
                status=RoundStatus.SCHEDULED,
            )
            for loop in loops
            for order in range(1, 7)
        ]
    )


def count_queries(client, url: str) -> int:
    return len(captured_queries(client, url))


def captured_queries(client, url: str) -> list[str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return [q["sql"] for q in queries.captured_queries]


LOOPS = reverse("admin:hiring_loop_changelist")
ROUNDS = reverse("admin:hiring_round_changelist")


@pytest.mark.parametrize("query", ["", "?loop_status=scheduled", "?q=bulk"])
def test_the_candidate_list_costs_the_same_eight_queries_for_5_and_500_candidates(recruiter_client, world, query):
    add_candidates_with_loops(world, 5)
    few = count_queries(recruiter_client, CANDIDATES + query)
    add_candidates_with_loops(world, 495, first=5)
    many = count_queries(recruiter_client, CANDIDATES + query)
    # 1. session  2. user  3. the user's interviewer (time zone)  4. the user's and their groups'
    # permissions  5. the position and department filters' choices  6. the page of candidates plus
    # one (with the capped count as a column when unfiltered)  7. their loops (with position,
    # department and veto)  8. the loops' rounds (with interviewer, user and department).
    assert few == many == 8


def test_the_loop_list_costs_the_same_seven_queries_for_5_and_500_loops(recruiter_client, world):
    add_candidates_with_loops(world, 5)
    few = count_queries(recruiter_client, LOOPS)
    add_candidates_with_loops(world, 495, first=5)
    many = count_queries(recruiter_client, LOOPS)
    # 1. session  2. user  3. interviewer (time zone)  4. permissions  5. the department filter's
    # choices  6. the page of loops with candidate, position, department and veto, plus the
    # capped count  7. their rounds with interviewer, user and department.
    assert few == many == 7


def test_the_round_list_costs_the_same_five_queries_for_30_and_3000_rounds(recruiter_client, world):
    add_candidates_with_loops(world, 5)
    few = count_queries(recruiter_client, ROUNDS)
    add_candidates_with_loops(world, 495, first=5)
    many = count_queries(recruiter_client, ROUNDS)
    # 1. session  2. user  3. interviewer (time zone)  4. permissions  5. the page of rounds with
    # loop, candidate, position and interviewer, plus the capped count.
    assert few == many == 5


@pytest.mark.parametrize(
    "url",
    [
        CANDIDATES + "?loop_status=scheduled",
        CANDIDATES + "?q=bulk",
        LOOPS + "?status__exact=scheduled",
        ROUNDS + "?status__exact=scheduled",
    ],
)
def test_a_filtered_list_counts_nothing_and_reads_one_row_past_the_page(recruiter_client, world, url):
    add_candidates_with_loops(world, 30)
    queries = captured_queries(recruiter_client, url)
    # A selective filter would make even a capped count walk the table: no COUNT at all.
    assert not [q for q in queries if "COUNT(" in q.upper()]
    assert any(q.rstrip().endswith("LIMIT 101") for q in queries)


def test_a_filtered_list_says_more_until_its_last_page(recruiter_client, world, monkeypatch):
    monkeypatch.setattr(CandidateAdmin, "list_per_page", 2)
    add_candidates_with_loops(world, 5)
    query = "?q=bulk"
    first = recruiter_client.get(CANDIDATES + query).content.decode()
    assert "2+ candidates (more on the next page)" in first
    assert "?p=2&amp;q=bulk" in first and "p=3" not in first
    second = recruiter_client.get(CANDIDATES + query + "&p=2").content.decode()
    assert "4+ candidates (more on the next page)" in second and "?p=3&amp;q=bulk" in second
    last = recruiter_client.get(CANDIDATES + query + "&p=3").content.decode()
    assert "5 candidates" in last and "more on the next page" not in last
    assert last.count('class="hl-loop"') == 1


@pytest.mark.parametrize("page", ["-1", "0", "99", "99999999999999999999"])
def test_a_page_number_out_of_range_is_refused_not_a_500(recruiter_client, world, page):
    add_candidates_with_loops(world, 3)
    for url in (CANDIDATES, CANDIDATES + "?q=bulk", LOOPS, ROUNDS):
        response = recruiter_client.get(f"{url}{'&' if '?' in url else '?'}p={page}")
        assert response.status_code == 302 and "e=1" in response["Location"]


def explain(queryset) -> str:
    """The plan PostgreSQL picks when sorting and whole-table scans cost it the most: an index
    whose order matches is then used if one exists, and a Sort node shows when none does."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_sort = off")
        # An incremental sort is a sort too (on an index that orders a prefix, such as
        # (interviewer, starts_at) for an order by (starts_at, id)): off with the others.
        cursor.execute("SET LOCAL enable_incremental_sort = off")
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = queryset.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="reads PostgreSQL's plans")
@pytest.mark.parametrize(("model_admin", "index"), [("loop", "loop_created_idx"), ("round", "round_admin_order_idx")])
def test_the_loop_and_round_lists_read_their_default_order_from_an_index(rf, world, model_admin, index):
    from django.contrib import admin

    from hiring.models import Loop as LoopModel
    from hiring.models import Round as RoundModel

    add_candidates_with_loops(world, 20)
    model = {"loop": LoopModel, "round": RoundModel}[model_admin]
    request = rf.get(f"/admin/hiring/{model_admin}/")
    request.user = world.recruiter
    changelist = admin.site._registry[model].get_changelist_instance(request)
    plan = explain(changelist.queryset[:100])
    assert index in plan and "Sort" not in plan


def test_a_candidate_page_shows_loops_scorecards_and_history(recruiter_client, world):
    made = one_of_each_state(world)
    vetoed = made["vetoed"]
    page = recruiter_client.get(reverse("admin:hiring_candidate_change", args=[vetoed.pk])).content.decode()
    assert "Dishonest about a past role." in page
    # The history in words (issue 12), not the event slugs.
    assert "Vetoed by " in page and "Scorecard submitted by " in page
    assert "loop.vetoed" not in page and "scorecard.submitted" not in page
    assert "Submitted scorecards" in page and "VETO:" in page


def test_a_recruiter_adds_a_candidate_through_the_service(recruiter_client, world):
    response = recruiter_client.post(
        reverse("admin:hiring_candidate_add"),
        {
            "full_name": "Nia Newcomer",
            "email": "nia@example.org",
            "time_zone": "Africa/Nairobi",
            "preferred_language": "en",
            "source": "Referral",
        },
    )
    assert response.status_code == 302
    candidate = Candidate.objects.get(email="nia@example.org")
    assert Event.objects.filter(candidate=candidate, kind=EventKind.CANDIDATE_CREATED, actor=world.recruiter).exists()


def test_a_bad_time_zone_in_the_admin_is_a_form_error(recruiter_client, world):
    response = recruiter_client.post(
        reverse("admin:hiring_candidate_add"),
        {"full_name": "Zed", "email": "zed@example.org", "time_zone": "Nowhere/City", "preferred_language": "en"},
    )
    assert response.status_code == 200
    assert "is not an IANA time zone" in response.content.decode()
    assert not Candidate.objects.filter(email="zed@example.org").exists()


def test_starting_a_loop_in_the_admin_calls_the_service(recruiter_client, world):
    candidate = CandidateFactory()
    response = recruiter_client.post(
        reverse("admin:hiring_loop_add"), {"candidate": candidate.pk, "position": world.position.pk}
    )
    assert response.status_code == 302
    loop = Loop.objects.get(candidate=candidate)
    assert loop.rounds.count() == 6
    again = recruiter_client.post(
        reverse("admin:hiring_loop_add"), {"candidate": candidate.pk, "position": world.position.pk}
    )
    assert again.status_code == 200
    assert "already has an open loop" in again.content.decode()


def test_scheduling_a_bar_raiser_from_the_hiring_department_shows_the_rule_not_a_500(recruiter_client, world):
    loop = world.start_loop()
    bar_round = loop.rounds.get(kind=RoundKind.BAR_RAISER)
    insider = world.interviewers[0]  # Engineering, like the position
    local = timezone.localtime(timezone.now() + dt.timedelta(days=2), world.recruiter.interviewer.zone)
    response = recruiter_client.post(
        reverse("admin:hiring_round_schedule", args=[bar_round.pk]),
        {
            "interviewer": insider.pk,
            "starts_at_0": local.strftime("%Y-%m-%d"),
            "starts_at_1": "10:00:00",
            "outside_hours_ok": "on",
            "outside_hours_reason": "Agreed by email.",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "is not a trained bar raiser" in page
    assert "The bar raiser must come from a department other than Engineering" in page
    bar_round.refresh_from_db()
    assert bar_round.status == RoundStatus.PLANNED


def test_a_time_entered_in_the_admin_is_read_in_the_recruiters_zone(recruiter_client, world):
    loop = world.start_loop()
    first = loop.rounds.get(order=1)
    day = (timezone.now() + dt.timedelta(days=3)).astimezone(world.recruiter.interviewer.zone).date()
    response = recruiter_client.post(
        reverse("admin:hiring_round_schedule", args=[first.pk]),
        {
            "interviewer": world.interviewers[0].pk,
            "starts_at_0": day.isoformat(),
            "starts_at_1": "09:00:00",
            "outside_hours_ok": "on",
            "outside_hours_reason": "Agreed by email.",
        },
    )
    assert response.status_code == 302
    first.refresh_from_db()
    local = first.starts_at.astimezone(world.recruiter.interviewer.zone)  # America/New_York
    assert (local.hour, local.minute) == (9, 0)


def next_weekday(zone, hour: int) -> dt.datetime:
    """The next Tuesday at `hour` in `zone`, as an aware local time."""
    local = timezone.localtime(timezone.now(), zone) + dt.timedelta(days=1)
    while local.isoweekday() != 2:
        local += dt.timedelta(days=1)
    return local.replace(hour=hour, minute=0, second=0, microsecond=0)


def test_the_admin_warns_before_scheduling_outside_someones_hours(recruiter_client, world):
    loop = world.start_loop()  # the candidate is in Singapore
    first = loop.rounds.get(order=1)
    ivy = world.interviewers[2]  # Tokyo, works 09:00-17:30
    url = reverse("admin:hiring_round_schedule", args=[first.pk])
    # 03:00 in Tokyo is 02:00 in Singapore: asleep, both of them.
    night = next_weekday(ivy.zone, 3).astimezone(world.recruiter.interviewer.zone)
    data = {"interviewer": ivy.pk, "starts_at_0": night.date().isoformat(), "starts_at_1": night.strftime("%H:%M:%S")}
    warned = recruiter_client.post(url, data)
    assert warned.status_code == 200
    page = warned.content.decode()
    assert "03:00 JST for Ivy2 Interviewer, outside their working hours (Asia/Tokyo)" in page
    assert "02:00 +08 for the candidate (Asia/Singapore), outside their waking hours" in page
    first.refresh_from_db()
    assert first.status == RoundStatus.PLANNED
    # 11:00 in Tokyo is 10:00 in Singapore: no warning.
    morning = next_weekday(ivy.zone, 11).astimezone(world.recruiter.interviewer.zone)
    fine = recruiter_client.post(
        url, {**data, "starts_at_0": morning.date().isoformat(), "starts_at_1": morning.strftime("%H:%M:%S")}
    )
    assert fine.status_code == 302
    first.refresh_from_db()
    assert first.status == RoundStatus.SCHEDULED


def test_the_decision_form_refuses_a_hire_the_rules_forbid(recruiter_client, world):
    loop = world.scheduled_loop()
    url = reverse("admin:hiring_loop_decide", args=[loop.pk])
    assert "A hire cannot be recorded yet" in recruiter_client.get(url).content.decode()
    response = recruiter_client.post(url, {"outcome": "hire", "reason": ""})
    assert response.status_code == 200
    assert "has no submitted scorecard yet" in response.content.decode()
    assert not Decision.objects.exists()


def test_the_withdraw_action_asks_why_then_withdraws(recruiter_client, world):
    loop = world.scheduled_loop(start=timezone.now() + dt.timedelta(days=1))
    data = {"action": "withdraw_selected", "_selected_action": [loop.candidate.pk]}
    confirm = recruiter_client.post(CANDIDATES, data)
    assert confirm.status_code == 200 and "Reason" in confirm.content.decode()
    done = recruiter_client.post(CANDIDATES, {**data, "reason": "Candidate asked to stop"})
    assert done.status_code == 302
    loop.refresh_from_db()
    assert loop.status == LoopStatus.WITHDRAWN


def test_events_are_read_only_in_the_admin(recruiter_client, world):
    world.start_loop()
    event = Event.objects.first()
    assert recruiter_client.get(reverse("admin:hiring_event_changelist")).status_code == 200
    response = recruiter_client.post(reverse("admin:hiring_event_change", args=[event.pk]), {"reason": "edited"})
    assert response.status_code == 403
    event.refresh_from_db()
    assert event.reason == ""


def test_interviewers_and_managers_have_no_admin_access(client, world):
    for user in (world.interviewers[0].user, world.manager, UserFactory()):
        client.force_login(user)
        response = client.get(CANDIDATES)
        assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_past_the_cap_the_list_says_how_many_at_least_instead_of_counting_them_all(
    recruiter_client, world, monkeypatch
):
    from hiring.admin.workflow import CappedCountPaginator

    monkeypatch.setattr(CappedCountPaginator, "CAP", 3)
    monkeypatch.setattr(CappedCountPaginator, "cap_label", "3")
    add_candidates_with_loops(world, 5)
    capped = recruiter_client.get(CANDIDATES).content.decode()
    assert "3+ candidates (refine with a filter or a search)" in capped
    exact = recruiter_client.get(f"{CANDIDATES}?q=bulk+1").content.decode()
    assert "1 candidate" in exact and "3+" not in exact


def test_the_pipeline_badges_escape_names_and_titles(recruiter_client, world):
    loop = world.scheduled_loop(CandidateFactory(full_name="Esc Aped"), start=timezone.now() + dt.timedelta(days=1))
    ivy = loop.rounds.get(order=2).interviewer.user
    ivy.first_name = '<img src=x onerror="alert(1)">'
    ivy.save()
    loop.rounds.filter(order=3).update(title='Design "it" <now>')
    page = recruiter_client.get(CANDIDATES).content.decode()
    assert "<img src=x" not in page and "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page
    assert 'Design "it" <now>' not in page and "Design &quot;it&quot; &lt;now&gt;" in page
