"""Candidate privacy (issue 11): Candidate.erased_at, the retention index, the erase and
export permissions (given to the Recruiters group), and the new event kinds."""

from django.contrib.auth.management import create_permissions
from django.db import migrations, models

PRIVACY_PERMISSIONS = ["erase_candidate", "export_candidate"]


def grant_recruiters(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now so the
    # group can hold them on a fresh database (as 0002 does).
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Recruiters")
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label="hiring", codename__in=PRIVACY_PERMISSIONS)
    )


def revoke_recruiters(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    group = apps.get_model("auth", "Group").objects.filter(name="Recruiters").first()
    if group is not None:
        group.permissions.remove(
            *Permission.objects.filter(content_type__app_label="hiring", codename__in=PRIVACY_PERMISSIONS)
        )


class Migration(migrations.Migration):

    dependencies = [
        ("hiring", "0011_admin_list_indexes"),
        ('auth', '0012_alter_user_first_name_max_length'),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='candidate',
            options={'ordering': ['-created_at'], 'permissions': [('erase_candidate', "Can erase a candidate's personal data"), ('export_candidate', "Can export a candidate's personal data")]},
        ),
        migrations.AddField(
            model_name='candidate',
            name='erased_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AlterField(
            model_name='event',
            name='kind',
            field=models.CharField(choices=[('candidate.created', 'Candidate Created'), ('candidate.updated', 'Candidate Updated'), ('loop.created', 'Loop Created'), ('loop.scheduled', 'Loop Scheduled'), ('loop.status_changed', 'Loop Status Changed'), ('round.added', 'Round Added'), ('round.scheduled', 'Round Scheduled'), ('round.rescheduled', 'Round Rescheduled'), ('round.cancelled', 'Round Cancelled'), ('round.held', 'Round Held'), ('round.no_show', 'Round No Show'), ('scorecard.submitted', 'Scorecard Submitted'), ('scorecard.amended', 'Scorecard Amended'), ('loop.vetoed', 'Loop Vetoed'), ('loop.decided', 'Loop Decided'), ('candidate.withdrawn', 'Candidate Withdrawn'), ('reminder.resent', 'Reminder Resent'), ('candidate.erased', 'Candidate Erased'), ('candidate.exported', 'Candidate Exported'), ('user.deactivated', 'User Deactivated')], max_length=40),
        ),
        migrations.AddIndex(
            model_name='candidate',
            index=models.Index(condition=models.Q(('erased_at__isnull', True)), fields=['created_at', 'id'], name='candidate_retention_idx'),
        ),
        migrations.RunPython(grant_recruiters, revoke_recruiters),
    ]
