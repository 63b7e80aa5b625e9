"""Availability and interviewer pools through the API (issue 9).

    GET    /api/v1/interviewers/{id}/availability/              -> weekly hours, time off, busy, limits, feed
    PATCH  /api/v1/interviewers/{id}/availability/              {weekly_hours?, max_interviews_per_day?, ...}
    POST   /api/v1/interviewers/{id}/time-off/                  {starts_at, ends_at, reason?}
    DELETE /api/v1/interviewers/{id}/time-off/{time_off_id}/
    POST   /api/v1/interviewers/{id}/busy/                      {starts_at, ends_at, summary?}
    DELETE /api/v1/interviewers/{id}/busy/{busy_id}/             (busy times added by hand only)
    GET    /api/v1/pools/   GET /api/v1/pools/{kind}/            (anyone signed in)
    POST   /api/v1/pools/   {kind, members, description?}         (recruiters: create or replace)
    DELETE /api/v1/pools/{kind}/                                 (recruiters)

A person reads and changes their own availability; recruiters anyone's; for anyone else
the availability answers 404, as if the interviewer did not exist (the calendar
address is a secret, the time-off notes and busy summaries are private). Writes need the
`availability:write` scope on a token.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.db.models import Prefetch
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.response import Response

from hiring import selectors, services
from hiring.api.fields import TextField, UTCDateTimeField, WallClockField, WholeNumberField, iso
from hiring.api.views import ApiViewSet
from hiring.models import (
    BusyBlock,
    BusySource,
    CalendarFeed,
    FeedStatus,
    Interviewer,
    InterviewerPool,
    RoundKind,
    TimeOff,
    WeeklyHours,
)
from hiring.scheduling import availability

WRITE_SCOPE = "availability:write"
# What the availability shows ahead: the next time off and busy blocks, this many at most.
SHOWN_AHEAD = 100
BUSY_AHEAD = dt.timedelta(days=28)
ID_PATTERN = r"[0-9]{1,18}"


class HoursSerializer(serializers.Serializer):
    weekday = WholeNumberField(min_value=1, max_value=7, help_text="ISO weekday: 1 Monday ... 7 Sunday.")
    start = WallClockField(input_formats=["%H:%M"])
    end = WallClockField(input_formats=["%H:%M"], help_text="At or before the start: ends the next day.")


class TimeOffSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    starts_at = UTCDateTimeField()
    ends_at = UTCDateTimeField()
    reason = TextField(max_length=200, allow_blank=True, default="")


class BusySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    starts_at = UTCDateTimeField()
    ends_at = UTCDateTimeField()
    source = serializers.ChoiceField(choices=BusySource.choices)
    summary = serializers.CharField()


class BusyInputSerializer(serializers.Serializer):
    starts_at = UTCDateTimeField()
    ends_at = UTCDateTimeField()
    summary = TextField(max_length=200, allow_blank=True, default="")


class FeedSerializer(serializers.Serializer):
    url = serializers.CharField(help_text="The secret address: shown to its owner and recruiters only.")
    last_status = serializers.ChoiceField(choices=FeedStatus.choices)
    last_import_at = UTCDateTimeField(allow_null=True)
    last_error = serializers.CharField()
    last_event_count = serializers.IntegerField()


class AvailabilitySerializer(serializers.Serializer):
    """One interviewer's availability, as its owner and recruiters see it."""

    interviewer = serializers.IntegerField()
    time_zone = serializers.CharField()
    weekly_hours = HoursSerializer(many=True)
    uses_default_hours = serializers.BooleanField(
        help_text="No weekly hours set: the summary hours (work_start-work_end on work_days) apply."
    )
    time_off = TimeOffSerializer(many=True, help_text="Time off not yet over, soonest first (at most 100).")
    busy = BusySerializer(many=True, help_text="Busy blocks of the next 28 days, soonest first (at most 100).")
    max_interviews_per_day = serializers.IntegerField(allow_null=True)
    max_interviews_per_week = serializers.IntegerField(allow_null=True)
    default_max_interviews_per_day = serializers.IntegerField()
    default_max_interviews_per_week = serializers.IntegerField()
    calendar_feed = FeedSerializer(allow_null=True)


class AvailabilityUpdateSerializer(serializers.Serializer):
    weekly_hours = HoursSerializer(many=True, required=False, help_text="Replaces every weekly interval.")
    max_interviews_per_day = WholeNumberField(required=False, allow_null=True, min_value=1, max_value=50)
    max_interviews_per_week = WholeNumberField(required=False, allow_null=True, min_value=1, max_value=50)
    calendar_feed_url = TextField(
        required=False, allow_blank=True, max_length=2000, help_text="http(s) or webcal; empty removes the feed."
    )


def availability_data(interviewer: Interviewer) -> dict:
    now = timezone.now()
    rows = list(WeeklyHours.objects.filter(interviewer=interviewer).order_by("weekday", "start"))
    intervals = availability.weekly_intervals(interviewer, rows)
    away = TimeOff.objects.filter(interviewer=interviewer, ends_at__gt=now).order_by("starts_at", "id")[:SHOWN_AHEAD]
    busy = BusyBlock.objects.filter(interviewer=interviewer, ends_at__gt=now, starts_at__lt=now + BUSY_AHEAD).order_by(
        "starts_at", "id"
    )[:SHOWN_AHEAD]
    feed = CalendarFeed.objects.filter(interviewer=interviewer).first()
    return {
        "interviewer": interviewer.pk,
        "time_zone": interviewer.time_zone,
        "weekly_hours": [
            {"weekday": i.weekday, "start": f"{i.start:%H:%M}", "end": f"{i.end:%H:%M}"} for i in intervals
        ],
        "uses_default_hours": not rows,
        "time_off": [
            {"id": t.pk, "starts_at": iso(t.starts_at), "ends_at": iso(t.ends_at), "reason": t.reason} for t in away
        ],
        "busy": [
            {
                "id": b.pk,
                "starts_at": iso(b.starts_at),
                "ends_at": iso(b.ends_at),
                "source": b.source,
                "summary": b.summary,
            }
            for b in busy
        ],
        "max_interviews_per_day": interviewer.max_interviews_per_day,
        "max_interviews_per_week": interviewer.max_interviews_per_week,
        "default_max_interviews_per_day": settings.HIRING_MAX_INTERVIEWS_PER_DAY,
        "default_max_interviews_per_week": settings.HIRING_MAX_INTERVIEWS_PER_WEEK,
        "calendar_feed": None
        if feed is None
        else {
            "url": feed.url,
            "last_status": feed.last_status,
            "last_import_at": iso(feed.last_import_at),
            "last_error": feed.last_error,
            "last_event_count": feed.last_event_count,
        },
    }


class InterviewerAvailabilityViewSet(ApiViewSet):
    """An interviewer's availability (their own, or anyone's for recruiters)."""

    queryset = Interviewer.objects.none()  # the model, for the schema
    serializer_class = AvailabilitySerializer
    pagination_class = None
    action_scopes = {
        "update_availability": WRITE_SCOPE,
        "add_time_off": WRITE_SCOPE,
        "remove_time_off": WRITE_SCOPE,
        "add_busy": WRITE_SCOPE,
        "remove_busy": WRITE_SCOPE,
    }

    def get_queryset(self):
        return Interviewer.objects.all()

    def _interviewer(self, pk) -> Interviewer:
        interviewer = get_object_or_404(Interviewer.objects.select_related("user"), pk=pk)
        if interviewer.user_id != self.user.pk and not selectors.is_recruiter(self.user):
            raise Http404
        return interviewer

    @extend_schema(summary="An interviewer's availability", responses=AvailabilitySerializer)
    @action(detail=True, methods=["get"])
    def availability(self, request, pk=None):
        return Response(availability_data(self._interviewer(pk)))

    @extend_schema(
        summary="Change an interviewer's availability",
        description="Any of weekly hours (replaced as a whole), load limits (null: the company default) and the "
        "calendar feed address. All or nothing: a refused part changes nothing.",
        request=AvailabilityUpdateSerializer,
        responses=AvailabilitySerializer,
    )
    @availability.mapping.patch
    def update_availability(self, request, pk=None):
        interviewer = self._interviewer(pk)
        data = self.input(AvailabilityUpdateSerializer)
        with transaction.atomic():
            if "weekly_hours" in data:
                specs = [services.HoursSpec(h["weekday"], h["start"], h["end"]) for h in data["weekly_hours"]]
                services.set_weekly_hours(interviewer=interviewer, intervals=specs, by=request.user)
            if "max_interviews_per_day" in data or "max_interviews_per_week" in data:
                services.set_load_limits(
                    interviewer=interviewer,
                    per_day=data.get("max_interviews_per_day", interviewer.max_interviews_per_day),
                    per_week=data.get("max_interviews_per_week", interviewer.max_interviews_per_week),
                    by=request.user,
                )
            if "calendar_feed_url" in data:
                services.set_calendar_feed(interviewer=interviewer, url=data["calendar_feed_url"], by=request.user)
        return Response(availability_data(Interviewer.objects.get(pk=interviewer.pk)))

    @extend_schema(
        summary="Add time off",
        request=TimeOffSerializer,
        responses={201: TimeOffSerializer},
    )
    @action(detail=True, methods=["post"], url_path="time-off")
    def add_time_off(self, request, pk=None):
        interviewer = self._interviewer(pk)
        data = self.input(TimeOffSerializer)
        away = services.add_time_off(
            interviewer=interviewer,
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            reason=data["reason"],
            by=request.user,
        )
        return Response(TimeOffSerializer(away).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Remove time off",
        request=None,
        responses={204: None},
        parameters=[
            OpenApiParameter(
                "time_off_id", {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}, OpenApiParameter.PATH
            )
        ],
    )
    @action(detail=True, methods=["delete"], url_path=rf"time-off/(?P<time_off_id>{ID_PATTERN})")
    def remove_time_off(self, request, pk=None, time_off_id=None):
        interviewer = self._interviewer(pk)
        away = get_object_or_404(TimeOff, pk=time_off_id, interviewer=interviewer)
        services.remove_time_off(time_off=away, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Add a busy time",
        description="A busy time entered by hand; the calendar feed's come from the feed.",
        request=BusyInputSerializer,
        responses={201: BusySerializer},
    )
    @action(detail=True, methods=["post"], url_path="busy")
    def add_busy(self, request, pk=None):
        interviewer = self._interviewer(pk)
        data = self.input(BusyInputSerializer)
        block = services.add_busy_block(
            interviewer=interviewer,
            starts_at=data["starts_at"],
            ends_at=data["ends_at"],
            summary=data["summary"],
            by=request.user,
        )
        return Response(BusySerializer(block).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Remove a busy time added by hand",
        description="The calendar feed's busy times are not found here (404): change them in the calendar.",
        request=None,
        responses={204: None},
        parameters=[
            OpenApiParameter("busy_id", {"type": "integer", "minimum": 0, "maximum": 10**18 - 1}, OpenApiParameter.PATH)
        ],
    )
    @action(detail=True, methods=["delete"], url_path=rf"busy/(?P<busy_id>{ID_PATTERN})")
    def remove_busy(self, request, pk=None, busy_id=None):
        interviewer = self._interviewer(pk)
        block = get_object_or_404(BusyBlock, pk=busy_id, interviewer=interviewer, source=BusySource.MANUAL)
        services.remove_busy_block(block=block, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PoolSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=[c for c in RoundKind.choices if c[0] != RoundKind.BAR_RAISER],
        help_text="A round kind; the bar-raiser round's pool is the trained bar raisers (is_bar_raiser).",
    )
    description = TextField(max_length=200, allow_blank=True, default="")
    members = serializers.ListField(child=WholeNumberField(min_value=1), max_length=5000, help_text="Interviewer ids.")

    def to_representation(self, pool):
        return {
            "kind": pool.kind,
            "description": pool.description,
            "members": sorted(m.pk for m in pool.members.all()),
        }


_KIND = OpenApiParameter(
    "kind",
    {"type": "string", "enum": [k for k in RoundKind.values if k != RoundKind.BAR_RAISER]},
    OpenApiParameter.PATH,
    description="A round kind (the bar-raiser round has no pool of its own).",
)


@extend_schema_view(retrieve=extend_schema(parameters=[_KIND]), destroy=extend_schema(parameters=[_KIND]))
class PoolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.DestroyModelMixin, ApiViewSet):
    """Interviewer pools: who may take which round kind. A kind without a pool is open to
    every active interviewer. Read by anyone signed in; written by recruiters."""

    serializer_class = PoolSerializer
    lookup_field = "kind"
    lookup_value_regex = "[a-z_]{1,20}"
    write_scope = WRITE_SCOPE
    queryset = InterviewerPool.objects.none()

    def get_queryset(self):
        return InterviewerPool.objects.prefetch_related(Prefetch("members", Interviewer.objects.only("id")))

    @extend_schema(
        summary="Create or replace a round kind's pool", responses={200: PoolSerializer, 201: PoolSerializer}
    )
    def create(self, request):
        data = self.input(PoolSerializer)
        existed = InterviewerPool.objects.filter(kind=data["kind"]).exists()
        pool = services.set_pool(
            kind=data["kind"], interviewer_ids=data["members"], description=data["description"], by=request.user
        )
        fresh = self.get_queryset().get(pk=pool.pk)
        return Response(PoolSerializer(fresh).data, status=status.HTTP_200_OK if existed else status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        services.remove_pool(kind=instance.kind, by=self.request.user)
