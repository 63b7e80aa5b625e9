"""Operations (issue 8): the Heartbeat table (when the reminder sweep last ran), and
recruiters may retry a failed webhook delivery from the admin (they could only view it)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations, models


def let_recruiters_retry_deliveries(apps, schema_editor):
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(
        content_type__app_label="hiring", codename="change_webhookdelivery"
    ).first()
    for group in Group.objects.filter(name="Recruiters"):
        group.permissions.add(permission)


def undo(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    permission = Permission.objects.filter(
        content_type__app_label="hiring", codename="change_webhookdelivery"
    ).first()
    for group in Group.objects.filter(name="Recruiters"):
        group.permissions.remove(permission)


class Migration(migrations.Migration):
    dependencies = [
        ("hiring", "0009_names_refuse_hidden_characters"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.CreateModel(
            name="Heartbeat",
            fields=[
                ("name", models.CharField(max_length=50, primary_key=True, serialize=False)),
                ("at", models.DateTimeField()),
            ],
        ),
        migrations.RunPython(let_recruiters_retry_deliveries, undo),
    ]
