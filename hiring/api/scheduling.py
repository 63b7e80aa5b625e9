"""The scheduling endpoints of a loop (issue 9): propose, book, ask the candidate for
their availability, and read what they gave. Thin: each calls one service."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from hiring import services
from hiring.api.fields import UTCDateTimeField, WholeNumberField
from hiring.api.serializers import LoopSerializer, OutsideHoursSerializer
from hiring.models import AvailabilityRequest, AvailabilityRequestState
from hiring.rules import NotPermitted
from hiring.services import scheduling

# A loop has a handful of rounds; a proposal longer than this is not one of ours.
MAX_ASSIGNMENTS = 30


class ProposeSerializer(serializers.Serializer):
    window_start = UTCDateTimeField(required=False, help_text="Default: tomorrow, in your zone. With its offset.")
    window_end = UTCDateTimeField(
        required=False, help_text="Default: the end of the 10th working day from tomorrow. At most 31 days long."
    )
    k = WholeNumberField(min_value=1, max_value=10, default=3, help_text="How many proposals at most.")


class ProposedRoundSerializer(serializers.Serializer):
    round = serializers.IntegerField(help_text="The round's id.")
    interviewer = serializers.IntegerField(help_text="The interviewer's id.")
    starts_at = UTCDateTimeField()
    ends_at = UTCDateTimeField()
    why = serializers.CharField(help_text="Why this person fits, in words.")


class ProposalSerializer(serializers.Serializer):
    finishes_at = UTCDateTimeField(help_text="When the loop's last round ends.")
    score = serializers.FloatField(help_text="Lower is better (sooner, even load, away from the edges of days).")
    assignments = ProposedRoundSerializer(many=True)


class ProposalsSerializer(serializers.Serializer):
    proposals = ProposalSerializer(many=True)
    explanations = serializers.ListField(
        child=serializers.CharField(), help_text="When there is no proposal: why, in words a recruiter can act on."
    )
    timed_out = serializers.BooleanField()


class BookAssignmentSerializer(serializers.Serializer):
    round = WholeNumberField(min_value=1, help_text="The round's id (a planned round of this loop).")
    interviewer = WholeNumberField(min_value=1, help_text="The interviewer's id.")
    starts_at = UTCDateTimeField(help_text="The start, with its offset.")


class BookSerializer(OutsideHoursSerializer):
    assignments = BookAssignmentSerializer(many=True, max_length=MAX_ASSIGNMENTS, allow_empty=False)


class ConflictSerializer(serializers.Serializer):
    """A refusal (409): the rule's code and words; the round it stopped at, for book."""

    code = serializers.CharField(
        required=False,
        help_text="Which rule refused: the codes of a round's schedule (e.g. candidate_busy, interviewer_busy, "
        "interviewer_calendar_busy, interviewer_load_limit).",
    )
    detail = serializers.CharField()
    round_id = serializers.IntegerField(required=False, help_text="book: the round that was refused.")


class RequestAvailabilityInSerializer(serializers.Serializer):
    days = WholeNumberField(
        min_value=1, max_value=30, default=10, help_text="Working days offered, from tomorrow in their zone."
    )


class AvailabilityRequestSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created_at = UTCDateTimeField()
    expires_at = UTCDateTimeField()
    state = serializers.ChoiceField(choices=AvailabilityRequestState.values)
    days = serializers.IntegerField()
    answered_at = UTCDateTimeField(allow_null=True)


class WindowSerializer(serializers.Serializer):
    starts_at = UTCDateTimeField()
    ends_at = UTCDateTimeField()


class CandidateAvailabilitySerializer(serializers.Serializer):
    time_zone = serializers.CharField(help_text="The candidate's zone, in which they chose.")
    windows = WindowSerializer(many=True, help_text="In UTC; at most 200.")
    request = AvailabilityRequestSerializer(allow_null=True, help_text="The latest request, if any.")


def _proposals_body(result) -> dict:
    return {
        "proposals": [
            {
                "finishes_at": p.finishes_at,
                "score": float(p.score),
                "assignments": [
                    {
                        "round": a.round_id,
                        "interviewer": a.interviewer_id,
                        "starts_at": a.starts_at,
                        "ends_at": a.ends_at,
                        "why": str((p.why or {}).get(a.round_id, "")),
                    }
                    for a in p.assignments
                ],
            }
            for p in result.proposals
        ],
        "explanations": [str(line) for line in result.explanations],
        "timed_out": bool(getattr(result, "timed_out", False)),
    }


class LoopSchedulingActions:
    """Mixed into LoopViewSet: /loops/{id}/propose/, book/, request-availability/, availability/."""

    scheduling_scopes = {
        "propose": "rounds:write",
        "book": "rounds:write",
        "request_availability": "candidates:write",
    }

    @extend_schema(
        summary="Propose complete schedules",
        description="Up to k complete panels and times for the loop's open rounds, satisfying every rule, "
        "from everyone's hours, load and calendars and the candidate's availability. Nothing is booked. "
        "When there is none, `explanations` says why.",
        request=ProposeSerializer,
        responses={200: ProposalsSerializer, 409: ConflictSerializer},
    )
    @action(detail=True, methods=["post"])
    def propose(self, request, pk=None):
        loop = self.get_object()
        data = self.input(ProposeSerializer)
        result = services.propose_schedule(
            loop=loop,
            by=request.user,
            window_start=data.get("window_start"),
            window_end=data.get("window_end"),
            k=data["k"],
        )
        return Response(ProposalsSerializer(_proposals_body(result)).data)

    @extend_schema(
        summary="Book a proposal",
        description="Schedules every given round in one step, all or nothing: every rule is checked again. "
        "A refusal is a 409 with the rule's code and the round it stopped at; nothing is booked then.",
        request=BookSerializer,
        responses={200: LoopSerializer, 409: ConflictSerializer},
    )
    @action(detail=True, methods=["post"])
    def book(self, request, pk=None):
        loop = self.get_object()
        data = self.input(BookSerializer)
        services.book_proposal(
            loop=loop,
            by=request.user,
            assignments=[
                scheduling.Assignment(round_id=a["round"], interviewer_id=a["interviewer"], starts_at=a["starts_at"])
                for a in data["assignments"]
            ],
            allow_outside_hours=data["allow_outside_hours"],
            outside_hours_reason=data["outside_hours_reason"],
        )
        return Response(LoopSerializer(self.fresh(loop.pk)).data)

    @extend_schema(
        summary="Ask the candidate for their availability",
        description="Emails the candidate a signed link (no login, in their language) to mark the times they "
        "can do in their own zone. An earlier link of the loop stops working.",
        request=RequestAvailabilityInSerializer,
        responses={201: AvailabilityRequestSerializer, 409: ConflictSerializer},
    )
    @action(detail=True, methods=["post"], url_path="request-availability")
    def request_availability(self, request, pk=None):
        loop = self.get_object()
        data = self.input(RequestAvailabilityInSerializer)
        made = services.request_availability(loop=loop, by=request.user, days=data["days"])
        return Response(AvailabilityRequestSerializer(made).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="The candidate's availability",
        description="The windows the candidate gave through their link (UTC), for recruiters.",
        responses={200: CandidateAvailabilitySerializer},
    )
    @action(detail=True, methods=["get"])
    def availability(self, request, pk=None):
        loop = self.get_object()
        if not request.user.has_perm("hiring.change_loop"):
            raise NotPermitted("Only recruiters can read a candidate's availability.")
        latest = AvailabilityRequest.objects.filter(loop=loop).order_by("-created_at", "-id").first()
        body = {
            "time_zone": loop.candidate.time_zone,
            "windows": scheduling.candidate_windows(loop=loop),
            "request": latest,
        }
        return Response(CandidateAvailabilitySerializer(body).data)


__all__ = ["LoopSchedulingActions"]
