"""The data of an interview loop. Rules that span rows live in rules.py and
services.py; here are fields, single-row logic and the constraints the database
itself can hold."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext, gettext_lazy, pgettext_lazy
from django.utils.translation import gettext_lazy as _

# The one place that says what a name, an address and a zone may hold (migrations name
# validate_time_zone here, so it stays importable from this module).
from hiring.validators import validate_email_text, validate_person_name, validate_time_zone


def language_choices() -> list[tuple[str, str]]:
    """settings.LANGUAGES, each named in the reader's language (Django's own catalogue
    translates these names). A callable, so that adding a language to the setting needs
    no migration."""
    return [(code, gettext_lazy(name)) for code, name in settings.LANGUAGES]


def language_codes() -> set[str]:
    return {code for code, _name in settings.LANGUAGES}


# The rating scale of every competency, with the meaning shown to interviewers.
RATING_SCALE = [
    (1, _("Well below the bar: clear evidence against")),
    (2, _("Below the bar: not enough evidence")),
    (3, _("Meets the bar: solid evidence")),
    (4, _("Raises the bar: exceptional evidence")),
]
RATING_MIN, RATING_MAX = 1, 4


def validate_work_days(value: str) -> None:
    if not value or any(ch not in "1234567" for ch in value) or len(set(value)) != len(value):
        raise ValidationError(_("Working days are ISO weekday digits, 1 (Monday) to 7 (Sunday), e.g. 12345."))


def validate_languages(value: object) -> None:
    codes = language_codes()
    if not isinstance(value, list) or any(code not in codes for code in value):
        raise ValidationError(
            _("Languages must be a list of codes from: %(codes)s.") % {"codes": ", ".join(sorted(codes))}
        )


class TimeZoneField(models.CharField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("max_length", 64)
        kwargs.setdefault("validators", [validate_time_zone])
        super().__init__(*args, **kwargs)


class Department(models.Model):
    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SeniorityLevel(models.Model):
    name = models.CharField(max_length=50, unique=True, verbose_name=_("name"))
    rank = models.PositiveSmallIntegerField(unique=True, help_text=_("Higher is more senior."), verbose_name=_("rank"))

    class Meta:
        verbose_name = _("seniority level")
        verbose_name_plural = _("seniority levels")
        ordering = ["rank"]

    def __str__(self) -> str:
        return self.name


class Interviewer(models.Model):
    """An employee: a Django user with the facts a panel and a reminder need.

    Every signed-in person (recruiters and hiring managers too) has one, because
    every person has a time zone and working hours.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="interviewer", verbose_name=_("user")
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="interviewers", verbose_name=_("department")
    )
    level = models.ForeignKey(
        SeniorityLevel, on_delete=models.PROTECT, related_name="interviewers", verbose_name=_("level")
    )
    time_zone = TimeZoneField(verbose_name=_("time zone"))
    work_start = models.TimeField(default=dt.time(9, 0), verbose_name=_("work start"))
    work_end = models.TimeField(default=dt.time(17, 30), verbose_name=_("work end"))
    work_days = models.CharField(
        max_length=7, default="12345", validators=[validate_work_days], verbose_name=_("work days")
    )
    languages = models.JSONField(default=list, blank=True, validators=[validate_languages], verbose_name=_("languages"))
    is_bar_raiser = models.BooleanField(_("trained bar raiser"), default=False)
    # The language of this person's pages, admin, API messages and emails; blank
    # follows the browser's Accept-Language.
    ui_language = models.CharField(
        _("interface language"), max_length=10, choices=language_choices, blank=True, default=""
    )
    # Where their interviews happen (a video-call room); a round may name its own.
    meeting_link = models.URLField(
        _("meeting link"), max_length=500, blank=True, help_text=_("Default meeting link for interviews.")
    )
    # Load limits (issue 9): at most so many booked interviews a local day / ISO week in
    # their own zone; empty means the company default (HIRING_MAX_INTERVIEWS_PER_DAY/_WEEK).
    max_interviews_per_day = models.PositiveSmallIntegerField(
        _("max interviews per day"), null=True, blank=True, help_text=_("Empty: the company default.")
    )
    max_interviews_per_week = models.PositiveSmallIntegerField(
        _("max interviews per week"), null=True, blank=True, help_text=_("Empty: the company default.")
    )

    class Meta:
        verbose_name = _("interviewer")
        verbose_name_plural = _("interviewers")
        ordering = ["user__first_name", "user__last_name"]
        constraints = [
            models.CheckConstraint(condition=Q(work_start__lt=models.F("work_end")), name="interviewer_work_hours"),
        ]

    def __str__(self) -> str:
        return self.user.get_full_name() or self.user.get_username()

    @property
    def name(self) -> str:
        return str(self)

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


class Competency(models.Model):
    name = models.CharField(max_length=100, unique=True, verbose_name=_("name"))
    description = models.TextField(blank=True, verbose_name=_("description"))
    guide = models.TextField(
        blank=True, help_text=_("What to look for; shown beside the rating scale."), verbose_name=_("guide")
    )

    class Meta:
        verbose_name = _("competency")
        ordering = ["name"]
        verbose_name_plural = _("competencies")

    def __str__(self) -> str:
        return self.name


class RoundKind(models.TextChoices):
    SCREEN = "screen", _("Screen")
    TECHNICAL = "technical", _("Technical")
    SYSTEM_DESIGN = "system_design", _("System design")
    CULTURE = "culture", _("Culture and values")
    HIRING_MANAGER = "hiring_manager", _("Hiring manager")
    BAR_RAISER = "bar_raiser", _("Bar raiser")
    OTHER = "other", _("Other")


class Question(models.Model):
    """The question bank: questions an interviewer may ask to assess one competency.
    A round's kit lists the active questions of its competencies."""

    competency = models.ForeignKey(
        Competency, on_delete=models.CASCADE, related_name="questions", verbose_name=_("competency")
    )
    text = models.TextField(_("question"))
    guidance = models.TextField(_("guidance"), blank=True, help_text=_("What a strong answer shows."))
    active = models.BooleanField(_("active"), default=True)
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["competency", "id"]
        verbose_name = _("question")
        verbose_name_plural = _("question bank")
        # The kit reads one competency's active questions in order: this index, nothing else.
        indexes = [models.Index(fields=["competency", "active", "id"], name="question_kit_idx")]
        constraints = [models.CheckConstraint(condition=~Q(text=""), name="question_text_not_empty")]

    def __str__(self) -> str:
        return self.text if len(self.text) <= 80 else self.text[:79] + "…"


class LoopPlan(models.Model):
    name = models.CharField(max_length=120, unique=True, verbose_name=_("name"))
    description = models.TextField(blank=True, verbose_name=_("description"))

    class Meta:
        verbose_name = _("loop plan")
        verbose_name_plural = _("loop plans")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class RoundTemplate(models.Model):
    plan = models.ForeignKey(LoopPlan, on_delete=models.CASCADE, related_name="rounds", verbose_name=_("plan"))
    order = models.PositiveSmallIntegerField(verbose_name=_("order"))
    kind = models.CharField(max_length=20, choices=RoundKind.choices, verbose_name=_("kind"))
    title = models.CharField(max_length=120, blank=True, verbose_name=_("title"))
    duration_minutes = models.PositiveSmallIntegerField(default=60, verbose_name=_("duration minutes"))
    competencies = models.ManyToManyField(Competency, blank=True, related_name="+", verbose_name=_("competencies"))
    # The interview kit: what the interviewer does in this round (the questions come from
    # the question bank of the round's competencies).
    instructions = models.TextField(
        _("instructions"), blank=True, help_text=_("Shown to the interviewer in the packet and beside the scorecard.")
    )

    class Meta:
        verbose_name = _("round template")
        verbose_name_plural = _("round templates")
        ordering = ["plan", "order"]
        constraints = [
            models.UniqueConstraint(fields=["plan", "order"], name="round_template_order_unique"),
            models.UniqueConstraint(
                fields=["plan"], condition=Q(kind="bar_raiser"), name="round_template_one_bar_raiser"
            ),
            models.CheckConstraint(
                condition=Q(duration_minutes__gte=15, duration_minutes__lte=480), name="round_template_duration"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.order}. {self.title or self.get_kind_display()}"


class Position(models.Model):
    title = models.CharField(max_length=150, verbose_name=_("title"))
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, related_name="positions", verbose_name=_("department")
    )
    hiring_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("hiring manager")
    )
    recruiter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("recruiter")
    )
    loop_plan = models.ForeignKey(
        LoopPlan, on_delete=models.PROTECT, related_name="positions", verbose_name=_("loop plan")
    )
    min_rounds = models.PositiveSmallIntegerField(
        default=5,
        help_text=_("A position may ask for more rounds than the company floor, never fewer."),
        verbose_name=_("min rounds"),
    )
    is_open = models.BooleanField(default=True, verbose_name=_("is open"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    description = models.TextField(
        _("job description"), blank=True, help_text=_("Shown to the panel in the candidate packet.")
    )

    class Meta:
        verbose_name = _("position")
        verbose_name_plural = _("positions")
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(condition=Q(min_rounds__gte=5), name="position_min_rounds_floor"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.department})"


def resume_storage():
    """The named storage résumés are kept in (settings.STORAGES["resumes"]): a private
    local folder by default, S3-compatible storage by setting. Never served by URL.

    Code reads and writes files through this function, not through the field's own
    storage (which Django resolves once, when the model class is made)."""
    from django.core.files.storage import storages

    return storages["resumes"]


class Candidate(models.Model):
    full_name = models.CharField(max_length=200, validators=[validate_person_name], verbose_name=_("full name"))
    email = models.EmailField(max_length=254, validators=[validate_email_text], verbose_name=_("email"))
    time_zone = TimeZoneField(verbose_name=_("time zone"))
    preferred_language = models.CharField(
        max_length=10, choices=language_choices, default="en", verbose_name=_("preferred language")
    )
    source = models.CharField(
        max_length=100, blank=True, help_text=_("Referral, careers site, agency ..."), verbose_name=_("source")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, db_index=True, verbose_name=_("updated at"))
    # Set once when services.erase_candidate anonymised the record (on request or at the
    # end of the retention period); the row stays so the loops' anonymous facts still count.
    erased_at = models.DateTimeField(null=True, blank=True, editable=False, verbose_name=_("erased at"))
    # Materials (hiring/services/materials.py writes them). Phone and notes are the
    # recruiters' own; the links and the résumé are shown to the candidate's panel.
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    linkedin_url = models.URLField(_("LinkedIn"), max_length=500, blank=True)
    portfolio_url = models.URLField(_("portfolio"), max_length=500, blank=True)
    recruiter_notes = models.TextField(_("recruiter notes"), blank=True)
    # Stored under a random name; what the candidate called it is kept beside it.
    resume = models.FileField(_("résumé"), storage=resume_storage, max_length=200, blank=True, editable=False)
    resume_name = models.CharField(_("résumé file name"), max_length=255, blank=True, editable=False)
    resume_content_type = models.CharField(
        max_length=100, blank=True, editable=False, verbose_name=_("résumé content type")
    )
    resume_size = models.PositiveIntegerField(null=True, blank=True, editable=False, verbose_name=_("résumé size"))
    resume_uploaded_at = models.DateTimeField(
        null=True, blank=True, editable=False, verbose_name=_("résumé uploaded at")
    )

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="candidate_email_unique"),
        ]
        # The admin list's order (newest first, then id): without it every page sorts the table.
        indexes = [
            models.Index(fields=["full_name"]),  # sorting by name
            models.Index(fields=["created_at", "id"], name="candidate_created_idx"),
            # The retention sweep walks the oldest candidates not yet erased; erased rows pile
            # up at the old end, so the index leaves them out rather than step over them.
            models.Index(
                fields=["created_at", "id"], condition=Q(erased_at__isnull=True), name="candidate_retention_idx"
            ),
        ]
        permissions = [
            ("erase_candidate", "Can erase a candidate's personal data"),
            ("export_candidate", "Can export a candidate's personal data"),
        ]

    def __str__(self) -> str:
        return self.full_name

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.time_zone)


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


class EventKind(models.TextChoices):
    """What happened, as stored in the audit log. The values are the webhook event codes
    (a contract with integrators: never renamed); the labels are what people read."""

    CANDIDATE_CREATED = "candidate.created", _("Candidate created")
    CANDIDATE_UPDATED = "candidate.updated", _("Candidate updated")
    LOOP_CREATED = "loop.created", _("Loop created")
    LOOP_SCHEDULED = "loop.scheduled", _("Loop scheduled")
    LOOP_STATUS_CHANGED = "loop.status_changed", _("Loop status changed")
    ROUND_ADDED = "round.added", _("Round added")
    ROUND_SCHEDULED = "round.scheduled", _("Round scheduled")
    ROUND_RESCHEDULED = "round.rescheduled", _("Round rescheduled")
    ROUND_CANCELLED = "round.cancelled", _("Round cancelled")
    ROUND_HELD = "round.held", _("Round held")
    ROUND_NO_SHOW = "round.no_show", _("No-show recorded")
    SCORECARD_SUBMITTED = "scorecard.submitted", _("Scorecard submitted")
    SCORECARD_AMENDED = "scorecard.amended", _("Scorecard amended")
    LOOP_VETOED = "loop.vetoed", _("Loop vetoed")
    LOOP_DECIDED = "loop.decided", _("Decision recorded")
    CANDIDATE_WITHDRAWN = "candidate.withdrawn", _("Candidate withdrew")
    REMINDER_RESENT = "reminder.resent", _("Reminder sent again")
    CANDIDATE_ERASED = "candidate.erased", _("Personal data erased")
    CANDIDATE_EXPORTED = "candidate.exported", _("Personal data exported")
    USER_DEACTIVATED = "user.deactivated", _("Account deactivated")
    AVAILABILITY_REQUESTED = "availability.requested", _("Availability requested")
    AVAILABILITY_GIVEN = "availability.given", _("Availability given")
    LOOP_BOOKED = "loop.booked", _("Loop booked")
    MESSAGE_SENT = "message.sent", _("Message sent")


# --- Candidate availability (issue 9) --------------------------------------------


class AvailabilityRequestState(models.TextChoices):
    OPEN = "open", _("Open")
    USED = "used", _("Used")  # answered; the link still works to change the answer while open
    SUPERSEDED = "superseded", _("Superseded")
    CLOSED = "closed", _("Closed")


class AvailabilityRequest(models.Model):
    """One emailed link asking a candidate when they can meet.

    The link carries a signed token naming this row; the row is what can be
    revoked: a newer request supersedes it, closing the loop closes it. Only one
    request per loop is open at a time (a constraint)."""

    loop = models.ForeignKey(
        Loop, on_delete=models.CASCADE, related_name="availability_requests", verbose_name=_("loop")
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    state = models.CharField(
        max_length=20,
        choices=AvailabilityRequestState.choices,
        default=AvailabilityRequestState.OPEN,
        verbose_name=_("state"),
    )
    # How many working days the page offers, from the day after the request.
    days = models.PositiveSmallIntegerField(default=10, verbose_name=_("days"))
    answered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("answered at"))

    class Meta:
        verbose_name = _("availability request")
        verbose_name_plural = _("availability requests")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=AvailabilityRequestState.values), name="availability_request_state_valid"
            ),
            models.UniqueConstraint(
                fields=["loop"],
                condition=Q(state__in=["open", "used"]),
                name="availability_request_one_live_per_loop",
            ),
        ]
        indexes = [models.Index(fields=["loop", "created_at"], name="avail_request_loop_idx")]

    def __str__(self) -> str:
        return gettext("Availability request %(number)s for loop %(loop)s") % {"number": self.pk, "loop": self.loop_id}


class CandidateAvailability(models.Model):
    """A window the candidate said they can do, in UTC (they chose it in their own zone)."""

    candidate = models.ForeignKey(
        Candidate, on_delete=models.CASCADE, related_name="availability", verbose_name=_("candidate")
    )
    loop = models.ForeignKey(
        Loop,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="candidate_windows",
        verbose_name=_("loop"),
    )
    request = models.ForeignKey(
        AvailabilityRequest,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="windows",
        verbose_name=_("availability request"),
    )
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("candidate availability")
        verbose_name_plural = _("candidate availability")
        ordering = ["starts_at", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(starts_at__lt=models.F("ends_at")), name="candidate_window_positive"),
        ]
        indexes = [
            models.Index(fields=["loop", "starts_at"], name="candidate_window_loop_idx"),
            models.Index(fields=["candidate", "starts_at"], name="candidate_window_cand_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.candidate_id}: {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M} UTC"


class Event(models.Model):
    """The append-only record of every state change: who, what, when and why.

    Rows are only ever inserted (by services.record_event); the admin shows
    them read-only. Webhook deliveries are made from these rows.
    """

    kind = models.CharField(max_length=40, choices=EventKind.choices, verbose_name=_("kind"))
    created_at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("created at"))
    # Null means the system did it (a Celery task, a sweep).
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("actor"),
    )
    candidate = models.ForeignKey(
        Candidate, null=True, blank=True, on_delete=models.PROTECT, related_name="events", verbose_name=_("candidate")
    )
    loop = models.ForeignKey(
        Loop, null=True, blank=True, on_delete=models.PROTECT, related_name="events", verbose_name=_("loop")
    )
    round = models.ForeignKey(
        Round, null=True, blank=True, on_delete=models.PROTECT, related_name="events", verbose_name=_("round")
    )
    reason = models.TextField(blank=True, verbose_name=_("reason"))
    data = models.JSONField(default=dict, blank=True, verbose_name=_("data"))

    class Meta:
        verbose_name = _("event")
        verbose_name_plural = _("events")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["loop", "created_at"]),
            models.Index(fields=["candidate", "created_at"]),
            models.Index(fields=["kind", "created_at"]),
        ]

    def __str__(self) -> str:
        # The human label (the admin's title and breadcrumbs); the code is in the row itself.
        return gettext("%(kind)s at %(when)s") % {
            "kind": self.get_kind_display(),
            "when": f"{self.created_at:%Y-%m-%d %H:%M} UTC",
        }


# --- Reminders (issue 4) -------------------------------------------------------


class ReminderKind(models.TextChoices):
    INVITATION = "invitation", _("Invitation")
    UPDATE = "update", _("Update (rescheduled)")
    CANCELLATION = "cancellation", _("Cancellation")
    BEFORE_24H = "before_24h", _("24 h before")
    BEFORE_1H = "before_1h", _("1 h before")
    FEEDBACK_DUE = "feedback_due", _("Feedback due")
    FEEDBACK_OVERDUE = "feedback_overdue", _("Feedback overdue")
    ESCALATION = "escalation", _("Escalation to recruiter")
    VETO_NOTICE = "veto_notice", _("Veto notice")
    AVAILABILITY_REQUEST = "availability_request", _("Availability request")
    # A message a recruiter wrote to a candidate (hiring/messaging.py): subject and body
    # rendered when it was written, kept in the payload, sent like any reminder.
    MESSAGE = "message", _("Message")


class ReminderStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    CLAIMED = "claimed", _("Being sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    # Not the loop's "Withdrawn" (the candidate withdrew): this reminder will not be sent.
    WITHDRAWN = "withdrawn", pgettext_lazy("reminder status", "Withdrawn")


class Reminder(models.Model):
    """A message that must go out: written in the same transaction as the change
    that caused it, then claimed by the sweep and sent once."""

    key = models.CharField(
        max_length=200,
        unique=True,
        help_text=_("Makes the same reminder impossible to create twice."),
        verbose_name=_("key"),
    )
    kind = models.CharField(max_length=20, choices=ReminderKind.choices, verbose_name=_("kind"))
    round = models.ForeignKey(
        Round, null=True, blank=True, on_delete=models.CASCADE, related_name="reminders", verbose_name=_("round")
    )
    recipient_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("recipient user"),
    )
    recipient_candidate = models.ForeignKey(
        Candidate,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="reminders",
        verbose_name=_("recipient candidate"),
    )
    email = models.EmailField(max_length=254, verbose_name=_("email"))
    time_zone = TimeZoneField(verbose_name=_("time zone"))
    urgent = models.BooleanField(default=False, verbose_name=_("urgent"))
    due_at = models.DateTimeField(
        help_text=_("When it may go out, UTC, after quiet hours are applied."), verbose_name=_("due at")
    )
    status = models.CharField(
        max_length=12, choices=ReminderStatus.choices, default=ReminderStatus.PENDING, verbose_name=_("status")
    )
    claimed_until = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed until"))
    claim_token = models.CharField(max_length=32, blank=True, verbose_name=_("claim token"))
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    payload = models.JSONField(default=dict, blank=True, verbose_name=_("payload"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["due_at"]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            # The claim: pending rows in due order, read from the front and stopped
            # after a batch, so it costs the same at any backlog (outbox.claim_pending).
            models.Index(
                fields=["due_at", "id"], name="reminder_pending_due", condition=Q(status=ReminderStatus.PENDING)
            ),
            # Claims whose worker died, found apart (outbox.recover_expired): few rows.
            models.Index(
                fields=["claimed_until"], name="reminder_claimed_until", condition=Q(status=ReminderStatus.CLAIMED)
            ),
            # A candidate's timeline: every email they were sent, newest first, read from
            # the front and stopped after a page (selectors.candidate_emails).
            models.Index(
                fields=["recipient_candidate", "-created_at", "-id"],
                name="reminder_candidate_timeline",
                condition=Q(recipient_candidate__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return gettext("%(kind)s to %(email)s at %(when)s") % {
            "kind": self.get_kind_display(),
            "email": self.email,
            "when": f"{self.due_at:%Y-%m-%d %H:%M} UTC",
        }


# --- API tokens and webhooks (issue 5) -------------------------------------------------


class ApiToken(models.Model):
    """A token for an integration; only its SHA-256 hash is stored."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(max_length=100, verbose_name=_("name"))
    prefix = models.CharField(
        max_length=12, db_index=True, help_text=_("The first characters, to recognise it."), verbose_name=_("prefix")
    )
    key_hash = models.CharField(max_length=64, unique=True, verbose_name=_("key hash"))
    scopes = models.JSONField(default=list, blank=True, verbose_name=_("scopes"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    expires_at = models.DateTimeField(verbose_name=_("expires at"))
    revoked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("revoked at"))
    last_used_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last used at"))

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class WebhookSubscription(models.Model):
    url = models.URLField(max_length=500, verbose_name=_("url"))
    secret = models.CharField(max_length=128, verbose_name=_("secret"))
    events = models.JSONField(
        default=list, help_text=_("Event kinds to send; empty means all."), verbose_name=_("events")
    )
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    description = models.CharField(max_length=200, blank=True, verbose_name=_("description"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")

    def __str__(self) -> str:
        return self.url


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    CLAIMED = "claimed", _("Being delivered")
    DELIVERED = "delivered", _("Delivered")
    FAILED = "failed", _("Gave up")


class WebhookDelivery(models.Model):
    subscription = models.ForeignKey(
        WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries", verbose_name=_("subscription")
    )
    event = models.ForeignKey(Event, on_delete=models.PROTECT, related_name="deliveries", verbose_name=_("event"))
    status = models.CharField(
        max_length=12, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING, verbose_name=_("status")
    )
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    next_attempt_at = models.DateTimeField(verbose_name=_("next attempt at"))
    claimed_until = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed until"))
    claim_token = models.CharField(max_length=32, blank=True, verbose_name=_("claim token"))
    delivered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("delivered at"))
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("last status code"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        constraints = [
            models.UniqueConstraint(fields=["subscription", "event"], name="webhook_delivery_once_per_event"),
        ]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]

    def __str__(self) -> str:
        # The event's code, not its label: it is what the subscriber receives.
        return gettext("%(event)s to %(url)s (%(status)s)") % {
            "event": self.event.kind,
            "url": self.subscription,
            "status": self.get_status_display(),
        }


class WebhookAttempt(models.Model):
    delivery = models.ForeignKey(
        WebhookDelivery, on_delete=models.CASCADE, related_name="attempt_log", verbose_name=_("delivery")
    )
    attempted_at = models.DateTimeField(auto_now_add=True, verbose_name=_("attempted at"))
    status_code = models.PositiveSmallIntegerField(null=True, blank=True, verbose_name=_("status code"))
    error = models.TextField(blank=True, verbose_name=_("error"))
    duration_ms = models.PositiveIntegerField(default=0, verbose_name=_("duration ms"))

    class Meta:
        verbose_name = _("webhook attempt")
        verbose_name_plural = _("webhook attempts")
        ordering = ["attempted_at"]

    def __str__(self) -> str:
        return gettext("Attempt at %(when)s: %(result)s") % {
            "when": f"{self.attempted_at:%Y-%m-%d %H:%M:%S} UTC",
            "result": self.status_code or self.error,
        }


class SsoIdentity(models.Model):
    """A person's account at the company's OpenID Connect provider, linked on their
    first single sign-on by verified email; later sign-ins match on (issuer, subject),
    which the provider never reuses, so a changed or recycled email cannot take the account."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sso_identities", verbose_name=_("user")
    )
    issuer = models.CharField(max_length=255, verbose_name=_("issuer"))
    subject = models.CharField(max_length=255, verbose_name=_("subject"))
    email = models.EmailField(help_text=_("The verified email it was linked by."), verbose_name=_("email"))
    linked_at = models.DateTimeField(verbose_name=_("linked at"))
    last_sign_in_at = models.DateTimeField(verbose_name=_("last sign in at"))

    class Meta:
        verbose_name = _("single sign-on identity")
        verbose_name_plural = _("single sign-on identities")
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="sso_identity_unique_subject"),
            models.UniqueConstraint(fields=["issuer", "user"], name="sso_identity_one_per_user_and_issuer"),
        ]

    def __str__(self) -> str:
        return f"{self.subject} at {self.issuer}"


# --- operations (issue 8) ----------------------------------------------------------------


class Heartbeat(models.Model):
    """When a periodic job last ran (e.g. the reminder sweep, run by beat): what the
    readiness check reads to tell "beat has stopped" from "nothing was due"."""

    name = models.CharField(max_length=50, primary_key=True, verbose_name=_("name"))
    at = models.DateTimeField(verbose_name=_("at"))

    class Meta:
        verbose_name = _("heartbeat")
        verbose_name_plural = _("heartbeats")

    def __str__(self) -> str:
        return f"{self.name} at {self.at:%Y-%m-%d %H:%M:%S} UTC"


# --- availability as data (issue 9) ----------------------------------------------------
#
# An interviewer's weekly hours are WeeklyHours rows, in their own zone. Someone with no
# rows yet falls back to the summary fields on Interviewer (work_start, work_end on
# work_days), which stay for them and for the reminders' quiet hours; the data migration
# copied every existing interviewer's summary into rows. Read them through
# hiring/scheduling/availability.py, never field by field.

ISO_WEEKDAYS = [
    (1, _("Monday")),
    (2, _("Tuesday")),
    (3, _("Wednesday")),
    (4, _("Thursday")),
    (5, _("Friday")),
    (6, _("Saturday")),
    (7, _("Sunday")),
]


class WeeklyHours(models.Model):
    """One working interval of a weekday, in the interviewer's own zone.

    The interval starts on `weekday` (ISO, 1 Monday ... 7 Sunday) at `start`. An `end`
    at or before `start` ends on the next day: 22:00-06:00 is a night shift, and
    00:00-00:00 is the whole day. A day may hold several intervals (09:00-12:00 and
    13:00-17:00); a Sunday-Thursday week is rows on 7, 1, 2, 3, 4.
    """

    interviewer = models.ForeignKey(
        Interviewer, on_delete=models.CASCADE, related_name="weekly_hours", verbose_name=_("interviewer")
    )
    weekday = models.PositiveSmallIntegerField(choices=ISO_WEEKDAYS, verbose_name=_("weekday"))
    start = models.TimeField(verbose_name=_("start"))
    end = models.TimeField(help_text=_("At or before the start: ends the next day."), verbose_name=_("end"))

    class Meta:
        ordering = ["interviewer", "weekday", "start"]
        verbose_name = _("weekly hours")
        verbose_name_plural = _("weekly hours")
        constraints = [
            models.CheckConstraint(condition=Q(weekday__gte=1, weekday__lte=7), name="weekly_hours_weekday"),
            models.UniqueConstraint(fields=["interviewer", "weekday", "start"], name="weekly_hours_unique_start"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start:%H:%M}-{self.end:%H:%M}"

    @property
    def crosses_midnight(self) -> bool:
        return self.end <= self.start


class TimeOff(models.Model):
    """A stretch the interviewer is away (holiday, leave): [starts_at, ends_at), UTC."""

    interviewer = models.ForeignKey(
        Interviewer, on_delete=models.CASCADE, related_name="time_off", verbose_name=_("interviewer")
    )
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    reason = models.CharField(max_length=200, blank=True, verbose_name=_("reason"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        ordering = ["interviewer", "starts_at"]
        verbose_name = _("time off")
        verbose_name_plural = _("time off")
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="time_off_ends_after_start"),
        ]
        indexes = [models.Index(fields=["interviewer", "starts_at"], name="time_off_by_interviewer_idx")]

    def __str__(self) -> str:
        return gettext("Time off from %(start)s to %(end)s UTC") % {
            "start": f"{self.starts_at:%Y-%m-%d %H:%M}",
            "end": f"{self.ends_at:%Y-%m-%d %H:%M}",
        }


class BusySource(models.TextChoices):
    MANUAL = "manual", _("Entered by hand")
    FEED = "feed", _("Calendar feed")


class BusyBlock(models.Model):
    """A busy stretch from the interviewer's calendar: [starts_at, ends_at), UTC.

    Feed blocks are replaced as a whole on every successful import of the feed; manual
    ones stay until removed. The summary is the interviewer's own: never shown to others.
    """

    interviewer = models.ForeignKey(
        Interviewer, on_delete=models.CASCADE, related_name="busy_blocks", verbose_name=_("interviewer")
    )
    starts_at = models.DateTimeField(verbose_name=_("starts at"))
    ends_at = models.DateTimeField(verbose_name=_("ends at"))
    source = models.CharField(
        max_length=10, choices=BusySource.choices, default=BusySource.MANUAL, verbose_name=_("source")
    )
    uid = models.CharField(max_length=255, blank=True, help_text=_("The feed event's UID."), verbose_name=_("UID"))
    summary = models.CharField(max_length=200, blank=True, verbose_name=_("summary"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("busy block")
        verbose_name_plural = _("busy blocks")
        ordering = ["interviewer", "starts_at"]
        constraints = [
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")), name="busy_block_ends_after_start"),
            models.CheckConstraint(condition=Q(source__in=BusySource.values), name="busy_block_source_valid"),
        ]
        indexes = [
            models.Index(fields=["interviewer", "starts_at"], name="busy_block_by_interviewer_idx"),
            models.Index(fields=["interviewer", "source"], name="busy_block_source_idx"),
        ]

    def __str__(self) -> str:
        return gettext("Busy from %(start)s to %(end)s UTC (%(source)s)") % {
            "start": f"{self.starts_at:%Y-%m-%d %H:%M}",
            "end": f"{self.ends_at:%Y-%m-%d %H:%M}",
            "source": self.get_source_display(),
        }


class FeedStatus(models.TextChoices):
    NEVER = "never", _("Not imported yet")
    OK = "ok", _("Imported")
    FAILED = "failed", _("Failed")


class CalendarFeed(models.Model):
    """An interviewer's secret iCalendar address (what Google Calendar and Outlook
    publish), imported into feed busy blocks by the beat task. The URL is a secret: it is
    shown to its owner and to recruiters only, never in anyone else's output."""

    interviewer = models.OneToOneField(
        Interviewer, on_delete=models.CASCADE, related_name="calendar_feed", verbose_name=_("interviewer")
    )
    url = models.URLField(max_length=2000, verbose_name=_("url"))
    last_import_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last import at"))
    last_status = models.CharField(
        max_length=10, choices=FeedStatus.choices, default=FeedStatus.NEVER, verbose_name=_("last status")
    )
    last_error = models.CharField(max_length=500, blank=True, verbose_name=_("last error"))
    last_event_count = models.PositiveIntegerField(default=0, verbose_name=_("last event count"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")
        ordering = ["interviewer"]
        constraints = [
            models.CheckConstraint(condition=Q(last_status__in=FeedStatus.values), name="calendar_feed_status_valid"),
        ]
        indexes = [models.Index(fields=["last_import_at", "id"], name="calendar_feed_import_idx")]

    def __str__(self) -> str:
        return gettext("Calendar feed of %(interviewer)s (%(status)s)") % {
            "interviewer": self.interviewer,
            "status": self.get_last_status_display(),
        }


class InterviewerPool(models.Model):
    """Who is qualified to take a round kind (reference data, kept in the admin).

    A kind without a pool is open to every active interviewer. The bar-raiser round has
    no pool of its own: its pool is the trained bar raisers (Interviewer.is_bar_raiser).
    """

    kind = models.CharField(max_length=20, choices=RoundKind.choices, unique=True, verbose_name=_("kind"))
    description = models.CharField(max_length=200, blank=True, verbose_name=_("description"))
    members = models.ManyToManyField(Interviewer, blank=True, related_name="pools", verbose_name=_("members"))

    class Meta:
        verbose_name = _("interviewer pool")
        verbose_name_plural = _("interviewer pools")
        ordering = ["kind"]
        constraints = [
            models.CheckConstraint(condition=~Q(kind="bar_raiser"), name="pool_not_bar_raiser"),
        ]

    def __str__(self) -> str:
        return gettext("Pool: %(kind)s") % {"kind": self.get_kind_display()}


# --- talking to candidates (issue 12) ------------------------------------------------------


class MessageTemplate(models.Model):
    """A message recruiters send candidates, written once per language
    (MessageTemplateTranslation). Reference data, edited in the admin."""

    name = models.CharField(max_length=120, unique=True, verbose_name=_("name"))
    is_active = models.BooleanField(default=True, verbose_name=_("is active"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("message template")
        verbose_name_plural = _("message templates")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MessageTemplateTranslation(models.Model):
    """A template's subject and body in one language. Placeholders such as
    {candidate_name} are filled by hiring/messaging.py with str.format_map over a
    fixed list: the text is never run as a Django template."""

    template = models.ForeignKey(
        MessageTemplate, on_delete=models.CASCADE, related_name="translations", verbose_name=_("template")
    )
    language = models.CharField(_("language"), max_length=10, choices=language_choices)
    subject = models.CharField(max_length=200, verbose_name=pgettext_lazy("email", "subject"))
    body = models.TextField(max_length=10000, verbose_name=_("body"))

    class Meta:
        verbose_name = _("message template translation")
        verbose_name_plural = _("message template translations")
        ordering = ["template", "language"]
        constraints = [
            models.UniqueConstraint(fields=["template", "language"], name="message_translation_once_per_language"),
        ]

    def __str__(self) -> str:
        return f"{self.template} ({self.language})"

    def clean(self) -> None:
        from hiring.messaging import check_text

        errors = {}
        for field in ("subject", "body"):
            try:
                check_text(getattr(self, field) or "", single_line=field == "subject")
            except ValidationError as exc:
                errors[field] = exc.messages
        if errors:
            raise ValidationError(errors)


# --- Insights rollups (issue 12) ------------------------------------------------------------
# The insights page adds these up instead of reading every loop, round, scorecard and event of
# the period: one row per (UTC day the loop started, position[, round kind | interviewer]) holding
# the additive parts of each figure (counts, sums and maxima), computed by hiring/services/insights.py
# from the same SQL the page runs on raw rows. PostgreSQL triggers (migration 0025) record every
# write that can change a figure as an InsightsDirty mark of its loop's bucket, in the writer's own
# transaction; until a refresh folds the mark in, the page reads that bucket from the raw rows,
# so the figures are exact whatever the refresh's lag. Derived data: the rows can be rebuilt at
# any time (manage.py insights_refresh --all).


class InsightsDirty(models.Model):
    """A bucket (UTC day of the loops' start, position) changed since its rollup rows were computed."""

    day = models.DateField(verbose_name=_("day"))
    # Not a foreign key: the triggers insert these on every write, with no lock on the position.
    position_id = models.PositiveIntegerField(verbose_name=_("position"))

    class Meta:
        verbose_name = _("insights bucket to refresh")
        verbose_name_plural = _("insights buckets to refresh")
        indexes = [models.Index(fields=["day", "position_id"], name="insights_dirty_bucket_idx")]

    def __str__(self) -> str:
        return f"{self.day.isoformat()} position {self.position_id}"


class InsightsLoopDay(models.Model):
    """Per bucket: decisions, closings and the stays in each open state of its loops."""

    day = models.DateField(verbose_name=_("day"))
    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="+", verbose_name=_("position"))
    decided = models.PositiveIntegerField(default=0, verbose_name=_("decided loops"))
    hired = models.PositiveIntegerField(default=0, verbose_name=_("hired"))
    decision_seconds = models.FloatField(default=0, verbose_name=_("seconds to decision"))
    decision_max_seconds = models.FloatField(null=True, verbose_name=_("longest seconds to decision"))
    closed = models.PositiveIntegerField(default=0, verbose_name=_("closed loops"))
    vetoed = models.PositiveIntegerField(default=0, verbose_name=_("vetoed loops"))
    draft_stays = models.PositiveIntegerField(default=0, verbose_name=_("stays in draft"))
    draft_seconds = models.FloatField(default=0, verbose_name=_("seconds in draft"))
    scheduled_stays = models.PositiveIntegerField(default=0, verbose_name=_("stays scheduled"))
    scheduled_seconds = models.FloatField(default=0, verbose_name=_("seconds scheduled"))
    in_progress_stays = models.PositiveIntegerField(default=0, verbose_name=_("stays in progress"))
    in_progress_seconds = models.FloatField(default=0, verbose_name=_("seconds in progress"))
    awaiting_decision_stays = models.PositiveIntegerField(default=0, verbose_name=_("stays awaiting a decision"))
    awaiting_decision_seconds = models.FloatField(default=0, verbose_name=_("seconds awaiting a decision"))

    class Meta:
        verbose_name = _("insights of a day's loops")
        verbose_name_plural = _("insights of days' loops")
        constraints = [models.UniqueConstraint(fields=["day", "position"], name="insights_loop_day_once")]

    def __str__(self) -> str:
        return f"{self.day.isoformat()} position {self.position_id}"


class InsightsKindDay(models.Model):
    """Per bucket and round kind: pass-through and vetoes."""

    day = models.DateField(verbose_name=_("day"))
    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="+", verbose_name=_("position"))
    kind = models.CharField(max_length=20, choices=RoundKind.choices, verbose_name=_("kind"))
    held = models.PositiveIntegerField(default=0, verbose_name=_("loops that held it"))
    went_on = models.PositiveIntegerField(default=0, verbose_name=_("loops that went on"))
    hired = models.PositiveIntegerField(default=0, verbose_name=_("hired"))
    cards = models.PositiveIntegerField(default=0, verbose_name=_("scorecards"))
    vetoes = models.PositiveIntegerField(default=0, verbose_name=_("vetoes"))

    class Meta:
        verbose_name = _("insights of a day's round kind")
        verbose_name_plural = _("insights of days' round kinds")
        constraints = [models.UniqueConstraint(fields=["day", "position", "kind"], name="insights_kind_day_once")]

    def __str__(self) -> str:
        return f"{self.day.isoformat()} position {self.position_id} {self.kind}"


class InsightsPersonDay(models.Model):
    """Per bucket and interviewer: vetoes, feedback latency and calibration sums."""

    day = models.DateField(verbose_name=_("day"))
    position = models.ForeignKey(Position, on_delete=models.CASCADE, related_name="+", verbose_name=_("position"))
    interviewer = models.ForeignKey(
        Interviewer, on_delete=models.CASCADE, related_name="+", verbose_name=_("interviewer")
    )
    cards = models.PositiveIntegerField(default=0, verbose_name=_("scorecards"))
    vetoes = models.PositiveIntegerField(default=0, verbose_name=_("vetoes"))
    latency_count = models.PositiveIntegerField(default=0, verbose_name=_("first submissions"))
    latency_seconds = models.FloatField(default=0, verbose_name=_("seconds to feedback"))
    latency_max_seconds = models.FloatField(null=True, verbose_name=_("longest seconds to feedback"))
    late = models.PositiveIntegerField(default=0, verbose_name=_("later than target"))
    # The feedback target `late` was counted against (HIRING_FEEDBACK_TARGET_HOURS at the refresh).
    target_seconds = models.FloatField(verbose_name=_("feedback target in seconds"))
    calibration_cards = models.PositiveIntegerField(default=0, verbose_name=_("scorecards on decided loops"))
    matches = models.PositiveIntegerField(default=0, verbose_name=_("matched the outcome"))
    own_sum = models.PositiveIntegerField(default=0, verbose_name=_("sum of own ratings"))
    own_count = models.PositiveIntegerField(default=0, verbose_name=_("own ratings"))
    panel_sum = models.PositiveIntegerField(default=0, verbose_name=_("sum of the rest of the panel's ratings"))
    panel_count = models.PositiveIntegerField(default=0, verbose_name=_("the rest of the panel's ratings"))
    rated_1 = models.PositiveIntegerField(default=0, verbose_name=_("rated 1"))
    rated_2 = models.PositiveIntegerField(default=0, verbose_name=_("rated 2"))
    rated_3 = models.PositiveIntegerField(default=0, verbose_name=_("rated 3"))
    rated_4 = models.PositiveIntegerField(default=0, verbose_name=_("rated 4"))

    class Meta:
        verbose_name = _("insights of a day's interviewer")
        verbose_name_plural = _("insights of days' interviewers")
        constraints = [
            models.UniqueConstraint(fields=["day", "position", "interviewer"], name="insights_person_day_once")
        ]

    def __str__(self) -> str:
        return f"{self.day.isoformat()} position {self.position_id} interviewer {self.interviewer_id}"
