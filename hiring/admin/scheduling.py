"""Scheduling a whole loop from the admin (issue 9): propose, book, ask the candidate.

The propose page shows the solver's options side by side; "Book this one" posts the
option back in a signed field (so what is booked is exactly what was shown, and
nothing a browser could edit), and services.book_proposal checks every rule again.
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseNotAllowed, HttpResponseRedirect, JsonResponse
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from hiring import services
from hiring.models import Interviewer, Loop, LoopStatus, Round
from hiring.rules import DomainError
from hiring.selectors import RECRUITERS_GROUP
from hiring.services import scheduling
from hiring.times import format_local

PROPOSAL_SALT = "hiring.admin.proposal"
# A shown proposal may be booked for this long; after that, propose again.
PROPOSAL_MAX_AGE = 60 * 60
# The interviewer picker answers at most this many people per search.
PICKER_LIMIT = 20


class RequestAvailabilityForm(forms.Form):
    days = forms.IntegerField(
        min_value=1,
        max_value=30,
        initial=10,
        label=gettext_lazy("Working days offered"),
        help_text=gettext_lazy("The candidate's own working days, from tomorrow in their zone."),
    )


def sign_proposal(loop: Loop, assignments) -> str:
    return signing.dumps(
        {
            "loop": loop.pk,
            "a": [[a.round_id, a.interviewer_id, a.starts_at.astimezone(dt.UTC).isoformat()] for a in assignments],
        },
        salt=PROPOSAL_SALT,
        compress=True,
    )


def unsign_proposal(loop: Loop, value: str) -> list[scheduling.Assignment]:
    try:
        data = signing.loads(value, salt=PROPOSAL_SALT, max_age=PROPOSAL_MAX_AGE)
        if data["loop"] != loop.pk:
            raise ValueError
        return [
            scheduling.Assignment(round_id=int(r), interviewer_id=int(i), starts_at=dt.datetime.fromisoformat(s))
            for r, i, s in data["a"]
        ]
    except signing.SignatureExpired:
        raise ValidationError(_("This proposal is more than an hour old; here are fresh ones.")) from None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ValidationError(_("This proposal could not be read; here are fresh ones.")) from None


def proposal_rows(loop: Loop, proposal, *, viewer_zone: str) -> list[dict]:
    """Each round of a proposal with its time for the recruiter, the candidate and the
    interviewer, and why the person fits (two queries for the whole page)."""
    rounds = {r.pk: r for r in loop.rounds.all()}
    people = Interviewer.objects.select_related("user", "department", "level").in_bulk(
        [a.interviewer_id for a in proposal.assignments]
    )
    rows = []
    for a in sorted(proposal.assignments, key=lambda a: a.starts_at):
        person = people.get(a.interviewer_id)
        round_ = rounds.get(a.round_id)
        rows.append(
            {
                "round": round_.label if round_ else a.round_id,
                "interviewer": person.name if person else a.interviewer_id,
                "facts": f"{person.department} · {person.level}" if person else "",
                "yours": format_local(a.starts_at, viewer_zone),
                "candidate": format_local(a.starts_at, loop.candidate.time_zone),
                "theirs": format_local(a.starts_at, person.time_zone) if person else "",
                "why": (proposal.why or {}).get(a.round_id, ""),
            }
        )
    return rows


class LoopSchedulingMixin:
    """Propose, book and request-availability pages of LoopAdmin."""

    def scheduling_urls(self) -> list:
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/propose/", view(self.propose_view), name="hiring_loop_propose"),
            path("<int:pk>/book/", view(self.book_view), name="hiring_loop_book"),
            path(
                "<int:pk>/request-availability/",
                view(self.request_availability_view),
                name="hiring_loop_request_availability",
            ),
        ]

    def scheduling_links(self, loop: Loop) -> str:
        if loop.status != LoopStatus.DRAFT:
            return ""
        return format_html(
            '<a class="button" href="{}">{}</a> <a class="button" href="{}">{}</a> ',
            reverse("admin:hiring_loop_propose", args=[loop.pk]),
            _("Propose a schedule"),
            reverse("admin:hiring_loop_request_availability", args=[loop.pk]),
            _("Request availability"),
        )

    def _scheduling_loop(self, request: HttpRequest, pk: int) -> Loop:
        if not request.user.has_perm("hiring.change_round"):
            raise PermissionDenied
        return get_object_or_404(Loop.objects.select_related("candidate", "position__department"), pk=pk)

    def propose_view(self, request: HttpRequest, pk: int, *, error: str = "") -> HttpResponse:
        loop = self._scheduling_loop(request, pk)
        zone = timezone.get_current_timezone_name()
        options, explanations = [], []
        try:
            result = services.propose_schedule(loop=loop, by=request.user)
        except (DomainError, ValidationError) as exc:
            explanations = [getattr(exc, "message", None) or " ".join(exc.messages)]
        else:
            explanations = list(result.explanations)
            for number, proposal in enumerate(result.proposals, start=1):
                options.append(
                    {
                        "number": number,
                        "rows": proposal_rows(loop, proposal, viewer_zone=zone),
                        "finishes": format_local(proposal.finishes_at, zone),
                        "signed": sign_proposal(loop, proposal.assignments),
                    }
                )
        windows = scheduling.candidate_windows(loop=loop, limit=50)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Propose a schedule: %(loop)s") % {"loop": loop},
            "loop": loop,
            "options": options,
            "explanations": explanations,
            "error": error,
            "zone": zone,
            "candidate_zone": loop.candidate.time_zone,
            "windows": [
                {"start": format_local(w.starts_at, zone), "end": format_local(w.ends_at, zone, with_day=False)}
                for w in windows
            ],
            "opts": self.model._meta,
            "back": reverse("admin:hiring_loop_change", args=[loop.pk]),
            "request_url": reverse("admin:hiring_loop_request_availability", args=[loop.pk]),
            "book_url": reverse("admin:hiring_loop_book", args=[loop.pk]),
        }
        return TemplateResponse(request, "admin/hiring/propose.html", context, status=409 if error else 200)

    def book_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if request.method != "POST":
            return HttpResponseNotAllowed(["POST"])
        loop = self._scheduling_loop(request, pk)
        try:
            assignments = unsign_proposal(loop, request.POST.get("proposal", ""))
            services.book_proposal(loop=loop, by=request.user, assignments=assignments)
        except (DomainError, ValidationError) as exc:
            message = getattr(exc, "message", None) or " ".join(exc.messages)
            return self.propose_view(request, pk, error=message)
        self.message_user(
            request,
            _("Booked every round of %(loop)s; the invitations are on their way.") % {"loop": loop},
            messages.SUCCESS,
        )
        return HttpResponseRedirect(reverse("admin:hiring_loop_change", args=[loop.pk]))

    def request_availability_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        loop = self._scheduling_loop(request, pk)

        def perform(data):
            services.request_availability(loop=loop, by=request.user, days=data["days"])
            return _("Emailed %(name)s a link to give their availability.") % {"name": loop.candidate}

        return self.workflow_view(
            request,
            title=_("Request availability: %(loop)s") % {"loop": loop},
            form_class=RequestAvailabilityForm,
            perform=perform,
            obj=loop,
            intro=_("The candidate gets a link (no login) to mark the times they can do, in their own zone."),
            back=reverse("admin:hiring_loop_change", args=[loop.pk]),
            extra={"submit_label": _("Send the link")},
        )


# --- the single-round interviewer picker ---------------------------------------------


def picker_results(
    *, round_: Round, query: str, starts_at: dt.datetime | None, limit: int = PICKER_LIMIT
) -> list[dict]:
    """Active interviewers matching `query` (name or email), qualified ones first, each
    with whether they are qualified for the round's kind (pool) and free at `starts_at`:
    inside their weekly hours, not on time off, in a busy block or another booked round
    (scheduling.availability.free_intervals over the rows shown).
    A constant number of queries, at most `limit` rows."""
    from django.db.models import Case, Exists, IntegerField, OuterRef, Q, Value, When

    from hiring.models import BOOKED_ROUND_STATUSES, RoundKind

    # Only people who interview (as the schedule form's own list): not recruiters, not superusers.
    people = (
        Interviewer.objects.filter(user__is_active=True, user__is_superuser=False)
        .exclude(user__groups__name=RECRUITERS_GROUP)
        .select_related("user", "department", "level")
    )
    query = (query or "").strip()[:100]
    for word in query.split()[:4]:
        people = people.filter(
            Q(user__first_name__icontains=word) | Q(user__last_name__icontains=word) | Q(user__email__icontains=word)
        )
    if round_.kind == RoundKind.BAR_RAISER:
        qualified = Q(is_bar_raiser=True) & ~Q(department_id=round_.loop.position.department_id)
    else:
        qualified = _pool_condition(round_.kind)
    people = people.annotate(
        qualified=Case(When(qualified, then=Value(1)), default=Value(0), output_field=IntegerField())
    )
    if starts_at is not None:
        ends_at = starts_at + dt.timedelta(minutes=round_.duration_minutes)
        people = people.annotate(
            busy=Exists(
                Round.objects.filter(
                    interviewer_id=OuterRef("pk"),
                    status__in=BOOKED_ROUND_STATUSES,
                    starts_at__lt=ends_at,
                    booked_until__gt=starts_at,
                ).exclude(pk=round_.pk)
            )
        )
    people = list(people.order_by("-qualified", "user__first_name", "user__last_name", "pk")[:limit])
    free = _free_at(round_, [p.pk for p in people], starts_at) if starts_at is not None else {}
    results = []
    for person in people:
        busy = getattr(person, "busy", None)
        if busy is not None and not free.get(person.pk, False):
            busy = True
        results.append(
            {
                "id": person.pk,
                "name": person.name,
                "department": str(person.department),
                "level": str(person.level),
                "time_zone": person.time_zone,
                "bar_raiser": person.is_bar_raiser,
                "qualified": bool(person.qualified),
                "free": None if busy is None else not busy,
                "local": format_local(starts_at, person.time_zone) if starts_at else "",
            }
        )
    return results


def _free_at(round_: Round, ids: list[int], starts_at: dt.datetime) -> dict[int, bool]:
    """Whether each person's free time (weekly hours less time off, busy blocks and booked
    rounds) covers the round at `starts_at`; the round's own booking does not count
    against its interviewer. Five queries whatever the number of people."""
    from hiring.models import BOOKED_ROUND_STATUSES
    from hiring.scheduling.availability import covers, free_intervals

    ends_at = starts_at + dt.timedelta(minutes=round_.duration_minutes)
    windows = free_intervals(interviewer_ids=ids, start=starts_at, end=ends_at)
    if round_.interviewer_id in windows and round_.status in BOOKED_ROUND_STATUSES and round_.starts_at:
        own_end = round_.booked_until or round_.starts_at + dt.timedelta(minutes=round_.duration_minutes)
        own = (max(round_.starts_at, starts_at), min(own_end, ends_at))
        windows[round_.interviewer_id] = [*windows[round_.interviewer_id], own]
    return {pk: covers(w, starts_at, ends_at) for pk, w in windows.items()}


def _pool_condition(kind: str):
    """Members of the round kind's pool; everyone when the kind has no pool (one query)."""
    from django.db.models import Exists, OuterRef, Q

    from hiring.models import InterviewerPool

    pool = InterviewerPool.objects.filter(kind=kind).values_list("pk", flat=True).first()
    if pool is None:
        return Q(pk__isnull=False)
    return Q(
        Exists(InterviewerPool.members.through.objects.filter(interviewerpool_id=pool, interviewer_id=OuterRef("pk")))
    )


def picker_view(model_admin, request: HttpRequest, pk: int) -> JsonResponse:
    if not request.user.has_perm("hiring.change_round"):
        raise PermissionDenied
    round_ = get_object_or_404(Round.objects.select_related("loop__position"), pk=pk)
    starts_at = None
    raw = request.GET.get("starts_at", "")[:40]
    if raw:
        try:
            starts_at = dt.datetime.fromisoformat(raw)
        except ValueError:
            return JsonResponse({"error": _("Give the time as 2026-05-04T09:00.")}, status=400)
        if timezone.is_naive(starts_at):
            starts_at = timezone.make_aware(starts_at)
    return JsonResponse({"results": picker_results(round_=round_, query=request.GET.get("q", ""), starts_at=starts_at)})
