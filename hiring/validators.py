"""What a name, an email address and a time zone may hold, checked in one place.

Model fields carry these validators, so the admin's forms, the API (whose writes
call services that run full_clean()) and the services themselves refuse the same
values with the same words. Names are refused rather than silently changed: a
recruiter who pasted a name with a hidden character should see that, not find a
different name stored.

Why each refusal:
- control characters (CR, LF, TAB, NUL ...) end an email subject or header
  early and let a name write lines of its own into a message;
- bidirectional controls (U+202A-U+202E, U+2066-U+2069, and the invisible marks
  U+200E, U+200F, U+061C) make text display in an order other than the one
  stored ("Trojan Source"), so a page shows a different name than the data says;
- other invisible format characters and line/paragraph separators hide text.
  Zero-width joiner and non-joiner stay allowed: Persian, Indic and emoji
  spellings need them.
- a time zone must be a real, canonical IANA zone: "localtime" means whatever
  the host says, "Factory" is no place, and "posix/..", "right/.." and
  "posixrules" are the database's internal aliases (right/ ones even count leap
  seconds), so no person lives in them.
"""

from __future__ import annotations

import unicodedata
from functools import cache
from zoneinfo import ZoneInfo, available_timezones

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

# Joiners that real names are spelled with (ZWNJ, ZWJ).
_ALLOWED_FORMAT = {"\u200c", "\u200d"}
# Unicode categories no name has a use for: controls, format (invisible) characters,
# line and paragraph separators, surrogates and private use.
_REFUSED_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co"}
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")

# Names the tz database ships that are not places.
_NOT_PLACES = {"localtime", "Factory", "posixrules"}
_INTERNAL_PREFIXES = ("posix/", "right/")


def first_refused_character(value: str) -> str | None:
    for char in value:
        if char in _ALLOWED_FORMAT:
            continue
        if char in _BIDI_CONTROLS or unicodedata.category(char) in _REFUSED_CATEGORIES:
            return char
    return None


def _describe(char: str) -> str:
    name = unicodedata.name(char, "")
    code = f"U+{ord(char):04X}"
    return f"{code} {name}" if name else code


def validate_plain_text(value: str) -> None:
    """One line of visible text: no control, bidi or invisible format characters."""
    if not isinstance(value, str):
        return
    char = first_refused_character(value)
    if char is not None:
        raise ValidationError(
            _("Remove the hidden or control character (%(char)s); only visible text is allowed here."),
            code="invisible_character",
            params={"char": _describe(char)},
        )


def validate_person_name(value: str) -> None:
    validate_plain_text(value)


def validate_email_text(value: str) -> None:
    """On top of Django's EmailValidator, whose quoted local part admits control characters."""
    if not isinstance(value, str):
        return
    if first_refused_character(value) is not None:
        raise ValidationError(_("Enter an email address without hidden or control characters."), code="invalid")


@cache
def canonical_time_zones() -> frozenset[str]:
    return frozenset(
        zone for zone in available_timezones() if zone not in _NOT_PLACES and not zone.startswith(_INTERNAL_PREFIXES)
    )


def is_canonical_time_zone(value: object) -> bool:
    if not isinstance(value, str) or value not in canonical_time_zones():
        return False
    try:
        ZoneInfo(value)
    except (ValueError, OSError, KeyError):  # ZoneInfoNotFoundError is a KeyError
        return False
    return True


def validate_time_zone(value: str) -> None:
    if not value or not is_canonical_time_zone(value):
        raise ValidationError(
            _("%(value)r is not an IANA time zone (for example Europe/Berlin)."),
            code="invalid_time_zone",
            params={"value": value},
        )


def single_line(value: str) -> str:
    """The text with every refused character turned into a space and runs of spaces
    collapsed: for data already stored (or from elsewhere) that lands in one line,
    such as an email subject."""
    cleaned = "".join(" " if first_refused_character(char) else char for char in value)
    return " ".join(cleaned.split())
