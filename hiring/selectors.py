"""Reads that cross relations, shaped so a list costs the same few queries
whatever its length."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Avg, Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from hiring.models import (
    FEEDBACK_ROUND_STATUSES,
    OPEN_LOOP_STATUSES,
    Candidate,
    Competency,
    Loop,
    LoopStatus,
    Rating,
    Recommendation,
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


def scorecards_visible_to(user: User) -> QuerySet[Scorecard]:
    """Every submitted scorecard anywhere that this person may read (API lists)."""
    qs = Scorecard.objects.filter(submitted_at__isnull=False)
    if is_recruiter(user):
        return qs
    own_submitted_loops = Scorecard.objects.filter(
        round__loop=OuterRef("round__loop"), round__interviewer__user=user, submitted_at__isnull=False
    )
    return qs.filter(
        Q(round__loop__position__hiring_manager=user) | Q(round__interviewer__user=user) | Exists(own_submitted_loops)
    )


# --- rule 6 -------------------------------------------------------------------


def hire_blockers_of_loaded(loop: Loop, rounds: list[Round], current_scorecards: list[Scorecard]) -> list[str]:
    """hire_blockers() from rows a page has already read: every round of the loop and every
    current scorecard of it (as the debrief shows them), so the rule costs no query."""
    scored = {card.round_id for card in current_scorecards}
    states = [RoundState(label=r.label, kind=r.kind, status=r.status, has_scorecard=r.pk in scored) for r in rounds]
    return _hire_blockers(
        loop_status=loop.status, vetoed=loop.is_vetoed, rounds=states, position_min=loop.position.min_rounds
    )


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


def _my_feedback_rounds(user: User) -> QuerySet[Round]:
    """The person's rounds that take feedback, in open loops, soonest first.

    The filter on status is round_open_by_interviewer_idx's own condition and the order is
    its columns, so each list reads just the rows it shows, however long the person's history.
    The interviewer's id goes in as a value (the profile the time-zone middleware has already
    read), not as a join on the user: only then can PostgreSQL see how many rows that person
    has and walk the index in order instead of sorting all of them.
    """
    try:
        interviewer = user.interviewer
    except ObjectDoesNotExist:
        return Round.objects.none()
    return (
        Round.objects.filter(
            interviewer=interviewer,
            status__in=FEEDBACK_ROUND_STATUSES,
            starts_at__isnull=False,
            loop__status__in=OPEN_LOOP_STATUSES,
        )
        .select_related("loop__candidate", "loop__position")
        .order_by("starts_at", "pk")
    )


def my_owed_rounds(user: User, *, now: dt.datetime) -> QuerySet[Round]:
    """Rounds that have begun and still owe this person's scorecard, oldest first (so the
    most overdue first: feedback falls due a fixed time after the interview ends), each
    with whether a draft is saved."""
    draft = Scorecard.objects.filter(round=OuterRef("pk"), submitted_at__isnull=True)
    return _my_feedback_rounds(user).filter(starts_at__lte=now).annotate(has_draft=Exists(draft))


def my_upcoming_rounds(user: User, *, now: dt.datetime) -> QuerySet[Round]:
    """Interviews still ahead, soonest first, with the competencies each assesses."""
    return _my_feedback_rounds(user).filter(starts_at__gt=now).prefetch_related(web_competencies_prefetch())


def my_recent_scorecards(user: User, *, since: dt.datetime, limit: int = 10) -> list[Scorecard]:
    return list(
        Scorecard.objects.filter(author=user, is_current=True, submitted_at__gte=since)
        .select_related("round__loop__candidate", "round__loop__position")
        .order_by("-submitted_at")[:limit]
    )


def loops_awaiting_decision_for(user: User) -> QuerySet[Loop]:
    """Loops a hiring manager (or the position's recruiter) should decide now, longest waiting first."""
    mine = Q(position__hiring_manager=user)
    if is_recruiter(user):
        mine |= Q(position__recruiter=user)
    return (
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


def debrief_scorecards(loop: Loop) -> list[Scorecard]:
    """Every current scorecard of a loop, for those who see them all (recruiters and the
    hiring manager: the debrief checks that first), with each rating's competency in the
    same query as the ratings."""
    return list(
        Scorecard.objects.filter(round__loop=loop, is_current=True)
        .select_related("round__interviewer__user", "round__interviewer__department", "author")
        .prefetch_related(Prefetch("ratings", queryset=Rating.objects.select_related("competency")))
        .order_by("round__order")
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


# --- the decision's summary ---------------------------------------------------


def scorecard_summary(loop: Loop) -> dict:
    """What the panel said, in two aggregate queries whatever the panel's size.

    Only the current revision of each round counts (an amendment replaces the
    earlier one); drafts never count. Returns {"tally": [(value, label, n)],
    "means": [(competency name, mean, n)], "submitted": total}.
    """
    current = Scorecard.objects.filter(round__loop=loop, is_current=True)
    counts = dict(current.values_list("recommendation").annotate(n=Count("id")).order_by())
    labels = dict(Recommendation.choices)
    tally = [(value, labels[value], counts.get(value, 0)) for value in Recommendation.values]
    means = [
        (name, mean, n)
        for name, mean, n in Rating.objects.filter(scorecard__in=current)
        .values_list("competency__name")
        .annotate(mean=Avg("score"), n=Count("id"))
        .order_by("competency__name")
    ]
    return {"tally": tally, "means": means, "submitted": sum(counts.values())}
