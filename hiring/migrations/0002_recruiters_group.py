"""The Recruiters group, with the admin permissions a recruiter needs."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

# What recruiters may do in the admin. Events, scorecards and ratings are only
# viewed: they are written by the services, never edited by hand.
RECRUITER_PERMISSIONS = {
    "department": ["view", "add", "change"],
    "senioritylevel": ["view", "add", "change"],
    "interviewer": ["view", "add", "change"],
    "competency": ["view", "add", "change"],
    "loopplan": ["view", "add", "change"],
    "roundtemplate": ["view", "add", "change", "delete"],
    "position": ["view", "add", "change"],
    "candidate": ["view", "add", "change"],
    "loop": ["view", "add", "change"],
    "round": ["view", "add", "change"],
    "scorecard": ["view"],
    "rating": ["view"],
    "decision": ["view", "add"],
    "event": ["view"],
    "reminder": ["view", "change"],
    "apitoken": ["view"],
    "webhooksubscription": ["view"],
    "webhookdelivery": ["view"],
    "webhookattempt": ["view"],
}


def create_group(apps, schema_editor):
    # Permissions are normally made after all migrations; make them now so the
    # group can hold them on a fresh database.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name="Recruiters")
    codenames = [f"{action}_{model}" for model, actions in RECRUITER_PERMISSIONS.items() for action in actions]
    permissions = Permission.objects.filter(content_type__app_label="hiring", codename__in=codenames)
    group.permissions.set(permissions)
    extra = Permission.objects.filter(content_type__app_label="auth", codename__in=["view_user"])
    group.permissions.add(*extra)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name="Recruiters").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("hiring", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_group, remove_group)]
