"""The iCalendar files: one UID per round, SEQUENCE rising with every change,
METHOD:CANCEL on cancellation, so calendar clients update the same event."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.utils import timezone

from hiring import notifications, services
from hiring.models import Reminder, ReminderKind
from tests.factories import ANY_HOUR
from tests.test_reminders import LONDON, run_sweep, schedule_one, sent, upcoming

Kind = ReminderKind

pytestmark = pytest.mark.django_db


def calendar_of(message) -> icalendar.Calendar:
    [part] = [a for a in message.attachments if getattr(a, "get_content_type", lambda: "")() == "text/calendar"]
    assert part.get_filename() == "invite.ics"
    calendar = icalendar.Calendar.from_ical(part.get_payload(decode=True))
    assert part.get_param("method") == str(calendar["METHOD"])  # Outlook reads the MIME parameter
    return calendar


def event_of(message) -> icalendar.Event:
    [event] = calendar_of(message).walk("VEVENT")
    return event


def test_an_invitation_asks_the_calendar_to_add_the_interview(world):
    start = upcoming(LONDON, 3, 11)
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=start)
    run_sweep(timezone.now())
    [message] = sent(Kind.INVITATION, "hank@example.com")
    calendar = calendar_of(message)
    assert str(calendar["METHOD"]) == "REQUEST"
    [event] = calendar.walk("VEVENT")
    assert str(event["UID"]) == f"round-{round_.pk}@example.com"
    assert int(event["SEQUENCE"]) == 0
    assert event.decoded("DTSTART") == start
    assert event.decoded("DTEND") == start + dt.timedelta(minutes=45)
    assert str(event["STATUS"]) == "CONFIRMED"
    assert str(event["ATTENDEE"]) == "mailto:hank@example.com"
    assert str(event["ORGANIZER"]) == "mailto:hiring@example.com"
    assert round_.loop.candidate.full_name in str(event["SUMMARY"])
    [to_candidate] = sent(Kind.INVITATION, round_.loop.candidate.email)
    assert str(event_of(to_candidate)["UID"]) == str(event["UID"])
    assert "Backend Engineer" in str(event_of(to_candidate)["SUMMARY"])


def test_each_move_updates_the_same_event_with_a_higher_sequence(world):
    start = upcoming(LONDON, 3, 11)
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=start)
    run_sweep(timezone.now())
    for hours in (1, 2):
        services.reschedule_round(
            round=round_, starts_at=start + dt.timedelta(hours=hours), by=world.recruiter, **ANY_HOUR
        )
        run_sweep(timezone.now())
    events = [event_of(m) for m in sent(to="hank@example.com")]
    assert [int(e["SEQUENCE"]) for e in events] == [0, 1, 2]
    assert len({str(e["UID"]) for e in events}) == 1
    assert events[-1].decoded("DTSTART") == start + dt.timedelta(hours=2)
    assert [str(calendar_of(m)["METHOD"]) for m in sent(to="hank@example.com")] == ["REQUEST"] * 3


def test_a_cancellation_removes_the_same_event(world):
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=upcoming(LONDON, 3, 11))
    run_sweep(timezone.now())
    services.cancel_round(round=round_, by=world.recruiter, reason="Position on hold.")
    run_sweep(timezone.now())
    for email in ("hank@example.com", round_.loop.candidate.email):
        invitation, cancellation = sent(to=email)
        calendar = calendar_of(cancellation)
        assert str(calendar["METHOD"]) == "CANCEL"
        [event] = calendar.walk("VEVENT")
        assert str(event["STATUS"]) == "CANCELLED"
        assert str(event["UID"]) == str(event_of(invitation)["UID"])
        assert int(event["SEQUENCE"]) > int(event_of(invitation)["SEQUENCE"])


def test_a_veto_cancels_the_interviewers_events_and_the_recruiters_notice_carries_none(world):
    loop = world.scheduled_loop()
    run_sweep(timezone.now())
    world.submit(loop.rounds.get(order=1), veto=True, veto_reason="Dishonest answers.")
    run_sweep(timezone.now())
    notices = sent(Kind.VETO_NOTICE)
    to_interviewers = [m for m in notices if m.to != ["rita@example.com"]]
    assert len(to_interviewers) == 3  # the rounds still ahead; those begun are recorded as held
    assert {str(calendar_of(m)["METHOD"]) for m in to_interviewers} == {"CANCEL"}
    [to_recruiter] = [m for m in notices if m.to == ["rita@example.com"]]
    assert to_recruiter.attachments == []


def test_the_same_row_renders_the_same_calendar_file_every_time(world):
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=upcoming(LONDON, 3, 11))
    reminder = Reminder.objects.get(round=round_, kind=Kind.INVITATION, email="hank@example.com")
    first = notifications.build_calendar(reminder, method="REQUEST")
    assert notifications.build_calendar(Reminder.objects.get(pk=reminder.pk), method="REQUEST") == first


def test_an_invitation_carries_the_packet_link_the_meeting_link_and_an_alarm(world):
    interviewer = world.manager.interviewer
    interviewer.meeting_link = "https://meet.example.com/hank"
    interviewer.save(update_fields=["meeting_link"])
    round_ = schedule_one(world, interviewer=interviewer, start=upcoming(LONDON, 3, 11))
    run_sweep(timezone.now())
    [message] = sent(Kind.INVITATION, "hank@example.com")
    event = event_of(message)
    assert f"/rounds/{round_.pk}/" in str(event["DESCRIPTION"])
    assert "https://meet.example.com/hank" in str(event["DESCRIPTION"])
    assert str(event["LOCATION"]) == "https://meet.example.com/hank"
    assert str(event["URL"]) == "https://meet.example.com/hank"
    [alarm] = event.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY"
    assert alarm.decoded("TRIGGER") == -dt.timedelta(minutes=15)
    # The email's link goes to the round's own page, not the home page.
    assert f"/rounds/{round_.pk}/" in message.body
    [to_candidate] = sent(Kind.INVITATION, round_.loop.candidate.email)
    candidate_event = event_of(to_candidate)
    assert str(candidate_event["LOCATION"]) == "https://meet.example.com/hank"
    assert "/rounds/" not in str(candidate_event.get("DESCRIPTION", ""))  # no packet for the candidate
    assert "https://meet.example.com/hank" in to_candidate.body


def test_a_rounds_own_meeting_link_overrides_the_interviewers(world):
    interviewer = world.manager.interviewer
    interviewer.meeting_link = "https://meet.example.com/hank"
    interviewer.save(update_fields=["meeting_link"])
    round_ = schedule_one(world, interviewer=interviewer, start=upcoming(LONDON, 3, 11))
    from hiring.models import Reminder as R

    R.objects.filter(payload__round_id=round_.pk).delete()
    round_.meeting_link = "https://meet.example.com/panel-room"
    round_.save(update_fields=["meeting_link"])
    round_.refresh_from_db()
    assert round_.meeting_url == "https://meet.example.com/panel-room"


def test_a_cancellation_carries_no_alarm(world):
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=upcoming(LONDON, 3, 11))
    run_sweep(timezone.now())
    services.cancel_round(round=round_, by=world.recruiter, reason="Position on hold.")
    run_sweep(timezone.now())
    _invitation, cancellation = sent(to="hank@example.com")
    assert event_of(cancellation).walk("VALARM") == []
