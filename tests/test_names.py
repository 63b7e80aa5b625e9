"""Issue 8, fault 9: names, addresses and zones are checked at the edge, in one place
(hiring/validators.py), the same through the service, the API and the admin; and an
email subject stays one line whatever the data holds."""

from __future__ import annotations

import email
import email.policy

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from hiring import services
from hiring.models import Candidate, Interviewer, Reminder, ReminderKind
from hiring.notifications import build_message
from hiring.validators import canonical_time_zones, single_line
from tests.factories import CandidateFactory

pytestmark = pytest.mark.django_db

CRLF_NAME = "Eve Example\r\nBcc: everyone@example.com"
RLO_NAME = "Eve \u202etcudorp"  # displays as "Eve product" reversed
HIDDEN_NAMES = [
    CRLF_NAME,
    "Eve\nExample",
    "Eve\tExample",
    RLO_NAME,
    "Eve \u2066Example\u2069",
    "Eve\u200fExample",
    "Eve\u2028Example",
    "Eve\u200bExample",  # zero-width space: invisible
]
NOT_PLACES = ["localtime", "Factory", "posixrules", "right/Europe/Berlin", "posix/Europe/Berlin", "Mars/Olympus", ""]


@pytest.mark.parametrize("name", HIDDEN_NAMES)
def test_the_service_refuses_a_name_with_a_control_or_bidi_character(world, name):
    with pytest.raises(ValidationError) as refused:
        services.create_candidate(full_name=name, email="eve@example.org", time_zone="UTC", by=world.recruiter)
    assert "full_name" in refused.value.message_dict
    assert not Candidate.objects.filter(email="eve@example.org").exists()


@pytest.mark.parametrize("zone", NOT_PLACES)
def test_the_service_refuses_a_zone_that_is_not_a_place(world, zone):
    with pytest.raises(ValidationError) as refused:
        services.create_candidate(full_name="Eve", email="eve@example.org", time_zone=zone, by=world.recruiter)
    assert "time_zone" in refused.value.message_dict


def test_names_that_need_joiners_and_any_script_are_accepted(world):
    # Persian needs the zero-width non-joiner; Arabic and Hindi names are ordinary text.
    for name, address in [
        ("Mehr\u200cdad Karimi", "mehrdad@example.org"),
        ("ليلى أحمد", "layla@example.org"),
        ("अनन्या शर्मा", "ananya@example.org"),
    ]:
        services.create_candidate(full_name=name, email=address, time_zone="Asia/Tehran", by=world.recruiter)
    assert Candidate.objects.filter(full_name="Mehr\u200cdad Karimi").exists()


def test_every_canonical_zone_is_a_place_and_the_common_ones_are_there():
    zones = canonical_time_zones()
    assert {"UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"} <= zones
    assert not zones & {"localtime", "Factory", "posixrules"}
    assert not [z for z in zones if z.startswith(("right/", "posix/"))]


def test_an_email_with_a_control_character_is_refused(world):
    with pytest.raises(ValidationError) as refused:
        services.create_candidate(full_name="Eve", email='"eve\x0bx"@example.org', time_zone="UTC", by=world.recruiter)
    assert "email" in refused.value.message_dict


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"full_name": CRLF_NAME, "email": "eve@example.org", "time_zone": "UTC"}, "full_name"),
        ({"full_name": RLO_NAME, "email": "eve@example.org", "time_zone": "UTC"}, "full_name"),
        ({"full_name": "Eve", "email": "eve@example.org", "time_zone": "localtime"}, "time_zone"),
        ({"full_name": "Eve", "email": "eve@example.org", "time_zone": "right/UTC"}, "time_zone"),
    ],
)
def test_the_api_answers_400_on_the_field_for_a_hidden_character_or_a_non_zone(world, token_for, body, field):
    response = token_for(world.recruiter).post("/api/v1/candidates/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json()
    assert not Candidate.objects.filter(email="eve@example.org").exists()


def test_the_api_refuses_a_hidden_character_in_an_update_too(world, token_for):
    candidate = CandidateFactory()
    response = token_for(world.recruiter).patch(
        f"/api/v1/candidates/{candidate.pk}/", {"full_name": RLO_NAME}, format="json"
    )
    assert response.status_code == 400, response.content
    assert "full_name" in response.json()
    candidate.refresh_from_db()
    assert candidate.full_name != RLO_NAME


@pytest.fixture
def recruiter_client(client, world):
    client.force_login(world.recruiter)
    return client


def test_the_admin_shows_a_form_error_for_a_reversed_name_or_localtime(recruiter_client, world):
    response = recruiter_client.post(
        reverse("admin:hiring_candidate_add"),
        {"full_name": RLO_NAME, "email": "eve@example.org", "time_zone": "localtime", "preferred_language": "en"},
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "U+202E RIGHT-TO-LEFT OVERRIDE" in page
    assert "is not an IANA time zone" in page
    assert not Candidate.objects.filter(email="eve@example.org").exists()


def test_the_admin_refuses_a_persons_name_with_a_line_break_and_their_zone_localtime(client, world):
    admin_user = world.recruiter
    admin_user.is_superuser = True
    admin_user.save()
    client.force_login(admin_user)
    person = world.interviewers[0]
    user = person.user
    url = reverse("admin:auth_user_change", args=[user.pk])
    page = client.get(url)
    assert page.status_code == 200
    form = {
        "username": user.username,
        "first_name": "Ivy\r\nBcc: everyone@example.com",
        "last_name": user.last_name,
        "email": user.email,
        "is_active": "on",
        "date_joined_0": "2026-01-01",
        "date_joined_1": "00:00:00",
        "interviewer-TOTAL_FORMS": "1",
        "interviewer-INITIAL_FORMS": "1",
        "interviewer-MIN_NUM_FORMS": "0",
        "interviewer-MAX_NUM_FORMS": "1",
        "interviewer-0-id": person.pk,
        "interviewer-0-user": user.pk,
        "interviewer-0-department": person.department_id,
        "interviewer-0-level": person.level_id,
        "interviewer-0-time_zone": "localtime",
        "interviewer-0-work_start": "09:00",
        "interviewer-0-work_end": "17:30",
        "interviewer-0-work_days": "12345",
        "interviewer-0-languages": "[]",
    }
    response = client.post(url, form)
    assert response.status_code == 200
    text = response.content.decode()
    assert "U+000D" in text
    assert "is not an IANA time zone" in text
    user.refresh_from_db()
    assert "\n" not in user.first_name
    assert Interviewer.objects.get(pk=person.pk).time_zone != "localtime"


def test_an_email_subject_stays_one_line_whatever_the_stored_name_holds(world):
    # A name stored before names were checked (or written around the services) still
    # cannot end the subject early or write header lines into the body.
    world.scheduled_loop()
    reminder = Reminder.objects.filter(kind=ReminderKind.INVITATION, payload__audience="interviewer").first()
    reminder.payload["candidate"] = "Eve\r\nBcc: everyone@example.com\r\nX-Evil: 1"
    reminder.payload["name"] = "Ivy\nReply-To: thief@example.com"
    # What the receiving server reads: the flattened bytes, parsed back (folding undone).
    message = email.message_from_bytes(build_message(reminder).message().as_bytes(), policy=email.policy.default)
    subject = message["Subject"]
    assert "\n" not in subject and "\r" not in subject
    assert "Eve Bcc: everyone@example.com X-Evil: 1" in subject
    assert message["Bcc"] is None and message["X-Evil"] is None and message["Reply-To"] is None
    body = message.get_body(preferencelist=("plain",)).get_content()
    assert not [line for line in body.splitlines() if line.startswith(("Bcc:", "X-Evil:", "Reply-To:"))]
    assert "Hello Ivy Reply-To: thief@example.com," in body


def test_single_line_turns_every_hidden_character_into_one_space():
    assert single_line("Eve\r\n\u202eExample\u2028 ") == "Eve Example"
    assert single_line("Mehr\u200cdad") == "Mehr\u200cdad"


def test_the_migration_cleans_names_stored_before_the_check(world):
    from importlib import import_module

    from django.apps import apps

    migration = import_module("hiring.migrations.0009_names_refuse_hidden_characters")
    stored = CandidateFactory()
    Candidate.objects.filter(pk=stored.pk).update(full_name="Eve\r\nBcc: x@example.com \u202etcudorp")
    fine = CandidateFactory(full_name="Mehr\u200cdad  Karimi")
    person = world.interviewers[0].user
    type(person).objects.filter(pk=person.pk).update(first_name="Ivy\u2066")

    migration.clean_stored_names(apps, None)

    assert Candidate.objects.get(pk=stored.pk).full_name == "Eve Bcc: x@example.com tcudorp"
    assert Candidate.objects.get(pk=fine.pk).full_name == "Mehr\u200cdad  Karimi"  # nothing to clean: untouched
    person.refresh_from_db()
    assert person.first_name == "Ivy"
