"""Talking to candidates and counting rejections (issue 12): message templates per
language, the rejection reasons list (with a starting list), a decision's reason,
the reminder kind "message", the candidate timeline's index, and the recruiters'
permissions on the new reference data."""

from django.contrib.auth.management import create_permissions
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

RECRUITER_PERMISSIONS = [
    f"{action}_{model}"
    for model in ("messagetemplate", "messagetemplatetranslation", "rejectionreason")
    for action in ("view", "add", "change", "delete")
]

# A starting list; recruiters edit it in the admin (codes stay stable for the API and reports).
REASONS = [
    ("skills", "Skills below the bar"),
    ("experience", "Not enough relevant experience"),
    ("communication", "Communication"),
    ("values", "Values and collaboration"),
    ("compensation", "Compensation expectations"),
    ("candidate_declined", "The candidate declined"),
    ("position_filled", "Position filled or closed"),
    ("other", "Other (say why)"),
]


def forwards(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Recruiters")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="hiring", codename__in=RECRUITER_PERMISSIONS)
    )
    RejectionReason = apps.get_model("hiring", "RejectionReason")
    for order, (code, label) in enumerate(REASONS, start=1):
        RejectionReason.objects.get_or_create(code=code, defaults={"label": label, "order": order * 10})


def backwards(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    group = apps.get_model("auth", "Group").objects.filter(name="Recruiters").first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="hiring", codename__in=RECRUITER_PERMISSIONS)
        )


class Migration(migrations.Migration):
    dependencies = [
        ("hiring", "0017_materials"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.CreateModel(
            name="MessageTemplate",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("name", models.CharField(max_length=120, unique=True)),
                ("is_active", models.BooleanField(default=True)),
                ("created_at", models.DateTimeField(auto_now_add=True)),
            ],
            options={
                "ordering": ["name"],
            },
        ),
        migrations.CreateModel(
            name="MessageTemplateTranslation",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                (
                    "language",
                    models.CharField(
                        choices=[
                            ("en", "English"),
                            ("es", "Spanish"),
                            ("pt", "Portuguese"),
                            ("fr", "French"),
                            ("de", "German"),
                            ("it", "Italian"),
                            ("nl", "Dutch"),
                            ("pl", "Polish"),
                            ("ja", "Japanese"),
                            ("zh", "Chinese"),
                            ("hi", "Hindi"),
                            ("ar", "Arabic"),
                        ],
                        max_length=5,
                    ),
                ),
                ("subject", models.CharField(max_length=200)),
                ("body", models.TextField(max_length=10000)),
            ],
            options={
                "ordering": ["template", "language"],
            },
        ),
        migrations.CreateModel(
            name="RejectionReason",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("code", models.SlugField(help_text="A stable code for the API and reports.", unique=True)),
                ("label", models.CharField(max_length=120)),
                ("is_active", models.BooleanField(default=True)),
                ("order", models.PositiveSmallIntegerField(default=0)),
            ],
            options={
                "ordering": ["order", "label"],
            },
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
                    ("message.sent", "Message Sent"),
                ],
                max_length=40,
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
                    ("message", "Message"),
                ],
                max_length=20,
            ),
        ),
        migrations.AddIndex(
            model_name="reminder",
            index=models.Index(
                condition=models.Q(("recipient_candidate__isnull", False)),
                fields=["recipient_candidate", "-created_at", "-id"],
                name="reminder_candidate_timeline",
            ),
        ),
        migrations.AddField(
            model_name="messagetemplatetranslation",
            name="template",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE, related_name="translations", to="hiring.messagetemplate"
            ),
        ),
        migrations.AddField(
            model_name="decision",
            name="rejection_reason",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="decisions",
                to="hiring.rejectionreason",
            ),
        ),
        migrations.AddConstraint(
            model_name="decision",
            constraint=models.CheckConstraint(
                condition=models.Q(("outcome", "reject"), ("rejection_reason__isnull", True), _connector="OR"),
                name="decision_reason_only_on_reject",
            ),
        ),
        migrations.AddConstraint(
            model_name="messagetemplatetranslation",
            constraint=models.UniqueConstraint(
                fields=("template", "language"), name="message_translation_once_per_language"
            ),
        ),
        migrations.RunPython(forwards, backwards),
    ]
