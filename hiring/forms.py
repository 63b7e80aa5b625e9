"""Forms of the interviewer pages. They check the shape of what was typed and
keep it for redisplay; the rules themselves are enforced by hiring/services.py,
whose errors are mapped back onto these fields (see apply_service_error)."""

from __future__ import annotations

from collections.abc import Iterable

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy as _

from hiring.models import (
    RATING_MAX,
    RATING_MIN,
    RATING_SCALE,
    Competency,
    Outcome,
    Recommendation,
    RejectionReason,
    Scorecard,
)
from hiring.rules import DomainError

NOTES_MAX = 20_000
# Read when a form is built, so it is in the reader's language.
RATING_ERROR = format_lazy(_("Choose a rating from {low} to {high}."), low=RATING_MIN, high=RATING_MAX)


class ScorecardForm(forms.Form):
    """One round's feedback: a rating per competency, the recommendation, notes, the veto.

    `final` is True when the person pressed Submit: everything must then be
    filled in, and a veto needs its reason and an explicit confirmation. A
    draft may be saved half done.
    """

    # Rendered by the server as what the page offered (first submission or an
    # amendment), so a second Submit from a stale page is refused instead of
    # silently becoming an amendment.
    mode = forms.ChoiceField(
        choices=[("submit", "submit"), ("amend", "amend")],
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("The form was changed; reload the page and try again.")},
    )
    recommendation = forms.ChoiceField(
        label=_("Overall recommendation"),
        choices=Recommendation.choices,
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": _("Choose strong no, no, yes or strong yes.")},
    )
    notes = forms.CharField(
        label=_("Notes"),
        widget=forms.Textarea(attrs={"rows": 6}),
        required=False,
        max_length=NOTES_MAX,
        strip=False,
        help_text=_("The evidence behind your ratings: what the candidate said and did."),
    )
    key_takeaways = forms.CharField(
        label=_("Key take-aways"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=NOTES_MAX,
        strip=False,
        help_text=_("Two or three lines the debrief should remember."),
    )
    private_note = forms.CharField(
        label=_("Private note to the recruiter (optional)"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=NOTES_MAX,
        strip=False,
        help_text=_("Only recruiters read it: not the panel, not the hiring manager."),
    )
    veto = forms.BooleanField(label=_("I veto this candidate"), required=False)
    veto_reason = forms.CharField(
        label=_("Why you veto"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=NOTES_MAX,
        help_text=_("Required with a veto. The panel, the hiring manager and the recruiter will read it."),
    )
    confirm_veto = forms.BooleanField(
        label=_(
            "I understand that my veto ends this loop now: the candidate is rejected and every round "
            "not yet held is cancelled."
        ),
        required=False,
    )

    def __init__(self, *args, competencies: Iterable[Competency], final: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.final = final
        self.competencies = list(competencies)
        for competency in self.competencies:
            self.fields[self.rating_field(competency.pk)] = forms.TypedChoiceField(
                label=competency.name,
                choices=[(str(score), meaning) for score, meaning in RATING_SCALE],
                coerce=int,
                required=False,
                widget=forms.RadioSelect,
                error_messages={"invalid_choice": RATING_ERROR},
            )

    # The error summary names fields briefly; the confirmation's own label is a sentence.
    SHORT_LABELS = {"confirm_veto": _("Veto confirmation"), "veto": _("Veto"), "veto_reason": _("Veto reason")}

    def error_summary(self) -> list[tuple[str, str, str]]:
        """(field name, short label, message) for each field error, in the order of the page."""
        order = [self.rating_field(c.pk) for c in self.competencies] + [
            "recommendation",
            "notes",
            "key_takeaways",
            "private_note",
            "veto",
            "veto_reason",
            "confirm_veto",
        ]
        return [
            (name, self.SHORT_LABELS.get(name, self.fields[name].label), " ".join(self.errors[name]))
            for name in order
            if name in self.errors
        ]

    @staticmethod
    def rating_field(competency_id: int) -> str:
        return f"rating_{competency_id}"

    @staticmethod
    def initial_from(scorecard: Scorecard | None, *, mode: str) -> dict:
        initial: dict = {"mode": mode}
        if scorecard is None:
            return initial
        initial.update(
            recommendation=scorecard.recommendation,
            notes=scorecard.notes,
            key_takeaways=scorecard.key_takeaways,
            private_note=scorecard.private_note,
            veto=scorecard.veto,
            veto_reason=scorecard.veto_reason,
        )
        for rating in scorecard.ratings.all():
            initial[ScorecardForm.rating_field(rating.competency_id)] = str(rating.score)
        return initial

    def material_fields(self) -> list[forms.BoundField]:
        """The key take-aways and the private note, in the page's order."""
        return [self["key_takeaways"], self["private_note"]]

    def rating_fields(self) -> list[tuple[Competency, forms.BoundField]]:
        return [(c, self[self.rating_field(c.pk)]) for c in self.competencies]

    def clean(self):
        data = super().clean()
        if not self.final:
            return data
        for competency in self.competencies:
            name = self.rating_field(competency.pk)
            if data.get(name) in (None, "") and name not in self.errors:
                self.add_error(name, _("Rate %(competency)s.") % {"competency": competency.name})
        if not data.get("recommendation") and "recommendation" not in self.errors:
            self.add_error("recommendation", _("Choose an overall recommendation."))
        if not data.get("veto") and (data.get("veto_reason") or "").strip():
            # Only possible without JavaScript (the script does not send a hidden reason): a reason
            # with no veto is ambiguous, so ask rather than guess either way.
            self.add_error(
                "veto", _("You wrote a veto reason but did not tick the veto. Tick it, or clear the reason.")
            )
        if data.get("veto"):
            if not (data.get("veto_reason") or "").strip() and "veto_reason" not in self.errors:
                self.add_error("veto_reason", _("A veto needs a written reason."))
            if not data.get("confirm_veto"):
                self.add_error("confirm_veto", _("Tick this box to confirm that your veto ends the loop."))
        return data

    def ratings(self) -> dict[int, int]:
        """The ratings given, by competency id (unrated ones left out)."""
        ratings = {}
        for competency in self.competencies:
            score = self.cleaned_data.get(self.rating_field(competency.pk))
            if score not in (None, ""):
                ratings[competency.pk] = score
        return ratings


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=Outcome.choices,
        error_messages={"invalid_choice": _("The outcome is hire or reject."), "required": _("Choose hire or reject.")},
    )
    reason = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=NOTES_MAX,
        help_text=_("Required to reject; it goes on record."),
    )
    # From the recruiters' list (RejectionReason), so rejections can be counted; the text says the rest.
    rejection_reason = forms.ModelChoiceField(
        label=_("Reason for a rejection"),
        queryset=RejectionReason.objects.filter(is_active=True),
        to_field_name="code",
        required=False,
        empty_label=_("— pick one to reject —"),
    )
    # A hire cannot be undone from these pages, so, like a veto, it takes a second, explicit step.
    # Checked here on the server: a page without JavaScript, or a forged post, needs it too.
    confirm_hire = forms.BooleanField(
        label=_("I confirm the hire: it goes on record and the loop closes."),
        required=False,
    )

    def clean(self):
        data = super().clean()
        if data.get("outcome") == Outcome.HIRE and not data.get("confirm_hire"):
            self.add_error("confirm_hire", _("Tick the box to confirm the hire, then press Record hire again."))
        return data


def apply_service_error(form: forms.Form, error: ValidationError | DomainError) -> None:
    """Show a service's refusal beside the field it names, or above the form.

    ValidationError.message_dict keys are the service's argument names; those
    that match a form field go beside it (e.g. veto_reason), the rest (e.g.
    ratings, which spans several fields) go above the form.
    """
    if isinstance(error, DomainError):
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for field, messages in error.message_dict.items():
        form.add_error(field if field in form.fields else None, messages)


def _language_options() -> list[tuple[str, str]]:
    from django.utils.translation import get_language_info

    # Each language in its own name ("Deutsch", "日本語"), so a person can find theirs
    # whatever the page's language is now.
    return [
        ("", _("As my browser says")),
        *((code, get_language_info(code)["name_local"]) for code, _n in settings.LANGUAGES),
    ]


class LanguageForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language of your pages and emails"), choices=_language_options, required=False
    )
