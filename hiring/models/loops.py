"""A candidate's loop: its rounds, scorecards and ratings, and the decision."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hiring.models.candidates import Candidate
from hiring.models.common import RATING_MAX, RATING_MIN, RATING_SCALE
from hiring.models.people import Interviewer
from hiring.models.plans import Competency, Position, RoundKind, RoundTemplate


class LoopStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    # "Scheduled" with a context each: a loop and a round differ in gender in es, pt-br, ar.
    SCHEDULED = "scheduled", pgettext_lazy("loop status", "Scheduled")
    IN_PROGRESS = "in_progress", _("In progress")
    AWAITING_DECISION = "awaiting_decision", _("Awaiting decision")
    HIRED = "hired", _("Hired")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", pgettext_lazy("loop status", "Withdrawn")


OPEN_LOOP_STATUSES = [
    LoopStatus.DRAFT,
    LoopStatus.SCHEDULED,
    LoopStatus.IN_PROGRESS,
    LoopStatus.AWAITING_DECISION,
]


class Loop(models.Model):
    candidate = models.ForeignKey(
        Candidate, on_delete=models.PROTECT, related_name="loops", verbose_name=_("candidate")
    )
    position = models.ForeignKey(Position, on_delete=models.PROTECT, related_name="loops", verbose_name=_("position"))
    status = models.CharField(
        max_length=20, choices=LoopStatus.choices, default=LoopStatus.DRAFT, verbose_name=_("status")
    )
    # The scorecard whose veto ended the loop; set once, never cleared.
    veto_scorecard = models.OneToOneField(
        "Scorecard",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="vetoed_loop",
        verbose_name=_("veto scorecard"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    # The earliest feedback_due_at of the rounds that still owe feedback, while the loop is
    # open; null otherwise. Kept by services so "feedback overdue" is one indexed lookup
    # over open loops, whatever the history of closed ones.
    feedback_due_at = models.DateTimeField(null=True, blank=True, verbose_name=_("feedback due at"))

    class Meta:
        verbose_name = _("loop")
        verbose_name_plural = _("loops")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=LoopStatus.values), name="loop_status_valid"),
            # The database itself refuses a hire on a vetoed loop, whatever the code does.
            models.CheckConstraint(
                condition=~Q(status=LoopStatus.HIRED, veto_scorecard__isnull=False), name="loop_no_hire_after_veto"
            ),
            models.CheckConstraint(
                condition=Q(veto_scorecard__isnull=True) | Q(status=LoopStatus.REJECTED),
                name="loop_veto_means_rejected",
            ),
            models.UniqueConstraint(
                fields=["candidate", "position"],
                condition=Q(status__in=OPEN_LOOP_STATUSES),
                name="loop_one_open_per_candidate_position",
            ),
        ]
        indexes = [
            models.Index(
                fields=["feedback_due_at"],
                condition=Q(feedback_due_at__isnull=False),
                name="loop_feedback_due_idx",
            ),
            models.Index(fields=["status", "updated_at"]),
            models.Index(fields=["updated_at"]),
            # The admin loop list's order (newest first, then id), read backwards.
            models.Index(fields=["created_at", "id"], name="loop_created_idx"),
            # The loops of a hiring manager's positions, read from the index alone
            # (selectors.managed_loop_ids).
            models.Index(fields=["position", "id"], name="loop_position_idx"),
            # The board (hiring/admin/board.py): a column is a position's loops in one state,
            # newest first, read backwards with a LIMIT; the per-state counts read it alone.
            models.Index(fields=["position", "status", "created_at", "id"], name="loop_board_idx"),
            # ... and across positions (the board narrowed by recruiter or hiring manager).
            models.Index(fields=["status", "created_at", "id"], name="loop_status_created_idx"),
        ]

    def __str__(self) -> str:
        return _("%(candidate)s for %(position)s") % {"candidate": self.candidate, "position": self.position.title}

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_LOOP_STATUSES

    @property
    def is_vetoed(self) -> bool:
        return self.veto_scorecard_id is not None


class RoundStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    SCHEDULED = "scheduled", pgettext_lazy("round status", "Scheduled")
    HELD = "held", _("Held")
    SUBMITTED = "submitted", _("Scorecard in")
    CANCELLED = "cancelled", pgettext_lazy("round status", "Cancelled")
    NO_SHOW = "no_show", _("No-show")


# Rounds that still count toward the loop; cancelled and no-show rounds do not.
ACTIVE_ROUND_STATUSES = [RoundStatus.PLANNED, RoundStatus.SCHEDULED, RoundStatus.HELD, RoundStatus.SUBMITTED]
# Rounds whose interviewer owes or has given feedback.
FEEDBACK_ROUND_STATUSES = [RoundStatus.SCHEDULED, RoundStatus.HELD]
# Rounds that hold their people's time (rule 10): booked, or already taken place.
# A cancelled round or a no-show frees it.
BOOKED_ROUND_STATUSES = [RoundStatus.SCHEDULED, RoundStatus.HELD, RoundStatus.SUBMITTED]


class Round(models.Model):
    loop = models.ForeignKey(Loop, on_delete=models.CASCADE, related_name="rounds", verbose_name=_("loop"))
    order = models.PositiveSmallIntegerField(verbose_name=_("order"))
    kind = models.CharField(max_length=20, choices=RoundKind.choices, verbose_name=_("kind"))
    title = models.CharField(max_length=120, blank=True, verbose_name=_("title"))
    interviewer = models.ForeignKey(
        Interviewer,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rounds",
        verbose_name=_("interviewer"),
    )
    starts_at = models.DateTimeField(null=True, blank=True, help_text=_("Stored in UTC."), verbose_name=_("starts at"))
    duration_minutes = models.PositiveSmallIntegerField(default=60, verbose_name=_("duration minutes"))
    # starts_at + duration + the feedback allowance; stored so "overdue" is an indexed filter.
    feedback_due_at = models.DateTimeField(null=True, blank=True, verbose_name=_("feedback due at"))
    status = models.CharField(
        max_length=20, choices=RoundStatus.choices, default=RoundStatus.PLANNED, verbose_name=_("status")
    )
    # A copy of loop.created_at kept by PostgreSQL triggers (migration 0023), so insights read the
    # rounds of a period's loops from one index range instead of scanning every round.
    loop_created_at = models.DateTimeField(null=True, editable=False, verbose_name=_("loop created at"))
    competencies = models.ManyToManyField(Competency, blank=True, related_name="+", verbose_name=_("competencies"))
    # Bumped on every reschedule; calendar invitations carry it as SEQUENCE.
    sequence = models.PositiveIntegerField(default=0, verbose_name=_("sequence"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    # Rule 10, held by the database too: copies the services write when they book a
    # round, so that on PostgreSQL two exclusion constraints (migration 0014, raw SQL
    # because SQLite has none) refuse an interviewer in [starts_at, booked_until) twice
    # and a candidate in [starts_at, candidate_free_at) twice. candidate_free_at is the
    # end plus the candidate's minimum gap at booking time, so two such ranges overlap
    # exactly when the gap between the rounds is too short.
    candidate = models.ForeignKey(
        Candidate,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("candidate"),
    )
    booked_until = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("booked until"))
    candidate_free_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("candidate free at"))
    # Overrides the interviewer's default meeting link for this round.
    meeting_link = models.URLField(
        _("meeting link"), max_length=500, blank=True, help_text=_("Meeting link for this round only.")
    )
    # The plan's round it was made from (start_loop), for its interview kit; null for a
    # round added by hand.
    template = models.ForeignKey(
        RoundTemplate,
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("round template"),
    )

    class Meta:
        verbose_name = _("round")
        verbose_name_plural = _("rounds")
        ordering = ["loop", "order"]
        constraints = [
            models.UniqueConstraint(fields=["loop", "order"], name="round_order_unique"),
            # No interviewer sits twice in one loop (a cancelled seat does not count).
            models.UniqueConstraint(
                fields=["loop", "interviewer"],
                condition=Q(interviewer__isnull=False) & ~Q(status__in=["cancelled", "no_show"]),
                name="round_interviewer_once_per_loop",
            ),
            models.UniqueConstraint(
                fields=["loop"],
                condition=Q(kind="bar_raiser") & ~Q(status__in=["cancelled", "no_show"]),
                name="round_one_bar_raiser_per_loop",
            ),
            models.CheckConstraint(
                condition=Q(status__in=["planned", "cancelled"])
                | Q(interviewer__isnull=False, starts_at__isnull=False),
                name="round_scheduled_has_interviewer_and_time",
            ),
            models.CheckConstraint(condition=Q(status__in=RoundStatus.values), name="round_status_valid"),
        ]
        indexes = [
            models.Index(fields=["interviewer", "starts_at"]),
            models.Index(fields=["status", "feedback_due_at"]),
            models.Index(fields=["status", "starts_at"]),
            # "My interviews": one person's rounds that still take feedback, by time. Only the
            # open ones: a long-serving interviewer's submitted and cancelled history stays out.
            models.Index(
                fields=["interviewer", "starts_at", "id"],
                condition=Q(status__in=FEEDBACK_ROUND_STATUSES),
                name="round_open_by_interviewer_idx",
            ),
            # The admin round list's order: newest loops first, each loop's rounds in order.
            models.Index(fields=["-loop", "order"], name="round_admin_order_idx"),
            # The loops a person sits on, read from the index alone: every API list of
            # a non-recruiter starts from these (selectors.seated_loop_ids).
            models.Index(fields=["interviewer", "loop"], name="round_seat_idx"),
            # Insights: the rounds of the loops started in a period, read from the index alone.
            models.Index(
                fields=["loop_created_at", "loop"],
                include=["id", "status", "kind", "interviewer", "order", "starts_at", "duration_minutes"],
                name="round_insights_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.title or self.get_kind_display()}"

    @property
    def label(self) -> str:
        return self.title or self.get_kind_display()

    @property
    def ends_at(self) -> dt.datetime | None:
        if self.starts_at is None:
            return None
        return self.starts_at + dt.timedelta(minutes=self.duration_minutes)

    @property
    def is_bar_raiser(self) -> bool:
        return self.kind == RoundKind.BAR_RAISER

    @property
    def meeting_url(self) -> str:
        """The round's own link, else its interviewer's default (may be empty)."""
        if self.meeting_link:
            return self.meeting_link
        return self.interviewer.meeting_link if self.interviewer_id else ""


class Recommendation(models.TextChoices):
    STRONG_NO = "strong_no", _("Strong no")
    NO = "no", _("No")
    YES = "yes", _("Yes")
    STRONG_YES = "strong_yes", _("Strong yes")


class Scorecard(models.Model):
    """One revision of a round's feedback.

    A draft has no submitted_at. A submitted revision is never edited: an
    amendment is a new row with the next revision number, and is_current moves
    to it, so the history stays.
    """

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="scorecards", verbose_name=_("round"))
    revision = models.PositiveSmallIntegerField(verbose_name=_("revision"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    recommendation = models.CharField(
        max_length=12, choices=Recommendation.choices, blank=True, verbose_name=_("recommendation")
    )
    notes = models.TextField(blank=True, verbose_name=_("notes"))
    veto = models.BooleanField(default=False, verbose_name=_("veto"))
    veto_reason = models.TextField(blank=True, verbose_name=_("veto reason"))
    key_takeaways = models.TextField(_("key take-aways"), blank=True)
    # Read by recruiters only (and its author): never by the panel, the hiring manager,
    # the debrief of a non-recruiter, events or webhooks.
    private_note = models.TextField(_("private note to the recruiter"), blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True, verbose_name=_("submitted at"))
    is_current = models.BooleanField(
        default=False, help_text=_("The latest submitted revision of the round."), verbose_name=_("is current")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    # A copy of the round's loop.created_at kept by PostgreSQL triggers (migration 0023): insights.
    loop_created_at = models.DateTimeField(null=True, editable=False, verbose_name=_("loop created at"))

    class Meta:
        verbose_name = _("scorecard")
        verbose_name_plural = _("scorecards")
        ordering = ["round", "revision"]
        constraints = [
            models.UniqueConstraint(fields=["round", "revision"], name="scorecard_revision_unique"),
            models.UniqueConstraint(
                fields=["round"], condition=Q(submitted_at__isnull=True), name="scorecard_one_draft_per_round"
            ),
            models.UniqueConstraint(fields=["round"], condition=Q(is_current=True), name="scorecard_one_current"),
            models.CheckConstraint(condition=Q(veto=False) | ~Q(veto_reason=""), name="scorecard_veto_has_reason"),
            models.CheckConstraint(
                condition=Q(submitted_at__isnull=True) | ~Q(recommendation=""),
                name="scorecard_submitted_has_recommendation",
            ),
            models.CheckConstraint(
                condition=Q(is_current=False) | Q(submitted_at__isnull=False), name="scorecard_current_is_submitted"
            ),
        ]
        indexes = [
            # Insights: the scorecards of the loops started in a period, read from the index alone.
            models.Index(
                fields=["loop_created_at", "round"],
                include=["id", "is_current", "revision", "submitted_at", "veto", "recommendation"],
                name="scorecard_insights_idx",
            ),
        ]

    def __str__(self) -> str:
        state = _("draft") if self.submitted_at is None else _("revision %(number)d") % {"number": self.revision}
        return _("Scorecard for %(round)s (%(state)s)") % {"round": self.round, "state": state}

    @property
    def is_draft(self) -> bool:
        return self.submitted_at is None


class Rating(models.Model):
    scorecard = models.ForeignKey(
        Scorecard, on_delete=models.CASCADE, related_name="ratings", verbose_name=_("scorecard")
    )
    competency = models.ForeignKey(Competency, on_delete=models.PROTECT, related_name="+", verbose_name=_("competency"))
    score = models.PositiveSmallIntegerField(choices=RATING_SCALE, verbose_name=_("score"))

    class Meta:
        verbose_name = _("rating")
        verbose_name_plural = _("ratings")
        ordering = ["scorecard", "competency__name"]
        constraints = [
            models.UniqueConstraint(fields=["scorecard", "competency"], name="rating_once_per_competency"),
            models.CheckConstraint(
                condition=Q(score__gte=RATING_MIN, score__lte=RATING_MAX), name="rating_score_on_scale"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.competency}: {self.score}"


class Outcome(models.TextChoices):
    HIRE = "hire", _("Hire")
    REJECT = "reject", _("Reject")


class RejectionReason(models.Model):
    """Why a candidate was rejected, from a list the recruiters keep, so rejections can be counted.

    Reference data: a reason in use is deactivated, never deleted (decisions point at it)."""

    code = models.SlugField(
        max_length=50, unique=True, help_text=_("A stable code for the API and reports."), verbose_name=_("code")
    )
    label = models.CharField(max_length=120, verbose_name=_("label"))
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    order = models.PositiveSmallIntegerField(default=0, verbose_name=_("order"))

    class Meta:
        verbose_name = _("rejection reason")
        verbose_name_plural = _("rejection reasons")
        ordering = ["order", "label"]

    def __str__(self) -> str:
        return self.label


class Decision(models.Model):
    loop = models.OneToOneField(Loop, on_delete=models.PROTECT, related_name="decision", verbose_name=_("loop"))
    outcome = models.CharField(max_length=10, choices=Outcome.choices, verbose_name=_("outcome"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("decided by")
    )
    reason = models.TextField(blank=True, verbose_name=_("reason"))
    # A reject made since the list exists names one; older rejects and hires have none.
    rejection_reason = models.ForeignKey(
        RejectionReason,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="decisions",
        verbose_name=_("rejection reason"),
    )
    decided_at = models.DateTimeField(verbose_name=_("decided at"))

    class Meta:
        verbose_name = _("decision")
        verbose_name_plural = _("decisions")
        constraints = [
            models.CheckConstraint(
                condition=Q(outcome="reject") | Q(rejection_reason__isnull=True),
                name="decision_reason_only_on_reject",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_outcome_display()}: {self.loop}"
