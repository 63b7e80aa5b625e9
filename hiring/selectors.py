"""Reads that cross relations, shaped so a list costs the same few queries
whatever its length."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Avg, BooleanField, Case, Count, Exists, OuterRef, Prefetch, Q, QuerySet, Value, When
from django.utils import timezone

from hiring.models import (
    FEEDBACK_ROUND_STATUSES,
    OPEN_LOOP_STATUSES,
    Candidate,
    Competency,
    Decision,
    Event,
    EventKind,
    Interviewer,
    Loop,
    LoopStatus,
    Position,
    Question,
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


# --- visibility: who reads which rows through the API ---------------------------------
# Recruiters read everything. Everyone else starts from their own rows: the loops
# they sit on (their rounds, read from round_seat_idx alone) and the positions they
# manage. Who they are (their interviewer id, their positions) is read first, once
# per request, so each list's query carries those ids as constants and the planner
# sees how many rows they stand for: it walks a person's few loops and sorts them,
# or walks the list's order probing the seat index row by row for a person on many
# loops. The old filter (manager OR EXISTS over every row, with a join to find the
# person) scanned the whole table for a person on few loops. Figures, 1,000 and
# 100,000 candidates: manage.py bench_api_lists.


def viewer_scope(user: User) -> tuple[int | None, tuple[int, ...]]:
    """(interviewer id, ids of the positions they manage) of a person: one query, kept on
    the user object for the rest of the request."""
    cached = getattr(user, "_viewer_scope", None)
    if cached is None:
        positions = Position.objects.filter(hiring_manager_id=user.pk).order_by().annotate(k=Value(0))
        seat = Interviewer.objects.filter(user_id=user.pk).order_by().annotate(k=Value(1))
        rows = list(positions.values_list("id", "k").union(seat.values_list("id", "k"), all=True))
        interviewer_id = next((pk for pk, kind in rows if kind == 1), None)
        cached = (interviewer_id, tuple(sorted(pk for pk, kind in rows if kind == 0)))
        user._viewer_scope = cached
    return cached


def _seat_loop_ids(interviewer_id: int | None, *, submitted_only: bool = False) -> QuerySet | None:
    """Ids of the loops where this interviewer has a round (or has submitted), from round_seat_idx."""
    if interviewer_id is None:
        return None
    seats = Round.objects.filter(interviewer_id=interviewer_id)
    if submitted_only:
        # A round's status is "submitted" exactly when its scorecard is in (services keep both).
        seats = seats.filter(status=RoundStatus.SUBMITTED)
    return seats.order_by().values("loop_id")


def _of_own_loops(
    queryset: QuerySet, user: User, *, loop: str, position: str, submitted_only: bool = False
) -> QuerySet:
    """Rows whose loop (field `loop`, its position `position`) this person sits on or manages.

    Sitting only: `loop IN (their seats)`, a semi-join the planner may run either way
    round (the person's few loops, sorted; or the list's order, probing the seat index
    per row). Managing: the position test is made per row (one position's loops may be
    most of the table, too many to collect first), or'ed with the seats they also hold.
    """
    interviewer_id, positions = viewer_scope(user)
    seats = _seat_loop_ids(interviewer_id, submitted_only=submitted_only)
    if positions:
        condition = Q(**{f"{position}__in": positions})
        if seats is not None:
            condition |= Q(**{f"{loop}__in": seats})
        return queryset.filter(condition)
    if seats is None:
        return queryset.none()
    return queryset.filter(**{f"{loop}__in": seats})


def loops_visible_to(user: User, queryset: QuerySet[Loop]) -> QuerySet[Loop]:
    if is_recruiter(user):
        return queryset
    return _of_own_loops(queryset, user, loop="pk", position="position_id")


def candidates_visible_to(user: User, queryset: QuerySet[Candidate]) -> QuerySet[Candidate]:
    """Candidates of the loops the person sees (recruiters: all, loops or not)."""
    if is_recruiter(user):
        return queryset
    loops = _of_own_loops(Loop.objects.order_by(), user, loop="pk", position="position_id")
    return queryset.filter(pk__in=loops.values("candidate_id"))


def rounds_visible_to(user: User, queryset: QuerySet[Round]) -> QuerySet[Round]:
    """Every round of the loops the person sees (a panel sees the whole pipeline, not the feedback)."""
    if is_recruiter(user):
        return queryset
    return _of_own_loops(queryset, user, loop="loop_id", position="loop__position_id")


def scorecards_visible_to(user: User, queryset: QuerySet[Scorecard] | None = None) -> QuerySet[Scorecard]:
    """Every submitted scorecard anywhere that this person may read (rule 5); drafts never.

    An interviewer's own scorecard is in a loop where they have submitted, so one
    test covers both "mine" and "the panel's, once mine is in".
    """
    qs = (queryset if queryset is not None else Scorecard.objects.all()).filter(submitted_at__isnull=False)
    if is_recruiter(user):
        return qs
    return _of_own_loops(qs, user, loop="round__loop_id", position="round__loop__position_id", submitted_only=True)


def decisions_visible_to(user: User, queryset: QuerySet[Decision]) -> QuerySet[Decision]:
    """Decisions and their reasons: recruiters and the position's hiring manager."""
    if is_recruiter(user):
        return queryset
    _, positions = viewer_scope(user)
    return queryset.filter(loop__position_id__in=positions) if positions else queryset.none()


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
    # Issue 9: the candidate's windows are theirs and the recruiters'; the booking is the panel's.
    EventKind.AVAILABILITY_REQUESTED: EventAudience.RECRUITERS,
    EventKind.AVAILABILITY_GIVEN: EventAudience.RECRUITERS,
    EventKind.LOOP_BOOKED: EventAudience.LOOP,
    EventKind.MESSAGE_SENT: EventAudience.RECRUITERS,  # what a recruiter wrote to the candidate
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
    interviewer_id, positions = viewer_scope(user)
    # Per row of the page, by index: did they submit in this event's loop, do they manage it?
    submitted = (
        Exists(
            Round.objects.filter(
                loop_id=OuterRef("loop_id"), interviewer_id=interviewer_id, status=RoundStatus.SUBMITTED
            )
        )
        if interviewer_id is not None
        else Value(False)
    )
    manages = Q(loop__position_id__in=positions) if positions else Value(False)
    return _of_own_loops(queryset, user, loop="loop_id", position="loop__position_id").annotate(
        content_visible=Case(
            When(kind__in=_kinds_for(EventAudience.LOOP), then=Value(True)),
            When(Q(kind__in=_kinds_for(EventAudience.FEEDBACK)) & (manages | submitted), then=Value(True)),
            When(Q(kind__in=_kinds_for(EventAudience.DECISION)) & manages, then=Value(True)),
            default=Value(False),
            output_field=BooleanField(),
        )
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
            "template",
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
            "decision__rejection_reason",
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


# --- candidate materials and interview kits ---------------------------------------------


def may_view_candidate(user: User, candidate: Candidate) -> bool:
    """Who may read a candidate's materials (the résumé): recruiters, the hiring manager of a
    position the candidate has a loop for, and the interviewers seated on one of those loops
    (the people the packet is for). One or two indexed queries for anyone but a recruiter."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if is_recruiter(user):
        return True
    seated = Round.objects.filter(loop__candidate=candidate, interviewer__user_id=user.pk)
    manages = Loop.objects.filter(candidate=candidate, position__hiring_manager_id=user.pk)
    return seated.exists() or manages.exists()


def may_read_private_note(user: User, scorecard: Scorecard) -> bool:
    """A scorecard's private note is for the recruiters (and stays readable by its author)."""
    return is_recruiter(user) or (user is not None and scorecard.author_id == user.pk)


def kit_questions(competencies: list[Competency]) -> list[tuple[Competency, list[Question]]]:
    """The question bank's active questions for these competencies, in one query, grouped in
    the competencies' order."""
    by_competency: dict[int, list[Question]] = {c.pk: [] for c in competencies}
    for question in Question.objects.filter(competency_id__in=list(by_competency), active=True).order_by(
        "competency_id", "id"
    ):
        by_competency[question.competency_id].append(question)
    return [(c, by_competency[c.pk]) for c in competencies]


# --- talking to candidates (issue 12) --------------------------------------------------

TIMELINE_LIMIT = 50


def candidate_emails(candidate_id: int, *, limit: int = TIMELINE_LIMIT) -> list:
    """Every email the candidate was sent or is due to be sent, automatic (invitations,
    reminders, cancellations, veto notices) or written by a recruiter, newest first:
    one query, read from reminder_candidate_timeline and stopped after `limit` rows."""
    return list(candidate_emails_queryset(candidate_id)[:limit])


def candidate_emails_queryset(candidate_id: int) -> QuerySet:
    """candidate_emails unsliced, for a paginator (the API pages it with a cursor on the same order)."""
    from hiring.models import Reminder

    return (
        Reminder.objects.filter(recipient_candidate_id=candidate_id)
        .order_by("-created_at", "-id")
        .only(
            "id",
            "kind",
            "status",
            "created_at",
            "due_at",
            "sent_at",
            "attempts",
            "last_error",
            "payload",
            "time_zone",
            "email",
            "key",
            "recipient_candidate_id",
            "round_id",
            "urgent",
        )
    )


# The reason counted for a vetoed loop: a veto ends a loop without a decision row.
VETOED = "vetoed"
UNSPECIFIED = "unspecified"


def rejection_reason_counts(
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    position_id: int | None = None,
    department_id: int | None = None,
) -> list[dict]:
    """How many loops were rejected for each reason, most first, in one aggregate query.

    Rejected loops, by when they closed: a decision's reason from the list; a veto
    counts as "vetoed"; a reject recorded before the list existed as "unspecified".
    Rows: {"code", "label", "count"}; the label is the list's, or empty for the two
    reserved codes (the caller names them in the reader's language).
    """
    from django.db.models import CharField, F
    from django.db.models.functions import Coalesce

    loops = Loop.objects.filter(status=LoopStatus.REJECTED)
    if since is not None:
        loops = loops.filter(closed_at__gte=since)
    if until is not None:
        loops = loops.filter(closed_at__lt=until)
    if position_id is not None:
        loops = loops.filter(position_id=position_id)
    if department_id is not None:
        loops = loops.filter(position__department_id=department_id)
    code = Case(
        When(veto_scorecard__isnull=False, then=Value(VETOED)),
        default=Coalesce(F("decision__rejection_reason__code"), Value(UNSPECIFIED)),
        output_field=CharField(),
    )
    rows = (
        loops.annotate(code=code, label=Coalesce(F("decision__rejection_reason__label"), Value("")))
        .values("code", "label")
        .annotate(count=Count("id"))
        .order_by("-count", "code")
    )
    return list(rows)
