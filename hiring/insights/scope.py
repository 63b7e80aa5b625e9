"""Insights: who may read them, the period and its loops, the labels and the settings."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import (
    QuerySet,
)
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from hiring.models import (
    Department,
    Loop,
    LoopStatus,
    Position,
    Recommendation,
    RoundKind,
    RoundStatus,
)
from hiring.selectors import User, is_recruiter, viewer_scope

DEFAULT_PERIOD_DAYS = 90
MAX_PERIOD_DAYS = 731
# Calibration: an interviewer needs this many scorecards on decided loops to be flagged,
# and a z-score of their lean (own mean minus their panels' mean) this far from the others'.
CALIBRATION_Z = 1.5


def calibration_min_scorecards() -> int:
    return int(getattr(settings, "HIRING_CALIBRATION_MIN_SCORECARDS", 5))


HELD = [RoundStatus.HELD, RoundStatus.SUBMITTED]
DECIDED = [LoopStatus.HIRED, LoopStatus.REJECTED]
POSITIVE = [Recommendation.YES, Recommendation.STRONG_YES]
NEGATIVE = [Recommendation.NO, Recommendation.STRONG_NO]
CLOSED = "closed"

STATE_LABELS = {
    LoopStatus.DRAFT: _("Draft"),
    LoopStatus.SCHEDULED: pgettext_lazy("loop status", "Scheduled"),  # the same entry as LoopStatus
    LoopStatus.IN_PROGRESS: _("In progress"),
    LoopStatus.AWAITING_DECISION: _("Awaiting decision"),
}
KIND_LABELS = {
    RoundKind.SCREEN: _("Screen"),
    RoundKind.TECHNICAL: _("Technical"),
    RoundKind.SYSTEM_DESIGN: _("System design"),
    RoundKind.CULTURE: _("Culture and values"),
    RoundKind.HIRING_MANAGER: _("Hiring manager"),
    RoundKind.BAR_RAISER: _("Bar raiser"),
    RoundKind.OTHER: _("Other"),
}


def feedback_target_hours() -> float:
    return float(getattr(settings, "HIRING_FEEDBACK_TARGET_HOURS", 4))


# --- who, and which loops -------------------------------------------------------------


def may_view_insights(user: User) -> bool:
    """Recruiters, and hiring managers (for their own positions)."""
    if is_recruiter(user):
        return True
    return bool(user.is_authenticated and user.is_active and viewer_scope(user)[1])


def may_view_calibration(user: User) -> bool:
    """How each interviewer rates is for recruiters only."""
    return is_recruiter(user)


@dataclass(frozen=True)
class Filters:
    start: dt.datetime  # inclusive, UTC-aware
    end: dt.datetime  # exclusive
    position_id: int | None = None
    department_id: int | None = None
    first_day: dt.date | None = None
    last_day: dt.date | None = None


def make_filters(
    *,
    first_day: dt.date | None,
    last_day: dt.date | None,
    position_id: int | None = None,
    department_id: int | None = None,
    zone: str = "UTC",
    today: dt.date,
) -> Filters:
    """The days are whole days in the viewer's zone; both ends included. Raises ValueError
    (with a translated message) for an empty or too long period."""
    try:
        last_day = last_day or today
        first_day = first_day or last_day - dt.timedelta(days=DEFAULT_PERIOD_DAYS - 1)
        tz = ZoneInfo(zone)
        start = dt.datetime.combine(first_day, dt.time(0), tz)
        end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(0), tz)
        start.astimezone(dt.UTC), end.astimezone(dt.UTC)
    except OverflowError as exc:
        raise ValueError(_("The period is out of range.")) from exc
    if first_day > last_day:
        raise ValueError(_("The period ends before it starts."))
    if (last_day - first_day).days + 1 > MAX_PERIOD_DAYS:
        raise ValueError(_("The period is too long (at most %(days)s days).") % {"days": MAX_PERIOD_DAYS})
    return Filters(
        start=start,
        end=end,
        position_id=position_id,
        department_id=department_id,
        first_day=first_day,
        last_day=last_day,
    )


def positions_for(user: User) -> QuerySet[Position]:
    """The positions whose insights this person may read (the filter's choices)."""
    positions = Position.objects.select_related("department").order_by("title", "pk")
    if is_recruiter(user):
        return positions
    return positions.filter(pk__in=viewer_scope(user)[1])


def loops_for(user: User, filters: Filters) -> QuerySet[Loop]:
    loops = Loop.objects.filter(created_at__gte=filters.start, created_at__lt=filters.end)
    if not is_recruiter(user):
        loops = loops.filter(position_id__in=viewer_scope(user)[1])
    if filters.position_id is not None:
        loops = loops.filter(position_id=filters.position_id)
    if filters.department_id is not None:
        loops = loops.filter(position__department_id=filters.department_id)
    return loops.order_by()


def departments_for(user: User, positions: list[Position]) -> list[Department]:
    """The departments of the filter: every one for a recruiter, those of their positions otherwise."""
    if is_recruiter(user):
        return list(Department.objects.order_by("name"))
    return sorted({p.department for p in positions}, key=lambda d: d.name)


def feedback_target() -> dt.timedelta:
    return dt.timedelta(hours=feedback_target_hours())
