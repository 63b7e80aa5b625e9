"""Messages recruiters write to candidates: the placeholders a template may use,
the check made when a template is saved, and the rendering for one candidate.

A template is text a recruiter typed, so it is never run as a Django template
(which could read any attribute of what it is given). Placeholders are filled
with str.format_map over a dict of plain strings built here, and a template is
refused when saved if it names anything else, reaches into a value
({candidate_name.__class__}) or asks for a format ({position:>99999}).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import string

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hiring.times import format_local
from hiring.validators import single_line

# What a template may say, and what each placeholder becomes (shown in the admin).
PLACEHOLDERS = {
    "candidate_name": gettext_lazy("The candidate's full name"),
    "position": gettext_lazy("The position's title"),
    "next_interview": gettext_lazy("The candidate's next interview, in their time zone and language"),
    "recruiter_name": gettext_lazy("The position's recruiter"),
}
FALLBACK_LANGUAGE = "en"
# The most loops one bulk send may reach: one page of work, a bounded transaction.
BULK_LIMIT = 500

_formatter = string.Formatter()


def placeholder_help() -> str:
    return " · ".join("{" + name + "}: " + str(label) for name, label in PLACEHOLDERS.items())


def check_text(text: str, *, single_line: bool = False) -> None:
    """Refuse text that names an unknown placeholder or is not a valid pattern."""
    if single_line and ("\r" in text or "\n" in text):
        raise ValidationError(_("The subject is one line."), code="message_multiline")
    try:
        parts = list(_formatter.parse(text))
    except ValueError:
        raise ValidationError(
            _("Braces { } hold placeholders; write {{ or }} for a brace itself."), code="message_braces"
        ) from None
    for _literal, field, spec, conversion in parts:
        if field is None:
            continue
        if field not in PLACEHOLDERS:
            raise ValidationError(
                _("Unknown placeholder {%(name)s}. Use one of: %(known)s.")
                % {"name": field, "known": ", ".join("{" + p + "}" for p in PLACEHOLDERS)},
                code="message_unknown_placeholder",
            )
        if spec or conversion:
            raise ValidationError(
                _("Write the placeholder {%(name)s} plainly, with nothing after its name.") % {"name": field},
                code="message_placeholder_format",
            )


@dataclasses.dataclass(frozen=True)
class Recipient:
    """What a message needs about one candidate in one loop (read in bulk by the services)."""

    candidate_id: int
    loop_id: int | None
    name: str
    email: str
    time_zone: str
    language: str
    position: str
    recruiter_name: str
    next_interview_at: dt.datetime | None


def values_for(recipient: Recipient, language: str) -> dict[str, str]:
    """The placeholders' values, written in `language` and the candidate's zone."""
    with translation.override(language):
        if recipient.next_interview_at is not None:
            when = format_local(recipient.next_interview_at, recipient.time_zone)
        else:
            when = _("(no interview booked yet)")
        return {
            "candidate_name": recipient.name,
            "position": recipient.position,
            "next_interview": when,
            "recruiter_name": recipient.recruiter_name,
        }


def fill(text: str, values: dict[str, str]) -> str:
    check_text(text)
    return text.format_map(values)


@dataclasses.dataclass(frozen=True)
class Rendered:
    subject: str
    body: str
    language: str
    # True when the candidate's language has no text and the fallback was used.
    fell_back: bool


def pick_translation(translations: dict[str, tuple[str, str]], language: str) -> tuple[str, str, str] | None:
    """(language, subject, body) in the candidate's language, else English, else None."""
    for code in (language, FALLBACK_LANGUAGE):
        if code in translations:
            subject, body = translations[code]
            return code, subject, body
    return None


def render(subject: str, body: str, *, recipient: Recipient, language: str, fell_back: bool = False) -> Rendered:
    values = values_for(recipient, language)
    return Rendered(
        subject=single_line(fill(subject, values))[:250],
        body=fill(body, values),
        language=language,
        fell_back=fell_back,
    )


def language_name(code: str) -> str:
    return str(dict(settings.LANGUAGES).get(code, code))
