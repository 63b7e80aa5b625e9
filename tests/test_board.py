"""The position board, "needs my action" and the exports of the board and the
candidate list (issue 12)."""

from __future__ import annotations

import csv
import datetime as dt
import io

import openpyxl
import pytest
from django.contrib.auth.models import Permission
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hiring.admin.board import BoardFilters, my_action, read_board
from hiring.models import Loop, LoopStatus, Position
from tests.factories import CandidateFactory, UserFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def grow(world, n: int) -> list[Loop]:
    """n loops in each open column but 'in progress', one vetoed loop, one withdrawn."""
    loops = []
    for _ in range(n):
        loops.append(world.start_loop())
        loops.append(world.scheduled_loop(start=timezone.now() + dt.timedelta(days=3)))
    vetoed = world.scheduled_loop()
    world.submit(vetoed.rounds.order_by("order").first(), veto=True, veto_reason="Unkind to the interviewer.")
    loops.append(vetoed)
    withdrawn = world.start_loop()
    Loop.objects.filter(pk=withdrawn.pk).update(status=LoopStatus.WITHDRAWN, closed_at=timezone.now())
    return loops


def column(columns, status):
    return next(c for c in columns if c.status == status)


# --- the board ---------------------------------------------------------------------------------


def test_the_board_puts_each_loop_in_its_states_column_with_counts(world):
    grow(world, 2)
    filters = BoardFilters(position=world.position)
    columns = read_board(filters, zone="Asia/Tokyo")
    assert [c.status for c in columns if not c.closed] == ["draft", "scheduled", "in_progress", "awaiting_decision"]
    assert [c.status for c in columns if c.closed] == ["hired", "rejected", "withdrawn"]
    assert column(columns, "draft").count == 2
    assert column(columns, "scheduled").count == 2
    assert column(columns, "rejected").count == 1
    assert column(columns, "withdrawn").count == 1
    vetoed = column(columns, "rejected").cards[0]
    assert ("vetoed", "Vetoed") in vetoed.flags
    assert 'class="hl-badge hl-veto"' in "".join(vetoed.badges)
    # The next interview is in the viewer's zone.
    assert column(columns, "scheduled").cards[0].next_interview.endswith("JST")


def test_a_column_shows_its_newest_cards_and_counts_the_rest(world):
    loops = [world.start_loop() for _ in range(4)]
    columns = read_board(BoardFilters(position=world.position), zone="UTC", limit=3)
    draft = column(columns, "draft")
    assert [c.loop.pk for c in draft.cards] == [loop.pk for loop in reversed(loops)][:3]
    assert draft.more == 1
    assert f"position__id__exact={world.position.pk}" in draft.more_url
    assert "status__exact=draft" in draft.more_url


def test_the_board_flags_stalled_and_overdue_loops_and_filters_on_them(world, settings):
    settings.HIRING_STALLED_DAYS = 5
    stalled = world.start_loop()
    fresh = world.start_loop()
    overdue = world.scheduled_loop(start=timezone.now() - dt.timedelta(hours=10))
    Loop.objects.filter(pk=stalled.pk).update(updated_at=timezone.now() - dt.timedelta(days=6))
    overdue.refresh_from_db()
    assert overdue.feedback_due_at is not None and overdue.feedback_due_at < timezone.now()

    columns = read_board(BoardFilters(position=world.position), zone="UTC")
    flags = {card.loop.pk: [key for key, _ in card.flags] for c in columns for card in c.cards}
    assert flags[stalled.pk] == ["stalled"]
    assert flags[fresh.pk] == []
    assert "overdue" in flags[overdue.pk]

    only_stalled = read_board(BoardFilters(position=world.position, flag="stalled"), zone="UTC")
    assert [card.loop.pk for c in only_stalled for card in c.cards] == [stalled.pk]
    only_overdue = read_board(BoardFilters(position=world.position, flag="overdue"), zone="UTC")
    assert [card.loop.pk for c in only_overdue for card in c.cards] == [overdue.pk]


def test_the_board_filters_by_recruiter_and_hiring_manager(world):
    world.start_loop()
    other_manager = UserFactory(username="olga")
    other = Position.objects.create(
        title="Designer",
        department=world.product,
        hiring_manager=other_manager,
        recruiter=world.recruiter,
        loop_plan=world.plan,
    )
    from hiring import services

    services.start_loop(candidate=CandidateFactory(), position=other, by=world.recruiter)
    everyone = read_board(BoardFilters(), zone="UTC")
    assert column(everyone, "draft").count == 2
    olgas = read_board(BoardFilters(manager_id=other_manager.pk), zone="UTC")
    assert [c.loop.position_id for c in column(olgas, "draft").cards] == [other.pk]
    assert column(read_board(BoardFilters(recruiter_id=world.manager.pk), zone="UTC"), "draft").count == 0


def board_queries(world, client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def test_the_board_costs_the_same_queries_for_3_or_13_loops(world):
    client = signed_in(world.recruiter)
    url = reverse("admin:hiring_position_board") + f"?position={world.position.pk}"
    grow(world, 1)
    small = board_queries(world, client, url)
    grow(world, 5)
    large = board_queries(world, client, url)
    assert small == large
    # And read_board itself: the counts, seven columns, the rounds of every card.
    with CaptureQueriesContext(connection) as queries:
        read_board(BoardFilters(position=world.position), zone="UTC")
    assert len(queries) == 9


def test_the_board_page_shows_columns_links_and_the_message_hook(world):
    grow(world, 1)
    client = signed_in(world.recruiter)
    response = client.get(reverse("admin:hiring_position_board") + f"?position={world.position.pk}")
    html = response.content.decode()
    assert "Awaiting decision" in html and "Hired" in html
    # Each column with cards links the bulk message page with its loops.
    assert "Message this column" in html
    assert reverse("admin:hiring_message_loops") + "?loop=" in html
    assert "Export CSV" in html
    # Bad filter values are ignored, not a 500.
    assert client.get(reverse("admin:hiring_position_board") + "?position=x&flag=nope&manager=-1").status_code == 200
    # Linked from the position list and the admin index.
    assert "?position=" in client.get(reverse("admin:hiring_position_changelist")).content.decode()
    assert reverse("admin:hiring_position_board") in client.get(reverse("admin:index")).content.decode()


def test_someone_without_the_loop_view_permission_cannot_see_the_board(world):
    staff = UserFactory(username="stan", is_staff=True)
    client = signed_in(staff)
    assert client.get(reverse("admin:hiring_position_board")).status_code == 403
    assert client.get(reverse("admin:hiring_my_action")).status_code == 403


# --- needs my action -----------------------------------------------------------------------------


def test_needs_my_action_lists_drafts_decisions_and_overdue_feedback_of_my_loops(world):
    draft = world.start_loop()
    deciding = world.awaiting_decision_loop()
    overdue = world.scheduled_loop(start=timezone.now() - dt.timedelta(hours=10))
    recruiter = {lst.key: [loop.pk for loop in lst.loops] for lst in my_action(world.recruiter)}
    assert recruiter["schedule"] == [draft.pk]
    assert overdue.pk in recruiter["overdue"]
    manager = {lst.key: [loop.pk for loop in lst.loops] for lst in my_action(world.manager)}
    assert manager["schedule"] == []  # drafts are the recruiter's to schedule
    assert manager["decide"] == [deciding.pk]
    assert overdue.pk in manager["overdue"]
    stranger = {lst.key: lst.loops for lst in my_action(UserFactory(username="nobody"))}
    assert stranger == {"schedule": [], "decide": [], "overdue": []}


def test_needs_my_action_is_bounded_and_costs_a_query_a_list_at_any_size(world):
    for _ in range(3):
        world.start_loop()
    with CaptureQueriesContext(connection) as small:
        lists = my_action(world.recruiter, limit=2)
    # Once per request: whether the person is a recruiter (their groups), the positions they
    # recruit for and those they manage (ids, so each list reads its positions' index entries);
    # then one query per list.
    assert len(small) == 6
    assert len(lists[0].loops) == 2 and lists[0].more
    for _ in range(5):
        world.start_loop()
    with CaptureQueriesContext(connection) as large:
        my_action(world.recruiter, limit=2)
    assert len(large) == 3  # the role and the positions are cached on the user now
    client = signed_in(world.recruiter)
    page = reverse("admin:hiring_my_action")
    assert board_queries(world, client, page) == board_queries(world, client, page)


# --- exports ------------------------------------------------------------------------------------------


def read_csv(response) -> list[list[str]]:
    return list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))


def test_the_board_exports_every_matching_loop_to_csv_and_excel(world):
    grow(world, 2)
    client = signed_in(world.recruiter)
    url = reverse("admin:hiring_position_board_export")
    rows = read_csv(client.get(url + f"?position={world.position.pk}&format=csv"))
    assert rows[0][:5] == ["Loop", "Candidate", "Email", "Position", "State"]
    assert len(rows) == 1 + Loop.objects.filter(position=world.position).count()
    vetoed = read_csv(client.get(url + f"?position={world.position.pk}&flag=vetoed&format=csv"))
    assert [r[4:6] for r in vetoed[1:]] == [["Rejected", "yes"]]
    book = openpyxl.load_workbook(io.BytesIO(b"".join(client.get(url + "?format=xlsx").streaming_content)))
    assert book.active.max_row == 1 + Loop.objects.count()
    assert client.get(url + "?format=pdf").status_code == 400


def test_the_candidate_list_exports_what_its_filters_show(world):
    world.start_loop(CandidateFactory(full_name="Dora Draft"))
    world.scheduled_loop(CandidateFactory(full_name="Sam Scheduled"), start=timezone.now() + dt.timedelta(days=2))
    CandidateFactory(full_name="=cmd|' /C calc'!A0")
    client = signed_in(world.recruiter)
    changelist = client.get(reverse("admin:hiring_candidate_changelist") + "?loop_status=draft")
    assert "_export=csv" in changelist.content.decode()
    url = reverse("admin:hiring_candidate_export_list")
    rows = read_csv(client.get(url + "?loop_status=draft&_export=csv"))
    assert [r[1] for r in rows[1:]] == ["Dora Draft"]
    assert rows[1][7] == "Backend Engineer: Draft"
    everyone = read_csv(client.get(url + "?_export=csv&o=1"))
    assert sorted(r[1] for r in everyone[1:]) == sorted(["Dora Draft", "Sam Scheduled", "'=cmd|' /C calc'!A0"])
    searched = openpyxl.load_workbook(io.BytesIO(b"".join(client.get(url + "?q=Sam&_export=xlsx").streaming_content)))
    assert [row[1] for row in searched.active.iter_rows(min_row=2, values_only=True)] == ["Sam Scheduled"]
    assert client.get(url + "?nonsense__field=1&_export=csv").status_code == 400


def test_a_hiring_manager_or_interviewer_without_the_right_cannot_export(world):
    # Staff who may read loops and candidates in the admin, but not export candidates' data.
    world.manager.is_staff = True
    world.manager.save()
    world.manager.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_loop", "view_candidate", "view_position"])
    )
    world.start_loop()
    for user in (world.manager, world.interviewers[0].user):
        client = signed_in(user)
        assert client.get(reverse("admin:hiring_position_board_export") + "?format=csv").status_code in (302, 403)
        assert client.get(reverse("admin:hiring_candidate_export_list") + "?_export=csv").status_code in (302, 403)
    client = signed_in(world.manager)
    board = client.get(reverse("admin:hiring_position_board"))
    assert board.status_code == 200 and "Export CSV" not in board.content.decode()
    assert "_export=csv" not in client.get(reverse("admin:hiring_candidate_changelist")).content.decode()


# --- the remaining findings of the issue ---------------------------------------------------------------


def test_the_schedule_form_lists_only_active_people_who_interview(world):
    from hiring.admin.workflow import ScheduleForm

    gone = world.interviewers[4].user
    gone.is_active = False
    gone.save()
    admin = UserFactory(username="root", is_superuser=True, is_staff=True)
    from tests.factories import InterviewerFactory

    InterviewerFactory(user=admin, department=world.engineering, level=world.senior)
    listed = set(ScheduleForm().fields["interviewer"].queryset.values_list("user__username", flat=True))
    assert {"ivy0", "ivy1", "ivy2", "ivy3", "bea", "hank"} <= listed
    assert "ivy4" not in listed  # left the company
    assert world.recruiter.username not in listed  # runs the loop, does not sit on it
    assert "root" not in listed


def test_sign_in_over_plain_http_with_secure_cookies_says_why_it_fails(settings, caplog, db):
    settings.SESSION_COOKIE_SECURE = True
    settings.CSRF_COOKIE_SECURE = True
    for url in (reverse("login"), reverse("admin:login")):
        page = Client().get(url).content.decode()
        assert "only sent over HTTPS" in page and "SECURE_COOKIES" in page, url
    # The browser dropped the CSRF cookie, so the post is refused: the refusal says why, and it is logged.
    refused = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "a", "password": "b"})
    assert refused.status_code == 403
    assert "SECURE_COOKIES" in refused.content.decode()
    assert any("SECURE_COOKIES" in r.getMessage() for r in caplog.records if r.name == "hiring.auth")
    # Over HTTPS (or with the setting off) nothing is said.
    assert "only sent over HTTPS" not in Client().get(reverse("login"), secure=True).content.decode()
    settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = False
    assert "only sent over HTTPS" not in Client().get(reverse("login")).content.decode()
    plain_refusal = Client(enforce_csrf_checks=True).post(reverse("login"), {"username": "a"})
    assert plain_refusal.status_code == 403 and "SECURE_COOKIES" not in plain_refusal.content.decode()


def test_the_demo_says_what_it_is_doing_before_it_serves(world):
    from hiring.management.commands.demo import Command

    CandidateFactory()
    out = io.StringIO()
    Command(stdout=out).prepare()
    text = out.getvalue()
    assert "applying migrations" in text and "not seeding again" in text


def test_a_columns_count_stops_at_the_cap_and_says_so(world, monkeypatch):
    from hiring.admin import board

    for _ in range(4):
        world.start_loop()
    assert board.column_counts(BoardFilters(position=world.position), cap=2)["draft"] == 3
    monkeypatch.setattr(board, "COUNT_CAP", 2)
    draft = column(read_board(BoardFilters(position=world.position), zone="UTC", limit=1), "draft")
    assert draft.capped and draft.shown_count == "2+" and draft.more == 1
