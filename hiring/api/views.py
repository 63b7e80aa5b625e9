"""The API views: each list narrowed to what the caller may see (permissions.py),
each action one call to a service. A service's DomainError is a 409, its
NotPermitted a 403 and its ValidationError a 400 (exceptions.py); a service runs
in one transaction, so a refused change leaves nothing half-written."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.db.models import Prefetch
from django.http import JsonResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.parsers import MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response

from hiring import selectors, services
from hiring.api import permissions as access
from hiring.api import serializers as s
from hiring.api.filters import (
    CandidateFilter,
    DecisionFilter,
    EventFilter,
    InterviewerFilter,
    LoopFilter,
    PositionFilter,
    RoundFilter,
    ScorecardFilter,
)
from hiring.api.pagination import CursorPage, FeedPage
from hiring.api.scheduling import LoopSchedulingActions
from hiring.api.schema import ErrorSerializer
from hiring.models import (
    Candidate,
    Competency,
    Decision,
    Department,
    Event,
    Interviewer,
    Loop,
    Position,
    Rating,
    RejectionReason,
    Round,
    RoundTemplate,
    Scorecard,
    WebhookSubscription,
)
from hiring.services.materials import DOCX, MATERIAL_FIELDS, PDF, max_resume_bytes
from hiring.views import resume_file_response

ID_PATTERN = r"[0-9]{1,18}"
# Room for the multipart boundaries and part headers around a résumé of the largest size.
MULTIPART_OVERHEAD = 64 * 1024


@csrf_exempt  # nothing is changed here, and a POST must hear 404 too, not the CSRF page
def api_not_found(request, *args, **kwargs) -> JsonResponse:
    """Any address under /api/ that names no resource (an id out of range, a typo):
    a JSON 404 like every other answer of the API, whatever the method."""
    return JsonResponse({"code": "not_found", "detail": _("Not found.")}, status=404)


class ApiViewSet(viewsets.GenericViewSet):
    permission_classes = [IsAuthenticated, access.TokenScopes]
    pagination_class = CursorPage
    lookup_value_regex = ID_PATTERN
    ordering_fields = ["id"]
    action_scopes: dict[str, str] = {}

    def initial(self, request, *args, **kwargs):
        # The API speaks UTC: times are written with Z and a filter time without
        # an offset is read as UTC, whatever zone the caller's profile has.
        timezone.activate(dt.UTC)
        super().initial(request, *args, **kwargs)

    @property
    def user(self):
        return self.request.user

    def input(self, serializer_class) -> dict:
        serializer = serializer_class(data=self.request.data)
        serializer.is_valid(raise_exception=True)
        return serializer.validated_data

    def fresh(self, pk: int):
        """The object as the read endpoints show it, after a change."""
        return self.get_queryset().get(pk=pk)


class ReadOnlyApiViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ApiViewSet):
    pass


def _field_error(field: str, message: str) -> serializers.ValidationError:
    return serializers.ValidationError({field: [message]})


# --- reference data -------------------------------------------------------------


class DepartmentViewSet(ReadOnlyApiViewSet):
    """Departments (managed in the admin)."""

    queryset = Department.objects.all()
    serializer_class = s.DepartmentSerializer
    ordering_fields = ["id", "name"]


class CompetencyViewSet(ReadOnlyApiViewSet):
    """Competencies rated in scorecards (managed in the admin)."""

    queryset = Competency.objects.all()
    serializer_class = s.CompetencySerializer
    ordering_fields = ["id", "name"]


class InterviewerViewSet(ReadOnlyApiViewSet):
    """Employees who interview: department, seniority, time zone and working hours."""

    queryset = Interviewer.objects.select_related("user", "department", "level")
    serializer_class = s.InterviewerSerializer
    filterset_class = InterviewerFilter


class PositionViewSet(ReadOnlyApiViewSet):
    """Positions with their loop plans (managed in the admin)."""

    queryset = Position.objects.select_related(
        "department", "hiring_manager", "recruiter", "loop_plan"
    ).prefetch_related(
        Prefetch("loop_plan__rounds", queryset=RoundTemplate.objects.order_by("order")),
        Prefetch("loop_plan__rounds__competencies", queryset=Competency.objects.only("id")),
    )
    serializer_class = s.PositionSerializer
    filterset_class = PositionFilter
    ordering_fields = ["id", "title", "created_at"]


class RejectionReasonPage(CursorPage):
    # The recruiters' order (the admin's), then a tie-break that makes each page well defined.
    ordering = ("order", "label", "id")


class RejectionReasonViewSet(mixins.ListModelMixin, ApiViewSet):
    """The reasons a reject may name (`rejection_reason` of loops/{id}/decision/): the active ones,
    in the recruiters' order. Managed in the admin; a retired reason is no longer listed or taken."""

    queryset = RejectionReason.objects.filter(is_active=True).only("id", "code", "label", "order")
    serializer_class = s.RejectionReasonSerializer
    pagination_class = RejectionReasonPage
    filter_backends: list = []


class FileDownloadNegotiation(DefaultContentNegotiation):
    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


# --- candidates -----------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(request=s.CandidateWriteSerializer, responses={201: s.CandidateSerializer}),
    partial_update=extend_schema(request=s.CandidateUpdateSerializer, responses=s.CandidateSerializer),
)
class CandidateViewSet(mixins.CreateModelMixin, mixins.UpdateModelMixin, ReadOnlyApiViewSet):
    """Candidates: recruiters see all; others those of the loops they see."""

    queryset = Candidate.objects.none()  # the model, for the schema; get_queryset() narrows per caller
    serializer_class = s.CandidateSerializer
    filterset_class = CandidateFilter
    ordering_fields = ["id", "created_at", "updated_at"]
    http_method_names = ["get", "post", "patch", "head", "options"]
    write_scope = "candidates:write"
    action_scopes = {"resume": "candidates:write"}

    def get_queryset(self):
        loops = access.visible_loops(self.user).only("id", "candidate_id", "position_id", "status").order_by("-id")
        return access.visible_candidates(self.user).prefetch_related(
            Prefetch("loops", queryset=loops, to_attr="visible_loops")
        )

    def _candidate_data(self, candidate: Candidate) -> dict:
        return s.CandidateSerializer(self.fresh(candidate.pk), context={"request": self.request}).data

    def create(self, request, *args, **kwargs):
        data = dict(self.input(s.CandidateWriteSerializer))
        materials = {name: data.pop(name) for name in MATERIAL_FIELDS if name in data}
        with transaction.atomic():
            candidate = services.create_candidate(**data, by=request.user)
            if materials:
                services.update_materials(candidate=candidate, by=request.user, **materials)
        return Response(self._candidate_data(candidate), status=status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs):
        candidate = self.get_object()
        serializer = s.CandidateUpdateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        materials = {name: data.pop(name) for name in MATERIAL_FIELDS if name in data}
        with transaction.atomic():
            if data:
                services.update_candidate(candidate=candidate, by=request.user, **data)
            if materials:
                services.update_materials(candidate=candidate, by=request.user, **materials)
        return Response(self._candidate_data(candidate))

    @extend_schema(
        summary="Upload the candidate's résumé",
        description="multipart/form-data with one `file`: a PDF or a Word (.docx) document, recognised by its "
        "content (not its name), at most HIRING_RESUME_MAX_BYTES (10 MB by default). Replaces an earlier one. "
        "Anything else is a 400 on `resume` and changes nothing. Recruiters only.",
        request={"multipart/form-data": s.ResumeUploadSerializer},
        responses={200: s.CandidateSerializer, 415: ErrorSerializer},
    )
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser], url_path="resume")
    def resume(self, request, pk=None):
        candidate = self.get_object()
        # Refused before the body is read: a huge upload is not spooled to disk only to be refused.
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0
        if length > max_resume_bytes() + MULTIPART_OVERHEAD:
            raise _field_error("file", _("A résumé may be at most %(limit)s bytes.") % {"limit": max_resume_bytes()})
        upload = self.input(s.ResumeUploadSerializer)["file"]
        services.upload_resume(candidate=candidate, upload=upload, by=request.user)
        return Response(self._candidate_data(candidate))

    def get_content_negotiator(self):
        # The download answers a file whatever the client accepts (a client asking for
        # application/pdf must not hear 406); its errors are JSON like every other answer.
        if getattr(self, "action", None) == "download_resume":
            return FileDownloadNegotiation()
        return super().get_content_negotiator()

    @extend_schema(
        summary="Download the candidate's résumé",
        description="The stored file, as an attachment, with the type it was recognised as (PDF or Word .docx), "
        "for those who may see the candidate: recruiters, the hiring manager of a position they have a loop "
        "for, the interviewers on their panel. Anyone else, and a candidate without a résumé, gets a 404 "
        "(`no_resume` when the candidate has none).",
        responses={
            (200, PDF): OpenApiTypes.BINARY,
            (200, DOCX): OpenApiTypes.BINARY,
            404: OpenApiResponse(
                ErrorSerializer, description="No such candidate for you (`not_found`), or no résumé (`no_resume`)."
            ),
        },
    )
    @resume.mapping.get
    def download_resume(self, request, pk=None):
        candidate = self.get_object()
        # The same test as the web page's download (the candidate list shows more people than the
        # résumé is for only if the two ever part; this keeps them one).
        if not selectors.may_view_candidate(request.user, candidate):
            raise NotFound()
        response = resume_file_response(candidate)
        if response is None:
            raise NotFound(_("This candidate has no résumé."), code="no_resume")
        return response


# --- loops ----------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        summary="Start a loop",
        description="Opens a loop for a candidate and position, one planned round per round of the plan.",
        request=s.LoopStartSerializer,
        responses={201: s.LoopSerializer},
    ),
)
class LoopViewSet(LoopSchedulingActions, mixins.CreateModelMixin, ReadOnlyApiViewSet):
    """Loops with their pipeline: rounds, their states and times (UTC)."""

    queryset = Loop.objects.none()  # the model, for the schema; get_queryset() narrows per caller
    serializer_class = s.LoopSerializer
    filterset_class = LoopFilter
    ordering_fields = ["id", "created_at", "updated_at"]
    action_scopes = {
        "create": "candidates:write",
        "withdraw": "candidates:write",
        "decision": "decisions:write",
        **LoopSchedulingActions.scheduling_scopes,
    }

    def get_queryset(self):
        return access.visible_loops(
            self.user,
            Loop.objects.select_related("candidate", "position__department").prefetch_related(
                selectors.pipeline_rounds_prefetch()
            ),
        )

    def create(self, request, *args, **kwargs):
        data = self.input(s.LoopStartSerializer)
        candidate = access.visible_candidates(request.user).filter(pk=data["candidate"]).first()
        if candidate is None:
            raise _field_error("candidate", _("No such candidate."))
        position = Position.objects.filter(pk=data["position"]).first()
        if position is None:
            raise _field_error("position", _("No such position."))
        loop = services.start_loop(candidate=candidate, position=position, by=request.user)
        return Response(s.LoopSerializer(self.fresh(loop.pk)).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Withdraw the candidate", request=s.ReasonSerializer, responses=s.LoopSerializer)
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        loop = self.get_object()
        services.withdraw(loop=loop, by=request.user, reason=self.input(s.ReasonSerializer)["reason"])
        return Response(s.LoopSerializer(self.fresh(loop.pk)).data)

    @extend_schema(
        summary="Record the decision",
        description="Hire or reject. A hire needs every round held with a submitted scorecard, "
        "the bar raiser's among them, and no veto (rule 6); a vetoed loop never takes a hire.",
        request=s.DecisionWriteSerializer,
        responses={201: s.DecisionSerializer},
    )
    @action(detail=True, methods=["post"])
    def decision(self, request, pk=None):
        loop = self.get_object()
        data = self.input(s.DecisionWriteSerializer)
        decision = services.decide(
            loop=loop,
            outcome=data["outcome"],
            reason=data["reason"],
            rejection_reason=data["rejection_reason"] or None,
            by=request.user,
        )
        decision = Decision.objects.select_related("decided_by", "rejection_reason").get(pk=decision.pk)
        return Response(s.DecisionSerializer(decision).data, status=status.HTTP_201_CREATED)


# --- rounds ---------------------------------------------------------------------


class RoundViewSet(ReadOnlyApiViewSet):
    """Rounds of the loops the caller sees, and the actions on them."""

    queryset = Round.objects.none()  # the model, for the schema; get_queryset() narrows per caller
    serializer_class = s.RoundSerializer
    filterset_class = RoundFilter
    ordering_fields = ["id", "starts_at", "updated_at"]
    action_scopes = {
        "schedule": "rounds:write",
        "reschedule": "rounds:write",
        "cancel": "rounds:write",
        "submit_scorecard": "scorecards:write",
        "amend_scorecard": "scorecards:write",
    }

    def get_queryset(self):
        return access.visible_rounds(
            self.user, Round.objects.select_related("interviewer__user", "interviewer__department")
        )

    def _interviewer(self, pk: int | None) -> Interviewer | None:
        if pk is None:
            return None
        interviewer = Interviewer.objects.filter(pk=pk).first()
        if interviewer is None:
            raise _field_error("interviewer", _("No such interviewer."))
        return interviewer

    @extend_schema(
        summary="Schedule a planned round",
        description="Refused with a 409 when the candidate or the interviewer is busy then (another round, or "
        "a busy block of the interviewer's calendar), when the interviewer is away (time off) or would go over "
        "their daily or weekly load limit, or when it falls outside someone's hours (rules 10 and 11). All "
        "but a clash with another round may be overridden with allow_outside_hours and a reason, on record.",
        request=s.ScheduleSerializer,
        responses={200: s.RoundSerializer, 409: s.BookingConflictSerializer},
    )
    @action(detail=True, methods=["post"])
    def schedule(self, request, pk=None):
        round_ = self.get_object()
        data = self.input(s.ScheduleSerializer)
        services.schedule_round(
            round=round_,
            interviewer=self._interviewer(data["interviewer"]),
            starts_at=data["starts_at"],
            by=request.user,
            allow_outside_hours=data["allow_outside_hours"],
            outside_hours_reason=data["outside_hours_reason"],
        )
        return Response(s.RoundSerializer(self.fresh(round_.pk)).data)

    @extend_schema(
        summary="Move a round or hand it to another interviewer",
        description="The rules of schedule hold for the new time and person (409 with a code).",
        request=s.RescheduleSerializer,
        responses={200: s.RoundSerializer, 409: s.BookingConflictSerializer},
    )
    @action(detail=True, methods=["post"])
    def reschedule(self, request, pk=None):
        round_ = self.get_object()
        data = self.input(s.RescheduleSerializer)
        services.reschedule_round(
            round=round_,
            by=request.user,
            starts_at=data.get("starts_at"),
            interviewer=self._interviewer(data.get("interviewer")),
            reason=data["reason"],
            allow_outside_hours=data["allow_outside_hours"],
            outside_hours_reason=data["outside_hours_reason"],
        )
        return Response(s.RoundSerializer(self.fresh(round_.pk)).data)

    @extend_schema(summary="Cancel a round not yet held", request=s.ReasonSerializer, responses=s.RoundSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request, pk=None):
        round_ = self.get_object()
        services.cancel_round(round=round_, by=request.user, reason=self.input(s.ReasonSerializer)["reason"])
        return Response(s.RoundSerializer(self.fresh(round_.pk)).data)

    def _scorecard_response(self, scorecard: Scorecard) -> Response:
        scorecard = _scorecards().get(pk=scorecard.pk)
        return Response(
            s.ScorecardSerializer(scorecard, context={"request": self.request}).data, status=status.HTTP_201_CREATED
        )

    @extend_schema(
        summary="Submit the round's scorecard",
        description="Only the round's interviewer. A veto (with its reason) ends the loop at once (rule 4).",
        request=s.ScorecardWriteSerializer,
        responses={201: s.ScorecardSerializer},
    )
    @action(detail=True, methods=["post"], url_path="submit-scorecard")
    def submit_scorecard(self, request, pk=None):
        round_ = self.get_object()
        scorecard = services.submit_scorecard(round=round_, by=request.user, **self.input(s.ScorecardWriteSerializer))
        return self._scorecard_response(scorecard)

    @extend_schema(
        summary="Amend the round's scorecard",
        description="A new revision; the earlier one stays on record (rule 5).",
        request=s.ScorecardWriteSerializer,
        responses={201: s.ScorecardSerializer},
    )
    @action(detail=True, methods=["post"], url_path="amend-scorecard")
    def amend_scorecard(self, request, pk=None):
        round_ = self.get_object()
        scorecard = services.amend_scorecard(round=round_, by=request.user, **self.input(s.ScorecardWriteSerializer))
        return self._scorecard_response(scorecard)


# --- scorecards, decisions, events ---------------------------------------------------


def _scorecards():
    return Scorecard.objects.select_related("round", "author").prefetch_related(
        Prefetch("ratings", queryset=Rating.objects.select_related("competency").order_by("competency__name"))
    )


class ScorecardViewSet(ReadOnlyApiViewSet):
    """Submitted scorecards (every revision), as rule 5 lets the caller see them."""

    queryset = Scorecard.objects.none()  # the model, for the schema; get_queryset() narrows per caller
    serializer_class = s.ScorecardSerializer
    filterset_class = ScorecardFilter
    ordering_fields = ["id", "submitted_at"]

    def get_queryset(self):
        return access.visible_scorecards(self.user, _scorecards())


class DecisionViewSet(ReadOnlyApiViewSet):
    """Decisions: recruiters and the position's hiring manager."""

    queryset = Decision.objects.none()  # the model, for the schema; get_queryset() narrows per caller
    serializer_class = s.DecisionSerializer
    filterset_class = DecisionFilter
    ordering_fields = ["id", "decided_at"]

    def get_queryset(self):
        return access.visible_decisions(self.user, Decision.objects.select_related("decided_by", "rejection_reason"))


class EventViewSet(ReadOnlyApiViewSet):
    """The audit log, oldest first: page through it with the cursor to follow every change."""

    queryset = Event.objects.none()  # the model, for the schema; get_queryset() narrows per caller
    serializer_class = s.EventSerializer
    filterset_class = EventFilter
    pagination_class = FeedPage
    ordering_fields = ["id"]

    def get_queryset(self):
        return access.visible_events(self.user, Event.objects.select_related("actor"))


# --- webhooks -------------------------------------------------------------------


@extend_schema_view(
    create=extend_schema(
        request=s.WebhookSubscriptionWriteSerializer, responses={201: s.WebhookSubscriptionCreatedSerializer}
    ),
    destroy=extend_schema(summary="Remove a subscription (it stays listed, inactive)"),
)
class WebhookSubscriptionViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, ReadOnlyApiViewSet):
    """Webhook subscriptions. The signing secret is shown once, in the answer to the creation."""

    queryset = WebhookSubscription.objects.none()  # the model, for the schema; get_queryset() narrows per caller
    serializer_class = s.WebhookSubscriptionSerializer
    permission_classes = [*ApiViewSet.permission_classes, access.HasModelPermission]
    write_scope = "webhooks:write"

    def get_queryset(self):
        return access.visible_subscriptions(self.user, WebhookSubscription.objects.all())

    def create(self, request, *args, **kwargs):
        subscription = services.create_webhook_subscription(
            **self.input(s.WebhookSubscriptionWriteSerializer), by=request.user
        )
        return Response(s.WebhookSubscriptionCreatedSerializer(subscription).data, status=status.HTTP_201_CREATED)

    def destroy(self, request, *args, **kwargs):
        services.deactivate_webhook_subscription(subscription=self.get_object(), by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
