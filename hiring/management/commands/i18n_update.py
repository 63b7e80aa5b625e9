"""Refresh the catalogues from the code: makemessages for every language of
settings.LANGUAGES, the headers set (plural rule, language), then the .mo files
compiled with polib, so the committed .mo always matches its .po (CI checks it).

Needs xgettext (GNU gettext) for the makemessages step; `--compile-only` needs
nothing but polib (e.g. after editing translations by hand).
"""

from __future__ import annotations

import polib
from django.core.management import call_command
from django.core.management.base import BaseCommand

from hiring import catalogues

IGNORE = ["tests", "node_modules", ".venv", "var", "test-artifacts", "build", "dist"]


class Command(BaseCommand):
    help = "Update hiring/locale/*/LC_MESSAGES/django.po from the code and compile the .mo files."

    def add_arguments(self, parser):
        parser.add_argument("--compile-only", action="store_true", help="Only fix headers and compile the .mo files.")

    def handle(self, *args, compile_only: bool = False, **options):
        locales = catalogues.locales()
        if not compile_only:
            call_command(
                "makemessages",
                locale=locales,
                no_obsolete=True,
                add_location="file",
                ignore_patterns=IGNORE,
                verbosity=0,
            )
        for locale in locales:
            path = catalogues.po_path(locale)
            po = polib.pofile(str(path), wrapwidth=79)
            catalogues.set_headers(po, locale)
            po.save(str(path))
            catalogues.compile_mo(po).save(str(path.with_suffix(".mo")))
            report = catalogues.check(po, locale)
            self.stdout.write(f"{locale}: {report.translated}/{report.total} translated")
