"""Availability in the admin (issue 9): an interviewer's weekly hours and time off inline
on their page, their feed's status, and the interviewer pools as reference data.

Every write goes through hiring/services/availability.py: the inlines' formsets are
checked by the same validation and saved by the services, never by the admin itself.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from hiring import services
from hiring.models import Interviewer, InterviewerPool, RoundKind, TimeOff, WeeklyHours
from hiring.services.availability import validate_weekly_hours


class WeeklyHoursFormSet(forms.BaseInlineFormSet):
    def specs(self) -> list[services.HoursSpec]:
        return [
            services.HoursSpec(f.cleaned_data["weekday"], f.cleaned_data["start"], f.cleaned_data["end"])
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]

    def clean(self):
        super().clean()
        if any(self.errors) or not self.has_changed():
            return
        try:
            validate_weekly_hours(self.specs())
        except ValidationError as exc:
            raise ValidationError(exc.messages) from None


class WeeklyHoursInline(admin.TabularInline):
    model = WeeklyHours
    formset = WeeklyHoursFormSet
    extra = 0
    fields = ["weekday", "start", "end"]
    verbose_name_plural = _("weekly hours (their own zone; an end at or before the start ends the next day)")


class TimeOffInline(admin.TabularInline):
    """Time off not yet over (what scheduling still reads); older time off is history."""

    model = TimeOff
    extra = 0
    fields = ["starts_at", "ends_at", "reason"]
    verbose_name_plural = _("time off ahead")

    def get_queryset(self, request):
        return super().get_queryset(request).filter(ends_at__gt=timezone.now()).order_by("starts_at")


def save_availability_formset(request, form, formset) -> bool:
    """Save the availability inlines through the services; False if the formset is not theirs."""
    interviewer = form.instance
    if formset.model not in (WeeklyHours, TimeOff):
        return False
    # What formset.save() would have set, read by the admin's change message.
    formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
    if formset.model is WeeklyHours:
        if formset.has_changed():
            services.set_weekly_hours(interviewer=interviewer, intervals=formset.specs(), by=request.user)
        return True
    for sub in formset.forms:
        if not sub.has_changed() and sub not in formset.deleted_forms:
            continue
        # A changed row is the old one removed and the new one added, both by the services.
        if sub.instance.pk:
            services.remove_time_off(time_off=sub.instance, by=request.user)
        if sub in formset.deleted_forms or not sub.cleaned_data:
            continue
        services.add_time_off(
            interviewer=interviewer,
            starts_at=sub.cleaned_data["starts_at"],
            ends_at=sub.cleaned_data["ends_at"],
            reason=sub.cleaned_data.get("reason", ""),
            by=request.user,
        )
    return True


def feed_status(interviewer: Interviewer) -> str:
    feed = getattr(interviewer, "calendar_feed", None)
    if feed is None:
        return gettext("No calendar feed.")
    if feed.last_status == "ok":
        return gettext("Imported %(when)s: %(count)d busy times.") % {
            "when": f"{feed.last_import_at:%Y-%m-%d %H:%M} UTC",
            "count": feed.last_event_count,
        }
    if feed.last_status == "failed":
        return gettext("Failed %(when)s: %(error)s") % {
            "when": f"{feed.last_import_at:%Y-%m-%d %H:%M} UTC",
            "error": feed.last_error,
        }
    return gettext("Not imported yet.")


class PoolForm(forms.ModelForm):
    kind = forms.ChoiceField(
        choices=[(value, label) for value, label in RoundKind.choices if value != RoundKind.BAR_RAISER],
        help_text=_("The bar-raiser round's pool is the trained bar raisers (ticked on each interviewer)."),
    )

    class Meta:
        model = InterviewerPool
        fields = ["kind", "description", "members"]


@admin.register(InterviewerPool)
class InterviewerPoolAdmin(admin.ModelAdmin):
    """Who may take which round kind. A kind without a pool is open to every interviewer."""

    form = PoolForm
    list_display = ["kind", "description", "member_count"]
    autocomplete_fields = ["members"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_members=Count("members"))

    @admin.display(description=_("Members"), ordering="n_members")
    def member_count(self, pool: InterviewerPool) -> int:
        return pool.n_members

    def save_model(self, request, obj, form, change):
        pool = services.set_pool(
            kind=form.cleaned_data["kind"],
            interviewer_ids=[i.pk for i in form.cleaned_data["members"]],
            description=form.cleaned_data.get("description", ""),
            by=request.user,
        )
        obj.pk = pool.pk

    def save_related(self, request, form, formsets, change):
        # The members were set by services.set_pool.
        pass

    def delete_model(self, request, obj):
        services.remove_pool(kind=obj.kind, by=request.user)

    def delete_queryset(self, request, queryset):
        for pool in queryset:
            services.remove_pool(kind=pool.kind, by=request.user)
