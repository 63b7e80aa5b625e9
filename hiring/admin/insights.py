"""The admin's Insights page: how the loops run, as charts (server-side SVG) with their tables.

Recruiters see every position and the interviewer calibration; a hiring manager sees
the positions they manage and no calibration; anyone else gets 403. Every table
exports to CSV and Excel (?export=<table>&format=csv|xlsx, with the page's filters).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hiring import charts, exports, insights
from hiring.models import Department, Position

PCT = "%"


class InsightsFilterForm(forms.Form):
    first_day = forms.DateField(
        label=gettext_lazy("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    last_day = forms.DateField(label=gettext_lazy("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    position = forms.TypedChoiceField(label=gettext_lazy("Position"), required=False, coerce=int, empty_value=None)
    department = forms.TypedChoiceField(label=gettext_lazy("Department"), required=False, coerce=int, empty_value=None)

    def __init__(self, data, *, positions: list[Position], departments: list[Department], zone: str, today):
        super().__init__(data)
        self.zone, self.today = zone, today
        self.fields["position"].choices = [("", _("All positions"))] + [(p.pk, p.title) for p in positions]
        self.fields["department"].choices = [("", _("All departments"))] + [(d.pk, d.name) for d in departments]

    def clean(self):
        data = super().clean()
        if self.errors:
            return data
        try:
            data["filters"] = insights.make_filters(
                first_day=data.get("first_day"),
                last_day=data.get("last_day"),
                position_id=data.get("position"),
                department_id=data.get("department"),
                zone=self.zone,
                today=self.today,
            )
        except ValueError as exc:
            raise ValidationError(str(exc), code="period") from exc
        return data


def _num(value, unit: str = "") -> str:
    if value is None:
        return "–"
    return f"{value:g}{unit}"


def build_charts(result: insights.Insights) -> dict[str, charts.BarChart]:
    """One chart per figure that reads well as bars; each is drawn beside its table."""
    t = result.tables
    days = _("%(n)s d")
    hours = _("%(n)s h")
    made: dict[str, charts.BarChart] = {}

    def add(key: str, title: str, description: str, items, marker=None) -> None:
        made[key] = charts.bar_chart(key=key, title=title, description=description, items=items, marker=marker)

    add(
        "time_to_decision_by_position",
        _("Average days to a decision, by position"),
        _("One bar per position: the average days from the start of a loop to its decision."),
        [
            (r["position"], r["avg_days"], days % {"n": _num(r["avg_days"])}, "")
            for r in t["time_to_decision_by_position"].rows
        ],
    )
    add(
        "time_in_state",
        _("Average days in each state"),
        _("One bar per loop state: the average days a loop spent in it."),
        [(r["state"], r["avg_days"], days % {"n": _num(r["avg_days"])}, "") for r in t["time_in_state"].rows],
    )
    add(
        "pass_through",
        _("Share of loops that went on past each round kind"),
        _("One bar per round kind: the percentage of loops that held it and went on."),
        [(r["kind"], r["went_on_pct"], _num(r["went_on_pct"], PCT), "") for r in t["pass_through"].rows],
    )
    add(
        "veto_by_kind",
        _("Veto rate by round kind"),
        _("One bar per round kind: the percentage of its scorecards that vetoed."),
        [(r["kind"], r["veto_pct"], _num(r["veto_pct"], PCT), "is-alert") for r in t["veto_by_kind"].rows],
    )
    add(
        "veto_by_role",
        _("Veto rate of bar raisers and other interviewers"),
        _("Two bars: the percentage of scorecards that vetoed, by trained bar raisers and by everyone else."),
        [(r["role"], r["veto_pct"], _num(r["veto_pct"], PCT), "is-alert") for r in t["veto_by_role"].rows],
    )
    target = insights.feedback_target_hours()
    add(
        "feedback_latency",
        _("Average hours to feedback, by interviewer"),
        _(
            "One bar per interviewer: average hours from the end of the interview to the scorecard. "
            "Bars past the target line are marked late."
        ),
        [
            (
                r["interviewer"],
                r["avg_hours"],
                hours % {"n": _num(r["avg_hours"])},
                "is-alert" if (r["avg_hours"] or 0) > target else "",
            )
            for r in t["feedback_latency"].rows
        ],
        marker=(target, _("Target %(n)s h") % {"n": f"{target:g}"}),
    )
    if "calibration" in t:
        add(
            "calibration",
            _("Lean of each interviewer against their panels"),
            _(
                "One bar per interviewer: own mean rating minus the mean of the rest of the same panels. "
                "Right is lenient, left is harsh."
            ),
            [
                (
                    r["interviewer"],
                    r["lean"],
                    _num(r["lean"]) + (f" · {r['flag']}" if r["flag"] else ""),
                    "is-flagged" if r["flag"] else "",
                )
                for r in t["calibration"].rows
            ],
        )
    return made


# The page's sections in order: (table key, the chart drawn with it, if any).
SECTIONS = [
    ("time_to_decision_by_position", "time_to_decision_by_position"),
    ("time_to_decision_by_department", None),
    ("time_in_state", "time_in_state"),
    ("time_in_state_by_position", None),
    ("time_in_state_by_department", None),
    ("pass_through", "pass_through"),
    ("veto_by_kind", "veto_by_kind"),
    ("veto_by_role", "veto_by_role"),
    ("veto_by_department", None),
    ("feedback_latency", "feedback_latency"),
    ("calibration", "calibration"),
]


def export_table(table: insights.Table, fmt: str) -> HttpResponse:
    keys = [key for key, _ in table.columns]
    return exports.export_response(
        fmt=fmt,
        filename=f"insights-{table.key}",
        headers=[str(label) for _, label in table.columns],
        rows=([row.get(key) for key in keys] for row in table.rows),
        title=str(table.title),
    )


def insights_view(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not insights.may_view_insights(user):
        raise PermissionDenied
    positions = list(insights.positions_for(user))
    departments = insights.departments_for(user, positions)
    now = timezone.now()
    zone = timezone.get_current_timezone_name()
    form = InsightsFilterForm(
        request.GET or None, positions=positions, departments=departments, zone=zone, today=timezone.localdate(now)
    )
    result = None
    status = 200
    if form.is_bound and not form.is_valid():
        status = 400
    else:
        filters = (
            form.cleaned_data["filters"]
            if form.is_bound
            else insights.make_filters(first_day=None, last_day=None, zone=zone, today=timezone.localdate(now))
        )
        result = insights.compute(user, filters, now=now, positions=positions, departments=departments)
        wanted = request.GET.get("export")
        if wanted:
            fmt = request.GET.get("format", exports.CSV)
            if wanted not in result.tables or fmt not in exports.FORMATS:
                return HttpResponse(_("Unknown export."), status=400, content_type="text/plain; charset=utf-8")
            return export_table(result.tables[wanted], fmt)
        if not form.is_bound:
            form = InsightsFilterForm(
                {
                    "first_day": filters.first_day.isoformat(),
                    "last_day": filters.last_day.isoformat(),
                },
                positions=positions,
                departments=departments,
                zone=zone,
                today=timezone.localdate(now),
            )
            form.is_valid()
    sections = []
    if result is not None:
        made = build_charts(result)
        query = request.GET.copy()
        for key, chart_key in SECTIONS:
            if key not in result.tables:
                continue
            table = result.tables[key]
            links = {}
            for fmt in exports.FORMATS:
                query["export"], query["format"] = key, fmt
                links[fmt] = "?" + query.urlencode()
            keys = [k for k, _ in table.columns]
            sections.append(
                {
                    "table": table,
                    "chart": made.get(chart_key) if chart_key else None,
                    "cells": [[row.get(k) for k in keys] for row in table.rows],
                    "csv_url": links[exports.CSV],
                    "xlsx_url": links[exports.XLSX],
                }
            )
    context = {
        **admin.site.each_context(request),
        "title": _("Insights"),
        "form": form,
        "sections": sections,
        "calibration_shown": insights.may_view_calibration(user),
        "target_hours": f"{insights.feedback_target_hours():g}",
    }
    return TemplateResponse(request, "admin/hiring/insights.html", context, status=status)
