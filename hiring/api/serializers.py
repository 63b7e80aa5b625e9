"""Serializers: the shape of what goes in and out, nothing more.

Input serializers check types and lengths only; the rules (who may, in which
state, which interviewer) are the services'. Output serializers never expose
drafts, secrets or email addresses of employees.
"""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from hiring.api.fields import (
    EmailTextField,
    PersonSerializer,
    TextField,
    TrueFalseField,
    URLTextField,
    UTCDateTimeField,
    WallClockField,
    WholeNumberField,
    iso,
    person_name,
)
from hiring.models import (
    RATING_MAX,
    RATING_MIN,
    Candidate,
    Competency,
    Decision,
    Department,
    EventKind,
    Interviewer,
    LoopPlan,
    LoopStatus,
    Outcome,
    Position,
    Recommendation,
    ReminderKind,
    ReminderStatus,
    RoundKind,
    RoundStatus,
    RoundTemplate,
    SeniorityLevel,
    WebhookSubscription,
)
from hiring.selectors import is_recruiter, may_read_private_note
from hiring.services.materials import DOCX, PDF
from hiring.validators import validate_email_text, validate_person_name, validate_time_zone

# --- reference data -------------------------------------------------------------


class DepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name"]


class LevelSerializer(serializers.ModelSerializer):
    class Meta:
        model = SeniorityLevel
        fields = ["id", "name", "rank"]


class CompetencySerializer(serializers.ModelSerializer):
    class Meta:
        model = Competency
        fields = ["id", "name", "description", "guide"]


class InterviewerSerializer(serializers.ModelSerializer):
    name = serializers.SerializerMethodField()
    department = DepartmentSerializer()
    level = LevelSerializer()
    languages = serializers.ListField(child=serializers.CharField())
    work_start = WallClockField()
    work_end = WallClockField()

    class Meta:
        model = Interviewer
        fields = [
            "id",
            "user_id",
            "name",
            "department",
            "level",
            "time_zone",
            "work_start",
            "work_end",
            "work_days",
            "languages",
            "is_bar_raiser",
        ]

    def get_name(self, interviewer) -> str:
        return person_name(interviewer.user)


class RoundTemplateSerializer(serializers.ModelSerializer):
    competency_ids = serializers.SerializerMethodField()

    class Meta:
        model = RoundTemplate
        fields = ["order", "kind", "title", "duration_minutes", "competency_ids"]

    def get_competency_ids(self, template) -> list[int]:
        return [c.pk for c in template.competencies.all()]


class LoopPlanSerializer(serializers.ModelSerializer):
    rounds = RoundTemplateSerializer(many=True)

    class Meta:
        model = LoopPlan
        fields = ["id", "name", "description", "rounds"]


class PositionSerializer(serializers.ModelSerializer):
    department = DepartmentSerializer()
    hiring_manager = PersonSerializer()
    recruiter = PersonSerializer()
    loop_plan = LoopPlanSerializer()
    created_at = UTCDateTimeField()

    class Meta:
        model = Position
        fields = [
            "id",
            "title",
            "department",
            "hiring_manager",
            "recruiter",
            "min_rounds",
            "is_open",
            "loop_plan",
            "created_at",
        ]


# --- candidates -----------------------------------------------------------------


class CandidateLoopSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    position_id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=LoopStatus.choices)


class ResumeSerializer(serializers.Serializer):
    file_name = serializers.CharField(help_text="The name the file was uploaded with.")
    content_type = serializers.ChoiceField(choices=[(PDF, "PDF"), (DOCX, "Word (.docx)")])
    size = serializers.IntegerField(help_text="Bytes.")
    uploaded_at = UTCDateTimeField()
    download_url = serializers.CharField(
        help_text="The web address that serves the file to those who may see the candidate (signed-in session)."
    )


class CandidateSerializer(serializers.ModelSerializer):
    created_at = UTCDateTimeField()
    updated_at = UTCDateTimeField()
    erased_at = UTCDateTimeField(
        read_only=True, allow_null=True, help_text="When the personal data was erased; null while it is kept."
    )
    loops = serializers.SerializerMethodField()
    phone = serializers.SerializerMethodField()
    recruiter_notes = serializers.SerializerMethodField()
    resume = serializers.SerializerMethodField()

    class Meta:
        model = Candidate
        fields = [
            "id",
            "full_name",
            "email",
            "time_zone",
            "preferred_language",
            "source",
            "phone",
            "linkedin_url",
            "portfolio_url",
            "recruiter_notes",
            "resume",
            "created_at",
            "updated_at",
            "erased_at",
            "loops",
        ]

    def _recruiter(self) -> bool:
        request = self.context.get("request")
        return request is not None and is_recruiter(request.user)

    @extend_schema_field({"type": "string", "nullable": True, "description": "Recruiters only; null for others."})
    def get_phone(self, candidate) -> str | None:
        return candidate.phone if self._recruiter() else None

    @extend_schema_field({"type": "string", "nullable": True, "description": "Recruiters only; null for others."})
    def get_recruiter_notes(self, candidate) -> str | None:
        return candidate.recruiter_notes if self._recruiter() else None

    @extend_schema_field(ResumeSerializer(allow_null=True))
    def get_resume(self, candidate) -> dict | None:
        if not candidate.resume:
            return None
        return {
            "file_name": candidate.resume_name,
            "content_type": candidate.resume_content_type,
            "size": candidate.resume_size,
            "uploaded_at": iso(candidate.resume_uploaded_at),
            "download_url": reverse("resume_download", kwargs={"candidate_id": candidate.pk}),
        }

    @extend_schema_field(CandidateLoopSerializer(many=True))
    def get_loops(self, candidate) -> list[dict]:
        # The view prefetches only the loops the caller may see, into `visible_loops`.
        return [
            {"id": loop.pk, "position_id": loop.position_id, "status": loop.status}
            for loop in getattr(candidate, "visible_loops", [])
        ]


class CandidateWriteSerializer(serializers.Serializer):
    # The model's validators (hiring/validators.py), so the API refuses what the admin and the
    # services refuse, in the same words, before anything is written; JSON strings only.
    full_name = TextField(max_length=200, validators=[validate_person_name])
    email = EmailTextField(max_length=254, validators=[validate_email_text])
    time_zone = TextField(
        max_length=64, validators=[validate_time_zone], help_text="An IANA zone, e.g. Asia/Singapore."
    )
    preferred_language = serializers.ChoiceField(choices=settings.LANGUAGES, default="en")
    source = TextField(max_length=100, allow_blank=True, default="")
    phone = TextField(max_length=40, allow_blank=True, required=False, help_text="Digits, spaces and + - ( ) . /")
    linkedin_url = URLTextField(max_length=500, allow_blank=True, required=False)
    portfolio_url = URLTextField(max_length=500, allow_blank=True, required=False)
    recruiter_notes = TextField(max_length=20000, allow_blank=True, required=False, trim_whitespace=False)


class ResumeUploadSerializer(serializers.Serializer):
    file = serializers.FileField(
        allow_empty_file=False,
        help_text="A PDF or a Word (.docx) document, checked by its content; at most HIRING_RESUME_MAX_BYTES.",
    )


class CandidateUpdateSerializer(CandidateWriteSerializer):
    def __init__(self, *args, **kwargs):
        kwargs["partial"] = True
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False


# --- loops and rounds -------------------------------------------------------------


class SeatSerializer(serializers.Serializer):
    """The interviewer of a round, with what a scheduler needs."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    department = serializers.CharField()
    time_zone = serializers.CharField()


class RoundSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    loop_id = serializers.IntegerField()
    order = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=RoundKind.choices)
    title = serializers.CharField()
    status = serializers.ChoiceField(choices=RoundStatus.choices)
    interviewer = SeatSerializer(allow_null=True)
    starts_at = UTCDateTimeField(allow_null=True)
    ends_at = UTCDateTimeField(allow_null=True)
    duration_minutes = serializers.IntegerField()
    feedback_due_at = UTCDateTimeField(allow_null=True)
    sequence = serializers.IntegerField(help_text="Bumped on every reschedule (the calendar SEQUENCE).")
    updated_at = UTCDateTimeField()

    def to_representation(self, round_):
        # Written out by hand: a page of loops holds hundreds of rounds, and the
        # generic field machinery would cost more than the queries behind them.
        interviewer = round_.interviewer
        starts_at = round_.starts_at
        return {
            "id": round_.pk,
            "loop_id": round_.loop_id,
            "order": round_.order,
            "kind": round_.kind,
            "title": round_.title,
            "status": round_.status,
            "interviewer": None
            if interviewer is None
            else {
                "id": interviewer.pk,
                "name": person_name(interviewer.user),
                "department": interviewer.department.name,
                "time_zone": interviewer.time_zone,
            },
            "starts_at": iso(starts_at),
            "ends_at": iso(round_.ends_at) if starts_at else None,
            "duration_minutes": round_.duration_minutes,
            "feedback_due_at": iso(round_.feedback_due_at),
            "sequence": round_.sequence,
            "updated_at": iso(round_.updated_at),
        }


class LoopCandidateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    time_zone = serializers.CharField()


class LoopPositionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    department = DepartmentSerializer()


class LoopSerializer(serializers.Serializer):
    """A loop with its pipeline. Scorecard content is never nested here (rule 5):
    read it from /scorecards/, where what the caller may see is decided."""

    id = serializers.IntegerField()
    candidate = LoopCandidateSerializer()
    position = LoopPositionSerializer()
    status = serializers.ChoiceField(choices=LoopStatus.choices)
    vetoed = serializers.BooleanField()
    created_at = UTCDateTimeField()
    updated_at = UTCDateTimeField()
    closed_at = UTCDateTimeField(allow_null=True)
    rounds = RoundSerializer(many=True)

    def to_representation(self, loop):
        candidate = loop.candidate
        position = loop.position
        round_repr = RoundSerializer.to_representation
        return {
            "id": loop.pk,
            "candidate": {"id": candidate.pk, "full_name": candidate.full_name, "time_zone": candidate.time_zone},
            "position": {
                "id": position.pk,
                "title": position.title,
                "department": {"id": position.department_id, "name": position.department.name},
            },
            "status": loop.status,
            "vetoed": loop.veto_scorecard_id is not None,
            "created_at": iso(loop.created_at),
            "updated_at": iso(loop.updated_at),
            "closed_at": iso(loop.closed_at),
            "rounds": [round_repr(self, r) for r in loop.rounds.all()],
        }


class LoopStartSerializer(serializers.Serializer):
    candidate = WholeNumberField(min_value=1, help_text="The candidate's id.")
    position = WholeNumberField(min_value=1, help_text="The position's id.")


class ReasonSerializer(serializers.Serializer):
    reason = TextField(max_length=2000, help_text="Why; it goes on record.")


class OutsideHoursSerializer(serializers.Serializer):
    """The explicit override a booking outside someone's hours needs (schedule and reschedule)."""

    allow_outside_hours = TrueFalseField(
        default=False,
        help_text="Book even outside the interviewer's working hours or the candidate's waking hours "
        "(rule 10); needs outside_hours_reason, and goes on the record.",
    )
    outside_hours_reason = TextField(
        max_length=2000,
        allow_blank=True,
        default="",
        help_text="Why the round may be booked anyway: outside someone's hours, over time off, a busy block "
        "or a load limit (required with allow_outside_hours).",
    )


class ScheduleSerializer(OutsideHoursSerializer):
    interviewer = WholeNumberField(min_value=1, help_text="The interviewer's id (not the user's).")
    starts_at = UTCDateTimeField(help_text="The start, with its offset; stored in UTC.")


class RescheduleSerializer(OutsideHoursSerializer):
    interviewer = WholeNumberField(min_value=1, required=False, help_text="A new interviewer's id.")
    starts_at = UTCDateTimeField(required=False, help_text="A new start, with its offset.")
    reason = TextField(max_length=2000, allow_blank=True, default="")


class BookingConflictSerializer(serializers.Serializer):
    """The 409 a refused booking answers (rule 10 and the panel rules), for the schema."""

    code = serializers.ChoiceField(
        choices=[
            "outside_hours",
            "interviewer_time_off",
            "interviewer_busy",
            "interviewer_calendar_busy",
            "interviewer_load_limit",
            "candidate_busy",
            "conflict",
        ],
        required=False,
        help_text="Which rule refused; `conflict` for the panel and loop rules (their words are in detail). "
        "`outside_hours`, `interviewer_time_off`, `interviewer_calendar_busy` (a busy block of the "
        "interviewer's calendar) and `interviewer_load_limit` may be overridden with allow_outside_hours and a "
        "reason; `interviewer_busy` (another booked round) and `candidate_busy` may not.",
    )
    detail = serializers.CharField(help_text="The rule's own words, for a person.")
    person = serializers.ChoiceField(choices=["candidate", "interviewer"], required=False)
    name = serializers.CharField(required=False, help_text="The person's name.")
    local_start = serializers.DateTimeField(
        required=False, help_text="outside_hours: the start in that person's own zone, with its offset."
    )
    time_zone = serializers.CharField(required=False, help_text="outside_hours: that person's IANA zone.")
    outside = serializers.ListField(
        child=serializers.DictField(),
        required=False,
        help_text="outside_hours: everyone outside their hours, each with person, name, local_start, time_zone.",
    )
    min_gap_minutes = serializers.IntegerField(
        required=False, help_text="candidate_busy: the least gap between a candidate's rounds."
    )
    time_off_starts_at = serializers.DateTimeField(
        required=False, help_text="interviewer_time_off: when the time off starts, in the interviewer's zone."
    )
    time_off_ends_at = serializers.DateTimeField(
        required=False, help_text="interviewer_time_off: when the time off ends, in the interviewer's zone."
    )
    busy_starts_at = serializers.DateTimeField(
        required=False,
        help_text="interviewer_calendar_busy: when the busy block starts, in the interviewer's zone.",
    )
    busy_ends_at = serializers.DateTimeField(
        required=False, help_text="interviewer_calendar_busy: when the busy block ends, in the interviewer's zone."
    )
    busy_source = serializers.ChoiceField(
        choices=["manual", "feed"],
        required=False,
        help_text="interviewer_calendar_busy: entered by hand or imported from their calendar feed.",
    )
    limit_period = serializers.ChoiceField(
        choices=["day", "week"],
        required=False,
        help_text="interviewer_load_limit: which limit is reached, the local day's or the ISO week's "
        "(in the interviewer's zone).",
    )
    limit = serializers.IntegerField(
        required=False, help_text="interviewer_load_limit: the limit (their own, else the company default)."
    )
    booked = serializers.IntegerField(
        required=False,
        help_text="interviewer_load_limit: their other booked rounds that day or week (a moved round not counted).",
    )
    local_day = serializers.DateField(
        required=False,
        help_text="interviewer_load_limit: the interviewer's local day, or the Monday of the ISO week.",
    )


# --- scorecards -----------------------------------------------------------------


class RatingSerializer(serializers.Serializer):
    competency = WholeNumberField(min_value=1, help_text="The competency's id.")
    score = WholeNumberField(min_value=RATING_MIN, max_value=RATING_MAX)


class ScorecardWriteSerializer(serializers.Serializer):
    ratings = RatingSerializer(many=True, help_text="One rating for each competency of the round.")
    recommendation = serializers.ChoiceField(choices=Recommendation.choices)
    notes = TextField(max_length=20000, allow_blank=True, default="")
    veto = TrueFalseField(default=False, help_text="A veto ends the loop at once (rule 4).")
    veto_reason = TextField(max_length=5000, allow_blank=True, default="", help_text="Mandatory with a veto.")
    key_takeaways = TextField(max_length=20000, allow_blank=True, default="")
    private_note = TextField(
        max_length=20000,
        allow_blank=True,
        default="",
        help_text="To the recruiters only: never shown to the panel or the hiring manager, never in events.",
    )

    def validate_ratings(self, ratings):
        ids = [r["competency"] for r in ratings]
        if len(ids) != len(set(ids)):
            raise serializers.ValidationError(_("Rate each competency once."))
        return {r["competency"]: r["score"] for r in ratings}


class RatingReadSerializer(serializers.Serializer):
    competency_id = serializers.IntegerField()
    competency = serializers.CharField(help_text="The competency's name.")
    score = serializers.IntegerField()


class ScorecardSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    round_id = serializers.IntegerField()
    loop_id = serializers.IntegerField()
    revision = serializers.IntegerField()
    is_current = serializers.BooleanField(help_text="The latest submitted revision of its round.")
    author = PersonSerializer()
    recommendation = serializers.ChoiceField(choices=Recommendation.choices)
    notes = serializers.CharField()
    veto = serializers.BooleanField()
    veto_reason = serializers.CharField()
    key_takeaways = serializers.CharField()
    private_note = serializers.CharField(
        allow_null=True, help_text="Shown to recruiters and to its author; null for everyone else."
    )
    submitted_at = UTCDateTimeField()
    ratings = RatingReadSerializer(many=True)

    def _sees_private(self, scorecard) -> bool:
        request = self.context.get("request")
        return request is not None and may_read_private_note(request.user, scorecard)

    def to_representation(self, scorecard):
        return {
            "id": scorecard.pk,
            "round_id": scorecard.round_id,
            "loop_id": scorecard.round.loop_id,
            "revision": scorecard.revision,
            "is_current": scorecard.is_current,
            "author": {"id": scorecard.author_id, "name": person_name(scorecard.author)},
            "recommendation": scorecard.recommendation,
            "notes": scorecard.notes,
            "veto": scorecard.veto,
            "veto_reason": scorecard.veto_reason,
            "key_takeaways": scorecard.key_takeaways,
            "private_note": scorecard.private_note if self._sees_private(scorecard) else None,
            "submitted_at": iso(scorecard.submitted_at),
            "ratings": [
                {"competency_id": r.competency_id, "competency": r.competency.name, "score": r.score}
                for r in scorecard.ratings.all()
            ],
        }


# --- decisions ------------------------------------------------------------------


class DecisionWriteSerializer(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=Outcome.choices)
    rejection_reason = TextField(
        max_length=50,
        allow_blank=True,
        default="",
        help_text="Mandatory for a reject: the code of an active rejection reason (the recruiters' list); "
        "none for a hire.",
    )
    reason = TextField(max_length=5000, allow_blank=True, default="", help_text="Mandatory for a reject.")


class DecisionSerializer(serializers.ModelSerializer):
    decided_by = PersonSerializer()
    decided_at = UTCDateTimeField()
    rejection_reason = serializers.CharField(
        source="rejection_reason.code",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="The code of the reason from the list, for a reject; null for a hire.",
    )

    class Meta:
        model = Decision
        fields = ["id", "loop_id", "outcome", "decided_by", "rejection_reason", "reason", "decided_at"]


# --- the record -----------------------------------------------------------------


class EventSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=EventKind.choices)
    created_at = UTCDateTimeField()
    actor = PersonSerializer(allow_null=True, help_text="Null when the system did it.")
    candidate_id = serializers.IntegerField(allow_null=True)
    loop_id = serializers.IntegerField(allow_null=True)
    round_id = serializers.IntegerField(allow_null=True)
    reason = serializers.CharField()
    data = serializers.DictField(help_text="What changed; its keys depend on the kind.")
    redacted = serializers.BooleanField(
        help_text="True when the reason and data are hidden from you, as the object they describe is: "
        "other interviewers' feedback before your own is in (rule 5), a decision's or withdrawal's reason "
        "unless you manage the position, the recruiters' own records."
    )

    def to_representation(self, event):
        # Hidden unless the view's queryset said otherwise (selectors.events_visible_to).
        redacted = not getattr(event, "content_visible", False)
        actor = event.actor
        return {
            "id": event.pk,
            "kind": event.kind,
            "created_at": iso(event.created_at),
            "actor": None if actor is None else {"id": actor.pk, "name": person_name(actor)},
            "candidate_id": event.candidate_id,
            "loop_id": event.loop_id,
            "round_id": event.round_id,
            "reason": "" if redacted else event.reason,
            "data": {} if redacted else event.data,
            "redacted": redacted,
        }


# --- webhooks -------------------------------------------------------------------


class WebhookSubscriptionSerializer(serializers.ModelSerializer):
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventKind.choices), help_text="Empty means every event."
    )
    created_at = UTCDateTimeField()

    class Meta:
        model = WebhookSubscription
        fields = ["id", "url", "events", "is_active", "description", "created_at"]


class WebhookSubscriptionCreatedSerializer(WebhookSubscriptionSerializer):
    """The answer to a creation: the only time the signing secret is shown."""

    class Meta(WebhookSubscriptionSerializer.Meta):
        fields = [*WebhookSubscriptionSerializer.Meta.fields, "secret"]


class WebhookSubscriptionWriteSerializer(serializers.Serializer):
    url = URLTextField(max_length=500)
    events = serializers.ListField(
        child=serializers.ChoiceField(choices=EventKind.choices), default=list, help_text="Empty means every event."
    )
    secret = TextField(max_length=128, min_length=16, required=False, help_text="Generated when left out.")
    description = TextField(max_length=200, allow_blank=True, default="")


# --- rejection reasons, messages to candidates ------------------------------------------------


class RejectionReasonSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="What a reject's `rejection_reason` names (loops/{id}/decision/).")
    label = serializers.CharField(help_text="The recruiters' words for it.")
    order = serializers.IntegerField(help_text="Where the list shows it (the list is in this order).")


class MessageWriteSerializer(serializers.Serializer):
    """A template, or a subject and a body; the rules between them are the service's (400 naming the field)."""

    loop = WholeNumberField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        help_text="The candidate's loop the message is about (fills {position}, {next_interview}, "
        "{recruiter_name}); their newest loop when left out.",
    )
    template = WholeNumberField(
        min_value=1,
        max_value=2**63 - 1,
        required=False,
        help_text="An active message template (managed in the admin). Leave subject and body out with it.",
    )
    language = serializers.ChoiceField(
        choices=settings.LANGUAGES,
        required=False,
        help_text="With a template: the translation to send (it must have one); without: the candidate's "
        "language, English when the template has none. With free text: the language the placeholders "
        "are written in (default the candidate's).",
    )
    subject = TextField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="Free text, one line; placeholders allowed.",
    )
    body = TextField(
        max_length=10000,
        required=False,
        allow_blank=True,
        default="",
        trim_whitespace=False,
        help_text="Free text; placeholders such as {candidate_name} are filled for the candidate.",
    )


class MessageSerializer(serializers.Serializer):
    """An email the candidate was sent or is due to be sent: automatic (invitations, reminders,
    cancellations) or written by a recruiter (kind `message`)."""

    id = serializers.IntegerField()
    kind = serializers.ChoiceField(choices=ReminderKind.choices)
    written = serializers.BooleanField(help_text="True for a message a person wrote (kind `message`).")
    status = serializers.ChoiceField(choices=ReminderStatus.choices)
    subject = serializers.CharField()
    body = serializers.CharField(
        allow_null=True, help_text="What a person wrote; null for automatic emails (their links are the candidate's)."
    )
    language = serializers.CharField(allow_blank=True)
    loop_id = serializers.IntegerField(allow_null=True)
    template_id = serializers.IntegerField(allow_null=True)
    sent_by = PersonSerializer(allow_null=True, help_text="Who wrote it; null for automatic emails.")
    created_at = UTCDateTimeField()
    due_at = UTCDateTimeField(help_text="When it may go out (after the candidate's quiet hours for non-urgent ones).")
    sent_at = UTCDateTimeField(allow_null=True)
    attempts = serializers.IntegerField()

    def to_representation(self, reminder):
        from hiring import notifications

        payload = reminder.payload or {}
        written = reminder.kind == ReminderKind.MESSAGE
        try:
            subject = notifications.render(reminder)[0]
        except Exception:  # an old row whose payload no template reads any more: listed, not fatal
            subject = reminder.get_kind_display()
        sender_id = payload.get("sent_by_id")
        return {
            "id": reminder.pk,
            "kind": reminder.kind,
            "written": written,
            "status": reminder.status,
            "subject": subject,
            "body": str(payload.get("body", "")) if written else None,
            "language": str(payload.get("language") or ""),
            "loop_id": _loop_id(payload),
            "template_id": payload.get("template_id") if written else None,
            "sent_by": {"id": sender_id, "name": payload.get("sent_by", "")} if written and sender_id else None,
            "created_at": iso(reminder.created_at),
            "due_at": iso(reminder.due_at),
            "sent_at": iso(reminder.sent_at),
            "attempts": reminder.attempts,
        }


def _loop_id(payload: dict) -> int | None:
    loop_id = payload.get("loop_id")
    return loop_id if isinstance(loop_id, int) and not isinstance(loop_id, bool) else None
