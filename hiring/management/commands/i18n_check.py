"""Check catalogues the way the tests do: complete, no fuzzy entry, placeholders
kept, plural forms right for the language, and the .mo compiled from the .po.

    manage.py i18n_check            # every language
    manage.py i18n_check -l ja      # one (a Django code or a locale: pt-br or pt_BR)
"""

from __future__ import annotations

import polib
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import to_locale

from hiring import catalogues


class Command(BaseCommand):
    help = "Check the translation catalogues (complete, placeholders, plural forms, .mo up to date)."

    def add_arguments(self, parser):
        parser.add_argument("-l", "--locale", action="append", default=[], help="Only this language (repeatable).")
        parser.add_argument("--max-problems", type=int, default=20, help="Problems listed per language.")

    def handle(self, *args, locale: list[str], max_problems: int, **options):
        wanted = [to_locale(code) for code in locale] or catalogues.locales()
        failed = False
        for name in wanted:
            path = catalogues.po_path(name)
            if not path.exists():
                raise CommandError(f"No catalogue at {path}.")
            po = polib.pofile(str(path))
            report = catalogues.check(po, name)
            mo_path = path.with_suffix(".mo")
            if not mo_path.exists() or catalogues.mo_entries(polib.mofile(str(mo_path))) != catalogues.mo_entries(
                catalogues.compile_mo(po)
            ):
                report.problems.append(f"{name}: {mo_path.name} does not match the .po; run manage.py i18n_update")
            self.stdout.write(f"{name}: {report.translated}/{report.total} translated, {len(report.problems)} problems")
            for problem in report.problems[:max_problems]:
                self.stdout.write(f"  {problem}")
            failed = failed or not report.complete or bool(report.problems)
        if failed:
            raise CommandError("Some catalogues are not complete.")
