"""What recruiters do in the admin, now for integrations too: the rejection reasons a reject
names, writing to a candidate (and reading what they were sent), and the résumé download.
Each through the same services and the same access rules as the admin and the pages."""

from __future__ import annotations

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from hiring import reminders, services
from hiring.models import (
    Candidate,
    Decision,
    Event,
    EventKind,
    MessageTemplate,
    MessageTemplateTranslation,
    Position,
    RejectionReason,
    Reminder,
    ReminderKind,
    ReminderStatus,
)
from tests.factories import CandidateFactory, InterviewerFactory, UserFactory
from tests.test_materials import tiny_pdf, upload

pytestmark = pytest.mark.django_db

READ_ONLY = ("read",)


def count_queries(call) -> tuple[int, object]:
    with CaptureQueriesContext(connection) as queries:
        response = call()
    return len(queries), response


def walk(client, url: str) -> list[dict]:
    """Every row of a cursor-paged list, following `next` as given."""
    rows: list[dict] = []
    while url:
        page = client.get(url)
        assert page.status_code == 200, page.content
        rows += page.json()["results"]
        url = page.json()["next"]
    return rows


# --- rejection reasons ------------------------------------------------------------------------------


def test_the_rejection_reasons_are_the_active_ones_in_the_recruiters_order(world, token_for):
    RejectionReason.objects.create(code="first", label="Zzz, but listed first", order=0)
    RejectionReason.objects.create(code="retired", label="No longer used", order=0, is_active=False)
    client = token_for(world.recruiter, scopes=READ_ONLY)

    rows = walk(client, "/api/v1/rejection-reasons/?page_size=2")

    expected = list(RejectionReason.objects.filter(is_active=True).order_by("order", "label", "id"))
    assert [r["code"] for r in rows] == [r.code for r in expected]
    assert rows[0] == {"code": "first", "label": "Zzz, but listed first", "order": 0}
    assert "retired" not in {r["code"] for r in rows}


def test_a_listed_reason_is_what_the_decision_endpoint_takes(world, token_for):
    loop = world.awaiting_decision_loop()
    client = token_for(world.recruiter)
    code = client.get("/api/v1/rejection-reasons/").json()["results"][0]["code"]
    done = client.post(
        f"/api/v1/loops/{loop.pk}/decision/",
        {"outcome": "reject", "rejection_reason": code, "reason": "Not this time."},
        format="json",
    )
    assert done.status_code == 201, done.content
    assert Decision.objects.get(loop=loop).rejection_reason.code == code


def test_anyone_with_a_read_token_reads_the_reasons_and_nobody_without_one(world, token_for, client):
    interviewer = world.interviewers[0].user
    assert token_for(interviewer, scopes=READ_ONLY).get("/api/v1/rejection-reasons/").status_code == 200
    assert token_for(world.manager, scopes=READ_ONLY).get("/api/v1/rejection-reasons/").status_code == 200
    no_read = token_for(world.recruiter, scopes=("decisions:write",)).get("/api/v1/rejection-reasons/")
    assert no_read.status_code == 403 and no_read.json()["code"] == "permission_denied"
    anonymous = client.get("/api/v1/rejection-reasons/")
    assert anonymous.status_code == 401 and anonymous.json()["code"] == "not_authenticated"


def test_the_reasons_list_costs_the_same_queries_for_few_or_many(world, token_for):
    client = token_for(world.recruiter)
    client.get("/api/v1/rejection-reasons/")  # the token's first use is written once: not what is measured
    few, response = count_queries(lambda: client.get("/api/v1/rejection-reasons/"))
    assert response.status_code == 200
    RejectionReason.objects.bulk_create(
        RejectionReason(code=f"extra-{n}", label=f"Extra {n}", order=n) for n in range(40)
    )
    many, response = count_queries(lambda: client.get("/api/v1/rejection-reasons/"))
    assert len(response.json()["results"]) > 40
    # The sign-in lock-out's count for the address (1), the token with its user (1), the page (1):
    # nothing per row.
    assert many == few == 3


# --- messages to candidates ------------------------------------------------------------------------


@pytest.fixture
def template(db) -> MessageTemplate:
    template = MessageTemplate.objects.create(name="Next interview")
    MessageTemplateTranslation.objects.create(
        template=template, language="en", subject="Your interview for {position}", body="Hello {candidate_name}."
    )
    MessageTemplateTranslation.objects.create(
        template=template, language="es", subject="Tu entrevista para {position}", body="Hola {candidate_name}."
    )
    return template


@pytest.fixture
def lucia(world):
    return world.scheduled_loop(
        CandidateFactory(full_name="Lucía Pérez", email="lucia@example.org", preferred_language="es")
    )


def messages_url(candidate_id: int) -> str:
    return f"/api/v1/candidates/{candidate_id}/messages/"


def written() -> tuple[int, int]:
    """(messages in the outbox, message.sent events): what a refused request must leave as it was."""
    return (
        Reminder.objects.filter(kind=ReminderKind.MESSAGE).count(),
        Event.objects.filter(kind=EventKind.MESSAGE_SENT).count(),
    )


def test_a_template_goes_out_in_the_candidates_language_through_the_outbox(world, token_for, template, lucia):
    client = token_for(world.recruiter)

    response = client.post(messages_url(lucia.candidate_id), {"template": template.pk}, format="json")

    assert response.status_code == 201, response.content
    body = response.json()
    assert body["kind"] == "message" and body["written"] is True and body["status"] == "pending"
    assert (body["subject"], body["body"], body["language"]) == (
        "Tu entrevista para Backend Engineer",
        "Hola Lucía Pérez.",
        "es",
    )
    assert body["loop_id"] == lucia.pk and body["template_id"] == template.pk
    assert body["sent_by"] == {"id": world.recruiter.pk, "name": world.recruiter.get_full_name()}
    # The admin's way exactly: an outbox row written with the request, and the event on record.
    row = Reminder.objects.get(pk=body["id"])
    assert (row.kind, row.status, row.email, row.recipient_candidate_id) == (
        ReminderKind.MESSAGE,
        ReminderStatus.PENDING,
        "lucia@example.org",
        lucia.candidate_id,
    )
    event = Event.objects.get(kind=EventKind.MESSAGE_SENT)
    assert (event.candidate_id, event.loop_id, event.actor_id) == (lucia.candidate_id, lucia.pk, world.recruiter.pk)
    assert event.data["reminder_id"] == row.pk and event.data["template"] == "Next interview"

    # The worker sends it like every reminder.
    mail.outbox.clear()
    reminders.send_due()
    sent = [m for m in mail.outbox if m.subject == "Tu entrevista para Backend Engineer"]
    assert len(sent) == 1 and sent[0].to == ["lucia@example.org"] and sent[0].body.startswith("Hola Lucía Pérez.")
    assert Reminder.objects.get(pk=row.pk).status == ReminderStatus.SENT


def test_a_language_override_picks_that_translation_and_one_it_lacks_is_refused(world, token_for, template, lucia):
    client = token_for(world.recruiter)
    english = client.post(messages_url(lucia.candidate_id), {"template": template.pk, "language": "en"}, format="json")
    assert english.status_code == 201, english.content
    assert english.json()["subject"] == "Your interview for Backend Engineer"
    assert english.json()["language"] == "en"

    before = written()
    french = client.post(messages_url(lucia.candidate_id), {"template": template.pk, "language": "fr"}, format="json")
    assert french.status_code == 400
    assert list(french.json()) == ["language", "code"] and french.json()["code"] == "invalid"
    assert "has no French text" in french.json()["language"][0]
    assert written() == before


def test_a_language_without_text_falls_back_to_english(world, token_for, template):
    loop = world.scheduled_loop(CandidateFactory(preferred_language="de"))
    response = token_for(world.recruiter).post(messages_url(loop.candidate_id), {"template": template.pk})
    assert response.status_code == 201, response.content
    assert (response.json()["language"], response.json()["subject"]) == ("en", "Your interview for Backend Engineer")


def test_free_text_is_filled_for_the_candidate_about_the_loop_given(world, token_for, lucia):
    response = token_for(world.recruiter).post(
        messages_url(lucia.candidate_id),
        {"loop": lucia.pk, "subject": "About {position}", "body": "Dear {candidate_name},\nsee you soon."},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["subject"], body["body"]) == ("About Backend Engineer", "Dear Lucía Pérez,\nsee you soon.")
    assert body["template_id"] is None and body["language"] == "es"


def test_the_newest_loop_is_the_one_written_about_by_default(world, token_for, lucia):
    other = Position.objects.create(
        title="Data Engineer",
        department=world.engineering,
        hiring_manager=world.manager,
        recruiter=world.recruiter,
        loop_plan=world.plan,
    )
    newer = services.start_loop(candidate=lucia.candidate, position=other, by=world.recruiter)
    response = token_for(world.recruiter).post(
        messages_url(lucia.candidate_id), {"subject": "About {position}", "body": "Hi"}, format="json"
    )
    assert response.status_code == 201, response.content
    assert response.json()["loop_id"] == newer.pk and response.json()["subject"] == "About Data Engineer"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "subject"),
        ({"subject": "Hello"}, "body"),
        ({"subject": "Your offer: {salary}", "body": "Hi"}, "subject"),
        ({"subject": "Two\nlines", "body": "Hi"}, "subject"),
        ({"subject": "Hi", "body": "Hi {candidate_name"}, "body"),
        ({"subject": 5, "body": "Hi"}, "subject"),
        ({"subject": "Hi", "body": "Hi", "language": "xx"}, "language"),
        ({"template": 10**12}, "template"),
        ({"template": "1"}, "template"),
        ({"template": "TEMPLATE", "subject": "Hi"}, "subject"),
        ({"template": "RETIRED"}, "template"),
        ({"loop": 10**12, "subject": "Hi", "body": "Hi"}, "loop"),
        ({"loop": "OTHER", "subject": "Hi", "body": "Hi"}, "loop"),
        ({"loop": 0, "subject": "Hi", "body": "Hi"}, "loop"),
    ],
)
def test_bad_input_is_a_400_naming_the_field_and_nothing_is_sent(world, token_for, template, lucia, body, field):
    retired = MessageTemplate.objects.create(name="Old", is_active=False)
    MessageTemplateTranslation.objects.create(template=retired, language="en", subject="Old", body="Old")
    other = world.start_loop()
    names = {"TEMPLATE": template.pk, "RETIRED": retired.pk, "OTHER": other.pk}
    body = {key: names.get(value, value) if isinstance(value, str) else value for key, value in body.items()}
    before = written()

    response = token_for(world.recruiter).post(messages_url(lucia.candidate_id), body, format="json")

    assert response.status_code == 400, response.content
    assert field in response.json() and response.json()["code"] == "invalid"
    assert written() == before


def test_a_candidate_without_a_loop_or_whose_data_was_erased_is_not_written_to(world, token_for):
    client = token_for(world.recruiter)
    loner = CandidateFactory()
    response = client.post(messages_url(loner.pk), {"subject": "Hi", "body": "Hi"}, format="json")
    assert response.status_code == 400 and "loop" in response.json()

    loop = world.start_loop()
    services.erase_candidate(candidate=Candidate.objects.get(pk=loop.candidate_id), by=world.recruiter, force=True)
    before = written()
    response = client.post(messages_url(loop.candidate_id), {"subject": "Hi", "body": "Hi"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "candidate_erased"
    assert written() == before


def test_only_recruiters_write_to_candidates_or_read_what_they_were_sent(world, token_for, lucia):
    url = messages_url(lucia.candidate_id)
    text = {"subject": "Hi", "body": "Hi"}
    panelist = lucia.rounds.select_related("interviewer__user").order_by("order")[1].interviewer.user
    for user in (panelist, world.manager):
        client = token_for(user)
        for response in (client.get(url), client.post(url, text, format="json")):
            assert response.status_code == 403 and response.json()["code"] == "permission_denied"
    # A recruiter's token needs the scope: `read` to list, `messages:write` to send.
    reader = token_for(world.recruiter, scopes=READ_ONLY)
    assert reader.get(url).status_code == 200
    refused = reader.post(url, text, format="json")
    assert refused.status_code == 403 and "messages:write" in refused.json()["detail"]
    assert token_for(world.recruiter, scopes=("messages:write",)).get(url).status_code == 403
    assert token_for(world.recruiter, scopes=("messages:write",)).post(url, text, format="json").status_code == 201
    assert written()[0] == 1
    missing = token_for(world.recruiter).get(messages_url(10**12))
    assert missing.status_code == 404 and missing.json()["code"] == "not_found"


def test_the_messages_list_is_the_admins_timeline_newest_first_at_a_constant_cost(world, token_for, lucia):
    client = token_for(world.recruiter)
    url = messages_url(lucia.candidate_id)
    services.send_message(loop=lucia, subject="First {position}", body="One", by=world.recruiter)
    client.get(url)  # the token's first use is written once: not what is measured
    few, response = count_queries(lambda: client.get(url))
    rows = response.json()["results"]
    assert rows[0]["subject"] == "First Backend Engineer" and rows[0]["body"] == "One"
    # The invitations of the scheduled rounds are there too, with their subject and no body.
    invitations = [r for r in rows if r["kind"] == "invitation"]
    assert len(invitations) == Reminder.objects.filter(recipient_candidate=lucia.candidate, kind="invitation").count()
    assert invitations and all(r["body"] is None and r["written"] is False and r["subject"] for r in invitations)
    assert all(r["sent_by"] is None for r in invitations)

    for n in range(12):
        services.send_message(loop=lucia, subject=f"Note {n}", body="Hi", by=world.recruiter)
    many, response = count_queries(lambda: client.get(url))
    # The lock-out's count (1), the token with its user (1), the recruiters' group (1), the
    # candidate (1), the page of emails (1): the subjects are rendered from each row's payload.
    assert many == few == 5
    assert response.json()["results"][0]["subject"] == "Note 11"

    every = walk(client, url + "?page_size=5")
    expected = Reminder.objects.filter(recipient_candidate=lucia.candidate).order_by("-created_at", "-id")
    assert [r["id"] for r in every] == list(expected.values_list("pk", flat=True))
    # Nobody else's emails.
    assert {r["id"] for r in every} == set(expected.values_list("pk", flat=True))


# --- the résumé -----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def resume_folder(settings, tmp_path):
    settings.STORAGES = {
        **settings.STORAGES,
        "resumes": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "resumes"), "base_url": None},
        },
    }


@pytest.fixture
def with_resume(world):
    loop = world.scheduled_loop()
    services.upload_resume(candidate=loop.candidate, upload=upload("Ana CV.pdf", tiny_pdf()), by=world.recruiter)
    return loop


def resume_url(candidate_id: int) -> str:
    return f"/api/v1/candidates/{candidate_id}/resume/"


HEADERS = ["Content-Type", "Content-Disposition", "X-Content-Type-Options", "Cache-Control", "Content-Security-Policy"]


def test_a_recruiters_token_downloads_the_resume_with_the_file_views_headers(world, token_for, client, with_resume):
    response = token_for(world.recruiter, scopes=READ_ONLY).get(resume_url(with_resume.candidate_id))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == tiny_pdf()
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;") and "Ana CV.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(world.recruiter)
    page = client.get(reverse("resume_download", kwargs={"candidate_id": with_resume.candidate_id}))
    assert {h: response[h] for h in HEADERS} == {h: page[h] for h in HEADERS}


def test_a_client_that_asks_for_the_files_type_gets_the_file_not_a_406(world, token_for, with_resume):
    response = token_for(world.recruiter).get(resume_url(with_resume.candidate_id), HTTP_ACCEPT="application/pdf")
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    loner = CandidateFactory()
    missing = token_for(world.recruiter).get(resume_url(loner.pk), HTTP_ACCEPT="application/pdf")
    assert missing.status_code == 404 and missing.json()["code"] == "no_resume"


def test_the_panel_and_the_hiring_manager_download_it(world, token_for, with_resume):
    panelist = with_resume.rounds.select_related("interviewer__user").order_by("order")[1].interviewer.user
    assert token_for(panelist, scopes=READ_ONLY).get(resume_url(with_resume.candidate_id)).status_code == 200
    # A hiring manager with no seat on the loop: the position is theirs.
    boss = UserFactory(username="bo")
    Position.objects.filter(pk=world.position.pk).update(hiring_manager=boss)
    assert token_for(boss, scopes=READ_ONLY).get(resume_url(with_resume.candidate_id)).status_code == 200


def test_an_interviewer_off_the_panel_or_another_manager_is_refused(world, token_for, with_resume):
    outsider = InterviewerFactory(user=UserFactory(username="olga"), department=world.engineering, level=world.senior)
    for user in (outsider.user, UserFactory(username="otto")):
        response = token_for(user).get(resume_url(with_resume.candidate_id))
        assert response.status_code == 404 and response.json()["code"] == "not_found"
        assert response["Content-Type"] == "application/json"


def test_a_candidate_without_a_resume_is_a_404_with_its_code(world, token_for):
    loop = world.start_loop()
    response = token_for(world.recruiter).get(resume_url(loop.candidate_id))
    assert response.status_code == 404
    assert response.json() == {"detail": "This candidate has no résumé.", "code": "no_resume"}


def test_the_download_needs_the_read_scope_and_credentials(world, token_for, client, with_resume):
    refused = token_for(world.recruiter, scopes=("candidates:write",)).get(resume_url(with_resume.candidate_id))
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    assert client.get(resume_url(with_resume.candidate_id)).status_code == 401
