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
    dependencies = [("hiring", "0014_round_booking_constraints"), migrations.swappable_dependency(settings.AUTH_USER_MODEL)]

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
        migrations.RunPython(forwards, backwards),
    ]
