"""My availability (issue 9): an interviewer's weekly hours, time off, busy times,
calendar feed and load limits, on one page that works on a phone.

Each section is its own form posting here with an `action`; every change goes through
hiring/services/availability.py, and a refusal comes back as a form error. Kept apart
from hiring/views.py, whose pages are the loop's.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods

from hiring import services
from hiring.forms import apply_service_error
from hiring.models import ISO_WEEKDAYS, BusyBlock, BusySource, CalendarFeed, Interviewer, TimeOff, WeeklyHours
from hiring.rules import DomainError, NotPermitted
from hiring.scheduling.availability import local_instant

# Time off shown on the page: the next ones, this many at most.
TIME_OFF_SHOWN = 50
# Busy times entered by hand shown on the page: the next ones, this many at most.
BUSY_SHOWN = 50
# Intervals a day the form offers (the API takes more).
SLOTS_PER_DAY = 2
WEEKDAY_NAMES = {
    1: gettext_lazy("Monday"),
    2: gettext_lazy("Tuesday"),
    3: gettext_lazy("Wednesday"),
    4: gettext_lazy("Thursday"),
    5: gettext_lazy("Friday"),
    6: gettext_lazy("Saturday"),
    7: gettext_lazy("Sunday"),
}


def _time_field(label) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        required=False,
        input_formats=["%H:%M"],
        widget=forms.TimeInput(attrs={"type": "time", "step": 60}, format="%H:%M"),
    )


class WeeklyHoursForm(forms.Form):
    """Per weekday, up to two intervals; an end at or before its start ends the next day."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for day, _name in ISO_WEEKDAYS:
            for slot in range(1, SLOTS_PER_DAY + 1):
                name = WEEKDAY_NAMES[day]
                self.fields[f"d{day}_s{slot}_start"] = _time_field(
                    _("%(day)s, interval %(n)d, from") % {"day": name, "n": slot}
                )
                self.fields[f"d{day}_s{slot}_end"] = _time_field(
                    _("%(day)s, interval %(n)d, to") % {"day": name, "n": slot}
                )

    def days(self):
        """[(weekday name, [(start field, end field), ...]), ...] for the template."""
        return [
            (
                WEEKDAY_NAMES[day],
                [(self[f"d{day}_s{slot}_start"], self[f"d{day}_s{slot}_end"]) for slot in range(1, SLOTS_PER_DAY + 1)],
            )
            for day, _name in ISO_WEEKDAYS
        ]

    @classmethod
    def initial_for(cls, rows: list[WeeklyHours]) -> dict:
        initial: dict = {}
        used: dict[int, int] = {}
        for row in sorted(rows, key=lambda r: (r.weekday, r.start)):
            slot = used.get(row.weekday, 0) + 1
            if slot > SLOTS_PER_DAY:
                continue
            used[row.weekday] = slot
            initial[f"d{row.weekday}_s{slot}_start"] = row.start
            initial[f"d{row.weekday}_s{slot}_end"] = row.end
        return initial

    def clean(self):
        data = super().clean()
        specs = []
        for day, _name in ISO_WEEKDAYS:
            for slot in range(1, SLOTS_PER_DAY + 1):
                start, end = data.get(f"d{day}_s{slot}_start"), data.get(f"d{day}_s{slot}_end")
                if start is None and end is None:
                    continue
                if start is None or end is None:
                    self.add_error(
                        f"d{day}_s{slot}_start" if start is None else f"d{day}_s{slot}_end",
                        _("Give both the start and the end."),
                    )
                    continue
                specs.append(services.HoursSpec(day, start, end))
        data["specs"] = specs
        return data


class TimeOffForm(forms.Form):
    first_day = forms.DateField(
        label=gettext_lazy("First day away"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    last_day = forms.DateField(
        label=gettext_lazy("Last day away"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    reason = forms.CharField(
        label=gettext_lazy("Note (only you and recruiters see it)"), required=False, max_length=200
    )

    def clean(self):
        data = super().clean()
        first, last = data.get("first_day"), data.get("last_day")
        if first and last and last < first:
            self.add_error("last_day", _("The last day cannot be before the first."))
        return data


class BusyBlockForm(forms.Form):
    busy_day = forms.DateField(
        label=gettext_lazy("Busy day"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    busy_from = forms.TimeField(
        label=gettext_lazy("Busy from"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    busy_to = forms.TimeField(
        label=gettext_lazy("Busy until"),
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        help_text=gettext_lazy("At or before the start: the next day."),
    )
    summary = forms.CharField(
        label=gettext_lazy("What it is (only you and recruiters see it)"), required=False, max_length=200
    )

    def span(self, zone: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
        """The local times as UTC instants (DST as for weekly hours); an end at or
        before the start is on the next day."""
        data = self.cleaned_data
        day, start, end = data["busy_day"], data["busy_from"], data["busy_to"]
        end_day = day + dt.timedelta(days=1) if end <= start else day
        return local_instant(day, start, zone), local_instant(end_day, end, zone, fold=1)


class FeedForm(forms.Form):
    url = forms.CharField(
        label=gettext_lazy("Secret address of your calendar (iCalendar)"),
        required=False,
        max_length=2000,
        widget=forms.URLInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
        help_text=gettext_lazy("Leave empty to stop importing. Only you and recruiters can see this address."),
    )


class LimitsForm(forms.Form):
    per_day = forms.IntegerField(
        label=gettext_lazy("Interviews a day at most"), required=False, min_value=1, max_value=50
    )
    per_week = forms.IntegerField(
        label=gettext_lazy("Interviews a week at most"), required=False, min_value=1, max_value=50
    )


FORMS = {
    "hours": WeeklyHoursForm,
    "time_off": TimeOffForm,
    "busy": BusyBlockForm,
    "feed": FeedForm,
    "limits": LimitsForm,
}


def _me(request: HttpRequest) -> Interviewer:
    try:
        return Interviewer.objects.select_related("user").get(user=request.user)
    except ObjectDoesNotExist:
        raise Http404(_("You have no interviewer record.")) from None


def _forms(person: Interviewer, rows: list[WeeklyHours], feed: CalendarFeed | None) -> dict:
    return {
        "hours": WeeklyHoursForm(initial=WeeklyHoursForm.initial_for(rows)),
        "time_off": TimeOffForm(),
        "busy": BusyBlockForm(),
        "feed": FeedForm(initial={"url": feed.url if feed else ""}),
        "limits": LimitsForm(
            initial={"per_day": person.max_interviews_per_day, "per_week": person.max_interviews_per_week}
        ),
    }


def _day_start(day: dt.date, zone: ZoneInfo) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=zone).astimezone(dt.UTC)


def _perform(request: HttpRequest, person: Interviewer, action: str, form: forms.Form) -> str:
    """Do what the form asks through the services; return the message to show."""
    data = form.cleaned_data
    by = request.user
    if action == "hours":
        services.set_weekly_hours(interviewer=person, intervals=data["specs"], by=by)
        return _("Your weekly hours are saved.")
    if action == "time_off":
        zone = ZoneInfo(person.time_zone)
        services.add_time_off(
            interviewer=person,
            starts_at=_day_start(data["first_day"], zone),
            ends_at=_day_start(data["last_day"] + dt.timedelta(days=1), zone),
            reason=data["reason"],
            by=by,
        )
        return _("Your time off is added.")
    if action == "busy":
        starts_at, ends_at = form.span(ZoneInfo(person.time_zone))
        services.add_busy_block(
            interviewer=person, starts_at=starts_at, ends_at=ends_at, summary=data["summary"], by=by
        )
        return _("Your busy time is added.")
    if action == "feed":
        services.set_calendar_feed(interviewer=person, url=data["url"], by=by)
        return (
            _("Your calendar address is saved; it is imported within the hour.")
            if data["url"]
            else _("Your calendar is no longer imported.")
        )
    services.set_load_limits(interviewer=person, per_day=data["per_day"], per_week=data["per_week"], by=by)
    return _("Your limits are saved.")


@login_required
@require_http_methods(["GET", "HEAD", "POST"])
def my_availability(request: HttpRequest) -> HttpResponse:
    person = _me(request)
    now = timezone.now()
    rows = list(WeeklyHours.objects.filter(interviewer=person))
    feed = CalendarFeed.objects.filter(interviewer=person).first()
    page_forms = _forms(person, rows, feed)
    status = 200
    if request.method == "POST":
        action = request.POST.get("action", "")
        if action == "remove_time_off":
            try:
                away = TimeOff.objects.get(pk=int(request.POST.get("time_off", "")), interviewer=person)
            except (ValueError, ObjectDoesNotExist):
                raise Http404 from None
            services.remove_time_off(time_off=away, by=request.user)
            messages.success(request, _("That time off is removed."))
            return redirect("my_availability")
        if action == "remove_busy":
            try:
                block = BusyBlock.objects.get(
                    pk=int(request.POST.get("busy", "")), interviewer=person, source=BusySource.MANUAL
                )
            except (ValueError, ObjectDoesNotExist):
                raise Http404 from None
            services.remove_busy_block(block=block, by=request.user)
            messages.success(request, _("That busy time is removed."))
            return redirect("my_availability")
        if action not in FORMS:
            return HttpResponse(_("Unknown action."), status=400, content_type="text/plain; charset=utf-8")
        form = FORMS[action](request.POST)
        page_forms[action] = form
        if form.is_valid():
            try:
                done = _perform(request, person, action, form)
            except (ValidationError, DomainError, NotPermitted) as error:
                # The services name their arguments (url, ends_at, weekly_hours ...): those that
                # are not fields of this form go above it.
                apply_service_error(form, error)
            else:
                messages.success(request, done)
                return redirect("my_availability")
        status = 400
    time_off = list(
        TimeOff.objects.filter(interviewer=person, ends_at__gt=now).order_by("starts_at", "id")[:TIME_OFF_SHOWN]
    )
    busy = list(
        BusyBlock.objects.filter(interviewer=person, source=BusySource.MANUAL, ends_at__gt=now).order_by(
            "starts_at", "id"
        )[:BUSY_SHOWN]
    )
    context = {
        "person": person,
        "forms": page_forms,
        "feed": feed,
        "time_off": time_off,
        "busy": busy,
        "default_per_day": settings.HIRING_MAX_INTERVIEWS_PER_DAY,
        "default_per_week": settings.HIRING_MAX_INTERVIEWS_PER_WEEK,
        "uses_summary": not rows,
    }
    return render(request, "hiring/availability.html", context, status=status)
