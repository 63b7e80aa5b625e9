"""Reads that cross relations, shaped so a list costs the same few queries
whatever its length."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import BooleanField, Case, Exists, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from hiring.models import (
    FEEDBACK_ROUND_STATUSES,
    OPEN_LOOP_STATUSES,
    Candidate,
    Competency,
    Decision,
    Event,
    EventKind,
    Loop,
    LoopStatus,
    Round,
    RoundStatus,
    Scorecard,
)
from hiring.rules import RoundState
from hiring.rules import hire_blockers as _hire_blockers

RECRUITERS_GROUP = "Recruiters"
User = AbstractBaseUser


# --- roles --------------------------------------------------------------------


def is_recruiter(user: User | None) -> bool:
    """Recruiters are staff in the Recruiters group (or superusers)."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if user.is_superuser:
        return True
    if not user.is_staff:
        return False
    cached = getattr(user, "_is_recruiter", None)
    if cached is None:
        cached = user.groups.filter(name=RECRUITERS_GROUP).exists()
        user._is_recruiter = cached
    return cached


# --- pipeline -----------------------------------------------------------------


def pipeline_rounds_prefetch(to_attr: str | None = None) -> Prefetch:
    return Prefetch(
        "rounds",
        queryset=Round.objects.select_related("interviewer__user", "interviewer__department").order_by("order"),
        to_attr=to_attr,
    )


def loops_with_pipeline() -> QuerySet[Loop]:
    """Loops with their rounds, interviewers and veto, in a fixed number of queries."""
    return Loop.objects.select_related(
        "candidate", "position__department", "veto_scorecard__round__interviewer__user"
    ).prefetch_related(pipeline_rounds_prefetch())


def loops_with_overdue_feedback(now=None) -> QuerySet[Loop]:
    """Open loops with a round whose feedback is past due: one lookup on a partial index
    (Loop.feedback_due_at is null for closed loops and loops owing nothing)."""
    return Loop.objects.filter(feedback_due_at__lt=now or timezone.now())


def candidates_with_pipeline(queryset: QuerySet[Candidate] | None = None) -> QuerySet[Candidate]:
    """Candidates with every loop and its rounds prefetched: three queries, any number of rows."""
    queryset = queryset if queryset is not None else Candidate.objects.all()
    return queryset.prefetch_related(
        Prefetch(
            "loops",
            queryset=Loop.objects.select_related("position__department", "veto_scorecard")
            .prefetch_related(pipeline_rounds_prefetch())
            .order_by("-created_at"),
        )
    )


def next_interview(candidate: Candidate):
    """From prefetched loops: the earliest scheduled round still ahead."""
    now = timezone.now()
    upcoming = [
        r
        for loop in candidate.loops.all()
        for r in loop.rounds.all()
        if r.status == RoundStatus.SCHEDULED and r.starts_at and r.starts_at >= now
    ]
    return min(upcoming, key=lambda r: r.starts_at, default=None)


# --- rule 5: independent feedback -------------------------------------------------


def can_see_all_scorecards(user: User, loop: Loop) -> bool:
    """Recruiters and the position's hiring manager see every scorecard."""
    return is_recruiter(user) or user.pk == loop.position.hiring_manager_id


def has_submitted_in_loop(user: User, loop: Loop) -> bool:
    return Scorecard.objects.filter(
        round__loop=loop, round__interviewer__user=user, submitted_at__isnull=False
    ).exists()


def visible_scorecards(user: User, loop: Loop) -> QuerySet[Scorecard]:
    """The submitted, current scorecards of a loop that this person may read.

    An interviewer sees nothing of the others' until they have submitted their
    own (rule 5); before that, only their own submitted scorecard (if any).
    """
    base = (
        Scorecard.objects.filter(round__loop=loop, is_current=True)
        .select_related("round__interviewer__user", "round__interviewer__department", "author")
        .prefetch_related("ratings__competency")
        .order_by("round__order")
    )
    if can_see_all_scorecards(user, loop) or has_submitted_in_loop(user, loop):
        return base
    return base.none()


# --- visibility: who reads which rows through the API ---------------------------------
# Recruiters read everything. Everyone else starts from their own rows: the loops
# they sit on (Round by interviewer: round_seat_idx) and the loops of the positions
# they manage (Position by hiring manager, then Loop by position). The two meet in
# one `loop_id IN (... UNION ...)`, never in an OR tested against every row of the
# table, so the planner may walk the person's own loops or scan the list's order
# probing a hash of them, whichever is cheaper; a page then costs about the same at
# 100,000 candidates as at 1,000 (figures in bench_api --lists).


def seated_loop_ids(user: User) -> QuerySet:
    """Ids of the loops where this person has a round (any state)."""
    return Round.objects.filter(interviewer__user=user).order_by().values("loop_id")


def managed_loop_ids(user: User) -> QuerySet:
    """Ids of the loops of the positions this person is the hiring manager of."""
    return Loop.objects.filter(position__hiring_manager=user).order_by().values("id")


def submitted_loop_ids(user: User) -> QuerySet:
    """Ids of the loops where this person has submitted a scorecard for their own round."""
    return (
        Scorecard.objects.filter(round__interviewer__user=user, submitted_at__isnull=False)
        .order_by()
        .values("round__loop_id")
    )


def visible_loop_ids(user: User) -> QuerySet:
    return seated_loop_ids(user).union(managed_loop_ids(user))


def feedback_loop_ids(user: User) -> QuerySet:
    """Loops where rule 5 lets this person read every scorecard: they manage it or have submitted."""
    return submitted_loop_ids(user).union(managed_loop_ids(user))


def loops_visible_to(user: User, queryset: QuerySet[Loop]) -> QuerySet[Loop]:
    if is_recruiter(user):
        return queryset
    return queryset.filter(pk__in=visible_loop_ids(user))


def candidates_visible_to(user: User, queryset: QuerySet[Candidate]) -> QuerySet[Candidate]:
    """Candidates of the loops the person sees (recruiters: all, loops or not)."""
    if is_recruiter(user):
        return queryset
    return queryset.filter(pk__in=Loop.objects.filter(pk__in=visible_loop_ids(user)).order_by().values("candidate_id"))


def rounds_visible_to(user: User, queryset: QuerySet[Round]) -> QuerySet[Round]:
    """Every round of the loops the person sees (a panel sees the whole pipeline, not the feedback)."""
    if is_recruiter(user):
        return queryset
    return queryset.filter(loop_id__in=visible_loop_ids(user))


def scorecards_visible_to(user: User, queryset: QuerySet[Scorecard] | None = None) -> QuerySet[Scorecard]:
    """Every submitted scorecard anywhere that this person may read (rule 5); drafts never.

    An interviewer's own scorecard is in a loop where they have submitted, so one
    test covers both "mine" and "the panel's, once mine is in".
    """
    qs = (queryset if queryset is not None else Scorecard.objects.all()).filter(submitted_at__isnull=False)
    if is_recruiter(user):
        return qs
    return qs.filter(round__loop_id__in=feedback_loop_ids(user))


def decisions_visible_to(user: User, queryset: QuerySet[Decision]) -> QuerySet[Decision]:
    """Decisions and their reasons: recruiters and the position's hiring manager."""
    if is_recruiter(user):
        return queryset
    return queryset.filter(loop_id__in=managed_loop_ids(user))


class EventAudience:
    """Who may read an event's reason and data: the same people who may read the
    object it describes through the API."""

    LOOP = "loop"  # the pipeline: anyone who sees the loop
    FEEDBACK = "feedback"  # scorecard content (rule 5): the manager, or a panelist once theirs is in
    DECISION = "decision"  # why a loop ended (decision, withdrawal): the position's hiring manager
    RECRUITERS = "recruiters"  # the recruiters' own records (candidate edits, reminders with addresses)


EVENT_AUDIENCE: dict[str, str] = {
    EventKind.CANDIDATE_CREATED: EventAudience.RECRUITERS,
    EventKind.CANDIDATE_UPDATED: EventAudience.RECRUITERS,
    EventKind.LOOP_CREATED: EventAudience.LOOP,
    EventKind.LOOP_SCHEDULED: EventAudience.LOOP,
    EventKind.LOOP_STATUS_CHANGED: EventAudience.LOOP,
    EventKind.ROUND_ADDED: EventAudience.LOOP,
    EventKind.ROUND_SCHEDULED: EventAudience.LOOP,
    EventKind.ROUND_RESCHEDULED: EventAudience.LOOP,
    EventKind.ROUND_CANCELLED: EventAudience.LOOP,
    EventKind.ROUND_HELD: EventAudience.LOOP,
    EventKind.ROUND_NO_SHOW: EventAudience.LOOP,
    EventKind.SCORECARD_SUBMITTED: EventAudience.FEEDBACK,  # reason: the veto reason; data: the recommendation
    EventKind.SCORECARD_AMENDED: EventAudience.FEEDBACK,
    EventKind.LOOP_VETOED: EventAudience.FEEDBACK,  # the veto reason, as on the vetoing scorecard
    EventKind.LOOP_DECIDED: EventAudience.DECISION,  # as /decisions/ shows it
    EventKind.CANDIDATE_WITHDRAWN: EventAudience.DECISION,
    EventKind.REMINDER_RESENT: EventAudience.RECRUITERS,  # data carries the recipient's email address
}


def _kinds_for(audience: str) -> list[str]:
    return [kind for kind, who in EVENT_AUDIENCE.items() if who == audience]


def events_visible_to(user: User, queryset: QuerySet[Event]) -> QuerySet[Event]:
    """Events of the loops the person sees, each annotated `content_visible`: whether
    its reason and data may be read (EVENT_AUDIENCE; a kind not listed there is
    the recruiters'). Events without a loop (a candidate's creation or edits) are
    the recruiters' alone."""
    if is_recruiter(user):
        return queryset.annotate(content_visible=Value(True, output_field=BooleanField()))
    return queryset.filter(loop_id__in=visible_loop_ids(user)).annotate(
        content_visible=Case(
            When(kind__in=_kinds_for(EventAudience.LOOP), then=Value(True)),
            When(Q(kind__in=_kinds_for(EventAudience.FEEDBACK), loop_id__in=feedback_loop_ids(user)), then=Value(True)),
            When(Q(kind__in=_kinds_for(EventAudience.DECISION), loop_id__in=managed_loop_ids(user)), then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
    )


# --- rule 6 -------------------------------------------------------------------


def hire_blockers(loop: Loop) -> list[str]:
    """Why a hire cannot be recorded on this loop now; empty when it can."""
    current = Scorecard.objects.filter(round=OuterRef("pk"), is_current=True)
    # A fresh query, not loop.rounds: that may carry a caller's prefetch.
    rounds = Round.objects.filter(loop=loop).annotate(has_scorecard=Exists(current)).only("title", "kind", "status")
    states = [RoundState(label=r.label, kind=r.kind, status=r.status, has_scorecard=r.has_scorecard) for r in rounds]
    return _hire_blockers(
        loop_status=loop.status, vetoed=loop.is_vetoed, rounds=states, position_min=loop.position.min_rounds
    )


# --- web ---
# Reads for the interviewer pages (hiring/views.py). Each returns what one page
# shows in a fixed number of queries, however many rounds or scorecards there are.


def web_competencies_prefetch(lookup: str = "competencies") -> Prefetch:
    return Prefetch(lookup, queryset=Competency.objects.order_by("name"))


def my_open_rounds(user: User) -> QuerySet[Round]:
    """The person's rounds still ahead or still owing feedback, soonest first.

    One query for the rounds (with candidate, position and whether a draft is
    saved) and one for their competencies.
    """
    draft = Scorecard.objects.filter(round=OuterRef("pk"), submitted_at__isnull=True)
    return (
        Round.objects.filter(
            interviewer__user=user,
            status__in=FEEDBACK_ROUND_STATUSES,
            starts_at__isnull=False,
            loop__status__in=OPEN_LOOP_STATUSES,
        )
        .select_related("loop__candidate", "loop__position")
        .prefetch_related(web_competencies_prefetch())
        .annotate(has_draft=Exists(draft))
        .order_by("starts_at", "pk")
    )


def my_recent_scorecards(user: User, *, since: dt.datetime, limit: int = 10) -> list[Scorecard]:
    return list(
        Scorecard.objects.filter(author=user, is_current=True, submitted_at__gte=since)
        .select_related("round__loop__candidate", "round__loop__position")
        .order_by("-submitted_at")[:limit]
    )


def loops_awaiting_decision_for(user: User) -> list[Loop]:
    """Loops a hiring manager (or the position's recruiter) should decide now."""
    mine = Q(position__hiring_manager=user)
    if is_recruiter(user):
        mine |= Q(position__recruiter=user)
    return list(
        Loop.objects.filter(mine, status=LoopStatus.AWAITING_DECISION)
        .select_related("candidate", "position__department")
        .order_by("updated_at", "pk")
    )


def round_for_packet(round_id: int) -> Round | None:
    """A round with everything its packet shows: the loop, its other rounds and the competencies."""
    return (
        Round.objects.filter(pk=round_id)
        .select_related(
            "interviewer__user",
            "loop__candidate",
            "loop__position__department",
            "loop__position__hiring_manager",
        )
        .prefetch_related(
            web_competencies_prefetch(),
            Prefetch(
                "loop__rounds",
                queryset=Round.objects.select_related("interviewer__user", "interviewer__department").order_by("order"),
            ),
        )
        .first()
    )


def sits_on_round(user: User, round_: Round) -> bool:
    return round_.interviewer is not None and round_.interviewer.user_id == user.pk


def may_view_round(user: User, round_: Round) -> bool:
    """The round's own interviewer, the position's hiring manager and recruiters; nobody else."""
    return sits_on_round(user, round_) or can_see_all_scorecards(user, round_.loop)


def round_scorecards(round_: Round, *, with_ratings: bool = True) -> list[Scorecard]:
    """Every revision (drafts too) of one round, oldest first."""
    revisions = round_.scorecards.order_by("revision")
    return list(revisions.prefetch_related("ratings") if with_ratings else revisions)


def loop_for_debrief(loop_id: int) -> Loop | None:
    """A loop with its rounds, their interviewers and competencies, the veto and the decision."""
    return (
        Loop.objects.filter(pk=loop_id)
        .select_related(
            "candidate",
            "position__department",
            "position__hiring_manager",
            "veto_scorecard__round__interviewer__user",
            "decision__decided_by",
        )
        .prefetch_related(
            Prefetch(
                "rounds",
                queryset=Round.objects.select_related("interviewer__user")
                .prefetch_related(web_competencies_prefetch())
                .order_by("order"),
            )
        )
        .first()
    )


def scorecard_for_viewer(user: User, scorecard_id: int) -> Scorecard | None:
    """A submitted scorecard revision, only if rule 5 lets this person read it."""
    scorecard = (
        Scorecard.objects.filter(pk=scorecard_id, submitted_at__isnull=False)
        .select_related("author", "round__interviewer__user", "round__loop__candidate", "round__loop__position")
        .first()
    )
    if scorecard is None:
        return None
    loop = scorecard.round.loop
    if scorecard.author_id == user.pk or can_see_all_scorecards(user, loop) or has_submitted_in_loop(user, loop):
        return scorecard
    return None
