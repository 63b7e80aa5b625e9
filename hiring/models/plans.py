"""What a loop is made of: competencies, questions, loop plans and their round templates, positions."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hiring.models.people import Department


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
