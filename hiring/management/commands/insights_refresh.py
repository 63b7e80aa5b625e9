"""Fold the insights buckets that writes marked into the rollups, now (beat does it every minute).

manage.py insights_refresh          # every marked bucket
manage.py insights_refresh --all    # rebuild every bucket that has loops
"""

from __future__ import annotations

import time

from django.core.management.base import BaseCommand

from hiring import insights, services
from hiring.models import InsightsDirty


class Command(BaseCommand):
    help = "Fold the marked insights buckets into the rollups (PostgreSQL); --all rebuilds every bucket."

    def add_arguments(self, parser):
        parser.add_argument("--all", action="store_true", help="mark and rebuild every bucket that has loops")

    def handle(self, *args, all: bool, **options):
        if not insights.rollups_enabled():
            self.stdout.write("Insights rollups are kept on PostgreSQL only; nothing to do.")
            return
        started = time.perf_counter()
        if all:
            self.stdout.write(f"marked {services.mark_all_insights():,} buckets")
        stale = services.mark_stale_targets()
        if stale:
            self.stdout.write(f"marked {stale:,} buckets counted against another feedback target")
        folded = 0
        while InsightsDirty.objects.exists():
            folded += services.refresh_insights()
        self.stdout.write(f"folded {folded:,} buckets in {time.perf_counter() - started:.1f} s")
