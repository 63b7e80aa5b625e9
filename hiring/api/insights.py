"""GET /api/v1/insights/: the figures of the admin's Insights page, with the same
filters and the same permissions (recruiters: everything; hiring managers: their
positions, no calibration; anyone else 403)."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.permissions import IsAuthenticated
from rest_framework.response import Response
from rest_framework.views import APIView

from hiring import insights
from hiring.api import permissions as access
from hiring.api.schema import FORBIDDEN, THROTTLED, UNAUTHENTICATED, VALIDATION_ERROR

ID_MAX = 2**63 - 1


class InsightsQuerySerializer(serializers.Serializer):
    first_day = serializers.DateField(
        required=False, help_text=gettext_lazy("First day of the period (loops started from it), YYYY-MM-DD.")
    )
    last_day = serializers.DateField(
        required=False, help_text=gettext_lazy("Last day of the period, included; default today.")
    )
    position = serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX)
    department = serializers.IntegerField(required=False, min_value=1, max_value=ID_MAX)

    def to_internal_value(self, data):
        # "?first_day=" is a mistake, not "no filter": say so rather than show everything.
        empty = {key: [_("This value may not be empty.")] for key in self.fields if data.get(key) == ""}
        if empty:
            raise ValidationError(empty)
        return super().to_internal_value(data)


def _row(name: str, *, texts=(), ints=(), floats=()) -> type[serializers.Serializer]:
    fields: dict = {}
    for key in texts:
        fields[key] = serializers.CharField()
    for key in ints:
        fields[key] = serializers.IntegerField()
    for key in floats:
        fields[key] = serializers.FloatField(allow_null=True)
    return type(name, (serializers.Serializer,), fields)


DecisionByPosition = _row(
    "TimeToDecisionByPosition",
    texts=("position", "department"),
    ints=("decided", "hired"),
    floats=("avg_days", "max_days"),
)
DecisionByDepartment = _row(
    "TimeToDecisionByDepartment", texts=("department",), ints=("decided", "hired"), floats=("avg_days", "max_days")
)
STATES = [str(state) for state in insights.STATE_LABELS]  # plain strings: YAML cannot write an enum key
StateOverall = _row("TimeInState", texts=("state",), ints=("stays",), floats=("avg_days",))
StateByPosition = _row("TimeInStateByPosition", texts=("position", "department"), floats=STATES)
StateByDepartment = _row("TimeInStateByDepartment", texts=("department",), floats=STATES)
PassThrough = _row(
    "PassThrough", texts=("kind",), ints=("loops", "went_on", "hired"), floats=("went_on_pct", "hired_pct")
)
VetoByKind = _row("VetoByKind", texts=("kind",), ints=("count", "vetoes"), floats=("veto_pct",))
VetoByRole = _row("VetoByRole", texts=("role",), ints=("count", "vetoes"), floats=("veto_pct",))
VetoByDepartment = _row("VetoByDepartment", texts=("department",), ints=("count", "vetoes"), floats=("veto_pct",))
Latency = _row(
    "FeedbackLatency",
    texts=("interviewer",),
    ints=("interviewer_id", "scorecards", "late", "overdue_now"),
    floats=("avg_hours", "max_hours", "late_pct"),
)
Calibration = _row(
    "Calibration",
    texts=("interviewer", "flag"),
    ints=("interviewer_id", "scorecards", "matches", "rated_1", "rated_2", "rated_3", "rated_4"),
    floats=("match_pct", "mean_rating", "panel_mean", "lean", "z_score"),
)


class PeriodSerializer(serializers.Serializer):
    first_day = serializers.DateField()
    last_day = serializers.DateField()
    position = serializers.IntegerField(allow_null=True)
    department = serializers.IntegerField(allow_null=True)


class InsightsSerializer(serializers.Serializer):
    period = PeriodSerializer()
    feedback_target_hours = serializers.FloatField()
    time_to_decision_by_position = DecisionByPosition(many=True)
    time_to_decision_by_department = DecisionByDepartment(many=True)
    time_in_state = StateOverall(many=True)
    time_in_state_by_position = StateByPosition(many=True)
    time_in_state_by_department = StateByDepartment(many=True)
    pass_through = PassThrough(many=True)
    veto_by_kind = VetoByKind(many=True)
    veto_by_role = VetoByRole(many=True)
    veto_by_department = VetoByDepartment(many=True)
    feedback_latency = Latency(many=True)
    calibration = Calibration(
        many=True, allow_null=True, help_text=gettext_lazy("Recruiters only; null for a hiring manager.")
    )


class InsightsView(APIView):
    """How the loops run: time to decision and in each state, pass-through, veto rates,
    feedback latency against the target, and (recruiters only) interviewer calibration.
    Loops started in the period (default: the last 90 days, at most 731)."""

    permission_classes = [IsAuthenticated, access.TokenScopes]

    @extend_schema(
        operation_id="insights_retrieve",
        summary="Hiring insights",
        parameters=[InsightsQuerySerializer],
        responses={
            200: InsightsSerializer,
            400: VALIDATION_ERROR,
            401: UNAUTHENTICATED,
            403: FORBIDDEN,
            429: THROTTLED,
        },
    )
    def get(self, request):
        user = request.user
        if not insights.may_view_insights(user):
            raise PermissionDenied(_("Insights are for recruiters and hiring managers."))
        query = InsightsQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        positions = list(insights.positions_for(user))
        departments = insights.departments_for(user, positions)
        if "position" in data and data["position"] not in {p.pk for p in positions}:
            raise ValidationError({"position": [_("No such position, or not one of yours.")]})
        if "department" in data and data["department"] not in {d.pk for d in departments}:
            raise ValidationError({"department": [_("No such department, or not one of yours.")]})
        now = timezone.now()
        try:
            filters = insights.make_filters(
                first_day=data.get("first_day"),
                last_day=data.get("last_day"),
                position_id=data.get("position"),
                department_id=data.get("department"),
                zone=timezone.get_current_timezone_name(),
                today=timezone.localdate(now),
            )
        except ValueError as exc:
            raise ValidationError({"non_field_errors": [str(exc)]}) from exc
        result = insights.compute(user, filters, now=now, positions=positions, departments=departments)
        body = {
            "period": {
                "first_day": filters.first_day,
                "last_day": filters.last_day,
                "position": filters.position_id,
                "department": filters.department_id,
            },
            "feedback_target_hours": insights.feedback_target_hours(),
            **{key: table.rows for key, table in result.tables.items()},
        }
        body.setdefault("calibration", None)
        return Response(InsightsSerializer(body).data)
