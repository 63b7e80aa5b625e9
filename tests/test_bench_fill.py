"""bench_admin's set-based fill (PostgreSQL) makes the same rows as its bulk_create fill."""

import io

import pytest
from django.db import connection

from hiring.management.commands.bench_admin import BATCH, Command, fill_sql
from hiring.models import Candidate, Loop, Round

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL fill is PostgreSQL's")

SKIPPED = {"id", "created_at", "updated_at", "loop_created_at"}


def snapshot() -> list:
    """Every column of the candidates, loops and rounds but the now-dependent ones, ids counted
    from the first row and times from the earliest round."""
    first_round = Round.objects.exclude(starts_at=None).order_by("starts_at").values_list("starts_at", flat=True)[0]
    base = {model: model.objects.order_by("pk").values_list("pk", flat=True)[0] for model in (Candidate, Loop, Round)}
    refs = {"candidate_id": Candidate, "loop_id": Loop}
    rows = []
    for model in (Candidate, Loop, Round):
        names = [f.attname for f in model._meta.concrete_fields if f.attname not in SKIPPED]
        for pk, *values in model.objects.order_by("pk").values_list("pk", *names):
            row = {"n": pk - base[model]}
            for name, value in zip(names, values, strict=True):
                if hasattr(value, "tzinfo"):
                    value = value - first_round
                elif name in refs and value is not None:
                    value = value - base[refs[name]]
                row[name] = value
            rows.append((model.__name__, row))
        # Django's auto_now(_add) columns are filled; the trigger copies loop.created_at.
        # Django's auto_now(_add) times are filled, distinct and in id order (as bulk_create's).
        for name in ("created_at", "updated_at"):
            if any(f.name == name for f in model._meta.fields):
                times = list(model.objects.order_by("pk").values_list(name, flat=True))
                assert None not in times
                assert times == sorted(times)
    for round_ in Round.objects.select_related("loop"):
        assert round_.loop_created_at == round_.loop.created_at
    return rows


@pytest.mark.django_db
def test_the_sql_fill_makes_the_rows_of_the_python_fill():
    command = Command(stdout=io.StringIO())
    _, position = command.company()
    count = 50
    assert count < BATCH
    command.fill_python(count, position)
    by_python = snapshot()
    Round.objects.all().delete()
    Loop.objects.all().delete()
    Candidate.objects.all().delete()
    fill_sql(io.StringIO(), count, position, [i.pk for i in command.panel])
    by_sql = snapshot()
    assert Candidate.objects.values("created_at").distinct().count() == count
    assert len(by_sql) == count * 8
    assert by_sql == by_python
