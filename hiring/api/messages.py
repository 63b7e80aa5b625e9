"""Writing to candidates through the API, for recruiters: what the admin's "Write to" page does.

    GET  /api/v1/candidates/{id}/messages/  -> the emails the candidate was sent or is due to be sent
    POST /api/v1/candidates/{id}/messages/  {"template": 3} or {"subject": "...", "body": "..."}

A message goes through services.send_candidate_message, then services.send_message, as the
admin's does: the same rules, a row in the reminders' outbox written in the request's
transaction (sent by the worker, retried, visible in the timeline) and a message.sent event.
Only recruiters may; anyone else gets a 403 before any lookup. Reading needs `read` on a
token, writing `messages:write`.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import permissions, status
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.response import Response

from hiring import selectors, services
from hiring.api import permissions as access
from hiring.api import serializers as s
from hiring.api.pagination import CursorPage
from hiring.api.schema import ErrorSerializer
from hiring.api.views import ApiViewSet, _field_error
from hiring.models import Candidate, Loop, MessageTemplate, Reminder

MESSAGES_SCOPE = "messages:write"


class IsRecruiter(permissions.BasePermission):
    message = gettext_lazy("Only recruiters can write to candidates and read what they were sent.")

    def has_permission(self, request, view) -> bool:
        return selectors.is_recruiter(request.user)


class TimelinePage(CursorPage):
    # The order of the candidate's timeline index (reminder_candidate_timeline): newest first.
    ordering = ("-created_at", "-id")


class CandidateMessagesViewSet(ApiViewSet):
    """The candidate's emails, and writing to them (recruiters only)."""

    queryset = Reminder.objects.none()  # the model, for the schema
    serializer_class = s.MessageSerializer
    pagination_class = TimelinePage
    filter_backends: list = []
    action_scopes = {"send_message": MESSAGES_SCOPE}

    def get_permissions(self):
        return [*super().get_permissions(), IsRecruiter()]

    def _candidate(self, pk) -> Candidate:
        candidate = access.visible_candidates(self.user).filter(pk=pk).first()
        if candidate is None:
            raise NotFound()
        return candidate

    @extend_schema(
        summary="The emails a candidate was sent",
        description="Newest first, as the candidate's page in the admin shows them: automatic ones "
        "(invitations, reminders, cancellations) with their subject, and messages a person wrote "
        "with their text, each with its delivery status. Paged with a cursor.",
        responses={
            200: s.MessageSerializer(many=True),
            403: OpenApiResponse(
                ErrorSerializer, description="`permission_denied`: not a recruiter, or a token without `read`."
            ),
        },
    )
    @action(detail=True, methods=["get"], url_path="messages")
    def messages(self, request, pk=None):
        candidate = self._candidate(pk)
        page = self.paginate_queryset(selectors.candidate_emails_queryset(candidate.pk))
        return self.get_paginated_response(s.MessageSerializer(page, many=True).data)

    @extend_schema(
        summary="Write to a candidate",
        description="A template (`template`, optionally `language`), or free text (`subject` and `body`), "
        "about one of the candidate's loops (`loop`, their newest by default). Placeholders are filled for "
        "the candidate, in their language and time zone. The message is written to the outbox with this "
        "change and sent by the worker (status `pending` until then); it shows in the candidate's timeline "
        "and as a message.sent event. Bad input is a 400 naming the field and sends nothing; a candidate "
        "whose data was erased is a 409 `candidate_erased`.",
        request=s.MessageWriteSerializer,
        responses={
            201: s.MessageSerializer,
            403: OpenApiResponse(
                ErrorSerializer,
                description="`permission_denied`: not a recruiter, or a token without `messages:write`.",
            ),
            409: OpenApiResponse(
                ErrorSerializer, description="`candidate_erased`: the candidate's personal data was erased."
            ),
        },
    )
    @messages.mapping.post
    def send_message(self, request, pk=None):
        candidate = self._candidate(pk)
        data = self.input(s.MessageWriteSerializer)
        loop = template = None
        if "loop" in data:
            loop = Loop.objects.filter(pk=data["loop"]).first()
            if loop is None:
                raise _field_error("loop", _("No such loop."))
        if "template" in data:
            template = MessageTemplate.objects.filter(pk=data["template"]).first()
            if template is None:
                raise _field_error("template", _("No such template."))
        reminder = services.send_candidate_message(
            candidate=candidate,
            by=request.user,
            loop=loop,
            template=template,
            language=data.get("language"),
            subject=data["subject"],
            body=data["body"],
        )
        fresh = selectors.candidate_emails_queryset(candidate.pk).get(pk=reminder.pk)
        return Response(s.MessageSerializer(fresh).data, status=status.HTTP_201_CREATED)
