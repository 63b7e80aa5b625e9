"""Fill catalogues with a pseudo-translation ("⟦Hello %(name)s⟧"), to check the
machinery and find unmarked English before real translations exist.

NEVER COMMIT ITS OUTPUT: it overwrites hiring/locale/<lang>/LC_MESSAGES/django.po
and .mo. Put the real ones back with `git checkout hiring/locale`.

    manage.py i18n_pseudo -l de -l ja -l fr
"""

from __future__ import annotations

import re

import polib
from django.core.management.base import BaseCommand
from django.utils.translation import to_locale

from hiring import catalogues

ACCENTED = str.maketrans(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ",
    "åƀçđéƒĝĥîĵķĺɱñöþǫŕšţûṽŵẋýžÅßÇÐÉƑĜĤÎĴĶĹṀÑÖÞǪŔŠŢÛṼŴẊÝŽ",
)
KEEP = re.compile(r"(%\([A-Za-z_][A-Za-z0-9_]*\)[sdif]|%[sdif%]|\{[A-Za-z_][A-Za-z0-9_]*\}|&[a-z]+;|<[^>]+>)")


def pseudo(text: str) -> str:
    """'Hello %(name)s' -> '⟦Ĥéĺĺö %(name)s⟧': readable, visibly not English, and the
    placeholders (and any markup) exactly as they were."""
    if not text:
        return text
    parts = KEEP.split(text)
    return "⟦" + "".join(part if KEEP.fullmatch(part) else part.translate(ACCENTED) for part in parts) + "⟧"


class Command(BaseCommand):
    help = "Overwrite catalogues with a pseudo-translation (for checking the tests; never commit it)."

    def add_arguments(self, parser):
        parser.add_argument("-l", "--locale", action="append", default=[], help="Language (repeatable); default all.")

    def handle(self, *args, locale: list[str], **options):
        for name in [to_locale(code) for code in locale] or catalogues.locales():
            path = catalogues.po_path(name)
            po = polib.pofile(str(path))
            count = catalogues.nplurals(catalogues.PLURAL_FORMS[name])
            for entry in po:
                if entry.msgid_plural:
                    entry.msgstr_plural = {
                        i: pseudo(entry.msgid if i == 0 and count > 1 else entry.msgid_plural) for i in range(count)
                    }
                else:
                    entry.msgstr = pseudo(entry.msgid)
                if "fuzzy" in entry.flags:
                    entry.flags.remove("fuzzy")
            po.save(str(path))
            catalogues.compile_mo(po).save(str(path.with_suffix(".mo")))
            self.stdout.write(f"{name}: pseudo-translated {len(po)} entries (do not commit)")
