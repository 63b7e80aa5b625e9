"""The hiring rules of DESIGN.md, through the services every caller uses.

Each illegal change must raise an error a recruiter understands and leave
nothing half-written behind.
"""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from hiring import services
from hiring.models import (
    Decision,
    Event,
    EventKind,
    Loop,
    LoopStatus,
    Position,
    Recommendation,
    Round,
    RoundKind,
    RoundStatus,
    Scorecard,
)
from hiring.rules import DomainError, NotPermitted
from tests.factories import ANY_HOUR, CandidateFactory, InterviewerFactory, LevelFactory, make_plan

pytestmark = pytest.mark.django_db

SOON = dt.timedelta(days=2)


def soon(hours: int = 0) -> dt.datetime:
    return timezone.now() + SOON + dt.timedelta(hours=hours)


# --- rule 1: five rounds or more -----------------------------------------------------


def test_a_loop_plan_needs_at_least_five_rounds(world):
    specs = [services.RoundSpec(kind=k) for k in ["screen", "technical", "culture", "bar_raiser"]]
    with pytest.raises(DomainError, match="at least 5 rounds; this one has 4"):
        services.create_loop_plan(name="Short", rounds=specs, by=world.recruiter)


def test_a_loop_plan_needs_exactly_one_bar_raiser(world):
    none = [services.RoundSpec(kind=k) for k in ["screen", "technical", "culture", "other", "hiring_manager"]]
    with pytest.raises(DomainError, match="needs a bar-raiser round"):
        services.create_loop_plan(name="No BR", rounds=none, by=world.recruiter)
    two = [services.RoundSpec(kind=k) for k in ["screen", "technical", "culture", "bar_raiser", "bar_raiser"]]
    with pytest.raises(DomainError, match="exactly one bar-raiser round; this one has 2"):
        services.create_loop_plan(name="Two BR", rounds=two, by=world.recruiter)


@override_settings(HIRING_MIN_ROUNDS=7)
def test_a_setting_can_raise_the_floor_and_a_loop_below_it_is_not_started(world):
    with pytest.raises(DomainError, match="at least 7 rounds; this one has 6"):
        world.start_loop()
    assert not Loop.objects.exists()


@override_settings(HIRING_MIN_ROUNDS=3)
def test_a_setting_cannot_lower_the_floor_below_five(world):
    plan = make_plan(
        "Four rounds", kinds=[RoundKind.SCREEN, RoundKind.TECHNICAL, RoundKind.CULTURE, RoundKind.BAR_RAISER]
    )
    world.position.loop_plan = plan
    world.position.save()
    with pytest.raises(DomainError, match="at least 5 rounds; this one has 4"):
        world.start_loop()


def test_a_position_may_ask_for_more_rounds_than_the_floor(world):
    Position.objects.filter(pk=world.position.pk).update(min_rounds=7)
    with pytest.raises(DomainError, match="at least 7 rounds"):
        world.start_loop()


def test_the_database_refuses_a_position_below_five_rounds(world):
    with pytest.raises(IntegrityError), transaction.atomic():
        Position.objects.filter(pk=world.position.pk).update(min_rounds=4)


def test_a_loop_starts_with_one_planned_round_per_plan_round(world):
    loop = world.start_loop()
    rounds = list(loop.rounds.order_by("order"))
    assert loop.status == LoopStatus.DRAFT
    assert [r.kind for r in rounds] == [t.kind for t in world.plan.rounds.order_by("order")]
    assert {r.status for r in rounds} == {RoundStatus.PLANNED}
    assert rounds[1].competencies.count() == world.plan.rounds.get(order=2).competencies.count() > 0
    assert Event.objects.filter(loop=loop, kind=EventKind.LOOP_CREATED, actor=world.recruiter).exists()


def test_a_candidate_has_one_open_loop_per_position(world):
    candidate = CandidateFactory()
    world.start_loop(candidate)
    with pytest.raises(DomainError, match="already has an open loop for Backend Engineer"):
        world.start_loop(candidate)


# --- rule 2: a varied panel ---------------------------------------------------------


def test_no_interviewer_sits_twice_in_a_loop(world):
    loop = world.start_loop()
    first, second = loop.rounds.order_by("order")[:2]
    ivy = world.interviewers[0]
    services.schedule_round(round=first, interviewer=ivy, starts_at=soon(), by=world.recruiter, **ANY_HOUR)
    with pytest.raises(DomainError, match=f"{ivy.name} already sits on this loop"):
        services.schedule_round(round=second, interviewer=ivy, starts_at=soon(3), by=world.recruiter, **ANY_HOUR)
    second.refresh_from_db()
    assert second.status == RoundStatus.PLANNED and second.interviewer is None


def test_the_database_refuses_an_interviewer_twice_in_a_loop(world):
    loop = world.scheduled_loop()
    first, second = loop.rounds.order_by("order")[:2]
    with pytest.raises(IntegrityError), transaction.atomic():
        Round.objects.filter(pk=second.pk).update(interviewer=first.interviewer)


@override_settings(HIRING_PANEL_MIN_DEPARTMENTS=3)
def test_a_panel_spanning_too_few_departments_is_refused_at_the_last_seat(world):
    # A bar raiser from outside the hiring department already makes two departments,
    # so the rule is shown with the threshold raised to three.
    loop = world.start_loop()
    seats = world.panel_for(loop)
    for i, (round_, interviewer) in enumerate(seats[:-1]):
        services.schedule_round(
            round=round_, interviewer=interviewer, starts_at=soon(i), by=world.recruiter, **ANY_HOUR
        )
    last_round, last_interviewer = seats[-1]
    with pytest.raises(DomainError, match=r"spans 2 departments \(Engineering, Product\); it needs at least 3"):
        services.schedule_round(
            round=last_round, interviewer=last_interviewer, starts_at=soon(9), by=world.recruiter, **ANY_HOUR
        )
    last_round.refresh_from_db()
    assert last_round.status == RoundStatus.PLANNED
    assert Loop.objects.get(pk=loop.pk).status == LoopStatus.DRAFT


def test_a_panel_of_one_seniority_level_is_refused(world):
    loop = world.start_loop()
    level = LevelFactory(rank=7, name="Staff")
    panel = [
        InterviewerFactory(department=world.product if i % 2 else world.engineering, level=level) for i in range(5)
    ]
    raiser = InterviewerFactory(department=world.product, level=level, is_bar_raiser=True)
    rounds = list(loop.rounds.order_by("order"))
    seats = iter(panel)
    for i, round_ in enumerate(rounds[:-1]):
        interviewer = raiser if round_.kind == RoundKind.BAR_RAISER else next(seats)
        services.schedule_round(
            round=round_, interviewer=interviewer, starts_at=soon(i), by=world.recruiter, **ANY_HOUR
        )
    last = rounds[-1]
    with pytest.raises(DomainError, match=r"spans 1 seniority level; it needs at least 2"):
        services.schedule_round(
            round=last,
            interviewer=raiser if last.kind == RoundKind.BAR_RAISER else next(seats),
            starts_at=soon(8),
            by=world.recruiter,
            **ANY_HOUR,
        )


def test_a_complete_varied_panel_schedules_the_loop(world):
    loop = world.scheduled_loop()
    assert loop.status == LoopStatus.SCHEDULED
    assert Event.objects.filter(loop=loop, kind=EventKind.LOOP_SCHEDULED).count() == 1


def test_an_interviewer_cannot_be_double_booked(world):
    one, two = world.start_loop(), world.start_loop()
    ivy = world.interviewers[0]
    services.schedule_round(
        round=one.rounds.get(order=1), interviewer=ivy, starts_at=soon(), by=world.recruiter, **ANY_HOUR
    )
    with pytest.raises(DomainError, match="already has an interview at that time"):
        services.schedule_round(
            round=two.rounds.get(order=1),
            interviewer=ivy,
            starts_at=soon() + dt.timedelta(minutes=30),
            by=world.recruiter,
            **ANY_HOUR,
        )


# --- rule 3: the bar raiser ----------------------------------------------------------


def test_the_bar_raiser_must_be_trained(world):
    loop = world.start_loop()
    bar_round = loop.rounds.get(kind=RoundKind.BAR_RAISER)
    untrained = world.interviewers[1]  # Product, not trained
    with pytest.raises(DomainError, match=f"{untrained.name} is not a trained bar raiser"):
        services.schedule_round(
            round=bar_round, interviewer=untrained, starts_at=soon(), by=world.recruiter, **ANY_HOUR
        )


def test_the_bar_raiser_must_come_from_another_department(world):
    loop = world.start_loop()
    bar_round = loop.rounds.get(kind=RoundKind.BAR_RAISER)
    insider = InterviewerFactory(department=world.engineering, level=world.senior, is_bar_raiser=True)
    with pytest.raises(DomainError, match="The bar raiser must come from a department other than Engineering"):
        services.schedule_round(round=bar_round, interviewer=insider, starts_at=soon(), by=world.recruiter, **ANY_HOUR)
    bar_round.refresh_from_db()
    assert bar_round.interviewer is None


def test_a_loop_has_one_bar_raiser_round_at_the_database_too(world):
    loop = world.start_loop()
    with pytest.raises(DomainError, match="already has a bar-raiser round"):
        services.add_round(loop=loop, kind=RoundKind.BAR_RAISER, by=world.recruiter, reason="Second opinion")
    with pytest.raises(IntegrityError), transaction.atomic():
        Round.objects.create(loop=loop, order=99, kind=RoundKind.BAR_RAISER)


# --- rule 4: any interviewer can veto ----------------------------------------------------


def test_it_rejects_a_veto_without_reason_and_writes_nothing(world):
    loop = world.scheduled_loop()
    round_ = loop.rounds.get(order=1)
    with pytest.raises(ValidationError) as caught:
        world.submit(round_, veto=True, veto_reason="   ")
    assert caught.value.message_dict == {"veto_reason": ["A veto needs a written reason."]}
    assert not Scorecard.objects.filter(round=round_).exists()
    loop.refresh_from_db()
    assert loop.status == LoopStatus.SCHEDULED and not loop.is_vetoed


def test_a_veto_rejects_the_loop_at_once_and_cancels_the_rounds_not_yet_held(world):
    # Rounds at -150, -90, -30, +30, +90 and +150 minutes: three have begun, three are ahead.
    loop = world.scheduled_loop(start=timezone.now() - dt.timedelta(minutes=150))
    rounds = list(loop.rounds.order_by("order"))
    world.submit(rounds[0])
    services.mark_round_held(round=rounds[1], by=world.recruiter)  # held, feedback not in yet
    card = world.submit(rounds[2], veto=True, veto_reason="Plagiarised the take-home.")

    loop.refresh_from_db()
    assert loop.status == LoopStatus.REJECTED
    assert loop.veto_scorecard == card
    statuses = dict(Round.objects.filter(loop=loop).values_list("order", "status"))
    assert statuses[1] == RoundStatus.SUBMITTED
    assert statuses[2] == RoundStatus.HELD  # already held: it stays on record
    assert statuses[3] == RoundStatus.SUBMITTED
    assert {statuses[o] for o in (4, 5, 6)} == {RoundStatus.CANCELLED}
    vetoed = Event.objects.get(loop=loop, kind=EventKind.LOOP_VETOED)
    assert vetoed.actor == rounds[2].interviewer.user
    assert vetoed.reason == "Plagiarised the take-home."
    assert Event.objects.filter(loop=loop, kind=EventKind.ROUND_CANCELLED).count() == 3


def test_a_round_that_had_begun_when_the_loop_closed_is_recorded_as_held_not_cancelled(world):
    # Rounds at -90, -30, +30 ... minutes; the second began but no one marked it held.
    loop = world.scheduled_loop(start=timezone.now() - dt.timedelta(minutes=90))
    rounds = list(loop.rounds.order_by("order"))
    world.submit(rounds[0], veto=True, veto_reason="Lied about a degree.")
    statuses = list(Round.objects.filter(loop=loop).order_by("order").values_list("status", flat=True))
    assert statuses[:3] == [RoundStatus.SUBMITTED, RoundStatus.HELD, RoundStatus.CANCELLED]
    held = Event.objects.get(round=rounds[1], kind=EventKind.ROUND_HELD)
    assert held.actor is None and "begun when the loop closed" in held.reason


def test_no_hire_can_be_recorded_on_a_vetoed_loop(world):
    loop = world.awaiting_decision_loop()
    services.amend_scorecard(
        round=loop.rounds.get(order=2),
        by=loop.rounds.get(order=2).interviewer.user,
        ratings={c.pk: 1 for c in loop.rounds.get(order=2).competencies.all()},
        recommendation=Recommendation.STRONG_NO,
        veto=True,
        veto_reason="Hostile to a colleague in the debrief.",
    )
    for who in (world.manager, world.recruiter):
        with pytest.raises(DomainError, match="vetoed"):
            services.decide(loop=loop, outcome="hire", by=who)
    assert not Decision.objects.exists()


def test_the_database_refuses_a_hire_on_a_vetoed_loop(world):
    loop = world.scheduled_loop()
    world.submit(loop.rounds.get(order=1), veto=True, veto_reason="No.")
    with pytest.raises(IntegrityError), transaction.atomic():
        Loop.objects.filter(pk=loop.pk).update(status=LoopStatus.HIRED)


def test_nothing_changes_in_a_vetoed_loop(world):
    loop = world.scheduled_loop()
    world.submit(loop.rounds.get(order=1), veto=True, veto_reason="No.")
    with pytest.raises(DomainError, match="vetoed and is closed"):
        world.submit(loop.rounds.get(order=2))
    with pytest.raises(DomainError, match="vetoed and is closed"):
        services.withdraw(loop=loop, by=world.recruiter, reason="Too late")


# --- rule 5: independent feedback, kept history ------------------------------------------


def test_a_scorecard_is_submitted_once(world):
    loop = world.scheduled_loop()
    round_ = loop.rounds.get(order=1)
    world.submit(round_)
    with pytest.raises(DomainError, match="already submitted this scorecard; amend it"):
        world.submit(round_)
    assert Scorecard.objects.filter(round=round_).count() == 1


def test_an_amendment_is_a_new_revision_and_the_old_one_stays(world):
    loop = world.scheduled_loop()
    round_ = loop.rounds.select_related("interviewer__user").get(order=1)
    first = world.submit(round_, recommendation=Recommendation.YES)
    second = services.amend_scorecard(
        round=round_,
        by=round_.interviewer.user,
        ratings={c.pk: 2 for c in round_.competencies.all()},
        recommendation=Recommendation.NO,
        notes="On reflection, weaker.",
    )
    first.refresh_from_db()
    assert (first.revision, first.is_current, first.recommendation) == (1, False, Recommendation.YES)
    assert (second.revision, second.is_current, second.recommendation) == (2, True, Recommendation.NO)
    assert list(first.ratings.values_list("score", flat=True)) == [3] * round_.competencies.count()
    assert Event.objects.filter(round=round_, kind=EventKind.SCORECARD_AMENDED).count() == 1


def test_a_draft_is_kept_and_becomes_the_submission(world):
    loop = world.scheduled_loop()
    round_ = loop.rounds.select_related("interviewer__user").get(order=2)
    competency = round_.competencies.first()
    services.save_scorecard_draft(
        round=round_, by=round_.interviewer.user, ratings={competency.pk: 4}, notes="Half way"
    )
    assert loop.rounds.get(order=2).status == RoundStatus.SCHEDULED  # a draft changes nothing
    card = world.submit(round_)
    assert Scorecard.objects.filter(round=round_).count() == 1
    assert card.submitted_at is not None and card.is_current


def test_only_the_rounds_interviewer_writes_its_scorecard(world):
    loop = world.scheduled_loop()
    round_ = loop.rounds.get(order=1)
    with pytest.raises(NotPermitted, match="Only the round's interviewer"):
        services.submit_scorecard(
            round=round_, by=world.interviewers[4].user, ratings={}, recommendation=Recommendation.YES
        )


def test_a_rating_off_the_scale_is_refused_with_its_field(world):
    loop = world.scheduled_loop()
    round_ = loop.rounds.select_related("interviewer__user").get(order=1)
    with pytest.raises(ValidationError) as caught:
        services.submit_scorecard(
            round=round_,
            by=round_.interviewer.user,
            ratings={c.pk: 5 for c in round_.competencies.all()},
            recommendation=Recommendation.YES,
        )
    assert "ratings run from 1 to 4" in caught.value.message_dict["ratings"][0]
    assert not Scorecard.objects.exists()


def test_feedback_waits_for_the_interview_to_start(world):
    loop = world.scheduled_loop(start=soon())
    with pytest.raises(DomainError, match="has not started yet"):
        world.submit(loop.rounds.get(order=1))


# --- rule 6: the decision -----------------------------------------------------------------


def test_a_hire_needs_every_round_submitted(world):
    loop = world.scheduled_loop(start=timezone.now() - dt.timedelta(hours=8))
    world.submit(loop.rounds.get(order=1))
    with pytest.raises(DomainError, match="has no submitted scorecard yet"):
        services.decide(loop=loop, outcome="hire", by=world.manager)
    loop.refresh_from_db()
    assert loop.status == LoopStatus.IN_PROGRESS


def test_a_hire_needs_the_bar_raisers_scorecard(world):
    loop = world.scheduled_loop(start=timezone.now() - dt.timedelta(hours=8))
    for round_ in loop.rounds.exclude(kind=RoundKind.BAR_RAISER):
        world.submit(round_)
    services.cancel_round(round=loop.rounds.get(kind=RoundKind.BAR_RAISER), by=world.recruiter, reason="Bar raiser ill")
    loop.refresh_from_db()
    assert loop.status == LoopStatus.IN_PROGRESS  # five rounds in, but no bar raiser: not ready
    with pytest.raises(DomainError, match="needs the bar raiser's submitted scorecard"):
        services.decide(loop=loop, outcome="hire", by=world.manager)


def test_a_hire_is_recorded_when_every_rule_holds(world):
    loop = world.awaiting_decision_loop()
    decision = services.decide(loop=loop, outcome="hire", by=world.manager, reason="Great panel.")
    loop.refresh_from_db()
    assert loop.status == LoopStatus.HIRED and loop.closed_at is not None
    assert decision.decided_by == world.manager
    event = Event.objects.get(loop=loop, kind=EventKind.LOOP_DECIDED)
    assert event.data["outcome"] == "hire" and event.actor == world.manager


def test_only_the_hiring_manager_or_a_recruiter_decides(world):
    loop = world.awaiting_decision_loop()
    with pytest.raises(NotPermitted, match="Only the hiring manager or a recruiter"):
        services.decide(loop=loop, outcome="hire", by=world.interviewers[0].user)


def test_a_reject_needs_a_reason_and_cancels_what_is_left(world):
    loop = world.scheduled_loop(start=soon())
    with pytest.raises(ValidationError, match="Say why"):
        services.decide(loop=loop, outcome="reject", rejection_reason="other", by=world.manager, reason="")
    services.decide(loop=loop, outcome="reject", rejection_reason="other", by=world.manager, reason="Role closed.")
    assert set(loop.rounds.values_list("status", flat=True)) == {RoundStatus.CANCELLED}


# --- lifecycle and record -----------------------------------------------------------------------


def test_the_loop_moves_through_its_lifecycle_with_an_event_at_each_step(world):
    loop = world.scheduled_loop(start=timezone.now() - dt.timedelta(hours=8))
    rounds = list(loop.rounds.order_by("order"))
    world.submit(rounds[0])
    loop.refresh_from_db()
    assert loop.status == LoopStatus.IN_PROGRESS
    for round_ in rounds[1:]:
        world.submit(round_)
    loop.refresh_from_db()
    assert loop.status == LoopStatus.AWAITING_DECISION
    kinds = list(Event.objects.filter(loop=loop).values_list("kind", flat=True))
    assert kinds.count(EventKind.ROUND_SCHEDULED) == 6
    assert kinds.count(EventKind.SCORECARD_SUBMITTED) == 6
    assert kinds.count(EventKind.LOOP_SCHEDULED) == 1
    assert kinds.count(EventKind.LOOP_STATUS_CHANGED) == 2


def test_adding_a_round_after_all_feedback_reopens_the_loop(world):
    loop = world.awaiting_decision_loop()
    services.add_round(loop=loop, kind=RoundKind.TECHNICAL, by=world.recruiter, reason="Second coding round")
    loop.refresh_from_db()
    assert loop.status == LoopStatus.IN_PROGRESS
    with pytest.raises(DomainError, match="has no submitted scorecard yet"):
        services.decide(loop=loop, outcome="hire", by=world.manager)


def test_withdrawing_cancels_the_rounds_and_records_why(world):
    loop = world.scheduled_loop(start=soon())
    services.withdraw(loop=loop, by=world.recruiter, reason="Accepted another offer")
    loop.refresh_from_db()
    assert loop.status == LoopStatus.WITHDRAWN
    assert set(loop.rounds.values_list("status", flat=True)) == {RoundStatus.CANCELLED}
    event = Event.objects.get(loop=loop, kind=EventKind.CANDIDATE_WITHDRAWN)
    assert (event.actor, event.reason) == (world.recruiter, "Accepted another offer")


def test_only_recruiters_schedule_rounds(world):
    loop = world.start_loop()
    with pytest.raises(NotPermitted, match="Only recruiters can schedule rounds"):
        services.schedule_round(
            round=loop.rounds.first(),
            interviewer=world.interviewers[0],
            starts_at=soon(),
            by=world.interviewers[1].user,
            **ANY_HOUR,
        )


def test_a_start_without_a_zone_is_refused(world):
    loop = world.start_loop()
    with pytest.raises(ValidationError, match="with its zone"):
        services.schedule_round(
            round=loop.rounds.first(),
            interviewer=world.interviewers[0],
            starts_at=dt.datetime(2030, 1, 1, 9, 0),
            by=world.recruiter,
            **ANY_HOUR,
        )


def test_a_reschedule_bumps_the_calendar_sequence_and_records_the_old_time(world):
    loop = world.scheduled_loop(start=soon())
    round_ = loop.rounds.get(order=1)
    old = round_.starts_at
    services.reschedule_round(
        round=round_, starts_at=old + dt.timedelta(days=1), by=world.recruiter, reason="Candidate asked", **ANY_HOUR
    )
    round_.refresh_from_db()
    assert round_.sequence == 1 and round_.starts_at == old + dt.timedelta(days=1)
    event = Event.objects.get(round=round_, kind=EventKind.ROUND_RESCHEDULED)
    assert event.data["previous"]["starts_at"] == old.isoformat()


def test_a_candidate_email_is_unique_whatever_its_case(world):
    services.create_candidate(full_name="Ana", email="ana@example.org", time_zone="Europe/Lisbon", by=world.recruiter)
    with pytest.raises(ValidationError):
        services.create_candidate(
            full_name="Ana B", email="ANA@example.org", time_zone="Europe/Lisbon", by=world.recruiter
        )


def test_a_bad_time_zone_is_refused_with_its_field(world):
    with pytest.raises(ValidationError) as caught:
        services.create_candidate(full_name="Bo", email="bo@example.org", time_zone="Mars/Olympus", by=world.recruiter)
    assert "IANA time zone" in caught.value.message_dict["time_zone"][0]


def test_the_loop_keeps_its_earliest_due_feedback_for_the_overdue_filter(world):
    loop = world.scheduled_loop(start=timezone.now() - dt.timedelta(hours=3))
    rounds = list(loop.rounds.order_by("order"))
    loop.refresh_from_db()
    assert loop.feedback_due_at == rounds[0].feedback_due_at
    world.submit(rounds[0])
    loop.refresh_from_db()
    assert loop.feedback_due_at == rounds[1].feedback_due_at
    services.reschedule_round(
        round=rounds[1], starts_at=timezone.now() + dt.timedelta(days=2), by=world.recruiter, **ANY_HOUR
    )
    loop.refresh_from_db()
    assert loop.feedback_due_at == rounds[2].feedback_due_at
    services.withdraw(loop=loop, by=world.recruiter, reason="Took another offer")
    loop.refresh_from_db()
    assert loop.feedback_due_at is None  # a closed loop owes nothing, whatever its rounds say
