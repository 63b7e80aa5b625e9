"""What `manage.py bench_api` serves under gunicorn: the whole site, plus a
hand-written JsonResponse view of the loop list that returns the same bytes as
GET /api/v1/loops/ from the same queries, as the yardstick for the API's own
overhead (authentication, permissions, throttling, filtering, pagination,
serialisation, rendering). Never part of the site's own URLs."""

from __future__ import annotations

import base64
import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.handlers.wsgi import WSGIHandler  # noqa: E402
from django.http import JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from rest_framework import exceptions  # noqa: E402

from config.urls import urlpatterns as site_urlpatterns  # noqa: E402
from hiring import selectors  # noqa: E402
from hiring.api.authentication import ApiTokenAuthentication  # noqa: E402
from hiring.api.permissions import visible_loops  # noqa: E402
from hiring.models import Loop  # noqa: E402

PAGE = 50


def _iso(value):
    if value is None:
        return None
    text = value.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _person(user):
    return user.get_full_name() or user.get_username()


def loops_by_hand(request):
    try:
        user, _ = ApiTokenAuthentication().authenticate(request) or (None, None)
    except exceptions.AuthenticationFailed:
        user = None
    if user is None:
        return JsonResponse({"detail": "Authentication credentials were not provided."}, status=401)
    queryset = visible_loops(
        user,
        Loop.objects.select_related("candidate", "position__department").prefetch_related(
            selectors.pipeline_rounds_prefetch()
        ),
    ).order_by("-id")
    loops = list(queryset[: PAGE + 1])
    more, loops = len(loops) > PAGE, loops[:PAGE]
    results = []
    for loop in loops:
        rounds = []
        for r in loop.rounds.all():
            seat = r.interviewer
            rounds.append(
                {
                    "id": r.pk,
                    "loop_id": r.loop_id,
                    "order": r.order,
                    "kind": r.kind,
                    "title": r.title,
                    "status": r.status,
                    "interviewer": None
                    if seat is None
                    else {
                        "id": seat.pk,
                        "name": _person(seat.user),
                        "department": seat.department.name,
                        "time_zone": seat.time_zone,
                    },
                    "starts_at": _iso(r.starts_at),
                    "ends_at": _iso(r.ends_at),
                    "duration_minutes": r.duration_minutes,
                    "feedback_due_at": _iso(r.feedback_due_at),
                    "sequence": r.sequence,
                    "updated_at": _iso(r.updated_at),
                }
            )
        c, p = loop.candidate, loop.position
        results.append(
            {
                "id": loop.pk,
                "candidate": {"id": c.pk, "full_name": c.full_name, "time_zone": c.time_zone},
                "position": {
                    "id": p.pk,
                    "title": p.title,
                    "department": {"id": p.department_id, "name": p.department.name},
                },
                "status": loop.status,
                "vetoed": loop.veto_scorecard_id is not None,
                "created_at": _iso(loop.created_at),
                "updated_at": _iso(loop.updated_at),
                "closed_at": _iso(loop.closed_at),
                "rounds": rounds,
            }
        )
    next_url = None
    if more:
        # The cursor DRF writes: base64 of "p=<last id>", on the API's own URL.
        cursor = base64.b64encode(f"p={loops[-1].pk}".encode()).decode()
        next_url = request.build_absolute_uri(f"/api/v1/loops/?cursor={cursor.replace('=', '%3D')}")
    return JsonResponse(
        {"next": next_url, "previous": None, "results": results},
        json_dumps_params={"ensure_ascii": False, "separators": (",", ":")},
    )


urlpatterns = [path("bench/loops/", loops_by_hand), *site_urlpatterns]
settings.ROOT_URLCONF = __name__
application = WSGIHandler()
