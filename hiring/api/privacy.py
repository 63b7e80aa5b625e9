"""Candidate privacy through the API, for recruiters: erase a candidate, export their data.

    POST /api/v1/candidates/{id}/erase/   {"force": false}  -> the erased candidate
    GET  /api/v1/candidates/{id}/export/                  -> the JSON document

Only recruiters (and only with the erase or export permission) may; anyone else
gets a 403 before any lookup, so the answer never tells whether a candidate
exists. Erasing needs the `candidates:write` scope on a token, exporting `read`.
An open loop answers 409 unless `force` withdraws it first (services.erase_candidate).
"""

from __future__ import annotations

from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import permissions, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from hiring import selectors, services
from hiring.api import serializers as s
from hiring.api.fields import TrueFalseField
from hiring.api.views import ApiViewSet
from hiring.models import Candidate


class IsRecruiter(permissions.BasePermission):
    message = "Only recruiters can erase or export a candidate's data."

    def has_permission(self, request, view) -> bool:
        return selectors.is_recruiter(request.user)


class EraseSerializer(serializers.Serializer):
    force = TrueFalseField(
        default=False, help_text="Withdraw the candidate's open loops first; without it an open loop is a 409."
    )


class CandidatePrivacyViewSet(ApiViewSet):
    """Erase and export a candidate (recruiters only)."""

    queryset = Candidate.objects.none()  # the model, for the schema
    serializer_class = s.CandidateSerializer
    pagination_class = None
    action_scopes = {"erase": "candidates:write", "export": "read"}

    def get_permissions(self):
        return [*super().get_permissions(), IsRecruiter()]

    def get_queryset(self):
        return Candidate.objects.all()

    def _candidate(self, pk) -> Candidate:
        return get_object_or_404(Candidate, pk=pk)

    @extend_schema(
        summary="Erase a candidate's personal data",
        description="Anonymises the candidate everywhere (name, email, notes and reasons that may name them, "
        "reminders, webhook logs); the loops' anonymous facts stay. Erasing twice is harmless. "
        "Sends a candidate.erased webhook.",
        request=EraseSerializer,
        responses=s.CandidateSerializer,
    )
    @action(detail=True, methods=["post"])
    def erase(self, request, pk=None):
        candidate = self._candidate(pk)
        force = self.input(EraseSerializer)["force"]
        services.erase_candidate(candidate=candidate, by=request.user, force=force)
        fresh = Candidate.objects.prefetch_related("loops").get(pk=candidate.pk)
        fresh.visible_loops = list(fresh.loops.order_by("-id"))
        return Response(s.CandidateSerializer(fresh, context={"request": request}).data)

    @extend_schema(
        summary="Export a candidate's data",
        description="Everything held about the candidate (subject access request), as one JSON document.",
        responses=OpenApiTypes.OBJECT,
    )
    @action(detail=True, methods=["get"])
    def export(self, request, pk=None):
        candidate = self._candidate(pk)
        document = services.export_candidate(candidate=candidate, by=request.user)
        response = Response(document)
        response["Cache-Control"] = "no-store"
        return response
