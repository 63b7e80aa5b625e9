"""The company's people: departments, levels and interviewers."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from hiring.models.common import TimeZoneField, language_choices, validate_languages, validate_work_days


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
