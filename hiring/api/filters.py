"""Query-string filters for the lists. Ids are whole numbers within range, times
carry their offset (read as UTC without one), and a value that does not parse is
a 400 that names the parameter, never a 500."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

from hiring.models import (
    Candidate,
    Decision,
    Event,
    EventKind,
    Interviewer,
    Loop,
    LoopStatus,
    Outcome,
    Position,
    Round,
    RoundKind,
    RoundStatus,
    Scorecard,
)

MAX_ID = 2**63 - 1


class IdField(forms.IntegerField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(*args, **kwargs)


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_ID})
class IdFilter(filters.NumberFilter):
    field_class = IdField


@extend_schema_field({"type": "string", "maxLength": 254, "pattern": "^[^\\x00]*$"})
class TextFilter(filters.CharFilter):
    """Free text; a NUL is refused (the database cannot hold one in a query), as documented."""


class StrictFilterSet(filters.FilterSet):
    """A parameter given with an empty value is an error, not "no filter".

    django-filter skips `?updated_since=` or `?position=` as if they were absent;
    the schema calls an empty instant or id invalid, and a client that sent one
    most likely lost a value on its way, so it hears so (400 naming it). Only
    free-text filters take an empty string.
    """

    def is_valid(self) -> bool:
        valid = super().is_valid()
        for name, filter_ in self.filters.items():
            if isinstance(filter_, filters.CharFilter) or name not in self.data:
                continue
            values = self.data.getlist(name) if hasattr(self.data, "getlist") else [self.data[name]]
            if any(str(value).strip() == "" for value in values):
                self.form.add_error(name, _("Give a value, or leave the parameter out."))
                valid = False
        return valid


class InstantField(IsoDateTimeField):
    """An ISO 8601 instant, handed to the database in UTC: an exotic offset such as
    -20:23 is valid ISO 8601 but beyond what PostgreSQL accepts in a literal."""

    def to_python(self, value):
        value = super().to_python(value)
        if value is None:
            return None
        try:
            return value.astimezone(dt.UTC)
        except (OverflowError, ValueError):
            raise forms.ValidationError(_("That instant is out of range.")) from None


class InstantFilter(filters.IsoDateTimeFilter):
    field_class = InstantField


class StrictBooleanField(forms.Field):
    """true/false (or 1/0); anything else is an error rather than silently no filter."""

    def to_python(self, value):
        if value in (None, ""):
            return None
        text = str(value).strip().lower()
        if text in {"true", "1"}:
            return True
        if text in {"false", "0"}:
            return False
        raise forms.ValidationError(_("Use true or false."))


class BooleanFilter(filters.BooleanFilter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        # django-filter's widget turns an unknown word into "no filter"; read the raw text.
        kwargs.setdefault("widget", forms.TextInput)
        super().__init__(*args, **kwargs)


class UpdatedSinceMixin(StrictFilterSet):
    updated_since = InstantFilter(
        field_name="updated_at", lookup_expr="gte", label="Changed at or after this instant (ISO 8601)."
    )


class PositionFilter(StrictFilterSet):
    department = IdFilter(field_name="department_id")
    is_open = BooleanFilter()

    class Meta:
        model = Position
        fields = ["department", "is_open"]


class InterviewerFilter(StrictFilterSet):
    department = IdFilter(field_name="department_id")
    level = IdFilter(field_name="level_id")
    is_bar_raiser = BooleanFilter()

    class Meta:
        model = Interviewer
        fields = ["department", "level", "is_bar_raiser"]


class CandidateFilter(UpdatedSinceMixin):
    email = TextFilter(field_name="email", lookup_expr="iexact", max_length=254)
    position = IdFilter(method="filter_position", label="Has a loop for this position.")

    class Meta:
        model = Candidate
        fields = ["email", "position", "updated_since"]

    def filter_position(self, queryset, name, value):
        return queryset.filter(Exists(Loop.objects.filter(candidate=OuterRef("pk"), position_id=value)))


class LoopFilter(StrictFilterSet):
    status = filters.MultipleChoiceFilter(choices=LoopStatus.choices)
    position = IdFilter(field_name="position_id")
    department = IdFilter(field_name="position__department_id")
    candidate = IdFilter(field_name="candidate_id")
    vetoed = BooleanFilter(field_name="veto_scorecard", lookup_expr="isnull", exclude=True)
    updated_since = InstantFilter(
        method="filter_updated_since",
        label="The loop or one of its rounds changed at or after this instant (ISO 8601).",
    )

    class Meta:
        model = Loop
        fields = ["status", "position", "department", "candidate", "vetoed", "updated_since"]

    def filter_updated_since(self, queryset, name, value):
        # A pipeline changes when a round does, and a round change does not touch the loop row.
        rounds = Round.objects.filter(loop=OuterRef("pk"), updated_at__gte=value)
        return queryset.filter(Q(updated_at__gte=value) | Exists(rounds))


class RoundFilter(UpdatedSinceMixin):
    status = filters.MultipleChoiceFilter(choices=RoundStatus.choices)
    kind = filters.MultipleChoiceFilter(choices=RoundKind.choices)
    loop = IdFilter(field_name="loop_id")
    position = IdFilter(field_name="loop__position_id")
    department = IdFilter(field_name="loop__position__department_id")
    interviewer = IdFilter(field_name="interviewer_id")
    starts_after = InstantFilter(field_name="starts_at", lookup_expr="gte")
    starts_before = InstantFilter(field_name="starts_at", lookup_expr="lt")

    class Meta:
        model = Round
        fields = [
            "status",
            "kind",
            "loop",
            "position",
            "department",
            "interviewer",
            "starts_after",
            "starts_before",
            "updated_since",
        ]


class ScorecardFilter(StrictFilterSet):
    loop = IdFilter(field_name="round__loop_id")
    round = IdFilter(field_name="round_id")
    position = IdFilter(field_name="round__loop__position_id")
    is_current = BooleanFilter()
    veto = BooleanFilter()
    submitted_since = InstantFilter(field_name="submitted_at", lookup_expr="gte")

    class Meta:
        model = Scorecard
        fields = ["loop", "round", "position", "is_current", "veto", "submitted_since"]


class DecisionFilter(StrictFilterSet):
    outcome = filters.ChoiceFilter(choices=Outcome.choices)
    position = IdFilter(field_name="loop__position_id")
    department = IdFilter(field_name="loop__position__department_id")
    decided_since = InstantFilter(field_name="decided_at", lookup_expr="gte")

    class Meta:
        model = Decision
        fields = ["outcome", "position", "department", "decided_since"]


class EventFilter(StrictFilterSet):
    kind = filters.MultipleChoiceFilter(choices=EventKind.choices)
    loop = IdFilter(field_name="loop_id")
    candidate = IdFilter(field_name="candidate_id")
    round = IdFilter(field_name="round_id")
    position = IdFilter(field_name="loop__position_id")
    since = InstantFilter(field_name="created_at", lookup_expr="gte", label="At or after (ISO 8601).")
    after_id = IdFilter(field_name="id", lookup_expr="gt", label="Only events with a greater id.")

    class Meta:
        model = Event
        fields = ["kind", "loop", "candidate", "round", "position", "since", "after_id"]
