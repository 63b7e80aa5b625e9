"""The lean send path: notifications.build_bytes writes a reminder straight to
bytes for SMTP. It must say exactly what build_message (the EmailMessage the
other backends get) says: same headers, same text, same calendar."""

from __future__ import annotations

import email
import email.policy

import pytest

from hiring import notifications
from hiring.models import Reminder, ReminderKind
from tests.test_reminders import LONDON, schedule_one, upcoming

pytestmark = pytest.mark.django_db

Kind = ReminderKind


def parsed_bytes(reminder: Reminder) -> email.message.EmailMessage:
    sender, recipients, data = notifications.build_bytes(reminder)
    assert (sender, recipients) == ("hiring@example.com", [reminder.email])
    assert b"\r\n" in data and b"\n" not in data.replace(b"\r\n", b"")  # CRLF only, as SMTP wants
    return email.message_from_bytes(data, policy=email.policy.default)


def parsed_message(reminder: Reminder) -> email.message.EmailMessage:
    data = notifications.build_message(reminder).message().as_bytes()
    return email.message_from_bytes(data, policy=email.policy.default)


def parts(message: email.message.EmailMessage) -> dict:
    calendar = [p for p in message.walk() if p.get_content_type() == "text/calendar"]
    return {
        # Stripped: the email package's folding leaves a space before an encoded
        # subject from EmailMessage that the direct bytes do not have.
        "headers": {
            name: str(message[name]).strip()
            for name in ("Subject", "From", "To", "Message-ID", "Auto-Submitted", "X-Hiring-Reminder")
        },
        "text": message.get_body(preferencelist=("plain",)).get_content().replace("\r\n", "\n"),
        "calendar": calendar[0].get_payload(decode=True) if calendar else None,
        "method": calendar[0].get_param("method") if calendar else None,
    }


@pytest.mark.parametrize("language", ["en", "de", "ja", "ar"])
def test_the_bytes_built_for_smtp_say_what_the_email_message_says(world, language):
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=upcoming(LONDON, 3, 11))
    candidate = round_.loop.candidate
    # A name and a language that need encoding in the subject and the body.
    for reminder in Reminder.objects.filter(round=round_):
        reminder.payload = {**reminder.payload, "language": language, "candidate": "Zoë Ångström-Łukasiewicz 山田"}
        reminder.save(update_fields=["payload"])
    rows = list(Reminder.objects.filter(round=round_).order_by("pk"))
    assert {r.kind for r in rows} >= {Kind.INVITATION, Kind.BEFORE_24H, Kind.FEEDBACK_DUE}
    for reminder in rows:
        direct, reference = parts(parsed_bytes(reminder)), parts(parsed_message(reminder))
        assert direct == reference, reminder.kind
    invitation = next(r for r in rows if r.kind == Kind.INVITATION and r.email == candidate.email)
    assert parts(parsed_bytes(invitation))["method"] == "REQUEST"


def test_every_attempt_at_a_row_writes_the_same_message_but_its_date(world):
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=upcoming(LONDON, 3, 11))
    invitation = Reminder.objects.filter(round=round_, kind=Kind.INVITATION).first()
    first = notifications.build_bytes(invitation)[2].split(b"\r\n")
    again = notifications.build_bytes(invitation)[2].split(b"\r\n")
    assert [line for line in first if not line.startswith(b"Date:")] == [
        line for line in again if not line.startswith(b"Date:")
    ]


def test_a_line_break_can_never_reach_the_header_block(world):
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=upcoming(LONDON, 3, 11))
    reminder = Reminder.objects.filter(round=round_, kind=Kind.INVITATION).first()
    reminder.email = "hank@example.com\r\nBcc: someone@example.org"
    with pytest.raises(ValueError, match="line break"):
        notifications.build_bytes(reminder)


def test_an_internationalised_address_goes_through_the_email_message_instead(world):
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=upcoming(LONDON, 3, 11))
    reminder = Reminder.objects.filter(round=round_, kind=Kind.INVITATION).first()
    reminder.email = "zoë@exämple.org"
    assert notifications.build_bytes(reminder) is None
    assert notifications.build_message(reminder).to == ["zoë@exämple.org"]
