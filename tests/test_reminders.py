"""What is sent, to whom and when: the schedules, quiet hours, daylight saving,
rescheduling, cancelling and vetoing. The sweep runs here with an explicit
clock and the worker's part done inline; tests/test_celery_e2e.py runs the
real worker."""

from __future__ import annotations

import datetime as dt
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.core import mail
from django.db import transaction
from django.utils import timezone

from hiring import reminders, services
from hiring.models import Reminder, ReminderKind, ReminderStatus, Round, RoundStatus
from hiring.reminders import Hours, next_in_hours, next_nudge_due
from tests.factories import ANY_HOUR

Kind = ReminderKind
UTC = dt.UTC
LONDON, NEW_YORK, TOKYO, SINGAPORE = "Europe/London", "America/New_York", "Asia/Tokyo", "Asia/Singapore"
OFFICE = Hours(start=dt.time(9, 0), end=dt.time(17, 30), days="12345")
EVERY_DAY = Hours(start=dt.time(9, 0), end=dt.time(17, 30), days="1234567")

pytestmark = pytest.mark.django_db


# --- helpers (tests/test_reminders_sending.py and tests/test_calendar.py use them too) ---


def run_sweep(now: dt.datetime) -> int:
    """One beat tick at `now`, with the workers' part done inline: each task the
    sweep queues runs at once. Returns how many rows those tasks claimed."""
    claimed = 0

    def inline(expires: dt.datetime) -> None:
        nonlocal claimed
        claimed += reminders.send_due(now=now).claimed

    reminders.sweep(now=now, dispatch=inline)
    return claimed


def sent(kind: str | None = None, to: str | None = None) -> list:
    return [
        m
        for m in mail.outbox
        if (kind is None or m.extra_headers["X-Hiring-Reminder"] == kind) and (to is None or m.to == [to])
    ]


def local(zone: str, *args: int, fold: int = 0) -> dt.datetime:
    return dt.datetime(*args, tzinfo=ZoneInfo(zone), fold=fold)


def upcoming(zone: str, weekday: int, hour: int, minute: int = 0, *, after_days: int = 3) -> dt.datetime:
    """The first ISO `weekday` at least `after_days` from now, at hour:minute in `zone`, as UTC."""
    tz = ZoneInfo(zone)
    day = (timezone.now().astimezone(tz) + dt.timedelta(days=after_days)).date()
    while day.isoweekday() != weekday:
        day += dt.timedelta(days=1)
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=tz).astimezone(UTC)


def schedule_one(world, *, interviewer, start: dt.datetime, candidate=None) -> Round:
    loop = world.start_loop(candidate)
    round_ = loop.rounds.get(order=1)
    services.schedule_round(round=round_, interviewer=interviewer, starts_at=start, by=world.recruiter, **ANY_HOUR)
    return Round.objects.select_related("loop__candidate", "interviewer__user").get(pk=round_.pk)


def row(round_: Round, kind: str, email: str, *, status: str = ReminderStatus.PENDING) -> Reminder:
    return Reminder.objects.get(round=round_, kind=kind, email=email, status=status)


def in_zone(instant: dt.datetime, zone: str) -> dt.datetime:
    return instant.astimezone(ZoneInfo(zone))


# --- the schedules ---------------------------------------------------------------------


def test_reminders_are_written_in_the_transaction_that_schedules_the_round(world):
    loop = world.start_loop()
    round_ = loop.rounds.get(order=1)
    start = upcoming(LONDON, 3, 11)
    with pytest.raises(RuntimeError), transaction.atomic():
        services.schedule_round(
            round=round_, interviewer=world.manager.interviewer, starts_at=start, by=world.recruiter, **ANY_HOUR
        )
        assert Reminder.objects.filter(round=round_).exists()
        raise RuntimeError("the change is rolled back")
    assert not Reminder.objects.exists()

    services.schedule_round(
        round=round_, interviewer=world.manager.interviewer, starts_at=start, by=world.recruiter, **ANY_HOUR
    )
    hank, candidate, rita = "hank@example.com", loop.candidate.email, "rita@example.com"
    assert sorted(Reminder.objects.values_list("kind", "email")) == sorted(
        [
            (Kind.INVITATION, hank),
            (Kind.INVITATION, candidate),
            (Kind.BEFORE_24H, hank),
            (Kind.BEFORE_24H, candidate),
            (Kind.BEFORE_1H, hank),
            (Kind.FEEDBACK_DUE, hank),
            (Kind.ESCALATION, rita),
        ]
    )


def test_the_same_reminder_cannot_be_written_twice(world):
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=upcoming(LONDON, 3, 11))
    before = Reminder.objects.count()
    with transaction.atomic():
        reminders.on_round_scheduled(Round.objects.select_related("loop__position__recruiter").get(pk=round_.pk))
    assert Reminder.objects.count() == before


def test_the_interviewer_and_the_candidate_are_invited_at_once_each_in_their_own_time(world):
    start = upcoming(LONDON, 3, 11)  # Wednesday 11:00 in London, 19:00 in Singapore
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=start)
    run_sweep(timezone.now())

    [to_hank] = sent(Kind.INVITATION, "hank@example.com")
    [to_candidate] = sent(Kind.INVITATION, round_.loop.candidate.email)
    assert "11:00 your time · 19:00 for the candidate (Asia/Singapore)" in to_hank.body
    assert round_.loop.candidate.full_name in to_hank.subject
    assert "19:00 your time · 11:00 for your interviewer (Europe/London)" in to_candidate.body
    assert "Backend Engineer" in to_candidate.subject
    assert row(round_, Kind.INVITATION, "hank@example.com", status=ReminderStatus.SENT).sent_at is not None


def test_the_interviewer_is_reminded_a_day_and_an_hour_before(world):
    start = upcoming(LONDON, 3, 11)
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=start)
    assert row(round_, Kind.BEFORE_24H, "hank@example.com").due_at == start - dt.timedelta(hours=24)
    assert row(round_, Kind.BEFORE_1H, "hank@example.com").due_at == start - dt.timedelta(hours=1)

    run_sweep(start - dt.timedelta(hours=24, minutes=1))
    assert not sent(Kind.BEFORE_24H, "hank@example.com")
    run_sweep(start - dt.timedelta(hours=24))
    run_sweep(start - dt.timedelta(hours=23))
    assert len(sent(Kind.BEFORE_24H, "hank@example.com")) == 1
    run_sweep(start - dt.timedelta(hours=1, minutes=1))
    assert not sent(Kind.BEFORE_1H)
    run_sweep(start - dt.timedelta(hours=1))
    run_sweep(start)
    [hour_before] = sent(Kind.BEFORE_1H, "hank@example.com")
    assert "11:00 your time" in hour_before.body


def test_the_candidate_is_reminded_a_day_before_within_their_own_waking_hours(world):
    # Thursday 07:00 in Singapore (Wednesday 23:00 in London): a day before is
    # 07:00 for the candidate, before their 08:00 waking window, and 23:00 for
    # the interviewer, after work. Both move earlier, never later.
    start = upcoming(SINGAPORE, 4, 7)
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=start)
    candidate = round_.loop.candidate

    to_candidate = row(round_, Kind.BEFORE_24H, candidate.email)
    assert in_zone(to_candidate.due_at, SINGAPORE).strftime("%a %H:%M") == "Tue 21:00"
    assert to_candidate.time_zone == SINGAPORE
    assert in_zone(row(round_, Kind.BEFORE_24H, "hank@example.com").due_at, LONDON).strftime("%a %H:%M") == "Tue 17:30"
    assert not Reminder.objects.filter(kind=Kind.BEFORE_1H, email=candidate.email).exists()

    run_sweep(to_candidate.due_at)
    [message] = sent(Kind.BEFORE_24H, candidate.email)
    assert "07:00 your time" in message.body
    assert "for your interviewer (Europe/London)" in message.body


def test_a_day_before_reminder_that_would_fall_on_a_weekend_comes_on_the_last_working_day(world):
    tokyo = world.interviewers[2]
    round_ = schedule_one(world, interviewer=tokyo, start=upcoming(TOKYO, 1, 10))  # Monday 10:00
    due = row(round_, Kind.BEFORE_24H, tokyo.user.email).due_at
    assert in_zone(due, TOKYO).strftime("%a %H:%M") == "Fri 17:30"


def test_feedback_is_due_an_hour_after_the_end_then_nudged_once_a_working_day_and_escalated_after_two_days(world):
    start = upcoming(LONDON, 3, 14)  # Wednesday 14:00 London, 45 minutes: feedback due 15:45
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=start)
    assert round_.feedback_due_at == start + dt.timedelta(minutes=45 + 60)

    for hour in range(7 * 24 + 1):  # a week of beats, one an hour
        run_sweep(start + dt.timedelta(hours=hour))

    [due] = Reminder.objects.filter(kind=Kind.FEEDBACK_DUE, status=ReminderStatus.SENT)
    assert due.due_at == round_.feedback_due_at
    nudges = Reminder.objects.filter(kind=Kind.FEEDBACK_OVERDUE, status=ReminderStatus.SENT).order_by("due_at")
    # Thursday and Friday at 15:45; the weekend waits for Monday 09:00; then daily.
    assert [in_zone(n.due_at, LONDON).strftime("%a %H:%M") for n in nudges] == [
        "Thu 15:45",
        "Fri 15:45",
        "Mon 09:00",
        "Tue 09:00",
        "Wed 09:00",
    ]
    assert len(sent(Kind.FEEDBACK_OVERDUE, "hank@example.com")) == 5
    [escalation] = sent(Kind.ESCALATION)
    assert escalation.to == ["rita@example.com"]
    [escalated] = Reminder.objects.filter(kind=Kind.ESCALATION, status=ReminderStatus.SENT)
    assert escalated.due_at == round_.feedback_due_at + dt.timedelta(hours=48)  # Friday 10:45 in New York
    assert "2 days overdue" in escalation.body
    assert "Hank Manager" in escalation.subject


def test_submitting_the_scorecard_stops_the_nudges_and_the_escalation(world):
    loop = world.scheduled_loop()  # the first round began two hours ago
    first = loop.rounds.get(order=1)
    assert (
        Reminder.objects.filter(round=first, kind__in=[Kind.FEEDBACK_DUE, Kind.ESCALATION], status="pending").count()
        == 2
    )
    world.submit(first)
    assert not Reminder.objects.filter(round=first, status=ReminderStatus.PENDING).exists()

    run_sweep(timezone.now() + dt.timedelta(days=5))
    interviewer_email = first.interviewer.user.email
    assert not sent(Kind.FEEDBACK_DUE, interviewer_email)
    assert not sent(Kind.FEEDBACK_OVERDUE, interviewer_email)
    assert not Reminder.objects.filter(round=first, kind=Kind.ESCALATION, status=ReminderStatus.SENT).exists()


# --- quiet hours ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("zone", "when", "expected"),
    [
        ("Asia/Tokyo", (2026, 11, 27, 18, 0), "Mon 30 09:00"),  # Friday evening: Monday morning
        ("America/Los_Angeles", (2026, 11, 24, 3, 0), "Tue 24 09:00"),  # night: the same morning
        ("Africa/Lagos", (2026, 11, 25, 12, 0), "Wed 25 12:00"),  # inside hours: at once
        ("Australia/Sydney", (2026, 11, 28, 10, 0), "Mon 30 09:00"),  # Saturday: Monday
        ("Asia/Kolkata", (2026, 11, 22, 23, 0), "Mon 23 09:00"),  # a half-hour zone, Sunday night
        ("Pacific/Auckland", (2026, 11, 24, 17, 30), "Tue 24 17:30"),  # the window's last minute
    ],
)
def test_a_non_urgent_reminder_outside_working_hours_waits_for_the_next_working_morning(zone, when, expected):
    due = next_in_hours(local(zone, *when).astimezone(UTC), zone=zone, hours=OFFICE)
    assert in_zone(due, zone).strftime("%a %d %H:%M") == expected


def test_working_days_are_the_interviewers_own(world):
    dubai = Hours(start=dt.time(8, 0), end=dt.time(16, 0), days="71234")  # Sunday to Thursday
    due = next_in_hours(local("Asia/Dubai", 2026, 11, 27, 10).astimezone(UTC), zone="Asia/Dubai", hours=dubai)
    assert in_zone(due, "Asia/Dubai").strftime("%a %H:%M") == "Sun 08:00"


def test_overdue_feedback_in_tokyo_waits_for_nine_in_tokyo(world):
    tokyo = world.interviewers[2]
    round_ = schedule_one(world, interviewer=tokyo, start=upcoming(TOKYO, 3, 16, 30))  # due 18:15, after work
    due = row(round_, Kind.FEEDBACK_DUE, tokyo.user.email).due_at
    assert in_zone(due, TOKYO).strftime("%a %H:%M") == "Thu 09:00"
    escalation = row(round_, Kind.ESCALATION, "rita@example.com").due_at
    assert in_zone(escalation, NEW_YORK).strftime("%H:%M") == "09:00"  # 18:15 Friday Tokyo is 04:15 in New York


def test_the_hour_before_reminder_is_urgent_and_goes_even_at_night(world):
    tokyo = world.interviewers[2]
    start = upcoming(TOKYO, 4, 3, 30)  # an interview at 03:30 in Tokyo, with a candidate far west
    round_ = schedule_one(world, interviewer=tokyo, start=start)
    hour_before = row(round_, Kind.BEFORE_1H, tokyo.user.email)
    assert hour_before.urgent
    assert hour_before.due_at == start - dt.timedelta(hours=1)
    run_sweep(hour_before.due_at)
    assert len(sent(Kind.BEFORE_1H, tokyo.user.email)) == 1


def test_candidates_keep_to_a_waking_window_that_is_a_setting(world, settings):
    settings.HIRING_CANDIDATE_HOURS = (dt.time(10, 0), dt.time(20, 0))
    start = upcoming(SINGAPORE, 4, 9)  # a day before is 09:00, before this window opens
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=start)
    due = row(round_, Kind.BEFORE_24H, round_.loop.candidate.email).due_at
    assert in_zone(due, SINGAPORE).strftime("%a %H:%M") == "Tue 20:00"


# --- daylight saving ------------------------------------------------------------------


def test_a_deferred_reminder_waits_for_nine_local_across_the_new_york_spring_forward():
    # Saturday 7 March 2026, 20:00 EST; clocks go forward on Sunday the 8th.
    due = next_in_hours(local(NEW_YORK, 2026, 3, 7, 20).astimezone(UTC), zone=NEW_YORK, hours=OFFICE)
    assert due == dt.datetime(2026, 3, 9, 13, 0, tzinfo=UTC)  # 09:00 EDT, not 14:00 UTC as in winter


@pytest.mark.parametrize(
    ("zone", "first", "gap_hours"),
    [
        (NEW_YORK, (2026, 3, 6, 9, 0), 23),  # spring forward on 8 March
        (NEW_YORK, (2026, 10, 30, 9, 0), 25),  # fall back on 1 November
        (LONDON, (2026, 3, 27, 9, 0), 23),  # spring forward on 29 March
        (LONDON, (2026, 10, 23, 9, 0), 25),  # fall back on 25 October
    ],
)
def test_daily_nudges_keep_their_local_hour_across_a_dst_change_with_no_day_twice_or_skipped(zone, first, gap_hours):
    due = local(zone, *first).astimezone(UTC)
    dues = [due]
    for _ in range(5):
        due = next_nudge_due(due, zone=zone, hours=EVERY_DAY, now=due)
        dues.append(due)
    days = [in_zone(d, zone).date() for d in dues]
    assert [(b - a).days for a, b in itertools.pairwise(days)] == [1] * 5
    assert {in_zone(d, zone).strftime("%H:%M") for d in dues} == {"09:00"}
    gaps = {(b - a).total_seconds() / 3600 for a, b in itertools.pairwise(dues)}
    assert gaps == {24, gap_hours}


def test_after_an_outage_missed_nudges_are_not_sent_in_a_burst():
    last = local(LONDON, 2026, 11, 23, 9).astimezone(UTC)  # Monday
    back = local(LONDON, 2026, 11, 26, 11).astimezone(UTC)  # Thursday, after three days down
    assert (
        in_zone(next_nudge_due(last, zone=LONDON, hours=OFFICE, now=back), LONDON).strftime("%a %H:%M") == "Fri 09:00"
    )


def test_a_window_that_opens_in_the_skipped_hour_opens_just_after_it():
    night_shift = Hours(start=dt.time(1, 30), end=dt.time(6, 0))
    # London skips 01:00-02:00 on 29 March 2026: 01:30 does not exist that day.
    due = next_in_hours(local(LONDON, 2026, 3, 29, 0, 10).astimezone(UTC), zone=LONDON, hours=night_shift)
    assert due == dt.datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert in_zone(due, LONDON).strftime("%H:%M %Z") == "02:30 BST"


def _next_fall_back(zone: str, *, after: dt.datetime) -> dt.date:
    """The date of the zone's next autumn change after `after` (always within a year)."""
    tz = ZoneInfo(zone)
    instant = after
    while True:
        later = instant + dt.timedelta(hours=1)
        if later.astimezone(tz).utcoffset() < instant.astimezone(tz).utcoffset():
            return later.astimezone(tz).date()
        instant = later


def test_an_interview_in_the_repeated_hour_gets_each_reminder_once(world):
    new_yorker = world.interviewers[1]
    new_yorker.time_zone = NEW_YORK
    new_yorker.save()
    day = _next_fall_back(NEW_YORK, after=timezone.now() + dt.timedelta(days=2))
    # 01:30 happens twice that night; the interview is at the second one (EST).
    start = dt.datetime.combine(day, dt.time(1, 30), tzinfo=ZoneInfo(NEW_YORK)).replace(fold=1).astimezone(UTC)
    round_ = schedule_one(world, interviewer=new_yorker, start=start)
    assert row(round_, Kind.BEFORE_1H, new_yorker.user.email).due_at == start - dt.timedelta(hours=1)

    instant = start - dt.timedelta(hours=30)
    while instant <= start:  # a beat every ten minutes through the night, in UTC
        run_sweep(instant)
        instant += dt.timedelta(minutes=10)
    [hour_before] = sent(Kind.BEFORE_1H, new_yorker.user.email)
    assert "01:30 your time" in hour_before.body
    assert "01:30 EST" in hour_before.subject
    assert len(sent(Kind.BEFORE_24H, new_yorker.user.email)) == 1


# --- rescheduling, cancelling, vetoing ---------------------------------------------------


def test_rescheduling_moves_the_pending_reminders_and_sends_both_sides_an_update(world):
    start = upcoming(LONDON, 3, 11)
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=start)
    candidate = round_.loop.candidate
    run_sweep(timezone.now())  # the invitations go out
    old_day_before = row(round_, Kind.BEFORE_24H, "hank@example.com")

    new_start = start + dt.timedelta(days=1, hours=2)
    services.reschedule_round(
        round=round_, starts_at=new_start, by=world.recruiter, reason="Candidate asked.", **ANY_HOUR
    )

    old_day_before.refresh_from_db()
    assert old_day_before.status == ReminderStatus.WITHDRAWN
    moved = row(round_, Kind.BEFORE_24H, "hank@example.com")
    assert moved.due_at == new_start - dt.timedelta(hours=24)
    assert moved.key.startswith(f"r{round_.pk}:s1:")
    assert row(round_, Kind.BEFORE_1H, "hank@example.com").due_at == new_start - dt.timedelta(hours=1)
    assert Reminder.objects.filter(round=round_, status=ReminderStatus.PENDING, key__contains=":s0:").count() == 0

    run_sweep(timezone.now())
    [to_hank] = sent(Kind.UPDATE, "hank@example.com")
    [to_candidate] = sent(Kind.UPDATE, candidate.email)
    assert "Now: Thu" in to_hank.body and "13:00 your time" in to_hank.body
    assert "Was: Wed" in to_hank.body and "11:00" in to_hank.body
    assert "21:00 your time" in to_candidate.body


def test_a_round_moved_before_its_invitation_went_out_gets_an_invitation_not_an_update(world):
    start = upcoming(LONDON, 3, 11)
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=start)
    services.reschedule_round(round=round_, starts_at=start + dt.timedelta(hours=3), by=world.recruiter, **ANY_HOUR)
    run_sweep(timezone.now())
    assert [m.extra_headers["X-Hiring-Reminder"] for m in sent(to="hank@example.com")] == [Kind.INVITATION]
    assert "14:00 your time" in sent(to="hank@example.com")[0].body


def test_handing_a_round_to_another_interviewer_cancels_it_for_one_and_invites_the_other(world):
    start = upcoming(LONDON, 3, 11)
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=start)
    run_sweep(timezone.now())
    berlin = world.interviewers[0]
    services.reschedule_round(round=round_, interviewer=berlin, by=world.recruiter, reason="Hank is away.", **ANY_HOUR)
    mail.outbox.clear()
    run_sweep(timezone.now())

    [cancelled] = sent(Kind.CANCELLATION, "hank@example.com")
    assert "another interviewer" in cancelled.body
    [invited] = sent(Kind.INVITATION, berlin.user.email)
    assert "12:00 your time" in invited.body  # Berlin
    # Same time for the candidate: nothing to tell them.
    assert not sent(to=round_.loop.candidate.email)
    assert row(round_, Kind.BEFORE_1H, berlin.user.email).due_at == start - dt.timedelta(hours=1)
    assert not Reminder.objects.filter(email="hank@example.com", status=ReminderStatus.PENDING).exists()


def test_cancelling_a_round_withdraws_its_reminders_and_tells_the_interviewer_and_the_candidate(world):
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=upcoming(LONDON, 3, 11))
    candidate = round_.loop.candidate
    run_sweep(timezone.now())
    services.cancel_round(round=round_, by=world.recruiter, reason="Position on hold.")

    assert (
        not Reminder.objects.filter(round=round_, status=ReminderStatus.PENDING)
        .exclude(kind=Kind.CANCELLATION)
        .exists()
    )
    run_sweep(timezone.now() + dt.timedelta(days=10))
    assert len(sent(Kind.CANCELLATION, "hank@example.com")) == 1
    assert len(sent(Kind.CANCELLATION, candidate.email)) == 1
    assert not sent(Kind.BEFORE_24H) and not sent(Kind.FEEDBACK_DUE) and not sent(Kind.ESCALATION)


def test_cancelling_a_round_whose_invitation_never_went_out_tells_nobody(world):
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=upcoming(LONDON, 3, 11))
    services.cancel_round(round=round_, by=world.recruiter, reason="Scheduled by mistake.")
    run_sweep(timezone.now())
    assert mail.outbox == []


def test_a_no_show_withdraws_the_reminders_and_tells_nobody(world):
    loop = world.scheduled_loop()
    first = loop.rounds.get(order=1)
    run_sweep(timezone.now())
    mail.outbox.clear()
    services.mark_no_show(round=first, by=world.recruiter)
    assert not Reminder.objects.filter(round=first, status=ReminderStatus.PENDING).exists()
    run_sweep(timezone.now() + dt.timedelta(days=3))
    assert not sent(to=first.interviewer.user.email)


def test_a_veto_tells_the_cancelled_rounds_interviewers_and_the_recruiter_but_not_the_candidate(world):
    loop = world.scheduled_loop()
    run_sweep(timezone.now())
    mail.outbox.clear()
    first = loop.rounds.get(order=1)
    world.submit(first, veto=True, veto_reason="Plagiarised the take-home.")
    # Rounds that had begun are recorded as held; the three still ahead are cancelled.
    cancelled = list(loop.rounds.filter(status=RoundStatus.CANCELLED).select_related("interviewer__user"))
    assert len(cancelled) == 3

    run_sweep(timezone.now())
    told = sorted(m.to[0] for m in sent(Kind.VETO_NOTICE))
    assert told == sorted([r.interviewer.user.email for r in cancelled] + ["rita@example.com"])
    assert not sent(to=loop.candidate.email)
    assert not sent(Kind.CANCELLATION)
    [to_recruiter] = sent(Kind.VETO_NOTICE, "rita@example.com")
    assert "Plagiarised the take-home." in to_recruiter.body
    assert "not been emailed" in to_recruiter.body
    for message in sent(Kind.VETO_NOTICE):
        if message.to != ["rita@example.com"]:
            assert "Plagiarised" not in message.body  # rule 5: not before their own scorecard
    assert not Reminder.objects.filter(round__loop=loop, status=ReminderStatus.PENDING).exists()


def test_a_veto_can_be_set_to_tell_the_candidate_of_the_interviews_still_ahead(world, settings):
    settings.HIRING_VETO_TELLS_CANDIDATE = True
    loop = world.scheduled_loop()  # rounds from two hours ago, an hour apart
    run_sweep(timezone.now())
    mail.outbox.clear()
    world.submit(loop.rounds.get(order=1), veto=True, veto_reason="Not a fit.")
    run_sweep(timezone.now())
    ahead = loop.rounds.filter(status=RoundStatus.CANCELLED, starts_at__gt=timezone.now()).count()
    assert len(sent(Kind.CANCELLATION, loop.candidate.email)) == ahead == 3
    assert "has been told" in sent(Kind.VETO_NOTICE, "rita@example.com")[0].body


@pytest.mark.parametrize("close", ["reject", "withdraw"])
def test_feedback_nudges_are_withdrawn_when_the_loop_is_closed(world, close):
    loop = world.scheduled_loop()
    second = loop.rounds.get(order=2)
    services.mark_round_held(round=second, by=world.recruiter)
    if close == "reject":
        services.decide(
            loop=loop, outcome="reject", rejection_reason="other", by=world.recruiter, reason="Hired someone else."
        )
    else:
        services.withdraw(loop=loop, by=world.recruiter, reason="Took another offer.")
    # Withdrawn with the change itself, in its transaction, not later by the sweep.
    withdrawn = Reminder.objects.get(round=second, kind=Kind.FEEDBACK_DUE)
    assert withdrawn.status == ReminderStatus.WITHDRAWN
    run_sweep(timezone.now() + dt.timedelta(days=4))
    assert not sent(Kind.FEEDBACK_DUE, second.interviewer.user.email)
    assert not sent(Kind.FEEDBACK_OVERDUE, second.interviewer.user.email)
    assert not sent(Kind.ESCALATION)


def test_a_round_moved_into_the_past_is_announced_to_nobody_but_its_feedback_is_still_chased(world):
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=upcoming(LONDON, 3, 11))
    run_sweep(timezone.now())
    mail.outbox.clear()
    held_yesterday = timezone.now() - dt.timedelta(days=1)
    services.reschedule_round(
        round=round_, starts_at=held_yesterday, by=world.recruiter, reason="Held earlier.", **ANY_HOUR
    )
    run_sweep(timezone.now())
    assert not sent(Kind.UPDATE) and not sent(Kind.INVITATION)
    assert Reminder.objects.filter(round=round_, kind=Kind.FEEDBACK_DUE, key__contains=":s1:").exists()


# --- backfilled rounds (issue 8, fault 11) ------------------------------------------------


def always_at_work(*users) -> None:
    """Working hours round the clock, so nothing here waits for a working morning and
    the tests mean the same whatever the hour they run at."""
    from hiring.models import Interviewer

    Interviewer.objects.filter(user__in=users).update(
        work_start=dt.time(0, 0), work_end=dt.time(23, 59, 59), work_days="1234567"
    )


def test_a_round_recorded_days_after_it_was_held_asks_for_feedback_once_later_and_escalates_only_if_still_owed(
    world,
):
    """The policy is in planning.feedback_clock: a backfill's feedback clock starts
    when it is recorded, so nothing is sent at once and the recruiter is not told
    of lateness nobody could avoid."""
    always_at_work(world.manager, world.recruiter)
    recorded = timezone.now()
    held = recorded - dt.timedelta(days=5)
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=held)
    rows = Reminder.objects.filter(round=round_)
    assert sorted(rows.values_list("kind", flat=True)) == [Kind.ESCALATION, Kind.FEEDBACK_DUE]
    due = rows.get(kind=Kind.FEEDBACK_DUE)
    escalation = rows.get(kind=Kind.ESCALATION)
    allowance = dt.timedelta(hours=1)
    assert due.due_at >= recorded + allowance  # then in the interviewer's working hours
    assert escalation.due_at >= recorded + allowance + dt.timedelta(hours=48)

    run_sweep(recorded + dt.timedelta(minutes=1))
    assert mail.outbox == []
    for hour in range(1, 48):  # two days of hourly beats: one request for feedback, no escalation
        run_sweep(recorded + dt.timedelta(hours=hour))
    [asked] = sent(Kind.FEEDBACK_DUE, "hank@example.com")
    assert "overdue" not in asked.subject.lower()
    assert not sent(Kind.ESCALATION)

    world.submit(Round.objects.get(pk=round_.pk))
    for hour in range(48, 24 * 7):
        run_sweep(recorded + dt.timedelta(hours=hour))
    assert not sent(Kind.ESCALATION)


def test_a_week_of_rounds_backfilled_at_once_sends_nothing_right_away(world):
    always_at_work(world.manager, world.recruiter)
    recorded = timezone.now()
    for days in range(1, 7):
        schedule_one(world, interviewer=world.manager.interviewer, start=recorded - dt.timedelta(days=days, hours=2))
    run_sweep(recorded)
    run_sweep(recorded + dt.timedelta(minutes=30))
    assert mail.outbox == []
    assert not Reminder.objects.filter(due_at__lt=recorded + dt.timedelta(hours=1)).exists()


def test_a_round_recorded_while_its_feedback_is_not_yet_due_keeps_the_usual_clock(world):
    start = timezone.now() - dt.timedelta(minutes=50)  # 45 minutes long: feedback due in 55 minutes
    round_ = schedule_one(world, interviewer=world.manager.interviewer, start=start)
    due = Reminder.objects.get(round=round_, kind=Kind.FEEDBACK_DUE)
    assert "backfilled" not in due.payload
    assert due.payload["feedback_due_at"] == round_.feedback_due_at.astimezone(UTC).isoformat()
