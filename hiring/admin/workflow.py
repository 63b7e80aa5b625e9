"""Pieces the recruiters' admin pages share: the pipeline badges, the workflow
forms whose POST calls one service, the capped count, and the hours warning.

Loop state never changes through a model form in the admin. Each workflow step
has a small form of its own whose POST calls hiring/services.py; a rule the
service refuses comes back as an error on that form.
"""

from __future__ import annotations

import datetime as dt
from html import escape

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.options import IncorrectLookupParameters
from django.contrib.admin.views.main import ChangeList
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth import get_backends
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import IntegerField, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import cached_property
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, gettext_lazy, ngettext
from django.utils.translation import gettext_lazy as _

from hiring import services
from hiring.models import (
    Candidate,
    Competency,
    Interviewer,
    Loop,
    LoopStatus,
    Outcome,
    Position,
    RejectionReason,
    Round,
    RoundKind,
    RoundStatus,
)
from hiring.reminders.hours import candidate_hours, within
from hiring.rules import DomainError
from hiring.scheduling import availability
from hiring.selectors import RECRUITERS_GROUP
from hiring.services.rounds import calendar_and_load_problems
from hiring.times import format_local

admin.site.site_header = "Hiring Loop"
admin.site.site_title = _("Hiring Loop")
admin.site.index_title = _("Recruiting")

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


# A list page draws 600 badges: labels from a dict and the standard library's escape, rather
# than get_FOO_display() and format_html() per badge, halve the cost of drawing them.
ROUND_STATUS_LABELS = dict(RoundStatus.choices)
ROUND_KIND_LABELS = dict(RoundKind.choices)
LOOP_STATUS_LABELS = dict(LoopStatus.choices)


def round_badge(round_: Round, loop: Loop) -> str:
    vetoed = loop.veto_scorecard_id is not None and loop.veto_scorecard.round_id == round_.pk
    state = "veto" if vetoed else round_.status
    label = "VETO" if vetoed else str(ROUND_STATUS_LABELS.get(round_.status, round_.status))
    who = round_.interviewer.name if round_.interviewer_id else gettext("no interviewer yet")
    kind = round_.title or str(ROUND_KIND_LABELS.get(round_.kind, round_.kind))
    title = _("%(order)s. %(kind)s · %(who)s · %(label)s") % {
        "order": round_.order,
        "kind": kind,
        "who": who,
        "label": label,
    }
    short = who.split(" ")[0] if round_.interviewer_id else "—"
    kind_short = KIND_SHORT.get(round_.kind, "?")
    return mark_safe(  # noqa: S308 -- every value below is escaped
        f'<span class="hl-badge hl-{escape(state)}" title="{escape(title)}"><b>{escape(kind_short)}</b> '
        f'{escape(short)}<span class="hl-state">{escape(label)}</span></span>'
    )


def loop_pipeline(loop: Loop) -> str:
    badges = mark_safe("".join(round_badge(r, loop) for r in loop.rounds.all()))  # noqa: S308 -- built escaped
    status = "vetoed" if loop.is_vetoed else loop.status
    status_label = "Vetoed" if loop.is_vetoed else str(LOOP_STATUS_LABELS.get(loop.status, loop.status))
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
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text=_("Goes on record."))


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


class InterviewerPicker(forms.Select):
    """A select of a bounded list (the qualified people first) with a search box that
    asks the round's JSON endpoint (hiring/static/hiring_admin/picker.js)."""

    template_name = "admin/hiring/widgets/interviewer_picker.html"
    picker_url = ""

    class Media:
        js = ["hiring_admin/picker.js"]

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["picker_url"] = self.picker_url
        return context


# The schedule form's select lists at most this many people; the search finds the rest.
PICKER_CHOICES = 50


class ScheduleForm(forms.Form):
    # Only people who interview: active, and neither a recruiter (who runs the loop) nor a
    # superuser account (the demo's "admin"); every person has an Interviewer profile for their
    # zone and hours, so the profile alone does not make someone a panelist.
    interviewer = forms.ModelChoiceField(
        queryset=Interviewer.objects.select_related("user", "department", "level")
        .filter(user__is_active=True, user__is_superuser=False)
        .exclude(user__groups__name=RECRUITERS_GROUP),
        widget=InterviewerPicker,
    )
    starts_at = forms.SplitDateTimeField(widget=LabelledSplitDateTime, help_text=_("In your own time zone."))
    reason = forms.CharField(required=False, help_text=_("For a reschedule: why it moved."))
    outside_hours_ok = forms.BooleanField(
        required=False,
        label=_("Schedule anyway"),
        help_text=_("Tick when someone has agreed to meet outside their working or waking hours."),
    )
    outside_hours_reason = forms.CharField(
        required=False,
        label=_("Why book it anyway"),
        help_text=_("Required with “Schedule anyway”: who agreed, and why. It goes on the record."),
    )

    def clean(self):
        data = super().clean()
        if data.get("outside_hours_ok") and not (data.get("outside_hours_reason") or "").strip():
            self.add_error("outside_hours_reason", _("Say why this round may be booked anyway."))
        return data

    def __init__(self, *args, round_: Round | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        if round_ is not None:
            self._bound_the_picker(round_)
        # The admin reads the time in the zone of the recruiter's profile (TimezoneMiddleware), not in
        # this computer's: say which, by name. The admin script's "N hours ahead of server time" note
        # (hidden in pipeline.css) called that same zone "server time" and contradicted this line.
        self.fields["starts_at"].help_text = gettext(
            "In %(zone)s, the time zone of your profile, whatever this computer's clock is set to."
        ) % {"zone": timezone.get_current_timezone_name()}
        self.fields["interviewer"].label_from_instance = lambda i: " · ".join(
            [str(i.name), str(i.department), str(i.level)]
            + ([gettext("bar raiser")] if i.is_bar_raiser else [])
            + [i.time_zone]
        )

    def _bound_the_picker(self, round_: Round) -> None:
        """The select offers a bounded list: the qualified people first, and whoever is
        chosen; the search box (and its endpoint) reaches everyone else."""
        from hiring.admin.scheduling import picker_results

        people = picker_results(round_=round_, query="", starts_at=round_.starts_at, limit=PICKER_CHOICES)
        chosen = self.data.get("interviewer") if self.is_bound else self.initial.get("interviewer")
        choices = [("", "---------")]
        for p in people:
            facts = [p["name"], p["department"], p["level"], p["time_zone"]]
            if p["bar_raiser"]:
                facts.append(gettext("bar raiser"))
            facts.append(gettext("qualified") if p["qualified"] else gettext("not in the pool"))
            choices.append((p["id"], " · ".join(facts)))
        if chosen and str(chosen) not in {str(p["id"]) for p in people}:
            person = (
                Interviewer.objects.select_related("user").filter(pk=str(chosen)[:18]).first()
                if str(chosen).isdigit()
                else None
            )
            if person is not None:
                choices.append((person.pk, person.name))
        widget = self.fields["interviewer"].widget
        widget.choices = choices
        widget.picker_url = reverse("admin:hiring_round_interviewers", args=[round_.pk])


class AddRoundForm(forms.Form):
    kind = forms.ChoiceField(choices=RoundKind.choices)
    title = forms.CharField(required=False)
    duration_minutes = forms.IntegerField(min_value=15, max_value=480, initial=60)
    competencies = forms.ModelMultipleChoiceField(queryset=Competency.objects.all(), required=False)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 2}))


class DecisionForm(forms.Form):
    outcome = forms.ChoiceField(choices=Outcome.choices, widget=forms.RadioSelect)
    rejection_reason = forms.ModelChoiceField(
        label=gettext_lazy("Reason for a rejection"),
        queryset=RejectionReason.objects.filter(is_active=True),
        to_field_name="code",
        required=False,
        help_text=gettext_lazy("Required for a reject: the reasons are counted."),
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), required=False, help_text=_("Required for a reject.")
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


CAPPED_TOTAL = "_capped_total"


class BoundedPaginator(CappedCountPaginator):
    """A page read in one statement, whatever the size of the table.

    load() fetches the page plus one row: the extra row says whether a next
    page exists. An unfiltered list also carries the capped count (at most
    CAP + 1 rows counted) as a column of that same statement. A filtered or
    searched list counts nothing: a selective filter would make even a capped
    count walk the whole table looking for matches it never finds, so its
    total is known only once the last page is reached ("more" until then).
    """

    # Page numbers come from the address bar; past this one an OFFSET is no longer a page anyone reads.
    MAX_PAGE = 100_000

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.rows: list | None = None
        # True while rows exist past those read and no count says how many.
        self.more = False

    def load(self, *, number: int, limit: int, with_total: bool) -> list:
        if not 1 <= number <= self.MAX_PAGE:
            raise IncorrectLookupParameters
        offset = (number - 1) * self.per_page
        queryset = self.object_list
        if with_total:
            queryset = queryset.annotate(**{CAPPED_TOTAL: capped_total(self.object_list, self.CAP)})
        rows = list(queryset[offset : offset + limit + 1])
        has_next = len(rows) > limit
        self.rows = rows[:limit]
        seen = offset + len(self.rows) + (1 if has_next else 0)
        if with_total:
            total = getattr(rows[0], CAPPED_TOTAL) if rows else 0
            # Past the cap the counted total stops growing; the rows read still prove a minimum.
            self.__dict__["count"] = max(total, seen)
        else:
            self.__dict__["count"] = seen
            self.more = has_next
        return self.rows

    @property
    def shown_to(self) -> int:
        """How many rows there are at least, when the total is not known (`more`)."""
        return self.count - 1 if self.more else self.count

    def page(self, number):
        if self.rows is None:
            return super().page(number)
        return self._get_page(self.rows, self.validate_number(number), self)


def capped_total(queryset: QuerySet, cap: int) -> RawSQL:
    """COUNT(*) over the first cap + 1 matches, as a column: one uncorrelated subquery that
    the database runs once for the statement, bounded by the cap rather than the table."""
    inner = queryset.order_by().values("pk")[: cap + 1]
    sql, params = inner.query.get_compiler(using=queryset.db).as_sql()
    # Safe: `sql` is Django's own compiled query and every value stays in `params`. The ORM
    # has no COUNT over a LIMITed subquery as an expression.
    return RawSQL(f"SELECT COUNT(*) FROM ({sql}) AS capped_rows", params, output_field=IntegerField())  # noqa: S608, S611


class BoundedChangeList(ChangeList):
    """Django's changelist reads the count, then the page (and, for a single page, the whole
    unsliced queryset again). This one reads the page once through BoundedPaginator.load()."""

    def get_results(self, request):
        paginator = self.model_admin.get_paginator(request, self.queryset, self.list_per_page)
        if not isinstance(paginator, BoundedPaginator):
            return super().get_results(request)
        narrowed = bool(self.has_active_filters or self.query)
        limit = self.list_max_show_all if self.show_all else self.list_per_page
        number = 1 if self.show_all else self.page_num
        rows = paginator.load(number=number, limit=limit, with_total=not narrowed)
        if not rows and number > 1:
            raise IncorrectLookupParameters
        self.result_count = paginator.count
        self.can_show_all = not paginator.more and not paginator.capped and self.result_count <= self.list_max_show_all
        self.multi_page = self.result_count > self.list_per_page
        if self.show_all and not self.can_show_all:
            # Too many for one page: show the first page instead.
            self.show_all = False
            rows = rows[: self.list_per_page]
        self.show_full_result_count = False
        self.show_admin_actions = True
        self.full_result_count = None
        self.result_list = rows
        self.paginator = paginator
        return None


def prime_permissions(user) -> None:
    """Read a user's own and group permissions in one query instead of ModelBackend's two.

    Only when every backend that answers permissions is a ModelBackend (sign-in-only
    backends such as django-axes' answer none): this fills the cache they read from
    (`_perm_cache`, the set ModelBackend would build itself), so has_perm answers without a query.
    """
    if not all(isinstance(b, ModelBackend) or not hasattr(b, "has_perm") for b in get_backends()):
        return
    if not user.is_active or user.is_anonymous or user.is_superuser or hasattr(user, "_perm_cache"):
        return
    perms = (
        Permission.objects.filter(Q(user=user) | Q(group__user=user))
        .values_list("content_type__app_label", "codename")
        .order_by()
        .distinct()
    )
    user._perm_cache = {f"{app_label}.{codename}" for app_label, codename in perms}


class BoundedListMixin:
    """An admin list whose cost does not grow with its table: the page in one statement
    (capped count when unfiltered, "next page exists" when filtered), permissions in one."""

    paginator = BoundedPaginator
    show_full_result_count = False

    def get_changelist(self, request, **kwargs):
        return BoundedChangeList

    def changelist_view(self, request, extra_context=None):
        prime_permissions(request.user)
        return super().changelist_view(request, extra_context)


def outside_hours(round_: Round, interviewer: Interviewer, starts_at) -> list[str]:
    """Who would meet outside their hours at this time, in words with their local time,
    with the interviewer's time off, busy block and load limit.

    Every one of them can be overridden ("Schedule anyway" with a reason): people do
    agree to early or late calls, or to move a meeting. The service checks them again.
    """
    ends_at = starts_at + dt.timedelta(minutes=round_.duration_minutes)
    candidate = round_.loop.candidate
    problems = []
    if availability.time_off_during(interviewer_id=interviewer.pk, starts_at=starts_at, ends_at=ends_at):
        problems.append(gettext("%(name)s is away then (time off).") % {"name": interviewer.name})
    problems += calendar_and_load_problems(round_=round_, interviewer=interviewer, starts_at=starts_at)
    if not availability.in_weekly_hours(interviewer=interviewer, starts_at=starts_at, ends_at=ends_at):
        problems.append(
            gettext("That is %(local)s for %(name)s, outside their working hours (%(zone)s).")
            % {
                "local": format_local(starts_at, interviewer.time_zone),
                "name": interviewer.name,
                "zone": interviewer.time_zone,
            }
        )
    if not within(starts_at, ends_at, zone=candidate.time_zone, hours=candidate_hours()):
        problems.append(
            gettext("That is %(local)s for the candidate (%(zone)s), outside their waking hours.")
            % {"local": format_local(starts_at, candidate.time_zone), "zone": candidate.time_zone}
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
        model_admin.message_user(
            request,
            ngettext("Withdrew %(done)d loop.", "Withdrew %(done)d loops.", done) % {"done": done},
            messages.SUCCESS,
        )
        for line in refused:
            model_admin.message_user(request, line, messages.ERROR)
        return None
    context = {
        **model_admin.admin_site.each_context(request),
        "title": _("Withdraw candidates"),
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
        links.append(("schedule", _("Schedule")))
    if round_.status == RoundStatus.SCHEDULED:
        links += [("schedule", _("Reschedule")), ("held", _("Mark held")), ("no-show", _("No-show"))]
    if round_.status in (RoundStatus.PLANNED, RoundStatus.SCHEDULED):
        links.append(("cancel", _("Cancel")))
    if not round_.loop.is_open:
        return ""
    return format_html_join(
        " · ",
        '<a href="{}">{}</a>',
        ((reverse(f"admin:hiring_round_{name}", args=[round_.pk]), label) for name, label in links),
    )
