"""Instants are stored in UTC and shown in the viewer's zone, with the other
party's local time beside it where that helps (DESIGN.md, rule 7).

Written in the active language by Babel (CLDR): day and month names, the order
of date parts, 12 or 24 hours and zone names ("Mitteleuropäische Sommerzeit",
"日本標準時") are the reader's language's own. English keeps the house style
("Tue 5 May 10:00 CEST"), which every English reader of the product already
knows; it is a Babel pattern too, not strftime.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from babel import Locale, UnknownLocaleError
from babel.dates import format_datetime, format_skeleton, format_time, get_timezone_location, get_timezone_name
from django.utils import translation
from django.utils.translation import gettext as _

# The English house style, as Babel patterns (zone abbreviations come from zoneinfo:
# CLDR has none for most zones in English).
_EN_DAY = "EEE d MMM"
_EN_TIME = "HH:mm"


def local(instant: dt.datetime, zone: str | ZoneInfo) -> dt.datetime:
    tz = zone if isinstance(zone, ZoneInfo) else ZoneInfo(zone)
    return instant.astimezone(tz)


def babel_locale(language: str | None = None) -> Locale:
    """The CLDR locale of a Django language code (the active one by default):
    'pt-br' -> pt_BR, 'zh-hans' -> zh_Hans."""
    code = translation.to_locale(language or translation.get_language() or "en")
    try:
        return Locale.parse(code)
    except (UnknownLocaleError, ValueError):
        return Locale.parse(code.split("_")[0])


def _english(locale: Locale) -> bool:
    return locale.language == "en"


def format_day(moment: dt.datetime, locale: Locale) -> str:
    """'Tue 5 May', '5月5日(火)', 'Di., 5. Mai'."""
    if _english(locale):
        return format_datetime(moment, _EN_DAY, tzinfo=moment.tzinfo, locale=locale)
    return format_skeleton("MMMEd", moment, tzinfo=moment.tzinfo, locale=locale)


def format_clock(moment: dt.datetime, locale: Locale) -> str:
    """'10:00', or '午前10:00' / 'AM 10:00' where the language counts 12 hours."""
    if _english(locale):
        return format_datetime(moment, _EN_TIME, tzinfo=moment.tzinfo, locale=locale)
    return format_time(moment, "short", tzinfo=moment.tzinfo, locale=locale)


def zone_name(moment: dt.datetime, locale: Locale) -> str:
    """'CEST' in English; 'Mitteleuropäische Sommerzeit' in German."""
    if _english(locale):
        return moment.tzname() or ""
    return get_timezone_name(moment, "long", locale=locale)


def zone_place(zone: str, locale: Locale) -> str:
    """The zone as a place: 'Asia/Singapore' in English, 'シンガポール時間' in Japanese."""
    if _english(locale):
        return zone
    return get_timezone_location(ZoneInfo(zone), locale=locale)


def format_local(instant: dt.datetime, zone: str | ZoneInfo, *, with_day: bool = True) -> str:
    """'Tue 5 May 10:00 CEST' in the given zone, in the active language."""
    moment = local(instant, zone)
    locale = babel_locale()
    clock = f"{format_clock(moment, locale)} {zone_name(moment, locale)}"
    if not with_day:
        return clock
    # Translators: a day, then a time with its zone: "Tue 5 May" + "10:00 CEST".
    return _("%(day)s %(time)s") % {"day": format_day(moment, locale), "time": clock}


def format_pair(
    instant: dt.datetime,
    *,
    viewer_zone: str,
    other_zone: str,
    other_label: str | None = None,
) -> str:
    """'Tue 5 May 10:00 your time · 17:00 for the candidate (Asia/Singapore)'.

    When the other party's local date differs from the viewer's, their day is
    named too, so 23:00 Monday is never read as 23:00 Tuesday.
    """
    locale = babel_locale()
    mine = local(instant, viewer_zone)
    theirs = local(instant, other_zone)
    other = other_label if other_label is not None else _("the candidate")
    mine_text = _("%(day)s %(time)s") % {"day": format_day(mine, locale), "time": format_clock(mine, locale)}
    if theirs.utcoffset() == mine.utcoffset():
        # Translators: "Tue 5 May 10:00 your time · same time for the candidate".
        return _("%(when)s your time · same time for %(other)s") % {"when": mine_text, "other": other}
    their_time = format_clock(theirs, locale)
    if theirs.date() != mine.date():
        # Translators: the other party's weekday and time when their date differs: "Wed 07:30".
        their_time = _("%(weekday)s %(time)s") % {
            "weekday": format_datetime(theirs, "EEE", tzinfo=theirs.tzinfo, locale=locale),
            "time": their_time,
        }
    # Translators: "Tue 5 May 10:00 your time · 17:00 for the candidate (Asia/Singapore)".
    return _("%(when)s your time · %(their_time)s for %(other)s (%(zone)s)") % {
        "when": mine_text,
        "their_time": their_time,
        "other": other,
        "zone": zone_place(other_zone, locale),
    }


def format_calendar_day(day: dt.date) -> str:
    """'Mon 4 May': a local calendar date, as the reader's language names it (CLDR's MMMEd)."""
    locale = babel_locale()
    if _english(locale):
        return f"{day:%a} {day.day} {day:%b}"
    return format_skeleton("MMMEd", dt.datetime.combine(day, dt.time(12)), locale=locale)


def format_wall_clock(hour: int, minute: int = 0) -> str:
    """'08:00' (or '8:00 AM' where the language uses a 12-hour clock): a time of day."""
    locale = babel_locale()
    if _english(locale):
        return f"{hour:02d}:{minute:02d}"
    return format_time(dt.time(hour, minute), format="short", locale=locale)
