"""Rule 10 in the database: no interviewer and no candidate in two rounds at once.

Adds the booking copies the services keep on each round (its candidate, its end, and
its end plus the candidate's minimum gap), fills them for rounds already booked, and on
PostgreSQL adds two exclusion constraints over those time ranges (btree_gist). SQLite,
the embedded default, has no exclusion constraints: there the services' checks hold the
rule alone. The constraints are raw SQL run only on PostgreSQL, so they are not part of
the model state and makemigrations stays clean on both databases.
"""

import datetime as dt

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

BOOKED = ("scheduled", "held", "submitted")

CONSTRAINTS = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE hiring_round ADD CONSTRAINT round_interviewer_not_double_booked
    EXCLUDE USING gist (interviewer_id WITH =, tstzrange(starts_at, booked_until, '[)') WITH &&)
    WHERE (status IN ('scheduled', 'held', 'submitted') AND booked_until IS NOT NULL);
ALTER TABLE hiring_round ADD CONSTRAINT round_candidate_not_double_booked
    EXCLUDE USING gist (candidate_id WITH =, tstzrange(starts_at, candidate_free_at, '[)') WITH &&)
    WHERE (status IN ('scheduled', 'held', 'submitted') AND candidate_free_at IS NOT NULL);
"""

DROP = """
ALTER TABLE hiring_round DROP CONSTRAINT IF EXISTS round_candidate_not_double_booked;
ALTER TABLE hiring_round DROP CONSTRAINT IF EXISTS round_interviewer_not_double_booked;
"""


def backfill(apps, schema_editor):
    """Fill the copies for rounds already booked. A round that already clashes with an
    earlier one (booked before the rule) keeps its copy empty, so the constraint does
    not cover it and the migration does not fail on old data; the services still see
    it through starts_at for new bookings of the interviewer."""
    Round = apps.get_model("hiring", "Round")
    gap = dt.timedelta(minutes=getattr(settings, "HIRING_CANDIDATE_MIN_GAP_MINUTES", 15))
    rows = Round.objects.filter(starts_at__isnull=False).select_related("loop")
    interviewer_free: dict[int, dt.datetime] = {}
    candidate_free: dict[int, dt.datetime] = {}
    batch = []
    for row in rows.order_by("starts_at", "id").iterator(chunk_size=2000):
        end = row.starts_at + dt.timedelta(minutes=row.duration_minutes)
        row.booked_until = end
        row.candidate_id = row.loop.candidate_id
        row.candidate_free_at = end + gap
        if row.status in BOOKED:
            if row.interviewer_id in interviewer_free and row.starts_at < interviewer_free[row.interviewer_id]:
                row.booked_until = None
            else:
                interviewer_free[row.interviewer_id] = end
            if row.candidate_id in candidate_free and row.starts_at < candidate_free[row.candidate_id]:
                row.candidate_free_at = None
            else:
                candidate_free[row.candidate_id] = end + gap
        batch.append(row)
        if len(batch) >= 2000:
            Round.objects.bulk_update(batch, ["booked_until", "candidate_id", "candidate_free_at"])
            batch = []
    Round.objects.bulk_update(batch, ["booked_until", "candidate_id", "candidate_free_at"])


def add_constraints(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CONSTRAINTS)


def drop_constraints(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):

    dependencies = [
        ("hiring", "0013_sso_identity"),
    ]

    operations = [
        migrations.AddField(
            model_name='round',
            name='booked_until',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.AddField(
            model_name='round',
            name='candidate',
            field=models.ForeignKey(blank=True, editable=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='hiring.candidate'),
        ),
        migrations.AddField(
            model_name='round',
            name='candidate_free_at',
            field=models.DateTimeField(blank=True, editable=False, null=True),
        ),
        migrations.RunPython(backfill, migrations.RunPython.noop, elidable=True),
        migrations.RunPython(add_constraints, drop_constraints),
    ]
