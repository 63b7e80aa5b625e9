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

from django.db.models import BooleanField, Exists, ExpressionWrapper, OuterRef, Q, QuerySet, Value
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


def sits_on(user) -> Exists:
    """Loop rows (OuterRef("pk")) where this person has a round."""
    return Exists(Round.objects.filter(loop=OuterRef("pk"), interviewer__user=user))


def visible_loops(user, queryset: QuerySet[Loop] | None = None) -> QuerySet[Loop]:
    qs = queryset if queryset is not None else Loop.objects.all()
    if selectors.is_recruiter(user):
        return qs
    return qs.filter(Q(position__hiring_manager=user) | sits_on(user))


def visible_loop_ids(user) -> QuerySet:
    return visible_loops(user).values("pk")


def visible_candidates(user, queryset: QuerySet[Candidate] | None = None) -> QuerySet[Candidate]:
    qs = queryset if queryset is not None else Candidate.objects.all()
    if selectors.is_recruiter(user):
        return qs
    seen = Loop.objects.filter(candidate=OuterRef("pk")).filter(
        Q(position__hiring_manager=user) | Exists(Round.objects.filter(loop=OuterRef("pk"), interviewer__user=user))
    )
    return qs.filter(Exists(seen))


def visible_rounds(user, queryset: QuerySet[Round] | None = None) -> QuerySet[Round]:
    qs = queryset if queryset is not None else Round.objects.all()
    if selectors.is_recruiter(user):
        return qs
    return qs.filter(
        Q(loop__position__hiring_manager=user)
        | Exists(Round.objects.filter(loop=OuterRef("loop"), interviewer__user=user))
    )


def visible_scorecards(user, queryset: QuerySet[Scorecard] | None = None) -> QuerySet[Scorecard]:
    """Submitted revisions the caller may read (rule 5); drafts are never shown."""
    qs = selectors.scorecards_visible_to(user)
    if queryset is not None:
        qs = queryset & qs
    return qs


def visible_decisions(user, queryset: QuerySet[Decision] | None = None) -> QuerySet[Decision]:
    """Decisions and their reasons are for recruiters and the position's hiring manager."""
    qs = queryset if queryset is not None else Decision.objects.all()
    if selectors.is_recruiter(user):
        return qs
    return qs.filter(loop__position__hiring_manager=user)


# Events whose reason or data carry scorecard content (recommendation, veto reason).
FEEDBACK_EVENT_KINDS = ["scorecard.submitted", "scorecard.amended", "loop.vetoed"]


def visible_events(user, queryset: QuerySet[Event] | None = None) -> QuerySet[Event]:
    """Events of the loops the caller sees, each marked whether its feedback may be read.

    Candidate events without a loop (created, updated) are the recruiters'.
    The annotation `feedback_visible` is false where rule 5 hides the content of
    a scorecard event; the serializer then leaves its reason and data out.
    """
    qs = queryset if queryset is not None else Event.objects.all()
    if selectors.is_recruiter(user):
        return qs.annotate(feedback_visible=Value(True, output_field=BooleanField()))
    submitted_own = Exists(
        Scorecard.objects.filter(
            round__loop=OuterRef("loop"), round__interviewer__user=user, submitted_at__isnull=False
        )
    )
    manages = Q(loop__position__hiring_manager=user)
    return qs.filter(manages | Exists(Round.objects.filter(loop=OuterRef("loop"), interviewer__user=user))).annotate(
        feedback_visible=ExpressionWrapper(manages | submitted_own, output_field=BooleanField())
    )


def visible_subscriptions(user, queryset: QuerySet[WebhookSubscription] | None = None):
    qs = queryset if queryset is not None else WebhookSubscription.objects.all()
    if user.has_perm("hiring.view_webhooksubscription"):
        return qs
    return qs.none()
