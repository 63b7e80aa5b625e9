"""Talking to candidates (issue 12): templates per language with local times, safe
placeholders, writing to one candidate or to many loops, delivery through the
reminders' outbox, the candidate's email timeline, and rejection reasons from a list."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import socket
import time
from urllib.parse import parse_qs, urlparse

import pytest
from aiosmtpd.controller import Controller
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from kombu.exceptions import OperationalError

from hiring import messaging, reminders, selectors, services
from hiring.models import (
    Decision,
    Event,
    EventKind,
    LoopStatus,
    MessageTemplate,
    MessageTemplateTranslation,
    RejectionReason,
    Reminder,
    ReminderKind,
    ReminderStatus,
)
from hiring.services.messages import recipients_for_loops, render_template_for
from hiring.times import format_local
from tests.factories import CandidateFactory

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def template(db) -> MessageTemplate:
    template = MessageTemplate.objects.create(name="Next interview")
    MessageTemplateTranslation.objects.create(
        template=template,
        language="en",
        subject="Your next interview for {position}",
        body="Hello {candidate_name}, see you on {next_interview}. {recruiter_name}",
    )
    MessageTemplateTranslation.objects.create(
        template=template,
        language="es",
        subject="Tu próxima entrevista para {position}",
        body="Hola {candidate_name}, nos vemos el {next_interview}. {recruiter_name}",
    )
    return template


def ahead(world, **candidate):
    """A loop whose rounds are all booked from two days ahead."""
    return world.scheduled_loop(CandidateFactory(**candidate), start=timezone.now() + dt.timedelta(days=2))


# --- templates ------------------------------------------------------------------------------


def test_a_template_is_written_in_the_candidates_language_and_local_time(world, template):
    loop = ahead(world, full_name="Lucía Pérez", time_zone="Asia/Tokyo", preferred_language="es")
    first = loop.rounds.order_by("starts_at")[0]
    recipient = recipients_for_loops([loop.pk])[0]

    rendered = render_template_for(template, recipient)

    assert (rendered.language, rendered.fell_back) == ("es", False)
    assert rendered.subject == "Tu próxima entrevista para Backend Engineer"
    with translation.override("es"):
        tokyo = format_local(first.starts_at, "Asia/Tokyo")
    assert rendered.body == f"Hola Lucía Pérez, nos vemos el {tokyo}. {world.recruiter.get_full_name()}"
    # The candidate's zone (not the recruiter's or UTC), named in their language by CLDR.
    assert "Japón" in tokyo


def test_a_language_without_text_falls_back_to_english_and_says_so(world, template):
    loop = ahead(world, full_name="Ana Souza", time_zone="America/Sao_Paulo", preferred_language="pt-br")
    rendered = render_template_for(template, recipients_for_loops([loop.pk])[0])
    assert (rendered.language, rendered.fell_back) == ("en", True)
    assert rendered.subject == "Your next interview for Backend Engineer"

    page = signed_in(world.recruiter).post(
        reverse("admin:hiring_candidate_message", args=[loop.candidate_id]),
        {"do": "load", "loop": loop.pk, "template": template.pk, "language": "pt-br", "subject": "", "body": ""},
    )
    assert page.status_code == 200
    assert "“Next interview” has no Brazilian Portuguese text; this message is in English." in page.content.decode()


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ("Your offer: {salary}", "Unknown placeholder {salary}"),
        ("Hi {candidate_name.__class__}", "Unknown placeholder {candidate_name.__class__}"),
        ("Hi {candidate_name:>99999}", "Write the placeholder {candidate_name} plainly"),
        ("Hi {candidate_name!r}", "Write the placeholder {candidate_name} plainly"),
        ("Hi {candidate_name", "write {{ or }} for a brace itself"),
    ],
)
def test_a_template_naming_anything_but_the_listed_placeholders_is_refused_when_saved(template, text, complaint):
    row = MessageTemplateTranslation(template=template, language="fr", subject="Bonjour", body=text)
    with pytest.raises(ValidationError) as caught:
        row.full_clean()
    assert complaint in " ".join(caught.value.message_dict["body"])


def test_the_admin_refuses_an_unknown_placeholder_and_a_template_without_english(world):
    client = signed_in(world.recruiter)
    form = {
        "name": "Offer",
        "is_active": "on",
        "translations-TOTAL_FORMS": "1",
        "translations-INITIAL_FORMS": "0",
        "translations-0-language": "de",
        "translations-0-subject": "Angebot",
        "translations-0-body": "Gehalt: {salary}",
    }
    page = client.post(reverse("admin:hiring_messagetemplate_add"), form)
    assert page.status_code == 200
    assert "Unknown placeholder {salary}" in page.content.decode()
    form["translations-0-body"] = "Hallo {candidate_name}"
    page = client.post(reverse("admin:hiring_messagetemplate_add"), form)
    assert "Write the English text too" in page.content.decode()
    assert not MessageTemplate.objects.filter(name="Offer").exists()


def test_values_are_filled_as_text_never_run_as_a_template(world):
    loop = ahead(world, full_name="{{ settings.SECRET_KEY }} {recruiter_name}")
    recipient = recipients_for_loops([loop.pk])[0]
    rendered = messaging.render("Hi", "Dear {candidate_name}", recipient=recipient, language="en")
    assert rendered.body == "Dear {{ settings.SECRET_KEY }} {recruiter_name}"


# --- sending -----------------------------------------------------------------------------------


def _count_queries(fn) -> int:
    with CaptureQueriesContext(connection) as queries:
        fn()
    return len(queries)


def test_writing_to_many_loops_costs_the_same_queries_for_3_or_12(world, template):
    # Two positions' worth of loops, in draft: no panel needed to write to their candidates.
    few = [world.start_loop().pk for _ in range(3)]
    many = [world.start_loop().pk for _ in range(12)]

    small = _count_queries(lambda: services.send_template_to_loops(loop_ids=few, template=template, by=world.recruiter))
    large = _count_queries(
        lambda: services.send_template_to_loops(loop_ids=many, template=template, by=world.recruiter)
    )

    assert small == large
    assert Reminder.objects.filter(kind=ReminderKind.MESSAGE).count() == 15
    assert Event.objects.filter(kind=EventKind.MESSAGE_SENT).count() == 15


def test_the_bulk_page_costs_the_same_queries_for_3_or_12_loops(world, template):
    few = [world.start_loop().pk for _ in range(3)]
    many = [world.start_loop().pk for _ in range(12)]
    client = signed_in(world.recruiter)
    url = reverse("admin:hiring_message_loops")

    def preview(ids):
        query = "&".join(f"loop={pk}" for pk in ids)
        return lambda: client.post(f"{url}?{query}", {"template": template.pk, "do": "preview"})

    client.get(url)  # the session is warm
    assert _count_queries(preview(few)) == _count_queries(preview(many))
    page = client.post(f"{url}?{'&'.join(f'loop={pk}' for pk in many)}", {"template": template.pk, "do": "send"})
    assert page.status_code == 302
    assert Reminder.objects.filter(kind=ReminderKind.MESSAGE).count() == 12


def test_a_bulk_send_is_capped_and_bad_loop_ids_are_refused(world, template):
    client = signed_in(world.recruiter)
    url = reverse("admin:hiring_message_loops")
    too_many = "&".join(f"loop={n}" for n in range(1, messaging.BULK_LIMIT + 2))
    assert "At most 500 loops at once" in client.get(f"{url}?{too_many}").content.decode()
    assert "is not a number" in client.get(f"{url}?loop=1&loop=x").content.decode()
    with pytest.raises(ValidationError, match="At most 500"):
        services.send_template_to_loops(
            loop_ids=range(1, messaging.BULK_LIMIT + 2), template=template, by=world.recruiter
        )


def test_the_loop_lists_action_opens_the_compose_page_for_the_selection(world, template):
    loops = [world.start_loop() for _ in range(2)]
    page = signed_in(world.recruiter).post(
        reverse("admin:hiring_loop_changelist"),
        {"action": "message_loops_action", "_selected_action": [loop.pk for loop in loops]},
    )
    assert page.status_code == 302
    assert page["Location"].startswith(reverse("admin:hiring_message_loops") + "?loop=")
    query = parse_qs(urlparse(page["Location"]).query)
    assert sorted(int(pk) for pk in query["loop"]) == sorted(loop.pk for loop in loops)


def test_an_interviewer_cannot_write_to_candidates(world, template):
    loop = world.start_loop()
    with pytest.raises(Exception, match="Only recruiters"):
        services.send_message(loop=loop, subject="Hi", body="Hi", by=world.interviewers[0].user)


class Sink:
    def __init__(self) -> None:
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp(settings):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sink = Sink()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_USE_TLS = "127.0.0.1", port, False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    try:
        yield sink
    finally:
        controller.stop()


def test_a_message_is_in_the_outbox_before_dispatch_and_survives_a_broker_outage(world, smtp):
    loop = ahead(world, full_name="Noa Levi", email="noa@example.org", time_zone="Asia/Jerusalem")
    written = services.send_message(
        loop=loop, subject="About {position}", body="Hello {candidate_name},\nSee you soon.", by=world.recruiter
    )
    # Written in the request's transaction, rendered, before any worker saw it.
    row = Reminder.objects.get(pk=written.pk)
    assert (row.kind, row.status, row.email) == (ReminderKind.MESSAGE, ReminderStatus.PENDING, "noa@example.org")
    assert row.payload["subject"] == "About Backend Engineer"

    def broker_down(expires):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    assert reminders.sweep(dispatch=broker_down) == 0
    assert Reminder.objects.get(pk=row.pk).status == ReminderStatus.PENDING  # nothing lost

    # The broker is back: the worker's task claims and sends it over real SMTP.
    result = reminders.send_due()
    assert result.sent >= 1
    deadline = time.monotonic() + 10
    while not any(m["Subject"] == "About Backend Engineer" for m in smtp.messages) and time.monotonic() < deadline:
        time.sleep(0.05)
    message = next(m for m in smtp.messages if m["Subject"] == "About Backend Engineer")
    assert message["To"] == "noa@example.org"
    assert message.get_content().replace("\r\n", "\n") == "Hello Noa Levi,\nSee you soon.\n"
    assert Reminder.objects.get(pk=row.pk).status == ReminderStatus.SENT


def test_a_message_that_keeps_failing_is_retried_then_shown_failed(world, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        settings.EMAIL_PORT = probe.getsockname()[1]
    settings.EMAIL_HOST = "127.0.0.1"
    loop = world.start_loop()
    row = services.send_message(loop=loop, subject="Hi", body="Hi", by=world.recruiter)
    Reminder.objects.exclude(pk=row.pk).update(status=ReminderStatus.WITHDRAWN)
    result = reminders.send_due()
    assert result.retried == 1
    row.refresh_from_db()
    assert row.status == ReminderStatus.PENDING and row.attempts == 1 and "Connection refused" in row.last_error


def test_writing_to_one_candidate_from_their_page_loads_previews_and_sends(world, template):
    loop = ahead(world, full_name="Lucía Pérez", time_zone="Europe/Madrid", preferred_language="es")
    client = signed_in(world.recruiter)
    url = reverse("admin:hiring_candidate_message", args=[loop.candidate_id])
    assert client.get(url).status_code == 200
    loaded = client.post(url, {"do": "load", "loop": loop.pk, "template": template.pk, "language": "es"})
    form = loaded.context["form"]
    assert form.data["subject"] == "Tu próxima entrevista para {position}"
    edited = {**form.data, "body": form.data["body"] + " ¡Suerte!", "do": "preview"}
    preview = client.post(url, edited)
    assert preview.context["preview"].subject == "Tu próxima entrevista para Backend Engineer"
    assert preview.context["preview"].body.endswith("¡Suerte!")
    bad = client.post(url, {**edited, "body": "{salary}", "do": "send"})
    assert "Unknown placeholder {salary}" in bad.content.decode()
    sent = client.post(url, {**edited, "do": "send"})
    assert sent.status_code == 302
    row = Reminder.objects.get(kind=ReminderKind.MESSAGE)
    assert row.payload["language"] == "es" and row.payload["body"].endswith("¡Suerte!")
    assert row.payload["sent_by"] == world.recruiter.get_full_name()


# --- the timeline -----------------------------------------------------------------------------------


def test_the_timeline_shows_automatic_and_written_emails_at_a_constant_cost(world, template):
    loop = ahead(world, full_name="Tim Line", time_zone="Europe/Berlin")
    services.send_message(loop=loop, subject="A word about {position}", body="Hi", by=world.recruiter)
    client = signed_in(world.recruiter)
    url = reverse("admin:hiring_candidate_change", args=[loop.candidate_id])
    page = client.get(url).content.decode()
    assert "A word about Backend Engineer" in page
    assert f"Written by {world.recruiter.get_full_name()}" in page
    # The invitations the candidate got for each round, automatic, with their subject.
    invitation = Reminder.objects.filter(recipient_candidate=loop.candidate, kind=ReminderKind.INVITATION).first()
    from hiring import notifications

    assert notifications.render(invitation)[0] in page

    small = _count_queries(lambda: client.get(url))
    for n in range(10):
        services.send_message(loop=loop, subject=f"Note {n}", body="Hi", by=world.recruiter)
    assert _count_queries(lambda: client.get(url)) == small
    with CaptureQueriesContext(connection) as one:
        rows = selectors.candidate_emails(loop.candidate_id)
    assert len(one) == 1 and len(rows) <= selectors.TIMELINE_LIMIT


# --- rejection reasons ---------------------------------------------------------------------------------


def test_the_admin_decision_needs_a_reason_from_the_list_to_reject(world):
    loop = world.awaiting_decision_loop()
    client = signed_in(world.recruiter)
    url = reverse("admin:hiring_loop_decide", args=[loop.pk])
    page = client.post(url, {"outcome": "reject", "reason": "Not this time."})
    assert "Pick the reason for the rejection from the list." in page.content.decode()
    assert not Decision.objects.filter(loop=loop).exists()
    page = client.post(url, {"outcome": "reject", "rejection_reason": "compensation", "reason": "Above the band."})
    assert page.status_code == 302
    decision = Decision.objects.select_related("rejection_reason").get(loop=loop)
    assert decision.rejection_reason.code == "compensation" and decision.reason == "Above the band."


def test_the_api_takes_a_reason_code_and_refuses_an_unknown_one(world, token_for):
    loop = world.awaiting_decision_loop()
    client = token_for(world.recruiter)
    url = f"/api/v1/loops/{loop.pk}/decision/"
    unknown = client.post(url, {"outcome": "reject", "rejection_reason": "too_tall", "reason": "x"}, format="json")
    assert unknown.status_code == 400
    assert "rejection_reason" in str(unknown.json()) and "too_tall" in str(unknown.json())
    wrong_type = client.post(url, {"outcome": "reject", "rejection_reason": 3, "reason": "x"}, format="json")
    assert wrong_type.status_code == 400
    RejectionReason.objects.filter(code="values").update(is_active=False)
    retired = client.post(url, {"outcome": "reject", "rejection_reason": "values", "reason": "x"}, format="json")
    assert retired.status_code == 400
    assert not Decision.objects.filter(loop=loop).exists()
    done = client.post(url, {"outcome": "reject", "rejection_reason": "skills", "reason": "Thin."}, format="json")
    assert done.status_code == 201, done.content
    assert done.json()["rejection_reason"] == "skills"


def test_a_hire_takes_no_rejection_reason(world):
    loop = world.awaiting_decision_loop()
    with pytest.raises(ValidationError, match="A hire takes no rejection reason"):
        services.decide(loop=loop, outcome="hire", rejection_reason="skills", by=world.recruiter)


def test_rejections_are_counted_by_reason_in_one_query(world):
    for code in ["skills", "skills", "other"]:
        services.decide(
            loop=world.start_loop(), outcome="reject", rejection_reason=code, reason="x", by=world.recruiter
        )
    vetoed = world.scheduled_loop()
    world.submit(vetoed.rounds.order_by("order")[0], veto=True, veto_reason="Rude to the panel.")
    assert vetoed.__class__.objects.get(pk=vetoed.pk).status == LoopStatus.REJECTED
    with CaptureQueriesContext(connection) as queries:
        counts = selectors.rejection_reason_counts()
    assert len(queries) == 1
    by_code = {row["code"]: row["count"] for row in counts}
    assert by_code == {"skills": 2, "other": 1, selectors.VETOED: 1}
    assert counts[0]["label"] == "Skills below the bar"
    assert selectors.rejection_reason_counts(position_id=world.position.pk + 1) == []


def test_erasing_a_candidate_removes_what_was_written_to_them(world):
    loop = ahead(world, full_name="Erin Erased", email="erin@example.org")
    services.send_message(loop=loop, subject="For {candidate_name}", body="Dear {candidate_name}", by=world.recruiter)
    services.erase_candidate(candidate=loop.candidate, by=world.recruiter, force=True)
    row = Reminder.objects.get(kind=ReminderKind.MESSAGE)
    event = Event.objects.get(kind=EventKind.MESSAGE_SENT)
    assert row.status == ReminderStatus.WITHDRAWN
    assert "Erin" not in str(row.payload) and "Erin" not in str(event.data) and row.email == ""
    with pytest.raises(Exception, match="erased"):
        services.send_message(loop=loop, subject="Hi", body="Hi", by=world.recruiter)
