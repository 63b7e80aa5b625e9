"""Who may see and do what through the API.

Two layers, both needed:
- visibility: every queryset is narrowed to the rows the caller may see, so a
  list never shows (and a detail answers 404 for) anything else;
- permission: scopes of an API token (a token never has more power than its
  user), then the services' own checks (NotPermitted → 403) for writes.

Roles: recruiters (staff in the Recruiters group) see everything; a hiring
manager sees the loops of their positions; an interviewer sees the loops they
sit on, and other people's scorecards only once they submitted their own in
that loop (rule 5).
"""

from __future__ import annotations

from django.db.models import QuerySet
from rest_framework import permissions

from hiring import selectors
from hiring.models import ApiToken, Candidate, Decision, Event, Loop, Round, Scorecard, WebhookSubscription

READ_SCOPE = "read"


# --- scopes -------------------------------------------------------------------


class TokenScopes(permissions.BasePermission):
    """An API token needs `read` for safe methods and the view's write scope for the rest.

    A view names its write scope in `write_scope`, or per action in
    `action_scopes`. A session (the browser) is not limited by scopes.
    """

    message = "This API token does not have the scope this request needs."

    def has_permission(self, request, view) -> bool:
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        needed = required_scope(request, view)
        self.message = f"This API token lacks the “{needed}” scope."
        return needed in token.scopes


def required_scope(request, view) -> str:
    action = getattr(view, "action", None)
    scopes = getattr(view, "action_scopes", {})
    if action in scopes:
        return scopes[action]
    if request.method in permissions.SAFE_METHODS:
        return READ_SCOPE
    return getattr(view, "write_scope", "admin")


class HasModelPermission(permissions.BasePermission):
    """For the integration resources (webhooks): Django's view_* permission to read.

    Writes are checked by the services, which name the permission they need.
    """

    def has_permission(self, request, view) -> bool:
        model = view.get_queryset().model
        return request.user.has_perm(f"{model._meta.app_label}.view_{model._meta.model_name}")


# --- visibility -----------------------------------------------------------------
# The querysets live in selectors.py (one place for who reads what, shared with
# the pages); these name them as the views use them.


def visible_loops(user, queryset: QuerySet[Loop] | None = None) -> QuerySet[Loop]:
    return selectors.loops_visible_to(user, queryset if queryset is not None else Loop.objects.all())


def visible_candidates(user, queryset: QuerySet[Candidate] | None = None) -> QuerySet[Candidate]:
    return selectors.candidates_visible_to(user, queryset if queryset is not None else Candidate.objects.all())


def visible_rounds(user, queryset: QuerySet[Round] | None = None) -> QuerySet[Round]:
    return selectors.rounds_visible_to(user, queryset if queryset is not None else Round.objects.all())


def visible_scorecards(user, queryset: QuerySet[Scorecard] | None = None) -> QuerySet[Scorecard]:
    """Submitted revisions the caller may read (rule 5); drafts are never shown."""
    return selectors.scorecards_visible_to(user, queryset)


def visible_decisions(user, queryset: QuerySet[Decision] | None = None) -> QuerySet[Decision]:
    """Decisions and their reasons are for recruiters and the position's hiring manager."""
    return selectors.decisions_visible_to(user, queryset if queryset is not None else Decision.objects.all())


def visible_events(user, queryset: QuerySet[Event] | None = None) -> QuerySet[Event]:
    """Events of the loops the caller sees, each marked `content_visible` (see selectors.EVENT_AUDIENCE)."""
    return selectors.events_visible_to(user, queryset if queryset is not None else Event.objects.all())


def visible_subscriptions(user, queryset: QuerySet[WebhookSubscription] | None = None):
    qs = queryset if queryset is not None else WebhookSubscription.objects.all()
    if user.has_perm("hiring.view_webhooksubscription"):
        return qs
    return qs.none()
