"""Languages come from settings.LANGUAGES (issue 10): a UI language for every
person, and the old twelve codes mapped onto the new list."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

import hiring.models

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
        ("hiring", "0014_round_booking_constraints"),
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
        migrations.RunPython(forwards, backwards),
    ]
