"""The translation catalogues in hiring/locale: where they are, the plural rules
of each language, and the checks a finished catalogue passes (issue 10).

Used by `manage.py i18n_update` (refresh the .po files from the code, fix their
headers, compile the .mo files with polib, so no GNU msgfmt is needed), by
`manage.py i18n_check` (what a translator runs on one catalogue) and by
tests/test_i18n.py.
"""

from __future__ import annotations

import gettext
import re
from dataclasses import dataclass, field
from pathlib import Path

import polib
from babel import Locale
from django.conf import settings
from django.utils.translation import to_locale

LOCALE_DIR = Path(__file__).resolve().parent / "locale"

# The gettext plural rule of each language, for whole numbers (counts), from the
# standard gettext table; tests/test_i18n.py checks each against CLDR (Babel) on
# 0..1000. CLDR's "many" of Spanish, French and Portuguese (1 000 000 and up, written
# "de millones") is folded into the plural form, as gettext and Django do.
PLURAL_FORMS = {
    "ar": "nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : n%100>=11 ? 4 : 5);",
    "de": "nplurals=2; plural=(n != 1);",
    "es": "nplurals=2; plural=(n != 1);",
    "fr": "nplurals=2; plural=(n > 1);",
    "id": "nplurals=1; plural=0;",
    "ja": "nplurals=1; plural=0;",
    "ko": "nplurals=1; plural=0;",
    "pt_BR": "nplurals=2; plural=(n > 1);",
    "ru": "nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);",
    "tr": "nplurals=2; plural=(n != 1);",
    "vi": "nplurals=1; plural=0;",
    "zh_Hans": "nplurals=1; plural=0;",
}

# %(name)s, %s, %d, %% and {name}: what a translation must keep exactly.
PLACEHOLDER = re.compile(r"%\([A-Za-z_][A-Za-z0-9_]*\)[sdif]|%[sdif]|\{[A-Za-z_][A-Za-z0-9_]*\}")


def locales() -> list[str]:
    """The catalogue directory names of every language but English: 'pt_BR', 'zh_Hans'."""
    return [to_locale(code) for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]


def po_path(locale: str, domain: str = "django") -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / f"{domain}.po"


def nplurals(plural_forms: str) -> int:
    match = re.search(r"nplurals\s*=\s*(\d+)", plural_forms or "")
    return int(match.group(1)) if match else 0


def plural_index(plural_forms: str, n: int) -> int:
    """Evaluate a gettext plural expression for n, the way Python's gettext does."""
    expression = re.search(r"plural\s*=\s*(.+?);?\s*$", plural_forms).group(1)
    return gettext.c2py(expression)(n)


def cldr_category(locale: str, n: int) -> str:
    category = Locale.parse(locale).plural_form(n)
    # gettext and Django fold CLDR's "many" (millions) into the plural in these.
    if locale.split("_")[0] in {"es", "fr", "pt", "it"} and category == "many":
        return "other"
    return category


def set_headers(po: polib.POFile, locale: str) -> None:
    po.metadata["Language"] = locale
    po.metadata["Plural-Forms"] = PLURAL_FORMS[locale]
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.metadata["Project-Id-Version"] = "hiring-loop"
    po.metadata["Language-Team"] = f"{Locale.parse(locale).english_name} <recruiting@example.com>"
    po.metadata_is_fuzzy = []
    # Plural entries carry exactly as many forms as the language has.
    count = nplurals(PLURAL_FORMS[locale])
    for entry in po:
        if entry.msgid_plural:
            entry.msgstr_plural = {i: entry.msgstr_plural.get(i, "") for i in range(count)}


@dataclass
class Report:
    locale: str
    total: int = 0
    translated: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.problems and self.translated == self.total


def check(po: polib.POFile, locale: str) -> Report:
    """Every entry translated, none fuzzy, placeholders kept, plural forms right."""
    report = Report(locale)
    expected = nplurals(PLURAL_FORMS[locale])
    if nplurals(po.metadata.get("Plural-Forms", "")) != expected:
        report.problems.append(f"Plural-Forms header should say nplurals={expected}")
    for entry in po:
        if entry.obsolete:
            continue
        report.total += 1
        where = f"{locale}: {entry.msgid[:60]!r}"
        if "fuzzy" in entry.flags:
            report.problems.append(f"{where} is fuzzy")
            continue
        wanted = sorted(PLACEHOLDER.findall(entry.msgid))
        if entry.msgid_plural:
            forms = entry.msgstr_plural
            if len(forms) != expected:
                report.problems.append(f"{where} has {len(forms)} plural forms, not {expected}")
            if not all(forms.get(i) for i in range(expected)):
                report.problems.append(f"{where} is not translated (every plural form)")
                continue
            wanted_plural = sorted(PLACEHOLDER.findall(entry.msgid_plural))
            for index in range(expected):
                found = sorted(PLACEHOLDER.findall(forms[index]))
                # A language with one form may drop the count only if the msgid does.
                allowed = (wanted, wanted_plural, sorted(set(wanted) | set(wanted_plural)))
                if found not in allowed and sorted(set(found)) not in allowed:
                    report.problems.append(f"{where} form {index} has placeholders {found}, not {wanted_plural}")
        else:
            if not entry.msgstr:
                report.problems.append(f"{where} is not translated")
                continue
            found = sorted(PLACEHOLDER.findall(entry.msgstr))
            if found != wanted:
                report.problems.append(f"{where} has placeholders {found}, not {wanted}")
        report.translated += 1
    return report


def compile_mo(po: polib.POFile) -> polib.MOFile:
    """The .mo a .po compiles to (polib, like msgfmt: untranslated and fuzzy entries left out)."""
    mo = polib.MOFile()
    mo.metadata = dict(po.metadata)
    for entry in po.translated_entries():
        mo.append(
            polib.MOEntry(
                msgid=entry.msgid,
                msgid_plural=entry.msgid_plural,
                msgstr=entry.msgstr,
                msgstr_plural=entry.msgstr_plural,
                msgctxt=entry.msgctxt,
            )
        )
    return mo


def mo_entries(mo: polib.MOFile) -> dict[tuple[str | None, str], object]:
    return {(entry.msgctxt, entry.msgid): (entry.msgid_plural, entry.msgstr, dict(entry.msgstr_plural)) for entry in mo}
