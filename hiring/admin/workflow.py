"""Pieces the recruiters' admin pages share: the pipeline badges, the workflow
forms whose POST calls one service, the capped count, and the hours warning.

Loop state never changes through a model form in the admin. Each workflow step
has a small form of its own whose POST calls hiring/services.py; a rule the
service refuses comes back as an error on that form.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext, gettext_lazy

from hiring import services
from hiring.models import (
    Candidate,
    Competency,
    Interviewer,
    Loop,
    Outcome,
    Position,
    Round,
    RoundKind,
    RoundStatus,
)
from hiring.reminders.hours import candidate_hours, interviewer_hours, within
from hiring.rules import DomainError
from hiring.times import format_local

admin.site.site_header = "Hiring Loop"
admin.site.site_title = "Hiring Loop"
admin.site.index_title = "Recruiting"

KIND_SHORT = {
    RoundKind.SCREEN: "SCR",
    RoundKind.TECHNICAL: "TEC",
    RoundKind.SYSTEM_DESIGN: "SYS",
    RoundKind.CULTURE: "CUL",
    RoundKind.HIRING_MANAGER: "HM",
    RoundKind.BAR_RAISER: "BR",
    RoundKind.OTHER: "OTH",
}


class PipelineMedia:
    css = {"all": ["hiring_admin/pipeline.css"]}


# --- rendering the pipeline ------------------------------------------------------


def round_badge(round_: Round, loop: Loop) -> str:
    vetoed = loop.veto_scorecard_id is not None and loop.veto_scorecard.round_id == round_.pk
    state = "veto" if vetoed else round_.status
    label = "VETO" if vetoed else round_.get_status_display()
    who = round_.interviewer.name if round_.interviewer_id else "no interviewer yet"
    title = f"{round_.order}. {round_.label} · {who} · {label}"
    return format_html(
        '<span class="hl-badge hl-{}" title="{}"><b>{}</b> {}<span class="hl-state">{}</span></span>',
        state,
        title,
        KIND_SHORT.get(round_.kind, "?"),
        who.split(" ")[0] if round_.interviewer_id else "—",
        label,
    )


def loop_pipeline(loop: Loop) -> str:
    badges = format_html_join("", "{}", ((round_badge(r, loop),) for r in loop.rounds.all()))
    status = "vetoed" if loop.is_vetoed else loop.status
    status_label = "Vetoed" if loop.is_vetoed else loop.get_status_display()
    return format_html(
        '<div class="hl-loop"><span class="hl-status hl-status-{}">{}</span> '
        '<a href="{}">{}</a><div class="hl-rounds">{}</div></div>',
        status,
        status_label,
        reverse("admin:hiring_loop_change", args=[loop.pk]),
        loop.position.title,
        badges,
    )


# --- workflow forms ------------------------------------------------------------------


class ReasonForm(forms.Form):
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="Goes on record.")


class StartLoopForm(forms.Form):
    # Django admin's own autocomplete (select2, searching CandidateAdmin.search_fields, paged, with the
    # admin's permission checks): a recruiter types a name or an email instead of a raw id, and a
    # million candidates never load into one <select>.
    candidate = forms.ModelChoiceField(
        queryset=Candidate.objects.all(),
        widget=AutocompleteSelect(Loop._meta.get_field("candidate"), admin.site),
        help_text=gettext_lazy("Type part of the candidate's name or email."),
    )
    position = forms.ModelChoiceField(queryset=Position.objects.filter(is_open=True).select_related("department"))


class LabelledSplitDateTime(admin.widgets.AdminSplitDateTime):
    """The admin's date and time pickers, with a real <label> on each input.

    Django's own template writes "Date:" and "Time:" as bare text, so a screen
    reader announces two unnamed inputs (axe: critical, "form elements must have labels").
    """

    template_name = "admin/hiring/widgets/split_datetime.html"


class ScheduleForm(forms.Form):
    interviewer = forms.ModelChoiceField(
        queryset=Interviewer.objects.select_related("user", "department", "level").filter(user__is_active=True)
    )
    starts_at = forms.SplitDateTimeField(widget=LabelledSplitDateTime, help_text="In your own time zone.")
    reason = forms.CharField(required=False, help_text="For a reschedule: why it moved.")
    outside_hours_ok = forms.BooleanField(
        required=False,
        label="Schedule anyway",
        help_text="Tick when someone has agreed to meet outside their working or waking hours.",
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # The admin reads the time in the zone of the recruiter's profile (TimezoneMiddleware), not in
        # this computer's: say which, by name. The admin script's "N hours ahead of server time" note
        # (hidden in pipeline.css) called that same zone "server time" and contradicted this line.
        self.fields["starts_at"].help_text = gettext(
            "In %(zone)s, the time zone of your profile, whatever this computer's clock is set to."
        ) % {"zone": timezone.get_current_timezone_name()}
        self.fields["interviewer"].label_from_instance = lambda i: (
            f"{i.name} · {i.department} · {i.level}{' · bar raiser' if i.is_bar_raiser else ''} · {i.time_zone}"
        )


class AddRoundForm(forms.Form):
    kind = forms.ChoiceField(choices=RoundKind.choices)
    title = forms.CharField(required=False)
    duration_minutes = forms.IntegerField(min_value=15, max_value=480, initial=60)
    competencies = forms.ModelMultipleChoiceField(queryset=Competency.objects.all(), required=False)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(choices=Outcome.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text="Required for a reject."
    )


def apply_errors(form: forms.Form, exc: Exception) -> None:
    """Show a service's refusal on the form: field errors beside fields, the rest on top."""
    if isinstance(exc, ValidationError) and hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    elif isinstance(exc, ValidationError):
        form.add_error(None, exc.messages)
    else:
        form.add_error(None, str(exc))


class WorkflowMixin:
    """A form page in the admin whose valid POST calls one service function."""

    def workflow_view(
        self,
        request: HttpRequest,
        *,
        title: str,
        form_class,
        perform,
        obj=None,
        initial=None,
        back: str,
        intro: str = "",
        template: str = "admin/hiring/workflow_form.html",
        extra: dict | None = None,
    ) -> HttpResponse:
        form = form_class(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            try:
                message = perform(form.cleaned_data)
            except (DomainError, ValidationError) as exc:
                apply_errors(form, exc)
            else:
                self.message_user(request, message, messages.SUCCESS)
                return HttpResponseRedirect(back)
        context = {
            **self.admin_site.each_context(request),
            "title": title,
            "intro": intro,
            "form": form,
            "object": obj,
            "opts": self.model._meta,
            "back": back,
            "media": self.media + form.media,
            **(extra or {}),
        }
        return TemplateResponse(request, template, context)


# --- counting ------------------------------------------------------------------------


class CappedCountPaginator(Paginator):
    """Counts matches only up to CAP.

    On a million candidates, counting every match of a broad filter costs more
    than rendering the page; past ten thousand the exact figure helps no one,
    and the recruiter narrows with a filter or a search instead.
    """

    CAP = 10_000
    cap_label = f"{CAP:,}"

    @cached_property
    def count(self) -> int:
        # COUNT(*) over a LIMITed subquery: the cost is bounded by CAP, not by the table.
        return self.object_list[: self.CAP + 1].count()

    @property
    def capped(self) -> bool:
        return self.count > self.CAP


def outside_hours(round_: Round, interviewer: Interviewer, starts_at) -> list[str]:
    """Who would meet outside their hours at this time, in words with their local time.

    A warning for the recruiter, not a rule: people do agree to early or late calls.
    """
    ends_at = starts_at + dt.timedelta(minutes=round_.duration_minutes)
    candidate = round_.loop.candidate
    problems = []
    if not within(starts_at, ends_at, zone=interviewer.time_zone, hours=interviewer_hours(interviewer)):
        problems.append(
            f"That is {format_local(starts_at, interviewer.time_zone)} for {interviewer.name}, outside their "
            f"working hours ({interviewer.work_start:%H:%M}–{interviewer.work_end:%H:%M}, {interviewer.time_zone})."
        )
    if not within(starts_at, ends_at, zone=candidate.time_zone, hours=candidate_hours()):
        problems.append(
            f"That is {format_local(starts_at, candidate.time_zone)} for the candidate ({candidate.time_zone}), "
            "outside their waking hours."
        )
    return problems


def withdraw_action(model_admin, request, queryset, loops):
    """An admin action with a confirmation page that asks for the reason."""
    form = ReasonForm(request.POST if "reason" in request.POST else None)
    if form.is_bound and form.is_valid():
        done, refused = 0, []
        for loop in loops.select_related("candidate"):
            try:
                services.withdraw(loop=loop, by=request.user, reason=form.cleaned_data["reason"])
                done += 1
            except DomainError as exc:
                refused.append(f"{loop}: {exc.message}")
        model_admin.message_user(request, f"Withdrew {done} loop(s).", messages.SUCCESS)
        for line in refused:
            model_admin.message_user(request, line, messages.ERROR)
        return None
    context = {
        **model_admin.admin_site.each_context(request),
        "title": "Withdraw candidates",
        "form": form,
        "loops": loops.select_related("candidate", "position"),
        "queryset": queryset,
        "action": request.POST.get("action"),
        "opts": model_admin.model._meta,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    }
    return TemplateResponse(request, "admin/hiring/withdraw_confirm.html", context)


def round_actions(round_: Round) -> str:
    links = []
    if round_.status == RoundStatus.PLANNED:
        links.append(("schedule", "Schedule"))
    if round_.status == RoundStatus.SCHEDULED:
        links += [("schedule", "Reschedule"), ("held", "Mark held"), ("no-show", "No-show")]
    if round_.status in (RoundStatus.PLANNED, RoundStatus.SCHEDULED):
        links.append(("cancel", "Cancel"))
    if not round_.loop.is_open:
        return ""
    return format_html_join(
        " · ",
        '<a href="{}">{}</a>',
        ((reverse(f"admin:hiring_round_{name}", args=[round_.pk]), label) for name, label in links),
    )
