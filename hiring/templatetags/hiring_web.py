"""Template helpers of the interviewer pages: times in the viewer's zone with
the other party's beside them, spans of time in words, rating meanings."""

from __future__ import annotations

import datetime as dt

from django import template
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hiring import times
from hiring.models import RATING_SCALE

register = template.Library()

_MEANINGS = dict(RATING_SCALE)


def _viewer_zone() -> str:
    # TimezoneMiddleware has activated the signed-in person's own zone.
    return timezone.get_current_timezone_name()


@register.simple_tag
def time_pair(instant: dt.datetime | None, other_zone: str, other_label: str | None = None) -> str:
    """'Tue 5 May 10:00 your time · 17:00 for the candidate (Asia/Singapore)'."""
    if not isinstance(instant, dt.datetime):
        return _("not scheduled yet")
    return times.format_pair(instant, viewer_zone=_viewer_zone(), other_zone=other_zone, other_label=other_label)


@register.filter
def local_time(instant: dt.datetime | None) -> str:
    """'Tue 5 May 10:00 CEST' in the viewer's zone."""
    if not isinstance(instant, dt.datetime):
        return "—"
    return times.format_local(instant, _viewer_zone())


def span(delta: dt.timedelta) -> str:
    """A length of time the way a person says it: '45 min', '3 h 10 min', '2 days 4 h'."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        text = ngettext("%(count)d day", "%(count)d days", days) % {"count": days}
        return text + " " + _("%(hours)d h") % {"hours": hours} if hours else text
    if hours:
        text = _("%(hours)d h") % {"hours": hours}
        return text + " " + _("%(minutes)d min") % {"minutes": minutes} if minutes else text
    return _("%(minutes)d min") % {"minutes": minutes}


@register.filter
def overdue_by(due: dt.datetime | None, now: dt.datetime) -> str:
    """How long past `due` it is at `now`; empty when not overdue."""
    if not isinstance(due, dt.datetime) or due >= now:
        return ""
    return span(now - due)


@register.filter
def due_in(due: dt.datetime | None, now: dt.datetime) -> str:
    if not isinstance(due, dt.datetime) or due < now:
        return ""
    return span(due - now)


@register.filter
def rating_meaning(score: int | None) -> str:
    return _MEANINGS.get(score, "")


@register.filter
def get_item(mapping: dict, key: object) -> object:
    """A dictionary lookup by a variable key, which the template language lacks."""
    return mapping.get(key) if mapping else None
