"""Insights rollups (issue 12): per-day sums of the hiring figures, and the marks of what changed."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from hiring.models.people import Interviewer
from hiring.models.plans import Position, RoundKind

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
