"""Fields shared by the serializers: times in UTC, people by name."""

from __future__ import annotations

import datetime as dt

from django.utils.dateparse import parse_datetime
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

UTC = dt.UTC


def iso(value: dt.datetime | None) -> str | None:
    """An instant as ISO 8601 in UTC with a Z, as every API time is written."""
    if value is None:
        return None
    text = value.astimezone(UTC).isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def person_name(user) -> str:
    return user.get_full_name() or user.get_username()


class UTCDateTimeField(serializers.DateTimeField):
    """Written in UTC whatever zone is active; read only with an explicit offset.

    A time without an offset is refused rather than guessed: "09:00" means a
    different instant for every caller, and a wrong guess moves an interview.
    """

    default_error_messages = {
        "naive": "Give the time with its offset, e.g. 2026-05-04T09:00:00Z or 2026-05-04T11:00:00+02:00.",
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("default_timezone", UTC)
        super().__init__(**kwargs)

    def to_internal_value(self, value):
        if isinstance(value, str):
            try:
                parsed = parse_datetime(value)
            except ValueError:
                parsed = None
            if parsed is not None and parsed.tzinfo is None:
                self.fail("naive")
        return super().to_internal_value(value)

    def to_representation(self, value):
        return iso(value) if value else None


class PersonSerializer(serializers.Serializer):
    """A user as others see them: an id and a name, never an email or a login."""

    id = serializers.IntegerField(read_only=True)
    name = serializers.SerializerMethodField()

    def get_name(self, user) -> str:
        return person_name(user)


@extend_schema_field(
    {
        "type": "string",
        "pattern": "^[0-2][0-9]:[0-5][0-9]$",
        "example": "09:00",
        "description": "A wall-clock time in the person's own zone (not an instant, so no offset).",
    }
)
class WallClockField(serializers.TimeField):
    def __init__(self, **kwargs):
        kwargs.setdefault("format", "%H:%M")
        super().__init__(**kwargs)


# --- input fields that take only the JSON type the schema documents -----------------
# DRF coerces by default: 123 is taken for a text, "5" and 5.0 for a whole number,
# "yes" and 1 for a boolean. The schema says string, integer, boolean, and a client
# that sends another type has a bug it should hear about (schemathesis checks that
# the API refuses what its schema calls invalid).


class _JsonTypeMixin:
    json_types: tuple[type, ...] = ()
    default_error_messages = {"json_type": "Expected {expected}, got {actual}."}
    expected_name = ""

    def to_internal_value(self, data):
        # bool is a subclass of int in Python, never an integer in JSON.
        if not isinstance(data, self.json_types) or (isinstance(data, bool) and bool not in self.json_types):
            self.fail("json_type", expected=self.expected_name, actual=type(data).__name__)
        return super().to_internal_value(data)


class TextField(_JsonTypeMixin, serializers.CharField):
    json_types = (str,)
    expected_name = "a string"


class EmailTextField(_JsonTypeMixin, serializers.EmailField):
    json_types = (str,)
    expected_name = "a string"


class URLTextField(_JsonTypeMixin, serializers.URLField):
    json_types = (str,)
    expected_name = "a string"


class WholeNumberField(_JsonTypeMixin, serializers.IntegerField):
    json_types = (int,)
    expected_name = "a whole number"


class TrueFalseField(_JsonTypeMixin, serializers.BooleanField):
    json_types = (bool,)
    expected_name = "true or false"
