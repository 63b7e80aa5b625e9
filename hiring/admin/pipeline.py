"""The recruiters' admin: candidates and their pipelines, loops, rounds, plans.

Loop state never changes through a model form here. Each workflow step
(start a loop, schedule, reschedule, cancel, mark held, record a decision,
withdraw) has a small form of its own whose POST calls hiring/services.py; a
rule the service refuses comes back as an error on that form.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models
from django.db.models import Exists, OuterRef
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy, ngettext
from django.utils.translation import gettext_lazy as _

from hiring import selectors, services
from hiring.admin import messaging as messaging_admin
from hiring.admin.board import CandidateListExportMixin
from hiring.admin.history import history_table
from hiring.admin.privacy import CandidatePrivacyMixin
from hiring.admin.scheduling import LoopSchedulingMixin, picker_view
from hiring.admin.workflow import (
    AddRoundForm,
    BoundedListMixin,
    DecisionForm,
    PipelineMedia,
    ReasonForm,
    ScheduleForm,
    StartLoopForm,
    WorkflowMixin,
    loop_pipeline,
    outside_hours,
    round_actions,
    round_badge,
    withdraw_action,
)
from hiring.models import (
    OPEN_LOOP_STATUSES,
    Candidate,
    Decision,
    Department,
    Loop,
    LoopStatus,
    Round,
    RoundStatus,
    Scorecard,
)
from hiring.rules import DomainError
from hiring.services.materials import MATERIAL_FIELDS, check_resume, clean_materials
from hiring.services.rounds import overridable
from hiring.times import format_local, format_pair

# --- filters for the candidate list ---------------------------------------------------


class LoopStatusFilter(admin.SimpleListFilter):
    title = _("loop status")
    parameter_name = "loop_status"

    def lookups(self, request, model_admin):
        return [*LoopStatus.choices, ("vetoed", _("Vetoed"))]

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        if value == "vetoed":
            loops = Loop.objects.filter(candidate=OuterRef("pk"), veto_scorecard__isnull=False)
        elif value in LoopStatus.values:
            loops = Loop.objects.filter(candidate=OuterRef("pk"), status=value)
        else:
            return queryset.none()
        return queryset.filter(Exists(loops))


def reference_choices(request) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The department and open-position filters' choices, read once per request in one query."""
    cached = getattr(request, "_hiring_reference_choices", None)
    if cached is None:
        departments: dict[int, str] = {}
        positions: list[tuple[str, int, str]] = []
        rows = Department.objects.order_by("name").values_list(
            "pk", "name", "positions__pk", "positions__title", "positions__is_open"
        )
        for pk, name, position_pk, title, is_open in rows:
            departments[pk] = name
            if position_pk is not None and is_open:
                positions.append((title, position_pk, name))
        cached = (
            list(departments.items()),
            [(pk, f"{title} ({name})") for title, pk, name in sorted(positions)],
        )
        request._hiring_reference_choices = cached
    return cached


class PositionFilter(admin.SimpleListFilter):
    title = _("position")
    parameter_name = "position"

    def lookups(self, request, model_admin):
        return reference_choices(request)[1]

    def queryset(self, request, queryset):
        if not (self.value() or "").isdigit():
            return queryset
        return queryset.filter(Exists(Loop.objects.filter(candidate=OuterRef("pk"), position_id=self.value())))


class DepartmentFilter(admin.SimpleListFilter):
    title = _("hiring department")
    parameter_name = "department"

    def lookups(self, request, model_admin):
        return reference_choices(request)[0]

    def queryset(self, request, queryset):
        if not (self.value() or "").isdigit():
            return queryset
        loops = Loop.objects.filter(candidate=OuterRef("pk"), position__department_id=self.value())
        return queryset.filter(Exists(loops))


class FeedbackOverdueFilter(admin.SimpleListFilter):
    title = _("feedback")
    parameter_name = "feedback"

    def lookups(self, request, model_admin):
        return [("overdue", _("Feedback overdue"))]

    def queryset(self, request, queryset):
        if self.value() != "overdue":
            return queryset
        return queryset.filter(Exists(selectors.loops_with_overdue_feedback().filter(candidate=OuterRef("pk"))))


# --- candidates ---------------------------------------------------------------------


class CandidateForm(forms.ModelForm):
    # Not a model field of this form: the file goes through services.upload_resume, which checks
    # it by content and stores it under a random name (the same check runs here first, so a
    # refused file is a form error and nothing is saved).
    resume_upload = forms.FileField(
        label=_("Résumé"),
        required=False,
        help_text=_("A PDF or a Word (.docx) document. Uploading replaces the current one."),
    )
    remove_resume = forms.BooleanField(label=_("Remove the current résumé"), required=False)

    class Meta:
        model = Candidate
        fields = ["full_name", "email", "time_zone", "preferred_language", "source"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in MATERIAL_FIELDS:
            model_field = Candidate._meta.get_field(name)
            if name in {"linkedin_url", "portfolio_url"}:
                field = forms.URLField(
                    label=capfirst(model_field.verbose_name), required=False, max_length=500, assume_scheme="https"
                )
            else:
                field = model_field.formfield()
            self.fields[name] = field
            if self.instance.pk:
                self.initial[name] = getattr(self.instance, name)

    def clean(self):
        data = super().clean()
        materials = {name: data.get(name) or "" for name in MATERIAL_FIELDS if name not in self.errors}
        try:
            clean_materials(materials)
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                self.add_error(name, messages)
        return data

    def clean_resume_upload(self):
        upload = self.cleaned_data.get("resume_upload")
        if upload:
            try:
                check_resume(upload)
            except ValidationError as error:
                raise ValidationError(error.message_dict["resume"]) from None
        return upload


@admin.register(Candidate)
class CandidateAdmin(
    CandidateListExportMixin, CandidatePrivacyMixin, BoundedListMixin, WorkflowMixin, admin.ModelAdmin
):
    form = CandidateForm
    list_display = ["candidate", "pipeline", "next_interview"]
    list_filter = [LoopStatusFilter, PositionFilter, DepartmentFilter, FeedbackOverdueFilter]
    search_fields = ["full_name", "email"]
    readonly_fields = ["pipeline_detail", "emails", "history", "resume_file"]
    # The links' form fields (CandidateForm swaps in its own; this keeps the factory's quiet).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    actions = ["withdraw_selected", "erase_selected", "export_selected"]
    Media = PipelineMedia

    def get_queryset(self, request):
        return selectors.candidates_with_pipeline(super().get_queryset(request))

    def get_fieldsets(self, request, obj=None):
        materials = [*MATERIAL_FIELDS, "resume_upload"]
        if obj is not None:
            materials = ["resume_file", *materials, "remove_resume"]
        fieldsets = [
            (None, {"fields": list(CandidateForm.Meta.fields)}),
            (_("Materials"), {"fields": materials}),
        ]
        if obj is not None:
            fieldsets.append((_("Loops and history"), {"fields": ["pipeline_detail", "emails", "history"]}))
        return fieldsets

    @admin.display(description=_("Current résumé"))
    def resume_file(self, candidate: Candidate) -> str:
        if not candidate.resume:
            return _("None uploaded.")
        return format_html(
            '<a href="{}" download>{}</a> <span class="hl-none">{} · {}</span>',
            reverse("resume_download", kwargs={"candidate_id": candidate.pk}),
            candidate.resume_name,
            filesizeformat(candidate.resume_size or 0),
            format_local(candidate.resume_uploaded_at, timezone.get_current_timezone_name()),
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<int:pk>/message/",
                view(lambda request, pk: messaging_admin.candidate_message_view(self, request, pk)),
                name="hiring_candidate_message",
            ),
            *super().get_urls(),
        ]

    @admin.display(description=gettext_lazy("Emails"))
    def emails(self, candidate: Candidate) -> str:
        # Automatic and written, newest first; one query, bounded (hiring/admin/messaging.py).
        return messaging_admin.email_timeline(candidate)

    @admin.display(description=_("Candidate"), ordering="full_name")
    def candidate(self, candidate: Candidate) -> str:
        return format_html('{}<br><span class="hl-email">{}</span>', candidate.full_name, candidate.email)

    @admin.display(description=_("Pipeline"))
    def pipeline(self, candidate: Candidate) -> str:
        loops = list(candidate.loops.all())
        if not loops:
            return format_html('<span class="hl-none">{}</span>', _("No loop yet."))
        return format_html_join("", "{}", ((loop_pipeline(loop),) for loop in loops))

    @admin.display(description=_("Next interview (your time)"))
    def next_interview(self, candidate: Candidate) -> str:
        upcoming = selectors.next_interview(candidate)
        if upcoming is None:
            return "—"
        return format_pair(
            upcoming.starts_at,
            viewer_zone=timezone.get_current_timezone_name(),
            other_zone=candidate.time_zone,
        )

    @admin.display(description=_("Loops"))
    def pipeline_detail(self, candidate: Candidate) -> str:
        loops = (
            selectors.loops_with_pipeline()
            .filter(candidate=candidate)
            .select_related("decision__decided_by", "decision__rejection_reason")
        )
        scorecards = (
            Scorecard.objects.filter(round__loop__candidate=candidate, submitted_at__isnull=False)
            .select_related("round", "author")
            .prefetch_related("ratings__competency")
            .order_by("round__order", "revision")
        )
        by_loop: dict[int, list[Scorecard]] = {}
        for card in scorecards:
            by_loop.setdefault(card.round.loop_id, []).append(card)
        viewer_zone = timezone.get_current_timezone_name()

        def rounds_of(loop: Loop):
            for r in loop.rounds.all():
                when = (
                    format_pair(r.starts_at, viewer_zone=viewer_zone, other_zone=candidate.time_zone)
                    if r.starts_at
                    else "—"
                )
                r.loop = loop
                yield r, when, round_badge(r, loop), round_actions(r)

        return render_to_string(
            "admin/hiring/candidate_loops.html",
            {
                "loops": [
                    (loop, loop_pipeline(loop), by_loop.get(loop.pk, []), list(rounds_of(loop))) for loop in loops
                ],
                "candidate": candidate,
            },
        )

    @admin.display(description=_("History"))
    def history(self, candidate: Candidate) -> str:
        # Sentences, not slugs; one query for the whole table (hiring/admin/history.py).
        return history_table(candidate.pk)

    def save_model(self, request, obj, form, change):
        # The admin's change view runs in one transaction: the record, its materials and the
        # file are saved together or not at all (a file written for a failed save is removed).
        data = {name: form.cleaned_data[name] for name in CandidateForm.Meta.fields}
        if change:
            saved = services.update_candidate(candidate=obj, by=request.user, **data)
        else:
            saved = services.create_candidate(by=request.user, **data)
        materials = {name: form.cleaned_data.get(name) or "" for name in MATERIAL_FIELDS}
        saved = services.update_materials(candidate=saved, by=request.user, **materials)
        if form.cleaned_data.get("resume_upload"):
            saved = services.upload_resume(candidate=saved, upload=form.cleaned_data["resume_upload"], by=request.user)
        elif form.cleaned_data.get("remove_resume"):
            saved = services.remove_resume(candidate=saved, by=request.user)
        obj.pk = saved.pk

    @admin.action(description=_("Withdraw the selected candidates (all their open loops)"))
    def withdraw_selected(self, request, queryset):
        loops = Loop.objects.filter(candidate__in=queryset, status__in=OPEN_LOOP_STATUSES)
        return withdraw_action(self, request, queryset, loops)


# --- loops and rounds ----------------------------------------------------------------------


class RoundInline(admin.TabularInline):
    model = Round
    extra = 0
    can_delete = False
    fields = ["order", "kind", "interviewer", "when", "status_badge", "actions"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("interviewer__user", "interviewer__department", "loop__candidate", "loop__veto_scorecard")
        )

    @admin.display(description=_("When (your time · candidate's)"))
    def when(self, round_: Round) -> str:
        if round_.starts_at is None:
            return "—"
        return format_pair(
            round_.starts_at,
            viewer_zone=timezone.get_current_timezone_name(),
            other_zone=round_.loop.candidate.time_zone,
        )

    @admin.display(description=_("State"))
    def status_badge(self, round_: Round) -> str:
        return round_badge(round_, round_.loop)

    @admin.display(description="")
    def actions(self, round_: Round) -> str:
        return round_actions(round_)


@admin.register(Loop)
class LoopAdmin(LoopSchedulingMixin, BoundedListMixin, WorkflowMixin, admin.ModelAdmin):
    list_display = ["candidate", "position", "status_label", "pipeline", "updated_at"]
    list_filter = ["status", "position__department"]
    search_fields = ["candidate__full_name", "candidate__email", "position__title"]
    list_select_related = ["candidate", "position__department", "veto_scorecard"]
    readonly_fields = [
        "candidate",
        "position",
        "status_label",
        "decision_label",
        "veto_label",
        "scorecards",
        "created_at",
        "closed_at",
    ]
    fields = readonly_fields
    inlines = [RoundInline]
    actions = ["decide_selected", "withdraw_selected", messaging_admin.message_loops_action]
    Media = PipelineMedia

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related(selectors.pipeline_rounds_prefetch())

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        # The page is read-only; changes go through the workflow views and the services.
        return False

    @admin.display(description=_("Status"), ordering="status")
    def status_label(self, loop: Loop) -> str:
        return _("Rejected (vetoed)") if loop.is_vetoed else loop.get_status_display()

    @admin.display(description=_("Pipeline"))
    def pipeline(self, loop: Loop) -> str:
        return loop_pipeline(loop)

    @admin.display(description=_("Decision"))
    def decision_label(self, loop: Loop) -> str:
        decision = Decision.objects.filter(loop=loop).select_related("decided_by").first()
        if decision is None:
            if not loop.is_open:
                return "—"
            blockers = selectors.hire_blockers(loop)
            link = format_html(
                '<a class="button" href="{}">Record decision</a> ', reverse("admin:hiring_loop_decide", args=[loop.pk])
            )
            withdraw = format_html(
                '<a href="{}">Withdraw</a> · <a href="{}">Add a round</a>',
                reverse("admin:hiring_loop_withdraw", args=[loop.pk]),
                reverse("admin:hiring_loop_add_round", args=[loop.pk]),
            )
            why = format_html_join("", "<li>{}</li>", ((b,) for b in blockers))
            note = format_html("<p>A hire cannot be recorded yet:</p><ul>{}</ul>", why) if blockers else ""
            return format_html("{}{}{}{}", self.scheduling_links(loop), link, withdraw, note)
        return format_html(
            "<b>{}</b> by {} on {}: {}",
            decision.get_outcome_display(),
            decision.decided_by.get_full_name() or decision.decided_by,
            format_local(decision.decided_at, timezone.get_current_timezone_name()),
            decision.reason,
        )

    @admin.display(description=_("Veto"))
    def veto_label(self, loop: Loop) -> str:
        if not loop.is_vetoed:
            return "—"
        card = Scorecard.objects.select_related("round__interviewer__user").get(pk=loop.veto_scorecard_id)
        return format_html(
            '<div class="hl-veto">VETOED by {} in “{}”: {}</div>',
            card.round.interviewer.name,
            card.round.label,
            card.veto_reason,
        )

    @admin.display(description=_("Submitted scorecards (all revisions)"))
    def scorecards(self, loop: Loop) -> str:
        cards = (
            Scorecard.objects.filter(round__loop=loop, submitted_at__isnull=False)
            .select_related("round", "author")
            .prefetch_related("ratings__competency")
            .order_by("round__order", "revision")
        )
        return render_to_string("admin/hiring/scorecards.html", {"cards": cards})

    def add_view(self, request, form_url="", extra_context=None):
        if not self.has_add_permission(request):
            raise PermissionDenied

        def perform(data):
            loop = services.start_loop(candidate=data["candidate"], position=data["position"], by=request.user)
            count = loop.rounds.count()
            return ngettext(
                "Started the loop of %(candidate)s for %(title)s with %(count)d round.",
                "Started the loop of %(candidate)s for %(title)s with %(count)d rounds.",
                count,
            ) % {"candidate": loop.candidate, "title": loop.position.title, "count": count}

        initial = {"candidate": request.GET.get("candidate")}
        return self.workflow_view(
            request,
            title=_("Start a loop"),
            form_class=StartLoopForm,
            perform=perform,
            initial=initial,
            back=reverse("admin:hiring_loop_changelist"),
        )

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/decide/", view(self.decide_view), name="hiring_loop_decide"),
            path(
                "message/",
                view(lambda request: messaging_admin.loops_message_view(self, request)),
                name="hiring_message_loops",
            ),
            path("<int:pk>/withdraw/", view(self.withdraw_view), name="hiring_loop_withdraw"),
            path("<int:pk>/add-round/", view(self.add_round_view), name="hiring_loop_add_round"),
            *self.scheduling_urls(),
            *super().get_urls(),
        ]

    def _loop(self, request, pk) -> Loop:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(Loop.objects.select_related("candidate", "position"), pk=pk)

    def decide_view(self, request, pk):
        loop = self._loop(request, pk)

        def perform(data):
            services.decide(
                loop=loop,
                outcome=data["outcome"],
                by=request.user,
                reason=data["reason"],
                rejection_reason=data["rejection_reason"].code if data["rejection_reason"] else None,
            )
            return _("Recorded the decision for %(loop)s.") % {"loop": loop}

        blockers = selectors.hire_blockers(loop)
        intro = (_("A hire cannot be recorded yet: ") + " ".join(blockers)) if blockers else ""
        return self.workflow_view(
            request,
            title=_("Decision: %(loop)s") % {"loop": loop},
            form_class=DecisionForm,
            perform=perform,
            obj=loop,
            intro=intro,
            back=reverse("admin:hiring_loop_change", args=[pk]),
            # The panel's verdict beside the form (two aggregate queries), and the full debrief a click away.
            template="admin/hiring/decide_form.html",
            extra={"summary": selectors.scorecard_summary(loop), "debrief_url": reverse("debrief", args=[pk])},
        )

    def withdraw_view(self, request, pk):
        loop = self._loop(request, pk)

        def perform(data):
            services.withdraw(loop=loop, by=request.user, reason=data["reason"])
            return _("Withdrew %(loop)s.") % {"loop": loop}

        return self.workflow_view(
            request,
            title=_("Withdraw: %(loop)s") % {"loop": loop},
            form_class=ReasonForm,
            perform=perform,
            obj=loop,
            back=reverse("admin:hiring_loop_change", args=[pk]),
        )

    def add_round_view(self, request, pk):
        loop = self._loop(request, pk)

        def perform(data):
            round_ = services.add_round(
                loop=loop,
                kind=data["kind"],
                title=data["title"],
                duration_minutes=data["duration_minutes"],
                competency_ids=[c.pk for c in data["competencies"]],
                by=request.user,
                reason=data["reason"],
            )
            return _("Added round “%(round)s”.") % {"round": round_.label}

        return self.workflow_view(
            request,
            title=_("Add a round: %(loop)s") % {"loop": loop},
            form_class=AddRoundForm,
            perform=perform,
            obj=loop,
            back=reverse("admin:hiring_loop_change", args=[pk]),
        )

    @admin.action(description=_("Record a decision for the selected loop"))
    def decide_selected(self, request, queryset):
        loops = list(queryset[:2])
        if len(loops) != 1:
            self.message_user(request, _("Select exactly one loop to record its decision."), messages.WARNING)
            return None
        return HttpResponseRedirect(reverse("admin:hiring_loop_decide", args=[loops[0].pk]))

    @admin.action(description=_("Withdraw the selected loops"))
    def withdraw_selected(self, request, queryset):
        return withdraw_action(self, request, queryset, queryset.filter(status__in=OPEN_LOOP_STATUSES))


@admin.register(Round)
class RoundAdmin(BoundedListMixin, WorkflowMixin, admin.ModelAdmin):
    list_display = ["__str__", "loop", "interviewer", "starts_at", "status"]
    list_filter = ["status", "kind"]
    list_select_related = ["loop__candidate", "loop__position", "interviewer__user"]
    search_fields = ["loop__candidate__full_name", "interviewer__user__last_name"]
    # Newest loops first, each loop's rounds in order, read from round_admin_order_idx.
    # Round.Meta's ["loop", "order"] follows Loop's own ordering (created_at) through a join,
    # which sorted every round before the first page could be shown.
    ordering = ["-loop_id", "order"]
    readonly_fields = [
        "loop",
        "order",
        "kind",
        "title",
        "interviewer",
        "starts_at",
        "duration_minutes",
        "feedback_due_at",
        "status",
        "sequence",
        "workflow",
    ]
    fields = readonly_fields
    actions = ["cancel_selected"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Actions"))
    def workflow(self, round_: Round) -> str:
        return round_actions(round_) or "—"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/schedule/", view(self.schedule_view), name="hiring_round_schedule"),
            path(
                "<int:pk>/interviewers/",
                view(lambda request, pk: picker_view(self, request, pk)),
                name="hiring_round_interviewers",
            ),
            path("<int:pk>/cancel/", view(self.cancel_view), name="hiring_round_cancel"),
            path("<int:pk>/held/", view(self.held_view), name="hiring_round_held"),
            path("<int:pk>/no-show/", view(self.no_show_view), name="hiring_round_no-show"),
            *super().get_urls(),
        ]

    def _round(self, request, pk) -> Round:
        if not self.has_view_permission(request):
            raise PermissionDenied
        return get_object_or_404(
            Round.objects.select_related("loop__candidate", "loop__position", "interviewer__user"), pk=pk
        )

    def _back(self, round_: Round) -> str:
        return reverse("admin:hiring_loop_change", args=[round_.loop_id])

    def schedule_view(self, request, pk):
        round_ = self._round(request, pk)
        rescheduling = round_.status == RoundStatus.SCHEDULED

        def perform(data):
            if not data["outside_hours_ok"]:
                problems = outside_hours(round_, data["interviewer"], data["starts_at"])
                if problems:
                    raise ValidationError(
                        {
                            "outside_hours_ok": [
                                *problems,
                                _("Pick another time, or tick “Schedule anyway” and say why."),
                            ]
                        }
                    )
            override = {
                "allow_outside_hours": data["outside_hours_ok"],
                "outside_hours_reason": data["outside_hours_reason"],
            }
            try:
                if rescheduling:
                    services.reschedule_round(
                        round=round_,
                        interviewer=data["interviewer"],
                        starts_at=data["starts_at"],
                        by=request.user,
                        reason=data["reason"],
                        **override,
                    )
                    return _("Moved round “%(round)s”.") % {"round": round_.label}
                services.schedule_round(
                    round=round_,
                    interviewer=data["interviewer"],
                    starts_at=data["starts_at"],
                    by=request.user,
                    **override,
                )
            except DomainError as exc:
                # A refusal "Schedule anyway" could lift that the check above did not see
                # (a busy block imported since): shown beside the box, like the others.
                if not overridable(exc):
                    raise
                raise ValidationError({"outside_hours_ok": [exc.message]}) from exc
            return _("Scheduled round “%(round)s”.") % {"round": round_.label}

        initial = {
            "interviewer": round_.interviewer_id,
            "starts_at": timezone.localtime(round_.starts_at) if round_.starts_at else None,
        }
        intro = _("Candidate's time zone: %(candidate_zone)s. Times are in your zone, %(zone)s.") % {
            "candidate_zone": round_.loop.candidate.time_zone,
            "zone": timezone.get_current_timezone_name(),
        }
        title = (
            _("Reschedule “%(round)s” for %(candidate)s")
            if rescheduling
            else _("Schedule “%(round)s” for %(candidate)s")
        ) % {"round": round_.label, "candidate": round_.loop.candidate}

        class BoundedScheduleForm(ScheduleForm):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, round_=round_, **kwargs)

        return self.workflow_view(
            request,
            title=title,
            form_class=BoundedScheduleForm,
            perform=perform,
            obj=round_,
            initial=initial,
            intro=intro,
            back=self._back(round_),
        )

    def cancel_view(self, request, pk):
        round_ = self._round(request, pk)

        def perform(data):
            services.cancel_round(round=round_, by=request.user, reason=data["reason"])
            return _("Cancelled round “%(round)s”.") % {"round": round_.label}

        return self.workflow_view(
            request,
            title=_("Cancel “%(round)s” for %(candidate)s")
            % {"round": round_.label, "candidate": round_.loop.candidate},
            form_class=ReasonForm,
            perform=perform,
            obj=round_,
            back=self._back(round_),
        )

    def held_view(self, request, pk):
        round_ = self._round(request, pk)

        def perform(data):
            services.mark_round_held(round=round_, by=request.user)
            return _("Marked round “%(round)s” held.") % {"round": round_.label}

        return self.workflow_view(
            request,
            title=_("Mark “%(round)s” held") % {"round": round_.label},
            form_class=forms.Form,
            perform=perform,
            obj=round_,
            back=self._back(round_),
        )

    def no_show_view(self, request, pk):
        round_ = self._round(request, pk)

        def perform(data):
            services.mark_no_show(round=round_, by=request.user, reason=data["reason"])
            return _("Recorded a no-show for “%(round)s”.") % {"round": round_.label}

        return self.workflow_view(
            request,
            title=_("No-show in “%(round)s”") % {"round": round_.label},
            form_class=ReasonForm,
            perform=perform,
            obj=round_,
            initial={"reason": _("The candidate did not attend.")},
            back=self._back(round_),
        )

    @admin.action(description=_("Cancel the selected rounds"))
    def cancel_selected(self, request, queryset):
        form = ReasonForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for round_ in queryset:
                try:
                    services.cancel_round(round=round_, by=request.user, reason=form.cleaned_data["reason"])
                    done += 1
                except DomainError as exc:
                    self.message_user(
                        request, _("%(round)s: %(message)s") % {"round": round_, "message": exc.message}, messages.ERROR
                    )
            self.message_user(
                request,
                ngettext("Cancelled %(done)d round.", "Cancelled %(done)d rounds.", done) % {"done": done},
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("Cancel rounds"),
            "form": form,
            "queryset": queryset,
            "loops": [],
            "action": request.POST.get("action"),
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/hiring/withdraw_confirm.html", context)
