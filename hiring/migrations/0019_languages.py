"""Languages come from settings.LANGUAGES (issue 10): a UI language for every
person, and the old twelve codes mapped onto the new list."""

import datetime

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import hiring.models
import hiring.validators

# Old code -> new code; a language no longer offered falls back to English for a
# candidate's mail and is dropped from the languages an interviewer speaks.
RENAMED = {"pt": "pt-br", "zh": "zh-hans"}
DROPPED = {"it", "nl", "pl", "hi"}


def forwards(apps, schema_editor):
    Candidate = apps.get_model("hiring", "Candidate")
    Interviewer = apps.get_model("hiring", "Interviewer")
    for old, new in RENAMED.items():
        Candidate.objects.filter(preferred_language=old).update(preferred_language=new)
    Candidate.objects.filter(preferred_language__in=DROPPED).update(preferred_language="en")
    for interviewer in Interviewer.objects.exclude(languages=[]).only("id", "languages").iterator():
        codes = []
        for code in interviewer.languages:
            code = RENAMED.get(code, code)
            if code not in DROPPED and code not in codes:
                codes.append(code)
        if codes != interviewer.languages:
            Interviewer.objects.filter(pk=interviewer.pk).update(languages=codes)


def backwards(apps, schema_editor):
    Candidate = apps.get_model("hiring", "Candidate")
    for old, new in RENAMED.items():
        Candidate.objects.filter(preferred_language=new).update(preferred_language=old)


class Migration(migrations.Migration):
    dependencies = [
        ("hiring", "0018_messaging"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterField(
            model_name="candidate",
            name="preferred_language",
            field=models.CharField(choices=hiring.models.language_choices, default="en", max_length=10),
        ),
        migrations.AddField(
            model_name="interviewer",
            name="ui_language",
            field=models.CharField(
                blank=True,
                choices=hiring.models.language_choices,
                default="",
                max_length=10,
                verbose_name="interface language",
            ),
        ),
        # Named for translation (the admin's column headings).
        migrations.AlterField(
            model_name="position",
            name="hiring_manager",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="hiring manager",
            ),
        ),
        migrations.AlterField(
            model_name="position",
            name="recruiter",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="recruiter",
            ),
        ),
        # Models named for translation (the admin's headings and sidebar).
        migrations.AlterModelOptions(
            name="apitoken",
            options={"verbose_name": "API token", "verbose_name_plural": "API tokens"},
        ),
        migrations.AlterModelOptions(
            name="candidate",
            options={
                "ordering": ["-created_at"],
                "permissions": [
                    ("erase_candidate", "Can erase a candidate's personal data"),
                    ("export_candidate", "Can export a candidate's personal data"),
                ],
                "verbose_name": "candidate",
                "verbose_name_plural": "candidates",
            },
        ),
        migrations.AlterModelOptions(
            name="competency",
            options={"ordering": ["name"], "verbose_name": "competency", "verbose_name_plural": "competencies"},
        ),
        migrations.AlterModelOptions(
            name="decision",
            options={"verbose_name": "decision", "verbose_name_plural": "decisions"},
        ),
        migrations.AlterModelOptions(
            name="department",
            options={"ordering": ["name"], "verbose_name": "department", "verbose_name_plural": "departments"},
        ),
        migrations.AlterModelOptions(
            name="event",
            options={"ordering": ["created_at", "id"], "verbose_name": "event", "verbose_name_plural": "events"},
        ),
        migrations.AlterModelOptions(
            name="interviewer",
            options={
                "ordering": ["user__first_name", "user__last_name"],
                "verbose_name": "interviewer",
                "verbose_name_plural": "interviewers",
            },
        ),
        migrations.AlterModelOptions(
            name="loop",
            options={"ordering": ["-created_at"], "verbose_name": "loop", "verbose_name_plural": "loops"},
        ),
        migrations.AlterModelOptions(
            name="loopplan",
            options={"ordering": ["name"], "verbose_name": "loop plan", "verbose_name_plural": "loop plans"},
        ),
        migrations.AlterModelOptions(
            name="position",
            options={"ordering": ["title"], "verbose_name": "position", "verbose_name_plural": "positions"},
        ),
        migrations.AlterModelOptions(
            name="rating",
            options={
                "ordering": ["scorecard", "competency__name"],
                "verbose_name": "rating",
                "verbose_name_plural": "ratings",
            },
        ),
        migrations.AlterModelOptions(
            name="reminder",
            options={"ordering": ["due_at"], "verbose_name": "reminder", "verbose_name_plural": "reminders"},
        ),
        migrations.AlterModelOptions(
            name="round",
            options={"ordering": ["loop", "order"], "verbose_name": "round", "verbose_name_plural": "rounds"},
        ),
        migrations.AlterModelOptions(
            name="roundtemplate",
            options={
                "ordering": ["plan", "order"],
                "verbose_name": "round template",
                "verbose_name_plural": "round templates",
            },
        ),
        migrations.AlterModelOptions(
            name="scorecard",
            options={
                "ordering": ["round", "revision"],
                "verbose_name": "scorecard",
                "verbose_name_plural": "scorecards",
            },
        ),
        migrations.AlterModelOptions(
            name="senioritylevel",
            options={
                "ordering": ["rank"],
                "verbose_name": "seniority level",
                "verbose_name_plural": "seniority levels",
            },
        ),
        migrations.AlterModelOptions(
            name="webhookattempt",
            options={
                "ordering": ["attempted_at"],
                "verbose_name": "webhook attempt",
                "verbose_name_plural": "webhook attempts",
            },
        ),
        migrations.AlterModelOptions(
            name="webhookdelivery",
            options={"verbose_name": "webhook delivery", "verbose_name_plural": "webhook deliveries"},
        ),
        migrations.AlterModelOptions(
            name="webhooksubscription",
            options={"verbose_name": "webhook subscription", "verbose_name_plural": "webhook subscriptions"},
        ),
        # Fields named for translation (the admin's labels and column headings); no SQL.
        migrations.AlterField(
            model_name="apitoken",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="expires at"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="key_hash",
            field=models.CharField(max_length=64, unique=True, verbose_name="key hash"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="last_used_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="last used at"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="name",
            field=models.CharField(max_length=100, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="prefix",
            field=models.CharField(
                db_index=True, help_text="The first characters, to recognise it.", max_length=12, verbose_name="prefix"
            ),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="revoked at"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="scopes",
            field=models.JSONField(blank=True, default=list, verbose_name="scopes"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="api_tokens",
                to=settings.AUTH_USER_MODEL,
                verbose_name="user",
            ),
        ),
        migrations.AlterField(
            model_name="candidate",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="candidate",
            name="email",
            field=models.EmailField(
                max_length=254, validators=[hiring.validators.validate_email_text], verbose_name="email"
            ),
        ),
        migrations.AlterField(
            model_name="candidate",
            name="erased_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="erased at"),
        ),
        migrations.AlterField(
            model_name="candidate",
            name="full_name",
            field=models.CharField(
                max_length=200, validators=[hiring.validators.validate_person_name], verbose_name="full name"
            ),
        ),
        migrations.AlterField(
            model_name="candidate",
            name="preferred_language",
            field=models.CharField(
                choices=hiring.models.language_choices, default="en", max_length=10, verbose_name="preferred language"
            ),
        ),
        migrations.AlterField(
            model_name="candidate",
            name="source",
            field=models.CharField(
                blank=True, help_text="Referral, careers site, agency ...", max_length=100, verbose_name="source"
            ),
        ),
        migrations.AlterField(
            model_name="candidate",
            name="time_zone",
            field=hiring.models.TimeZoneField(
                max_length=64, validators=[hiring.validators.validate_time_zone], verbose_name="time zone"
            ),
        ),
        migrations.AlterField(
            model_name="candidate",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, db_index=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="competency",
            name="description",
            field=models.TextField(blank=True, verbose_name="description"),
        ),
        migrations.AlterField(
            model_name="competency",
            name="guide",
            field=models.TextField(
                blank=True, help_text="What to look for; shown beside the rating scale.", verbose_name="guide"
            ),
        ),
        migrations.AlterField(
            model_name="competency",
            name="name",
            field=models.CharField(max_length=100, unique=True, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="decision",
            name="decided_at",
            field=models.DateTimeField(verbose_name="decided at"),
        ),
        migrations.AlterField(
            model_name="decision",
            name="decided_by",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="decided by",
            ),
        ),
        migrations.AlterField(
            model_name="decision",
            name="loop",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="decision",
                to="hiring.loop",
                verbose_name="loop",
            ),
        ),
        migrations.AlterField(
            model_name="decision",
            name="outcome",
            field=models.CharField(
                choices=[("hire", "Hire"), ("reject", "Reject")], max_length=10, verbose_name="outcome"
            ),
        ),
        migrations.AlterField(
            model_name="decision",
            name="reason",
            field=models.TextField(blank=True, verbose_name="reason"),
        ),
        migrations.AlterField(
            model_name="department",
            name="name",
            field=models.CharField(max_length=100, unique=True, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="event",
            name="actor",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="actor",
            ),
        ),
        migrations.AlterField(
            model_name="event",
            name="candidate",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="events",
                to="hiring.candidate",
                verbose_name="candidate",
            ),
        ),
        migrations.AlterField(
            model_name="event",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, db_index=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="event",
            name="data",
            field=models.JSONField(blank=True, default=dict, verbose_name="data"),
        ),
        migrations.AlterField(
            model_name="event",
            name="kind",
            field=models.CharField(
                choices=[
                    ("candidate.created", "Candidate Created"),
                    ("candidate.updated", "Candidate Updated"),
                    ("loop.created", "Loop Created"),
                    ("loop.scheduled", "Loop Scheduled"),
                    ("loop.status_changed", "Loop Status Changed"),
                    ("round.added", "Round Added"),
                    ("round.scheduled", "Round Scheduled"),
                    ("round.rescheduled", "Round Rescheduled"),
                    ("round.cancelled", "Round Cancelled"),
                    ("round.held", "Round Held"),
                    ("round.no_show", "Round No Show"),
                    ("scorecard.submitted", "Scorecard Submitted"),
                    ("scorecard.amended", "Scorecard Amended"),
                    ("loop.vetoed", "Loop Vetoed"),
                    ("loop.decided", "Loop Decided"),
                    ("candidate.withdrawn", "Candidate Withdrawn"),
                    ("reminder.resent", "Reminder Resent"),
                    ("candidate.erased", "Candidate Erased"),
                    ("candidate.exported", "Candidate Exported"),
                    ("user.deactivated", "User Deactivated"),
                ],
                max_length=40,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="event",
            name="loop",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="events",
                to="hiring.loop",
                verbose_name="loop",
            ),
        ),
        migrations.AlterField(
            model_name="event",
            name="reason",
            field=models.TextField(blank=True, verbose_name="reason"),
        ),
        migrations.AlterField(
            model_name="event",
            name="round",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="events",
                to="hiring.round",
                verbose_name="round",
            ),
        ),
        migrations.AlterField(
            model_name="heartbeat",
            name="at",
            field=models.DateTimeField(verbose_name="at"),
        ),
        migrations.AlterField(
            model_name="heartbeat",
            name="name",
            field=models.CharField(max_length=50, primary_key=True, serialize=False, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="interviewer",
            name="department",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="interviewers",
                to="hiring.department",
                verbose_name="department",
            ),
        ),
        migrations.AlterField(
            model_name="interviewer",
            name="languages",
            field=models.JSONField(
                blank=True, default=list, validators=[hiring.models.validate_languages], verbose_name="languages"
            ),
        ),
        migrations.AlterField(
            model_name="interviewer",
            name="level",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="interviewers",
                to="hiring.senioritylevel",
                verbose_name="level",
            ),
        ),
        migrations.AlterField(
            model_name="interviewer",
            name="time_zone",
            field=hiring.models.TimeZoneField(
                max_length=64, validators=[hiring.validators.validate_time_zone], verbose_name="time zone"
            ),
        ),
        migrations.AlterField(
            model_name="interviewer",
            name="user",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="interviewer",
                to=settings.AUTH_USER_MODEL,
                verbose_name="user",
            ),
        ),
        migrations.AlterField(
            model_name="interviewer",
            name="work_days",
            field=models.CharField(
                default="12345", max_length=7, validators=[hiring.models.validate_work_days], verbose_name="work days"
            ),
        ),
        migrations.AlterField(
            model_name="interviewer",
            name="work_end",
            field=models.TimeField(default=datetime.time(17, 30), verbose_name="work end"),
        ),
        migrations.AlterField(
            model_name="interviewer",
            name="work_start",
            field=models.TimeField(default=datetime.time(9, 0), verbose_name="work start"),
        ),
        migrations.AlterField(
            model_name="loop",
            name="candidate",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="loops",
                to="hiring.candidate",
                verbose_name="candidate",
            ),
        ),
        migrations.AlterField(
            model_name="loop",
            name="closed_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="closed at"),
        ),
        migrations.AlterField(
            model_name="loop",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="loop",
            name="feedback_due_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="feedback due at"),
        ),
        migrations.AlterField(
            model_name="loop",
            name="position",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="loops",
                to="hiring.position",
                verbose_name="position",
            ),
        ),
        migrations.AlterField(
            model_name="loop",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("scheduled", "Scheduled"),
                    ("in_progress", "In progress"),
                    ("awaiting_decision", "Awaiting decision"),
                    ("hired", "Hired"),
                    ("rejected", "Rejected"),
                    ("withdrawn", "Withdrawn"),
                ],
                default="draft",
                max_length=20,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="loop",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="loop",
            name="veto_scorecard",
            field=models.OneToOneField(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="vetoed_loop",
                to="hiring.scorecard",
                verbose_name="veto scorecard",
            ),
        ),
        migrations.AlterField(
            model_name="loopplan",
            name="description",
            field=models.TextField(blank=True, verbose_name="description"),
        ),
        migrations.AlterField(
            model_name="loopplan",
            name="name",
            field=models.CharField(max_length=120, unique=True, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="position",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="position",
            name="department",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="positions",
                to="hiring.department",
                verbose_name="department",
            ),
        ),
        migrations.AlterField(
            model_name="position",
            name="is_open",
            field=models.BooleanField(default=True, verbose_name="is open"),
        ),
        migrations.AlterField(
            model_name="position",
            name="loop_plan",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="positions",
                to="hiring.loopplan",
                verbose_name="loop plan",
            ),
        ),
        migrations.AlterField(
            model_name="position",
            name="min_rounds",
            field=models.PositiveSmallIntegerField(
                default=5,
                help_text="A position may ask for more rounds than the company floor, never fewer.",
                verbose_name="min rounds",
            ),
        ),
        migrations.AlterField(
            model_name="position",
            name="title",
            field=models.CharField(max_length=150, verbose_name="title"),
        ),
        migrations.AlterField(
            model_name="rating",
            name="competency",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="hiring.competency",
                verbose_name="competency",
            ),
        ),
        migrations.AlterField(
            model_name="rating",
            name="score",
            field=models.PositiveSmallIntegerField(
                choices=[
                    (1, "Well below the bar: clear evidence against"),
                    (2, "Below the bar: not enough evidence"),
                    (3, "Meets the bar: solid evidence"),
                    (4, "Raises the bar: exceptional evidence"),
                ],
                verbose_name="score",
            ),
        ),
        migrations.AlterField(
            model_name="rating",
            name="scorecard",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="ratings",
                to="hiring.scorecard",
                verbose_name="scorecard",
            ),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="attempts"),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="claim_token",
            field=models.CharField(blank=True, max_length=32, verbose_name="claim token"),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="claimed_until",
            field=models.DateTimeField(blank=True, null=True, verbose_name="claimed until"),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="due_at",
            field=models.DateTimeField(
                help_text="When it may go out, UTC, after quiet hours are applied.", verbose_name="due at"
            ),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="email",
            field=models.EmailField(max_length=254, verbose_name="email"),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="key",
            field=models.CharField(
                help_text="Makes the same reminder impossible to create twice.",
                max_length=200,
                unique=True,
                verbose_name="key",
            ),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="kind",
            field=models.CharField(
                choices=[
                    ("invitation", "Invitation"),
                    ("update", "Update (rescheduled)"),
                    ("cancellation", "Cancellation"),
                    ("before_24h", "24 h before"),
                    ("before_1h", "1 h before"),
                    ("feedback_due", "Feedback due"),
                    ("feedback_overdue", "Feedback overdue"),
                    ("escalation", "Escalation to recruiter"),
                    ("veto_notice", "Veto notice"),
                ],
                max_length=20,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="last_error",
            field=models.TextField(blank=True, verbose_name="last error"),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="payload",
            field=models.JSONField(blank=True, default=dict, verbose_name="payload"),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="recipient_candidate",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="reminders",
                to="hiring.candidate",
                verbose_name="recipient candidate",
            ),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="recipient_user",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="recipient user",
            ),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="round",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="reminders",
                to="hiring.round",
                verbose_name="round",
            ),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="sent_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="sent at"),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("claimed", "Being sent"),
                    ("sent", "Sent"),
                    ("failed", "Failed"),
                    ("withdrawn", "Withdrawn"),
                ],
                default="pending",
                max_length=12,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="time_zone",
            field=hiring.models.TimeZoneField(
                max_length=64, validators=[hiring.validators.validate_time_zone], verbose_name="time zone"
            ),
        ),
        migrations.AlterField(
            model_name="reminder",
            name="urgent",
            field=models.BooleanField(default=False, verbose_name="urgent"),
        ),
        migrations.AlterField(
            model_name="round",
            name="booked_until",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="booked until"),
        ),
        migrations.AlterField(
            model_name="round",
            name="candidate",
            field=models.ForeignKey(
                blank=True,
                editable=False,
                null=True,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="+",
                to="hiring.candidate",
                verbose_name="candidate",
            ),
        ),
        migrations.AlterField(
            model_name="round",
            name="candidate_free_at",
            field=models.DateTimeField(blank=True, editable=False, null=True, verbose_name="candidate free at"),
        ),
        migrations.AlterField(
            model_name="round",
            name="competencies",
            field=models.ManyToManyField(
                blank=True, related_name="+", to="hiring.competency", verbose_name="competencies"
            ),
        ),
        migrations.AlterField(
            model_name="round",
            name="duration_minutes",
            field=models.PositiveSmallIntegerField(default=60, verbose_name="duration minutes"),
        ),
        migrations.AlterField(
            model_name="round",
            name="feedback_due_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="feedback due at"),
        ),
        migrations.AlterField(
            model_name="round",
            name="interviewer",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="rounds",
                to="hiring.interviewer",
                verbose_name="interviewer",
            ),
        ),
        migrations.AlterField(
            model_name="round",
            name="kind",
            field=models.CharField(
                choices=[
                    ("screen", "Screen"),
                    ("technical", "Technical"),
                    ("system_design", "System design"),
                    ("culture", "Culture and values"),
                    ("hiring_manager", "Hiring manager"),
                    ("bar_raiser", "Bar raiser"),
                    ("other", "Other"),
                ],
                max_length=20,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="round",
            name="loop",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="rounds",
                to="hiring.loop",
                verbose_name="loop",
            ),
        ),
        migrations.AlterField(
            model_name="round",
            name="order",
            field=models.PositiveSmallIntegerField(verbose_name="order"),
        ),
        migrations.AlterField(
            model_name="round",
            name="sequence",
            field=models.PositiveIntegerField(default=0, verbose_name="sequence"),
        ),
        migrations.AlterField(
            model_name="round",
            name="starts_at",
            field=models.DateTimeField(blank=True, help_text="Stored in UTC.", null=True, verbose_name="starts at"),
        ),
        migrations.AlterField(
            model_name="round",
            name="status",
            field=models.CharField(
                choices=[
                    ("planned", "Planned"),
                    ("scheduled", "Scheduled"),
                    ("held", "Held"),
                    ("submitted", "Scorecard in"),
                    ("cancelled", "Cancelled"),
                    ("no_show", "No-show"),
                ],
                default="planned",
                max_length=20,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="round",
            name="title",
            field=models.CharField(blank=True, max_length=120, verbose_name="title"),
        ),
        migrations.AlterField(
            model_name="round",
            name="updated_at",
            field=models.DateTimeField(auto_now=True, verbose_name="updated at"),
        ),
        migrations.AlterField(
            model_name="roundtemplate",
            name="competencies",
            field=models.ManyToManyField(
                blank=True, related_name="+", to="hiring.competency", verbose_name="competencies"
            ),
        ),
        migrations.AlterField(
            model_name="roundtemplate",
            name="duration_minutes",
            field=models.PositiveSmallIntegerField(default=60, verbose_name="duration minutes"),
        ),
        migrations.AlterField(
            model_name="roundtemplate",
            name="kind",
            field=models.CharField(
                choices=[
                    ("screen", "Screen"),
                    ("technical", "Technical"),
                    ("system_design", "System design"),
                    ("culture", "Culture and values"),
                    ("hiring_manager", "Hiring manager"),
                    ("bar_raiser", "Bar raiser"),
                    ("other", "Other"),
                ],
                max_length=20,
                verbose_name="kind",
            ),
        ),
        migrations.AlterField(
            model_name="roundtemplate",
            name="order",
            field=models.PositiveSmallIntegerField(verbose_name="order"),
        ),
        migrations.AlterField(
            model_name="roundtemplate",
            name="plan",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="rounds",
                to="hiring.loopplan",
                verbose_name="plan",
            ),
        ),
        migrations.AlterField(
            model_name="roundtemplate",
            name="title",
            field=models.CharField(blank=True, max_length=120, verbose_name="title"),
        ),
        migrations.AlterField(
            model_name="scorecard",
            name="author",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="author",
            ),
        ),
        migrations.AlterField(
            model_name="scorecard",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="scorecard",
            name="is_current",
            field=models.BooleanField(
                default=False, help_text="The latest submitted revision of the round.", verbose_name="is current"
            ),
        ),
        migrations.AlterField(
            model_name="scorecard",
            name="notes",
            field=models.TextField(blank=True, verbose_name="notes"),
        ),
        migrations.AlterField(
            model_name="scorecard",
            name="recommendation",
            field=models.CharField(
                blank=True,
                choices=[("strong_no", "Strong no"), ("no", "No"), ("yes", "Yes"), ("strong_yes", "Strong yes")],
                max_length=12,
                verbose_name="recommendation",
            ),
        ),
        migrations.AlterField(
            model_name="scorecard",
            name="revision",
            field=models.PositiveSmallIntegerField(verbose_name="revision"),
        ),
        migrations.AlterField(
            model_name="scorecard",
            name="round",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="scorecards",
                to="hiring.round",
                verbose_name="round",
            ),
        ),
        migrations.AlterField(
            model_name="scorecard",
            name="submitted_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="submitted at"),
        ),
        migrations.AlterField(
            model_name="scorecard",
            name="veto",
            field=models.BooleanField(default=False, verbose_name="veto"),
        ),
        migrations.AlterField(
            model_name="scorecard",
            name="veto_reason",
            field=models.TextField(blank=True, verbose_name="veto reason"),
        ),
        migrations.AlterField(
            model_name="senioritylevel",
            name="name",
            field=models.CharField(max_length=50, unique=True, verbose_name="name"),
        ),
        migrations.AlterField(
            model_name="senioritylevel",
            name="rank",
            field=models.PositiveSmallIntegerField(
                help_text="Higher is more senior.", unique=True, verbose_name="rank"
            ),
        ),
        migrations.AlterField(
            model_name="ssoidentity",
            name="email",
            field=models.EmailField(
                help_text="The verified email it was linked by.", max_length=254, verbose_name="email"
            ),
        ),
        migrations.AlterField(
            model_name="ssoidentity",
            name="issuer",
            field=models.CharField(max_length=255, verbose_name="issuer"),
        ),
        migrations.AlterField(
            model_name="ssoidentity",
            name="last_sign_in_at",
            field=models.DateTimeField(verbose_name="last sign in at"),
        ),
        migrations.AlterField(
            model_name="ssoidentity",
            name="linked_at",
            field=models.DateTimeField(verbose_name="linked at"),
        ),
        migrations.AlterField(
            model_name="ssoidentity",
            name="subject",
            field=models.CharField(max_length=255, verbose_name="subject"),
        ),
        migrations.AlterField(
            model_name="ssoidentity",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="sso_identities",
                to=settings.AUTH_USER_MODEL,
                verbose_name="user",
            ),
        ),
        migrations.AlterField(
            model_name="webhookattempt",
            name="attempted_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="attempted at"),
        ),
        migrations.AlterField(
            model_name="webhookattempt",
            name="delivery",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="attempt_log",
                to="hiring.webhookdelivery",
                verbose_name="delivery",
            ),
        ),
        migrations.AlterField(
            model_name="webhookattempt",
            name="duration_ms",
            field=models.PositiveIntegerField(default=0, verbose_name="duration ms"),
        ),
        migrations.AlterField(
            model_name="webhookattempt",
            name="error",
            field=models.TextField(blank=True, verbose_name="error"),
        ),
        migrations.AlterField(
            model_name="webhookattempt",
            name="status_code",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="status code"),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="attempts",
            field=models.PositiveSmallIntegerField(default=0, verbose_name="attempts"),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="claim_token",
            field=models.CharField(blank=True, max_length=32, verbose_name="claim token"),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="claimed_until",
            field=models.DateTimeField(blank=True, null=True, verbose_name="claimed until"),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="delivered_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="delivered at"),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="event",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.PROTECT,
                related_name="deliveries",
                to="hiring.event",
                verbose_name="event",
            ),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="last_error",
            field=models.TextField(blank=True, verbose_name="last error"),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="last_status_code",
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name="last status code"),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="next_attempt_at",
            field=models.DateTimeField(verbose_name="next attempt at"),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="status",
            field=models.CharField(
                choices=[
                    ("pending", "Pending"),
                    ("claimed", "Being delivered"),
                    ("delivered", "Delivered"),
                    ("failed", "Gave up"),
                ],
                default="pending",
                max_length=12,
                verbose_name="status",
            ),
        ),
        migrations.AlterField(
            model_name="webhookdelivery",
            name="subscription",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="deliveries",
                to="hiring.webhooksubscription",
                verbose_name="subscription",
            ),
        ),
        migrations.AlterField(
            model_name="webhooksubscription",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="created at"),
        ),
        migrations.AlterField(
            model_name="webhooksubscription",
            name="created_by",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.SET_NULL,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
                verbose_name="created by",
            ),
        ),
        migrations.AlterField(
            model_name="webhooksubscription",
            name="description",
            field=models.CharField(blank=True, max_length=200, verbose_name="description"),
        ),
        migrations.AlterField(
            model_name="webhooksubscription",
            name="events",
            field=models.JSONField(
                default=list, help_text="Event kinds to send; empty means all.", verbose_name="events"
            ),
        ),
        migrations.AlterField(
            model_name="webhooksubscription",
            name="is_active",
            field=models.BooleanField(default=True, verbose_name="is active"),
        ),
        migrations.AlterField(
            model_name="webhooksubscription",
            name="secret",
            field=models.CharField(max_length=128, verbose_name="secret"),
        ),
        migrations.AlterField(
            model_name="webhooksubscription",
            name="url",
            field=models.URLField(max_length=500, verbose_name="url"),
        ),
        migrations.RunPython(forwards, backwards),
    ]
