"""Helpers every model module shares: languages, the rating scale, validators, the zone field."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from hiring.validators import validate_time_zone


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
