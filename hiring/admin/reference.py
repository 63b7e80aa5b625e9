"""Reference data in the admin: departments, people, competencies, loop plans,
positions; and the read-only record: events and scorecards."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.contrib.auth.forms import UserChangeForm, UserCreationForm
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.html import format_html_join
from django.utils.translation import gettext_lazy as _

from hiring import selectors, services
from hiring.admin.availability import TimeOffInline, WeeklyHoursInline, feed_status, save_availability_formset
from hiring.admin.board import BoardMixin, board_link_description
from hiring.admin.privacy import DeactivateInsteadOfDeleteMixin
from hiring.admin.workflow import PipelineMedia
from hiring.models import (
    Candidate,
    Competency,
    Department,
    Event,
    Interviewer,
    LoopPlan,
    Position,
    Question,
    RoundTemplate,
    Scorecard,
    SeniorityLevel,
)
from hiring.rules import DomainError, check_plan, min_rounds
from hiring.scheduling import availability
from hiring.validators import validate_email_text, validate_person_name

# --- reference data: departments, people, competencies, plans, positions ------------------


@admin.register(Department)
class DepartmentAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(SeniorityLevel)
class SeniorityLevelAdmin(admin.ModelAdmin):
    list_display = ["name", "rank"]


@admin.register(Interviewer)
class InterviewerAdmin(DeactivateInsteadOfDeleteMixin, admin.ModelAdmin):
    list_display = ["name", "department", "level", "time_zone", "working_hours", "is_bar_raiser"]
    list_filter = ["department", "level", "is_bar_raiser"]
    list_select_related = ["user", "department", "level"]
    search_fields = ["user__first_name", "user__last_name", "user__email"]
    autocomplete_fields = ["user"]
    actions = ["deactivate_selected"]
    # Weekly hours and time off (issue 9), saved through the services.
    inlines = [WeeklyHoursInline, TimeOffInline]
    readonly_fields = ["calendar_feed_status"]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("weekly_hours")

    @admin.display(description=_("Working hours (their time)"))
    def working_hours(self, interviewer: Interviewer) -> str:
        return availability.describe_week(availability.weekly_intervals(interviewer, interviewer.weekly_hours.all()))

    @admin.display(description=_("Calendar feed"))
    def calendar_feed_status(self, interviewer: Interviewer) -> str:
        return feed_status(interviewer)

    def save_formset(self, request, form, formset, change):
        if not save_availability_formset(request, form, formset):
            super().save_formset(request, form, formset, change)


class QuestionInline(admin.TabularInline):
    model = Question
    extra = 1
    fields = ["text", "guidance", "active"]


@admin.register(Competency)
class CompetencyAdmin(admin.ModelAdmin):
    search_fields = ["name"]
    inlines = [QuestionInline]


@admin.register(Question)
class QuestionAdmin(admin.ModelAdmin):
    """The question bank: reference data like competencies (interview kits read the active ones)."""

    list_display = ["short_text", "competency", "active"]
    list_filter = ["active", "competency"]
    list_select_related = ["competency"]
    search_fields = ["text"]
    # Newest first, by the primary key: a filter on competency and active walks question_kit_idx.
    ordering = ["-id"]
    list_per_page = 50
    show_full_result_count = False
    fields = ["competency", "text", "guidance", "active"]
    # The admin styles that pass axe-core (underlined breadcrumbs and "Show all" links).
    Media = PipelineMedia

    @admin.display(description=_("Question"))
    def short_text(self, question: Question) -> str:
        return str(question)


class RoundTemplateFormSet(forms.BaseInlineFormSet):
    def clean(self):
        super().clean()
        kinds = [
            form.cleaned_data["kind"]
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("kind")
        ]
        problems = check_plan(kinds)
        if problems:
            raise ValidationError(problems)


class RoundTemplateInline(admin.TabularInline):
    model = RoundTemplate
    formset = RoundTemplateFormSet
    extra = 0
    min_num = 5
    fields = ["order", "kind", "title", "duration_minutes", "competencies", "instructions"]
    filter_horizontal = ["competencies"]


@admin.register(LoopPlan)
class LoopPlanAdmin(admin.ModelAdmin):
    list_display = ["name", "round_count"]
    inlines = [RoundTemplateInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_rounds=Count("rounds"))

    @admin.display(description=_("Rounds"), ordering="n_rounds")
    def round_count(self, plan: LoopPlan) -> int:
        return plan.n_rounds


class PositionForm(forms.ModelForm):
    class Meta:
        model = Position
        fields = [
            "title",
            "department",
            "hiring_manager",
            "recruiter",
            "loop_plan",
            "min_rounds",
            "is_open",
            "description",
        ]

    def clean(self):
        data = super().clean()
        plan, minimum = data.get("loop_plan"), data.get("min_rounds")
        if minimum is not None and minimum < min_rounds():
            self.add_error(
                "min_rounds",
                _("The company floor is %(min_rounds)s rounds; a position may only ask more.")
                % {"min_rounds": min_rounds()},
            )
        elif plan is not None and minimum is not None:
            try:
                services.validate_plan_for_position(plan, minimum)
            except DomainError as exc:
                self.add_error("loop_plan", exc.message)
        return data


@admin.register(Position)
class PositionAdmin(BoardMixin, admin.ModelAdmin):
    form = PositionForm
    list_display = ["title", "department", "hiring_manager", "recruiter", "loop_plan", "is_open", "board"]
    readonly_fields = ["board"]
    list_filter = ["is_open", "department"]
    list_select_related = ["department", "hiring_manager", "recruiter", "loop_plan"]
    search_fields = ["title"]
    autocomplete_fields = ["hiring_manager", "recruiter"]

    @admin.display(description=board_link_description)
    def board(self, position: Position) -> str:
        # The position's board (hiring/admin/board.py); nothing yet on the add page.
        return self.board_link(position) if position.pk else "—"


@admin.register(Event)
class EventAdmin(admin.ModelAdmin):
    """The audit log: read-only, append-only."""

    list_display = ["created_at", "kind", "actor", "candidate", "round", "reason"]
    list_filter = ["kind"]
    list_select_related = ["actor", "candidate", "round"]
    search_fields = ["candidate__full_name", "candidate__email"]
    show_full_result_count = False

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Scorecard)
class ScorecardAdmin(admin.ModelAdmin):
    """Submitted feedback, read-only: scorecards are written by interviewers through the services."""

    list_display = ["round", "candidate", "author", "revision", "recommendation", "veto", "submitted_at", "is_current"]
    list_filter = ["recommendation", "veto", "is_current"]
    list_select_related = ["round__loop__candidate", "author"]
    search_fields = ["round__loop__candidate__full_name", "author__last_name"]
    show_full_result_count = False
    readonly_fields = [
        "round",
        "revision",
        "author",
        "recommendation",
        "notes",
        "key_takeaways",
        "private_note",
        "veto",
        "veto_reason",
        "submitted_at",
        "is_current",
        "ratings_list",
    ]

    def get_fields(self, request, obj=None):
        # The private note to the recruiter is the recruiters' alone (a hiring manager may use the admin).
        if selectors.is_recruiter(request.user):
            return self.readonly_fields
        return [name for name in self.readonly_fields if name != "private_note"]

    def get_queryset(self, request):
        # Drafts are the interviewer's own until submitted.
        return super().get_queryset(request).filter(submitted_at__isnull=False)

    @admin.display(description=_("Candidate"))
    def candidate(self, card: Scorecard) -> Candidate:
        return card.round.loop.candidate

    @admin.display(description=_("Ratings"))
    def ratings_list(self, card: Scorecard) -> str:
        return format_html_join(
            "", "<div>{}: {}</div>", ((r.competency.name, r.get_score_display()) for r in card.ratings.all())
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class InterviewerInline(admin.StackedInline):
    model = Interviewer
    can_delete = False
    verbose_name_plural = "employee profile (time zone, working hours, panel facts)"


class _PersonNameChecks:
    """People's names and addresses obey hiring/validators.py, like candidates'. Django's own
    User model cannot carry the validators (that would be a migration of django.contrib.auth),
    so the forms that write people add them."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("first_name", "last_name", "username"):
            if name in self.fields:
                self.fields[name].validators.append(validate_person_name)
        if "email" in self.fields:
            self.fields["email"].validators.append(validate_email_text)


class EmployeeChangeForm(_PersonNameChecks, UserChangeForm):
    pass


class EmployeeCreationForm(_PersonNameChecks, UserCreationForm):
    pass


admin.site.unregister(User)


@admin.register(User)
class EmployeeUserAdmin(DeactivateInsteadOfDeleteMixin, UserAdmin):
    form = EmployeeChangeForm
    add_form = EmployeeCreationForm
    inlines = [InterviewerInline]
    actions = ["deactivate_selected"]
    list_display = ["username", "first_name", "last_name", "email", "is_staff"]
