"""Trigram indexes for the admin's candidate search on PostgreSQL.

The admin searches with icontains, which Django writes as
UPPER(col::text) LIKE UPPER('%term%'): a B-tree cannot serve that, so on a
million candidates each search would read the whole table. These GIN indexes
on the same expressions can (checked with EXPLAIN: a bitmap index scan).
SQLite has no such index; there the migration does nothing.
"""

from django.db import migrations

INDEXES = {
    "hiring_candidate_name_trgm": "full_name",
    "hiring_candidate_email_trgm": "email",
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {name} ON hiring_candidate USING gin ((UPPER({column}::text)) gin_trgm_ops)"
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("hiring", "0002_recruiters_group")]

    operations = [migrations.RunPython(create, drop)]
