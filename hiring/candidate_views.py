"""The candidate's availability page: reached by a signed link, no login.

Built for a phone and for a strict content-security policy: a plain form of
checkboxes (no script needed); the small script in static/ only adds "whole day"
shortcuts. A link that cannot be used answers a page that says why (400 when it was
tampered with, 410 when it is gone), never an error page.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from hiring.models import CandidateAvailability
from hiring.services import scheduling
from hiring.times import format_calendar_day, format_local, format_wall_clock

# A signed token is ~60 characters; anything far longer is not one of ours.
MAX_TOKEN_LENGTH = 300
# The form's fields: at most one per block on offer, and a little room.
MAX_FIELDS = 31 * len(scheduling.DAY_BLOCKS)


def _problem_page(request: HttpRequest, problem: scheduling.LinkProblem) -> HttpResponse:
    return render(
        request,
        "hiring/candidate_availability_problem.html",
        {"message": problem.message, "code": problem.code},
        status=problem.status,
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
def candidate_availability(request: HttpRequest, token: str) -> HttpResponse:
    if len(token) > MAX_TOKEN_LENGTH:
        return _problem_page(
            request, scheduling.LinkProblem(_("This link is not valid."), status=400, code="link_invalid")
        )
    try:
        avail_request = scheduling.request_from_token(token)
    except scheduling.LinkProblem as problem:
        return _problem_page(request, problem)
    candidate = avail_request.loop.candidate
    with translation.override(candidate.preferred_language or None):
        error = ""
        status = 200
        saved = False
        if request.method == "POST":
            blocks = request.POST.getlist("blocks")[: MAX_FIELDS + 1]
            try:
                scheduling.submit_availability(token=token, blocks=blocks)
                saved = True
            except scheduling.LinkProblem as problem:
                return _problem_page(request, problem)
            except ValidationError as exc:
                error = " ".join(m for msgs in exc.message_dict.values() for m in msgs)
                status = 400
        chosen = set(request.POST.getlist("blocks")) if error else _current_blocks(avail_request)
        days = [
            {
                "label": format_calendar_day(day),
                "iso": day.isoformat(),
                "blocks": [
                    {
                        "value": scheduling.block_value(day, start),
                        "label": f"{format_wall_clock(start)}–{format_wall_clock(end)}",
                        "checked": scheduling.block_value(day, start) in chosen,
                    }
                    for start, end in scheduling.DAY_BLOCKS
                ],
            }
            for day in scheduling.offered_days(avail_request)
        ]
        context = {
            "candidate": candidate,
            "position": avail_request.loop.position.title,
            "zone": candidate.time_zone,
            "days": days,
            "error": error,
            "saved": saved,
            "expires": format_local(avail_request.expires_at, candidate.time_zone),
            "language": translation.get_language(),
        }
        return render(request, "hiring/candidate_availability.html", context, status=status)


def _current_blocks(avail_request) -> set[str]:
    """The offered blocks the candidate's saved windows cover (one query)."""
    zone = avail_request.loop.candidate.zone
    windows = list(
        CandidateAvailability.objects.filter(loop_id=avail_request.loop_id)
        .order_by("starts_at")
        .values_list("starts_at", "ends_at")[: scheduling.MAX_WINDOWS]
    )
    chosen: set[str] = set()
    for day in scheduling.offered_days(avail_request):
        for start, end in scheduling.DAY_BLOCKS:
            begin = dt.datetime.combine(day, dt.time(start), tzinfo=zone)
            finish = dt.datetime.combine(day, dt.time(end), tzinfo=zone)
            if any(s <= begin and finish <= e for s, e in windows):
                chosen.add(scheduling.block_value(day, start))
    return chosen
