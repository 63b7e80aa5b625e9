"""Candidate privacy (issue 11): erasure leaves no trace of the person anywhere in the
database while the loop's anonymous facts still count; retention erases only what
is due, twice in a row safely; export holds everything about one candidate and
nothing about another; only recruiters may; people who leave are deactivated."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hiring import services, tasks, webhooks
from hiring.models import (
    Candidate,
    Decision,
    Event,
    EventKind,
    Loop,
    LoopStatus,
    Outcome,
    Rating,
    Reminder,
    ReminderStatus,
    Round,
    Scorecard,
    WebhookAttempt,
    WebhookDelivery,
)
from hiring.rules import DomainError, NotPermitted
from hiring.services import privacy
from tests.factories import ANY_HOUR, CandidateFactory, UserFactory

pytestmark = pytest.mark.django_db

NAME = "Zebulon Quartermain"
EMAIL = "zebulon.quartermain@example.org"
OLD_NAME = "Zeb Quartermayne"
OTHER_NAME = "Philippa Oyelaran"
OTHER_EMAIL = "philippa.oyelaran@example.org"
# Every piece of the person that must be gone: each word of each name, the address and its local part.
NEEDLES = ["Zebulon", "Quartermain", "Quartermayne", EMAIL, "zebulon.quartermain", "Zeb Q"]

TEXT_TYPES = {"CharField", "TextField", "JSONField", "EmailField", "SlugField", "URLField"}


# --- helpers ------------------------------------------------------------------------------


def text_columns() -> list[tuple[str, str]]:
    """Every text, varchar and JSON column of every table, found by introspection
    (not by the models), so a table no model knows of is searched too."""
    columns = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names(cursor):
            for column in connection.introspection.get_table_description(cursor, table):
                try:
                    kind = connection.introspection.get_field_type(column.type_code, column)
                except KeyError:
                    continue
                if kind in TEXT_TYPES:
                    columns.append((table, column.name))
    return columns


def where_found(needle: str) -> list[str]:
    """table.column of every row whose text holds the needle, case-insensitively."""
    found = []
    qn = connection.ops.quote_name
    with connection.cursor() as cursor:
        for table, column in text_columns():
            # Names from the database's own catalogue, quoted; the needle is a parameter.
            cursor.execute(
                f"SELECT COUNT(*) FROM {qn(table)} WHERE LOWER(CAST({qn(column)} AS TEXT)) LIKE %s",  # noqa: S608
                [f"%{needle.lower()}%"],
            )
            if cursor.fetchone()[0]:
                found.append(f"{table}.{column}")
    return found


def anonymous_facts(candidate: Candidate) -> dict:
    """What the hiring statistics read: loops, rounds, ratings, recommendations, outcomes, times."""
    loops = Loop.objects.filter(candidate=candidate).order_by("pk")
    return {
        "loops": list(loops.values_list("pk", "position_id", "status", "created_at", "closed_at", "veto_scorecard")),
        "rounds": list(
            Round.objects.filter(loop__in=loops)
            .order_by("pk")
            .values_list("pk", "kind", "status", "interviewer_id", "starts_at", "duration_minutes")
        ),
        "scorecards": list(
            Scorecard.objects.filter(round__loop__in=loops)
            .order_by("pk")
            .values_list("pk", "revision", "author_id", "recommendation", "veto", "submitted_at", "is_current")
        ),
        "ratings": list(
            Rating.objects.filter(scorecard__round__loop__in=loops).order_by("pk").values_list("competency_id", "score")
        ),
        "decisions": list(
            Decision.objects.filter(loop__in=loops).values_list("outcome", "decided_by_id", "decided_at")
        ),
        "event_kinds": sorted(Event.objects.filter(loop__in=loops).values_list("kind", flat=True)),
    }


@pytest.fixture
def subscription(world):
    return services.create_webhook_subscription(
        url="https://hooks.example.com/hiring", secret="s" * 32, events=[], by=None, description="all events"
    )


@pytest.fixture(autouse=True)
def resume_folder(settings, tmp_path):
    """Résumés go to a folder of this test's own."""
    settings.STORAGES = {
        **settings.STORAGES,
        "resumes": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "resumes"), "base_url": None},
        },
    }
    return tmp_path / "resumes"


@pytest.fixture
def rich_candidate(world, client, subscription):
    """A candidate whose name and address have spread everywhere the product puts them:
    their record (renamed once, so the old name sits in an event), two loops (one decided
    with a reason that names them, one vetoed with notes and a reason that do), the
    reminders and invitations written for them and about them, webhook deliveries with a
    receiver's error, an SMTP error quoting the address, and the admin's own log."""
    candidate = services.create_candidate(
        full_name=OLD_NAME, email=EMAIL, time_zone="Asia/Singapore", source=f"Referred by {NAME}'s friend", by=None
    )
    client.force_login(world.recruiter)
    response = client.post(
        reverse("admin:hiring_candidate_change", args=[candidate.pk]),
        {
            "full_name": NAME,
            "email": EMAIL,
            "time_zone": "Asia/Singapore",
            "preferred_language": "en",
            "source": f"Referred by {NAME}'s friend",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    candidate.refresh_from_db()
    assert candidate.full_name == NAME
    # Their materials (issue 12): a résumé whose file name names them, links, phone, notes.
    from django.core.files.uploadedfile import SimpleUploadedFile

    from hiring.management.commands.seed_demo import tiny_pdf

    services.upload_resume(
        candidate=candidate,
        upload=SimpleUploadedFile(f"{NAME} CV.pdf", tiny_pdf(NAME), content_type="application/pdf"),
        by=world.recruiter,
    )
    services.update_materials(
        candidate=candidate,
        by=world.recruiter,
        phone="+65 6123 4567",
        linkedin_url="https://www.linkedin.com/in/zebulon-quartermain",
        portfolio_url="https://zebulon.example.dev",
        recruiter_notes=f"{NAME} asked us to call after 6 pm.",
    )

    decided = world.awaiting_decision_loop(candidate)
    for card in Scorecard.objects.filter(round__loop=decided)[:2]:
        Scorecard.objects.filter(pk=card.pk).update(
            notes=f"{NAME} explained the cache well.",
            key_takeaways=f"{NAME}: strong on caching.",
            private_note=f"{NAME} has a competing offer.",
        )
    services.decide(
        loop=decided, outcome=Outcome.REJECT, rejection_reason="skills", by=world.manager, reason=f"{NAME} lacks depth."
    )

    # A second position, so the candidate can have a second loop (one open loop per position).
    second_position = world.position
    second_position.pk = None
    second_position.title = "Platform Engineer"
    second_position.save()
    vetoed = services.start_loop(candidate=candidate, position=second_position, by=world.recruiter)
    # The first round was held yesterday; the rest are ahead, so the candidate has invitations.
    now = timezone.now()
    for i, (round_, interviewer) in enumerate(world.panel_for(vetoed)):
        starts_at = now - dt.timedelta(hours=30) if i == 0 else now + dt.timedelta(days=2, hours=i)
        services.schedule_round(
            round=round_, interviewer=interviewer, starts_at=starts_at, by=world.recruiter, **ANY_HOUR
        )
    assert Reminder.objects.filter(recipient_candidate=candidate).exists()
    first = vetoed.rounds.order_by("order").first()
    first = Round.objects.select_related("interviewer__user").get(pk=first.pk)
    services.submit_scorecard(
        round=first,
        by=first.interviewer.user,
        ratings={c.pk: 1 for c in first.competencies.all()},
        recommendation="strong_no",
        notes=f"{NAME} ({EMAIL}) would not take feedback.",
        veto=True,
        veto_reason=f"{NAME} was rude to the coordinator.",
    )

    # What a failed send and a failing receiver leave behind.
    Reminder.objects.filter(recipient_candidate=candidate).update(last_error=f"550 5.1.1 <{EMAIL}>: unknown user")
    delivery = WebhookDelivery.objects.filter(event__candidate=candidate).first()
    WebhookDelivery.objects.filter(pk=delivery.pk).update(last_error=f"HTTP 500: no applicant named {NAME}")
    WebhookAttempt.objects.create(delivery=delivery, status_code=500, error=f"HTTP 500: no applicant named {NAME}")

    # Someone else, in the same tables, who must come through untouched.
    other = services.create_candidate(full_name=OTHER_NAME, email=OTHER_EMAIL, time_zone="Africa/Lagos", by=None)
    world.scheduled_loop(other, start=timezone.now() + dt.timedelta(days=3))
    candidate.refresh_from_db()
    return candidate


# --- erasure --------------------------------------------------------------------------------


def test_erasure_leaves_no_trace_of_the_candidates_name_or_email_anywhere_in_the_database(
    world, rich_candidate, resume_folder, django_capture_on_commit_callbacks
):
    # The search sees the places data lives: before, the person is in many of them...
    before = {needle: where_found(needle) for needle in NEEDLES}
    spread = set().union(*before.values())
    for place in [
        "hiring_candidate.full_name",
        "hiring_candidate.email",
        "hiring_candidate.source",
        "hiring_scorecard.notes",
        "hiring_scorecard.veto_reason",
        "hiring_scorecard.key_takeaways",
        "hiring_scorecard.private_note",
        "hiring_candidate.linkedin_url",
        "hiring_candidate.portfolio_url",
        "hiring_candidate.recruiter_notes",
        "hiring_candidate.resume_name",
        "hiring_decision.reason",
        "hiring_event.reason",
        "hiring_event.data",
        "hiring_reminder.email",
        "hiring_reminder.payload",
        "hiring_reminder.last_error",
        "hiring_webhookdelivery.last_error",
        "hiring_webhookattempt.error",
        "django_admin_log.object_repr",
    ]:
        assert place in spread, f"the scenario should put the candidate in {place}"
    facts = anonymous_facts(rich_candidate)
    assert list(resume_folder.glob("*")), "the résumé file is stored"

    with django_capture_on_commit_callbacks(execute=True):
        services.erase_candidate(candidate=rich_candidate, by=world.recruiter)

    # The file is gone from the storage, not only its row.
    assert list(resume_folder.glob("*")) == []
    assert Candidate.objects.filter(pk=rich_candidate.pk, phone="", resume="").exists()
    # ...and after, in none.
    assert {needle: where_found(needle) for needle in NEEDLES} == {needle: [] for needle in NEEDLES}
    # Someone else's data is untouched (and the search would have found it).
    assert "hiring_candidate.full_name" in where_found(OTHER_NAME)
    assert "hiring_reminder.email" in where_found(OTHER_EMAIL)
    # The statistics still count the loops: rounds, ratings, recommendations, outcomes, times.
    assert anonymous_facts(rich_candidate) == facts
    assert len(facts["loops"]) == 2 and len(facts["ratings"]) > 10
    assert {status for _pk, _pos, status, *_ in facts["loops"]} == {LoopStatus.REJECTED}


def test_an_erased_candidate_is_marked_and_the_erasure_is_on_record_without_the_erased_data(world, rich_candidate):
    services.erase_candidate(candidate=rich_candidate, by=world.recruiter)

    candidate = Candidate.objects.get(pk=rich_candidate.pk)
    assert candidate.erased_at is not None
    assert candidate.full_name == services.ERASED
    assert candidate.email == f"erased-{candidate.pk}@erased.invalid"
    event = Event.objects.get(kind=EventKind.CANDIDATE_ERASED, candidate=candidate)
    assert event.actor == world.recruiter
    assert event.data == {"trigger": "request", "loops": 2}
    assert event.reason == ""
    # Integrators are told, with ids only.
    delivery = WebhookDelivery.objects.get(event=event)
    payload = webhooks.build_payload(delivery.event)
    assert payload["type"] == "candidate.erased"
    assert payload["candidate_id"] == candidate.pk
    assert payload["data"] == {"trigger": "request", "loops": 2}
    # Notes and reasons are marked, not blanked: a reader sees something was there.
    assert set(
        Scorecard.objects.filter(round__loop__candidate=candidate).exclude(notes="").values_list("notes", flat=True)
    ) == {services.ERASED}
    assert Decision.objects.get(loop__candidate=candidate).reason == services.ERASED


def test_erasing_twice_is_harmless(world, rich_candidate):
    services.erase_candidate(candidate=rich_candidate, by=world.recruiter)
    first = Candidate.objects.get(pk=rich_candidate.pk)
    events = Event.objects.count()

    again = services.erase_candidate(candidate=rich_candidate, by=world.recruiter)

    assert again.erased_at == first.erased_at
    assert Event.objects.count() == events
    assert Event.objects.filter(kind=EventKind.CANDIDATE_ERASED).count() == 1


def test_an_open_loop_is_refused_unless_forced_and_forcing_withdraws_it_and_its_reminders(world):
    candidate = CandidateFactory(full_name=NAME, email=EMAIL)
    loop = world.scheduled_loop(candidate, start=timezone.now() + dt.timedelta(days=2))
    pending = Reminder.objects.filter(recipient_candidate=candidate, status=ReminderStatus.PENDING)
    assert pending.exists()

    with pytest.raises(DomainError, match="open loop"):
        services.erase_candidate(candidate=candidate, by=world.recruiter)
    assert Candidate.objects.get(pk=candidate.pk).erased_at is None

    services.erase_candidate(candidate=candidate, by=world.recruiter, force=True)

    loop.refresh_from_db()
    assert loop.status == LoopStatus.WITHDRAWN
    assert not Reminder.objects.filter(round__loop=loop, status=ReminderStatus.PENDING).exists()
    assert not Reminder.objects.filter(recipient_candidate=candidate, status=ReminderStatus.PENDING).exists()
    assert where_found("Zebulon") == []


def test_an_erased_candidate_cannot_be_changed_or_given_a_new_loop(world):
    candidate = CandidateFactory(full_name=NAME, email=EMAIL)
    services.erase_candidate(candidate=candidate, by=world.recruiter)

    with pytest.raises(DomainError, match="erased"):
        services.update_candidate(candidate=candidate, by=world.recruiter, full_name=NAME)
    with pytest.raises(DomainError, match="erased"):
        services.start_loop(candidate=candidate, position=world.position, by=world.recruiter)


def test_only_recruiters_may_erase_or_export(world):
    candidate = CandidateFactory()
    with pytest.raises(NotPermitted):
        services.erase_candidate(candidate=candidate, by=world.interviewers[0].user)
    with pytest.raises(NotPermitted):
        services.export_candidate(candidate=candidate, by=world.manager)


# --- retention ------------------------------------------------------------------------------


def _closed_loop(world, candidate, *, closed_months_ago: float) -> Loop:
    loop = world.start_loop(candidate)
    services.withdraw(loop=loop, by=world.recruiter, reason="They took another offer.")
    Loop.objects.filter(pk=loop.pk).update(closed_at=timezone.now() - dt.timedelta(days=30.5 * closed_months_ago))
    return loop


def _aged(candidate: Candidate, months: float) -> Candidate:
    Candidate.objects.filter(pk=candidate.pk).update(created_at=timezone.now() - dt.timedelta(days=30.5 * months))
    return candidate


def test_retention_erases_only_what_is_due_twice_in_a_row_safely(world, settings):
    settings.HIRING_RETENTION_MONTHS = 24
    closed_long_ago = _aged(CandidateFactory(full_name="Due Closed"), 40)
    _closed_loop(world, closed_long_ago, closed_months_ago=25)
    closed_lately = _aged(CandidateFactory(full_name="Kept Closed"), 40)
    _closed_loop(world, closed_lately, closed_months_ago=23)
    never_looped_old = _aged(CandidateFactory(full_name="Due Never"), 25)
    never_looped_new = _aged(CandidateFactory(full_name="Kept Never"), 23)
    still_open = _aged(CandidateFactory(full_name="Kept Open"), 40)
    world.start_loop(still_open)
    Loop.objects.filter(candidate=still_open).update(created_at=timezone.now() - dt.timedelta(days=1000))
    one_recent_of_two = _aged(CandidateFactory(full_name="Kept Mixed"), 40)
    other_position = world.position
    other_position.pk = None
    other_position.save()
    _closed_loop(world, one_recent_of_two, closed_months_ago=30)
    recent = services.start_loop(candidate=one_recent_of_two, position=other_position, by=world.recruiter)
    services.withdraw(loop=recent, by=world.recruiter, reason="Not now.")
    already = _aged(CandidateFactory(full_name="Already Erased"), 40)
    services.erase_candidate(candidate=already, by=world.recruiter)

    first = services.erase_expired_candidates()
    second = services.erase_expired_candidates()

    assert sorted(first.erased) == sorted([closed_long_ago.pk, never_looped_old.pk])
    assert first.skipped == [] and first.failed == [] and first.more is False
    assert second.erased == [] and second.more is False
    erased = set(Candidate.objects.filter(erased_at__isnull=False).values_list("pk", flat=True))
    assert erased == {closed_long_ago.pk, never_looped_old.pk, already.pk}
    kept = Candidate.objects.filter(pk__in=[closed_lately.pk, never_looped_new.pk, still_open.pk, one_recent_of_two.pk])
    assert sorted(kept.values_list("full_name", flat=True)) == ["Kept Closed", "Kept Mixed", "Kept Never", "Kept Open"]
    # Each erasure is on record once, by the system.
    retention = Event.objects.filter(kind=EventKind.CANDIDATE_ERASED, data__trigger="retention")
    assert sorted(retention.values_list("candidate_id", flat=True)) == sorted([closed_long_ago.pk, never_looped_old.pk])
    assert not retention.filter(actor__isnull=False).exists()


def test_retention_is_bounded_per_run_and_says_when_more_are_due(world, settings):
    settings.HIRING_RETENTION_MONTHS = 24
    for i in range(5):
        _aged(CandidateFactory(full_name=f"Old {i}"), 30)

    report = services.erase_expired_candidates(limit=3, batch_size=2)

    assert len(report.erased) == 3
    assert report.more is True
    assert services.erase_expired_candidates(limit=3).erased.__len__() == 2


def test_the_beat_task_erases_due_candidates_and_reports_what_it_did(world, settings, caplog):
    settings.HIRING_RETENTION_MONTHS = 6
    due = _aged(CandidateFactory(full_name=NAME, email=EMAIL), 7)
    _aged(CandidateFactory(), 5)

    with caplog.at_level("INFO", logger="hiring.privacy"):
        result = tasks.erase_expired_candidates.apply().get()

    assert result["erased"] == [due.pk]
    assert result["more"] is False
    assert "erased 1 candidate(s)" in caplog.text
    schedule = settings.CELERY_BEAT_SCHEDULE["hiring-retention-sweep"]
    assert schedule["task"] == "hiring.tasks.erase_expired_candidates"


def test_a_retention_run_with_nothing_due_costs_two_queries_however_many_were_erased(
    world, settings, django_assert_max_num_queries
):
    settings.HIRING_RETENTION_MONTHS = 24
    for i in range(3):
        _aged(CandidateFactory(), 30 + i)
    services.erase_expired_candidates()
    # 1. the first batch of due candidates (none), from candidate_retention_idx
    # 2. "are more due?" (no)
    with django_assert_max_num_queries(2):
        assert services.erase_expired_candidates().erased == []


# --- export ---------------------------------------------------------------------------------


def test_export_contains_everything_about_the_candidate_and_nothing_about_others(world, rich_candidate):
    other = Candidate.objects.get(email=OTHER_EMAIL)
    other_loop = Loop.objects.get(candidate=other)

    document = services.export_candidate(candidate=rich_candidate, by=world.recruiter)
    text = json.dumps(document)

    assert document["candidate"]["full_name"] == NAME
    assert document["candidate"]["email"] == EMAIL
    assert document["candidate"]["source"] == f"Referred by {NAME}'s friend"
    # The materials (issue 12): the file's facts (the file itself is downloaded apart).
    assert document["candidate"]["recruiter_notes"] == f"{NAME} asked us to call after 6 pm."
    assert document["candidate"]["linkedin_url"] == "https://www.linkedin.com/in/zebulon-quartermain"
    assert document["candidate"]["phone"] == "+65 6123 4567"
    assert document["candidate"]["resume"]["file_name"] == f"{NAME} CV.pdf"
    assert any(
        card["private_note"] == f"{NAME} has a competing offer."
        for loop in document["loops"]
        for card in loop["scorecards"]
    )
    loops = Loop.objects.filter(candidate=rich_candidate)
    assert sorted(loop["id"] for loop in document["loops"]) == sorted(loops.values_list("pk", flat=True))
    rounds = [r for loop in document["loops"] for r in loop["rounds"]]
    assert len(rounds) == Round.objects.filter(loop__candidate=rich_candidate).count()
    decided = next(loop for loop in document["loops"] if loop["decision"])
    assert decided["decision"]["reason"] == f"{NAME} lacks depth."
    assert decided["decision"]["decided_by"] == {"name": "Hank Manager"}
    held = next(r for r in rounds if r["interviewer"] and r["starts_at"])
    assert held["interviewer"]["name"].endswith(("Interviewer", "Raiser", "Manager"))
    assert held["starts_at"].endswith("Z")
    assert any(
        card["veto_reason"] == f"{NAME} was rude to the coordinator."
        for loop in document["loops"]
        for card in loop["scorecards"]
    )
    kinds = {event["kind"] for event in document["events"]}
    assert {"candidate.created", "candidate.updated", "loop.created", "loop.decided", "loop.vetoed"} <= kinds
    renamed = next(e for e in document["events"] if e["kind"] == "candidate.updated")
    assert renamed["data"]["changed"]["full_name"] == [OLD_NAME, NAME]
    emails = document["emails"]
    assert emails and all(email["to"] == EMAIL for email in emails)
    assert len(emails) == Reminder.objects.filter(recipient_candidate=rich_candidate).count()
    assert any(email["subject"] for email in emails)
    # Nothing about anyone else.
    assert OTHER_NAME not in text and OTHER_EMAIL not in text
    assert other_loop.pk not in [loop["id"] for loop in document["loops"]]
    assert not {r.pk for r in other_loop.rounds.all()} & {r["id"] for r in rounds}
    # Colleagues appear by name only, never with their address.
    assert "@example.com" not in text
    # The export is on record.
    assert Event.objects.filter(
        kind=EventKind.CANDIDATE_EXPORTED, candidate=rich_candidate, actor=world.recruiter
    ).exists()


# --- API ------------------------------------------------------------------------------------


def test_a_recruiter_erases_and_exports_through_the_api(world, token_for):
    candidate = CandidateFactory(full_name=NAME, email=EMAIL)
    client = token_for(world.recruiter)

    exported = client.get(f"/api/v1/candidates/{candidate.pk}/export/")
    assert exported.status_code == 200
    assert exported.json()["candidate"]["email"] == EMAIL
    assert exported["Cache-Control"] == "no-store"

    erased = client.post(f"/api/v1/candidates/{candidate.pk}/erase/", {}, format="json")
    assert erased.status_code == 200, erased.content
    assert erased.json()["full_name"] == services.ERASED
    assert erased.json()["erased_at"].endswith("Z")
    assert client.get(f"/api/v1/candidates/{candidate.pk}/").json()["erased_at"] == erased.json()["erased_at"]
    assert client.post(f"/api/v1/candidates/{candidate.pk}/erase/", {}, format="json").status_code == 200
    assert client.post("/api/v1/candidates/999999/erase/", {}, format="json").status_code == 404


def test_the_api_refuses_an_open_loop_with_409_unless_forced(world, token_for):
    candidate = CandidateFactory()
    world.start_loop(candidate)
    client = token_for(world.recruiter)

    refused = client.post(f"/api/v1/candidates/{candidate.pk}/erase/", {}, format="json")
    assert refused.status_code == 409
    assert "open loop" in refused.json()["detail"]
    bad = client.post(f"/api/v1/candidates/{candidate.pk}/erase/", {"force": "perhaps"}, format="json")
    assert bad.status_code == 400 and "force" in bad.json()
    forced = client.post(f"/api/v1/candidates/{candidate.pk}/erase/", {"force": True}, format="json")
    assert forced.status_code == 200


@pytest.mark.parametrize("who", ["interviewer on the loop", "hiring manager", "stranger"])
def test_no_one_but_a_recruiter_erases_or_exports_through_the_api(world, token_for, who):
    candidate = CandidateFactory(full_name=NAME, email=EMAIL)
    loop = world.scheduled_loop(candidate)
    user = {
        "interviewer on the loop": loop.rounds.first().interviewer.user,
        "hiring manager": world.manager,
        "stranger": UserFactory(),
    }[who]
    client = token_for(user)

    assert client.get(f"/api/v1/candidates/{candidate.pk}/export/").status_code == 403
    assert client.post(f"/api/v1/candidates/{candidate.pk}/erase/", {"force": True}, format="json").status_code == 403
    assert Candidate.objects.get(pk=candidate.pk).erased_at is None


def test_erasing_through_the_api_needs_the_write_scope(world, token_for):
    candidate = CandidateFactory()
    client = token_for(world.recruiter, scopes=["read"])

    assert client.post(f"/api/v1/candidates/{candidate.pk}/erase/", {}, format="json").status_code == 403
    assert client.get(f"/api/v1/candidates/{candidate.pk}/export/").status_code == 200


# --- admin ----------------------------------------------------------------------------------


def test_the_admin_erase_action_asks_first_then_erases(world, client):
    candidate = CandidateFactory(full_name=NAME, email=EMAIL)
    client.force_login(world.recruiter)
    changelist = reverse("admin:hiring_candidate_changelist")

    asked = client.post(changelist, {"action": "erase_selected", "_selected_action": [candidate.pk]})
    assert asked.status_code == 200
    assert "cannot be undone" in asked.content.decode()
    assert Candidate.objects.get(pk=candidate.pk).erased_at is None

    done = client.post(
        changelist, {"action": "erase_selected", "_selected_action": [candidate.pk], "confirm": "erase"}, follow=True
    )
    assert done.status_code == 200
    assert "Erased 1 candidate" in done.content.decode()
    assert Candidate.objects.get(pk=candidate.pk).erased_at is not None
    # The erased record is read-only in the admin.
    page = client.get(reverse("admin:hiring_candidate_change", args=[candidate.pk])).content.decode()
    assert 'name="full_name"' not in page


def test_the_admin_erase_page_of_a_candidate_with_an_open_loop_offers_to_withdraw_it(world, client):
    candidate = CandidateFactory()
    loop = world.start_loop(candidate)
    client.force_login(world.recruiter)
    url = reverse("admin:hiring_candidate_erase", args=[candidate.pk])

    page = client.get(url).content.decode()
    assert "has an open loop" in page and 'name="force"' in page
    refused = client.post(url, {"confirm": "erase"}, follow=True).content.decode()
    assert "open loop" in refused
    assert Candidate.objects.get(pk=candidate.pk).erased_at is None

    client.post(url, {"confirm": "erase", "force": "on"})
    assert Candidate.objects.get(pk=candidate.pk).erased_at is not None
    loop.refresh_from_db()
    assert loop.status == LoopStatus.WITHDRAWN


def test_the_candidate_page_has_a_download_of_their_data(world, client, rich_candidate):
    client.force_login(world.recruiter)
    page = client.get(reverse("admin:hiring_candidate_change", args=[rich_candidate.pk])).content.decode()
    export_url = reverse("admin:hiring_candidate_export", args=[rich_candidate.pk])
    assert export_url in page

    response = client.get(export_url)

    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="candidate-{rich_candidate.pk}.json"'
    document = json.loads(response.content)
    assert document["candidate"]["email"] == EMAIL
    assert OTHER_EMAIL not in response.content.decode()


def test_staff_without_the_permission_cannot_export_or_erase_in_the_admin(world, client):
    candidate = CandidateFactory()
    staff = UserFactory(is_staff=True)
    client.force_login(staff)

    assert client.get(reverse("admin:hiring_candidate_export", args=[candidate.pk])).status_code == 403
    assert (
        client.post(reverse("admin:hiring_candidate_erase", args=[candidate.pk]), {"confirm": "erase"}).status_code
        == 403
    )
    assert Candidate.objects.get(pk=candidate.pk).erased_at is None


# --- people who leave -----------------------------------------------------------------------


@pytest.fixture
def superuser_client(client, db):
    client.force_login(User.objects.create_superuser("root", "root@example.com", "x"))
    return client


@pytest.mark.parametrize("admin_url", ["admin:hiring_interviewer_delete", "admin:auth_user_delete"])
def test_deleting_someone_with_history_says_so_and_deactivates_them_instead(world, superuser_client, admin_url):
    loop = world.awaiting_decision_loop()
    leaver = loop.rounds.order_by("order").first().interviewer
    scorecards = Scorecard.objects.filter(author=leaver.user).count()
    obj_id = leaver.pk if "interviewer" in admin_url else leaver.user.pk
    url = reverse(admin_url, args=[obj_id])

    page = superuser_client.get(url).content.decode()
    assert "has history on record" in page
    assert "Deactivate instead" in page
    assert "permission to delete" not in page  # Django's own page blamed a missing permission

    superuser_client.post(url, {"deactivate": "yes"})

    leaver.user.refresh_from_db()
    assert leaver.user.is_active is False
    assert Scorecard.objects.filter(author=leaver.user).count() == scorecards > 0
    assert Round.objects.filter(interviewer=leaver).exists()
    assert Event.objects.filter(kind=EventKind.USER_DEACTIVATED, data__user_id=leaver.user.pk).exists()


def test_bulk_delete_of_people_with_history_is_refused_with_a_message(world, superuser_client):
    loop = world.awaiting_decision_loop()
    leaver = loop.rounds.order_by("order").first().interviewer

    response = superuser_client.post(
        reverse("admin:hiring_interviewer_changelist"),
        {"action": "delete_selected", "_selected_action": [leaver.pk], "post": "yes"},
        follow=True,
    )

    assert "Deactivate them instead" in response.content.decode()
    assert User.objects.filter(pk=leaver.user.pk).exists()


def test_someone_without_history_can_still_be_deleted(world, superuser_client):
    newcomer = UserFactory()
    url = reverse("admin:auth_user_delete", args=[newcomer.pk])
    assert "Are you sure" in superuser_client.get(url).content.decode()
    superuser_client.post(url, {"post": "yes"})
    assert not User.objects.filter(pk=newcomer.pk).exists()


def test_a_deactivated_interviewer_is_not_booked_and_gets_no_more_reminders(world):
    loop = world.scheduled_loop(start=timezone.now() + dt.timedelta(days=2))
    round_ = loop.rounds.order_by("order").first()
    leaver = round_.interviewer
    assert Reminder.objects.filter(recipient_user=leaver.user, status=ReminderStatus.PENDING).exists()

    result = services.deactivate_person(user=leaver.user, by=world.recruiter)

    assert [r.pk for r in result.upcoming_rounds] == [round_.pk]
    assert not Reminder.objects.filter(recipient_user=leaver.user, status=ReminderStatus.PENDING).exists()
    other_loop = world.start_loop()
    with pytest.raises(DomainError, match="no longer active"):
        services.schedule_round(
            round=other_loop.rounds.order_by("order").first(),
            interviewer=leaver,
            starts_at=timezone.now() + dt.timedelta(days=5),
            by=world.recruiter,
        )


def test_erasure_costs_the_same_queries_however_much_history_the_candidate_has(world):
    loops = [world.awaiting_decision_loop(CandidateFactory()) for _ in range(2)]
    for loop in loops:
        services.decide(loop=loop, outcome=Outcome.HIRE, by=world.manager)
    little, much = (loop.candidate for loop in loops)
    for i in range(20):  # twenty more events, each with old and new values to cut down
        services.update_candidate(candidate=much, by=world.recruiter, source=f"source {i}")
    # Warm the caches a first call fills (the recruiter's permissions, the content types).
    services.erase_candidate(candidate=CandidateFactory(), by=world.recruiter)
    counts = []
    for candidate in (little, much):
        with CaptureQueriesContext(connection) as queries:
            services.erase_candidate(candidate=candidate, by=world.recruiter)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_a_loop_closed_by_someone_else_while_erasing_does_not_stop_a_forced_erasure(world, monkeypatch):
    candidate = CandidateFactory()
    world.start_loop(candidate)
    real_withdraw = privacy.withdraw

    def closed_first(*, loop, by, reason):
        # Another request closes the loop between the listing and the withdrawal.
        real_withdraw(loop=loop, by=world.recruiter, reason="They took another offer.")
        return real_withdraw(loop=loop, by=by, reason=reason)

    monkeypatch.setattr(privacy, "withdraw", closed_first)

    services.erase_candidate(candidate=candidate, by=world.recruiter, force=True)

    assert Candidate.objects.get(pk=candidate.pk).erased_at is not None
