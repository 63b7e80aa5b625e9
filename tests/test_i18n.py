"""Every person in their own language (issue 10): the catalogues, the machinery
that picks a language, dates written the way each language writes them, and the
API's stable codes.

Tests marked `catalogue` check the translations themselves (every catalogue
complete, placeholders and plural forms right, the compiled .mo files current).
"""

from __future__ import annotations

import datetime as dt
import html
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from babel.dates import format_skeleton, format_time
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from hiring import catalogues, notifications
from hiring.models import Interviewer, Reminder, ReminderKind
from hiring.times import babel_locale
from tests.factories import CandidateFactory

LOCALES = catalogues.locales()


def AHEAD() -> dt.datetime:
    """Far enough ahead that every round still gets its invitation."""
    return timezone.now() + dt.timedelta(days=3)


ROOT = Path(__file__).resolve().parent.parent


def load(locale: str) -> polib.POFile:
    return polib.pofile(str(catalogues.po_path(locale)))


# --- the catalogues -----------------------------------------------------------------


def test_there_is_a_catalogue_for_every_language_but_english():
    assert sorted(LOCALES) == sorted(["zh_Hans", "es", "pt_BR", "fr", "de", "ru", "tr", "vi", "id", "ja", "ko", "ar"])
    for locale in LOCALES:
        assert catalogues.po_path(locale).exists(), locale
        assert catalogues.po_path(locale).with_suffix(".mo").exists(), locale


@pytest.mark.parametrize("locale", LOCALES)
def test_each_catalogue_says_the_plural_rule_of_its_language(locale):
    header = load(locale).metadata["Plural-Forms"]
    assert header == catalogues.PLURAL_FORMS[locale]
    # The rule sorts whole numbers into the same classes as CLDR does, one form per class.
    pairs = {(catalogues.plural_index(header, n), catalogues.cldr_category(locale, n)) for n in range(1001)}
    forms = {form for form, _category in pairs}
    categories = {category for _form, category in pairs}
    assert len(pairs) == len(forms) == len(categories) == catalogues.nplurals(header)
    assert forms == set(range(catalogues.nplurals(header)))


def test_arabic_has_six_plural_forms_and_russian_three():
    assert catalogues.nplurals(load("ar").metadata["Plural-Forms"]) == 6
    assert catalogues.nplurals(load("ru").metadata["Plural-Forms"]) == 3
    for entry in load("ar"):
        if entry.msgid_plural:
            assert sorted(entry.msgstr_plural) == [0, 1, 2, 3, 4, 5], entry.msgid


@pytest.mark.parametrize("locale", LOCALES)
def test_the_committed_mo_matches_its_po(locale):
    """What CI checks so that `pip install -e .` without GNU gettext gets the translations."""
    po = load(locale)
    committed = polib.mofile(str(catalogues.po_path(locale).with_suffix(".mo")))
    assert catalogues.mo_entries(committed) == catalogues.mo_entries(catalogues.compile_mo(po))
    assert committed.metadata.get("Plural-Forms") == po.metadata["Plural-Forms"]


def test_the_catalogues_hold_every_msgid_of_the_code(tmp_path):
    """makemessages on a copy of the code finds no msgid missing from the committed catalogues."""
    if not shutil.which("xgettext"):
        pytest.fail("xgettext (GNU gettext) is needed for makemessages")
    for name in ("hiring", "config"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__", "*.mo"))
    shutil.copy(ROOT / "manage.py", tmp_path / "manage.py")
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "de", "--no-obsolete", "--ignore=tests"],
        cwd=tmp_path,
        env={**__import__("os").environ, "PYTHONPATH": str(tmp_path)},
        check=True,
        capture_output=True,
    )
    fresh = polib.pofile(str(tmp_path / "hiring/locale/de/LC_MESSAGES/django.po"))
    committed = {(e.msgctxt, e.msgid) for e in load("de")}
    missing = sorted(e.msgid for e in fresh if (e.msgctxt, e.msgid) not in committed)
    assert not missing, f"run `manage.py i18n_update`; not in the catalogues: {missing[:10]}"
    # And every language holds the same msgids as German.
    for locale in LOCALES:
        assert {(e.msgctxt, e.msgid) for e in load(locale)} == committed, locale


def test_placeholders_are_named_where_a_sentence_has_more_than_one():
    """Translators may reorder words only if every placeholder has a name."""
    for entry in load("de"):
        unnamed = re.findall(r"%[sd]", entry.msgid)
        assert len(unnamed) <= 1, entry.msgid


@pytest.mark.catalogue
@pytest.mark.parametrize("locale", LOCALES)
def test_every_catalogue_is_complete_with_its_placeholders_and_plural_forms(locale):
    report = catalogues.check(load(locale), locale)
    assert report.complete, "\n".join(report.problems[:20])


# --- no English left over: pages and emails --------------------------------------------

PLACEHOLDERS = re.compile(r"%\([^)]*\)[sdif]|%[sdif]|\{\{?[^}]*\}?\}")


def english_fragments(locale: str) -> dict[str, str]:
    """For each msgid of our catalogue that reads as a sentence: its longest stretch of
    English between placeholders (what would show if it were left untranslated). A
    msgid whose translation is itself (a name, "OK") is left out."""
    fragments = {}
    for entry in load(locale):
        translated = entry.msgstr or (entry.msgstr_plural or {}).get(0, "")
        if translated == entry.msgid:
            continue
        for msgid in filter(None, (entry.msgid, entry.msgid_plural)):
            longest = max(PLACEHOLDERS.split(msgid.replace("%%", "%")), key=len).strip()
            if len(longest) >= 14 and " " in longest:
                fragments[longest] = msgid
    return fragments


def readable(content: str) -> str:
    text = re.sub(r"<(script|style)\b.*?</\1>", " ", content, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", text)
    return re.sub(r"\s+", " ", html.unescape(text))


def leftovers(locale: str, content: str) -> list[str]:
    text = readable(content)
    return sorted({msgid for fragment, msgid in english_fragments(locale).items() if fragment in text})


def signed_in(user, *, language: str) -> Client:
    Interviewer.objects.filter(user=user).update(ui_language=language)
    client = Client()
    client.force_login(user)
    return client


def interviewer_pages(world):
    loop = world.scheduled_loop()
    rounds = list(loop.rounds.select_related("interviewer__user").order_by("order"))
    first = rounds[0]
    world.submit(first)
    scorecard = first.scorecards.get(is_current=True)
    return (
        first.interviewer.user,
        [
            reverse("home"),
            reverse("round", args=[first.pk]),
            reverse("scorecard", args=[rounds[1].pk]) if False else reverse("round", args=[rounds[1].pk]),
            reverse("scorecard_detail", args=[scorecard.pk]),
            reverse("debrief", args=[loop.pk]),
        ],
        loop,
    )


ADMIN_PAGES = [
    "admin:index",
    "admin:hiring_candidate_changelist",
    "admin:hiring_loop_changelist",
    "admin:hiring_round_changelist",
    "admin:hiring_reminder_changelist",
    "admin:hiring_interviewer_changelist",
    "admin:hiring_position_changelist",
]


def render_pages(world, language: str) -> dict[str, str]:
    interviewer, paths, loop = interviewer_pages(world)
    pages = {}
    client = signed_in(interviewer, language=language)
    for path in paths:
        response = client.get(path)
        assert response.status_code in (200, 404), path
        if response.status_code == 200:
            pages[path] = response.content.decode()
    manager = signed_in(world.manager, language=language)
    pages["debrief (manager)"] = manager.get(reverse("debrief", args=[loop.pk])).content.decode()
    recruiter = signed_in(world.recruiter, language=language)
    for name in ADMIN_PAGES:
        response = recruiter.get(reverse(name))
        assert response.status_code == 200, name
        pages[name] = response.content.decode()
    candidate_page = recruiter.get(reverse("admin:hiring_candidate_change", args=[loop.candidate_id]))
    pages["candidate"] = candidate_page.content.decode()
    return pages


def test_a_page_is_in_the_persons_own_language_and_direction(world):
    interviewer, _paths, _loop = interviewer_pages(world)
    client = signed_in(interviewer, language="ar")
    response = client.get(reverse("home"))
    page = response.content.decode()
    assert '<html lang="ar" dir="rtl">' in page
    assert response["Content-Language"] == "ar"
    # Their choice beats the browser's.
    assert client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="de").content.decode().count('lang="ar"') == 1
    Interviewer.objects.filter(user=interviewer).update(ui_language="")
    page = client.get(reverse("home"), HTTP_ACCEPT_LANGUAGE="ja,en;q=0.5").content.decode()
    assert '<html lang="ja" dir="ltr">' in page


def test_the_admin_follows_the_persons_language(world):
    recruiter = signed_in(world.recruiter, language="de")
    page = recruiter.get(reverse("admin:hiring_candidate_changelist")).content.decode()
    # Django's own admin catalogue, in German: the product's admin speaks it too.
    assert 'lang="de"' in page and "Abmelden" in page


def test_one_chooses_ones_language_on_ones_own_page(world):
    interviewer = world.interviewers[0].user
    client = signed_in(interviewer, language="")
    home = client.get(reverse("home")).content.decode()
    assert 'name="language"' in home and "日本語" in home and "العربيّة" in home
    response = client.post(reverse("my_language"), {"language": "ja"})
    assert response.status_code == 302
    assert Interviewer.objects.get(user=interviewer).ui_language == "ja"
    assert '<html lang="ja"' in client.get(reverse("home")).content.decode()
    # A code that is not in the list changes nothing.
    client.post(reverse("my_language"), {"language": "xx"})
    assert Interviewer.objects.get(user=interviewer).ui_language == "ja"
    client.post(reverse("my_language"), {"language": ""})
    assert Interviewer.objects.get(user=interviewer).ui_language == ""


@pytest.mark.catalogue
@pytest.mark.parametrize("language", ["de", "ja"])
def test_every_page_in_another_language_keeps_no_english_sentence_of_ours(world, language):
    # What a candidate was sent is shown as it was sent, in the candidate's language (the
    # timeline marks it with lang="..."): that is their text, not the page's.
    sent = re.compile(r'<td[^>]*\blang="[^"]*"[^>]*>.*?</td>', re.S)
    found = {
        name: leftovers(translation.to_locale(language), sent.sub("", page))
        for name, page in render_pages(world, language).items()
    }
    assert not {name: left for name, left in found.items() if left}


def every_email(world, *, language: str) -> dict[str, tuple[str, str]]:
    """Each kind of email, rendered for an interviewer and for a candidate."""
    world.scheduled_loop(start=AHEAD())
    base = Reminder.objects.filter(kind=ReminderKind.INVITATION).order_by("pk")
    rendered = {}
    for audience in ("interviewer", "candidate"):
        reminder = base.filter(payload__audience=audience).first()
        for kind in ReminderKind.values:
            reminder.kind = kind
            reminder.payload = {
                **reminder.payload,
                "language": language,
                "previous_starts_at": reminder.payload["starts_at"],
                "feedback_due_at": reminder.payload["starts_at"],
            }
            rendered[f"{kind}/{audience}"] = notifications.render(reminder)
    return rendered


@pytest.mark.catalogue
@pytest.mark.parametrize("language", ["de", "ja"])
def test_every_email_in_another_language_keeps_no_english_sentence_of_ours(world, language):
    locale = translation.to_locale(language)
    found = {
        kind: leftovers(locale, f"{subject}\n{body}")
        for kind, (subject, body) in every_email(world, language=language).items()
    }
    assert not {kind: left for kind, left in found.items() if left}


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
def test_a_candidates_email_writes_the_date_as_their_language_does(world, language):
    candidate = CandidateFactory(preferred_language=language, time_zone="Asia/Tokyo")
    world.scheduled_loop(candidate, start=AHEAD())
    reminder = Reminder.objects.filter(kind=ReminderKind.INVITATION, recipient_candidate=candidate).first()
    assert reminder.payload["language"] == language
    subject, body = notifications.render(reminder)
    starts = dt.datetime.fromisoformat(reminder.payload["starts_at"]).astimezone(
        __import__("zoneinfo").ZoneInfo("Asia/Tokyo")
    )
    locale = babel_locale(language)
    if locale.language == "en":
        # English keeps the house style: "Tue 5 May 10:00 JST".
        day, clock = f"{starts:%a} {starts.day} {starts:%b}", f"{starts:%H:%M}"
    else:
        # CLDR's own way, computed here independently of hiring/times.py's choices.
        day = format_skeleton("MMMEd", starts, locale=locale)
        clock = format_time(starts, "short", locale=locale)
    assert day in body and clock in body, (language, day, clock, body)
    assert day in subject


def test_an_interviewers_email_follows_their_ui_language_not_the_first_they_speak(world):
    ivy = world.interviewers[0]
    Interviewer.objects.filter(pk=ivy.pk).update(languages=["es", "en"], ui_language="ko")
    world.scheduled_loop(start=AHEAD())
    reminder = Reminder.objects.filter(kind=ReminderKind.INVITATION, recipient_user=ivy.user).first()
    assert reminder.payload["language"] == "ko"
    Interviewer.objects.filter(pk=ivy.pk).update(ui_language="")
    world.scheduled_loop(start=AHEAD())
    later = Reminder.objects.filter(kind=ReminderKind.INVITATION, recipient_user=ivy.user).order_by("-pk").first()
    assert later.payload["language"] == "en"


def test_old_language_codes_map_onto_the_new_list():
    from importlib import import_module

    migration = import_module("hiring.migrations.0019_languages")
    assert migration.RENAMED == {"pt": "pt-br", "zh": "zh-hans"}
    codes = {code for code, _name in settings.LANGUAGES}
    assert set(migration.RENAMED.values()) <= codes and not (migration.DROPPED & codes)


# --- the API --------------------------------------------------------------------------


def refused_plan(client):
    """A loop plan with one round and no bar raiser: refused by a rule (a 409 with a code)."""
    return client.post(
        "/api/v1/loop-plans/",
        {"name": "Too short", "rounds": [{"kind": "screen", "title": "Screen", "duration_minutes": 30}]},
        format="json",
    )


def test_an_api_error_carries_a_stable_code_whatever_the_language(world, token_for):
    client = token_for(world.recruiter)
    english = client.get("/api/v1/candidates/999999999/", HTTP_ACCEPT_LANGUAGE="en")
    french = client.get("/api/v1/candidates/999999999/", HTTP_ACCEPT_LANGUAGE="fr")
    assert english.status_code == french.status_code == 404
    assert english.json()["code"] == french.json()["code"] == "not_found"
    assert french["Content-Language"] == "fr"
    bad = client.post("/api/v1/candidates/", {"full_name": 3}, format="json")
    assert bad.status_code == 400 and bad.json()["code"] == "invalid" and "full_name" in bad.json()
    anonymous = Client().get("/api/v1/candidates/")
    assert anonymous.status_code in (401, 403) and anonymous.json()["code"] == "not_authenticated"


def test_the_token_users_own_language_wins_in_the_api(world, token_for):
    Interviewer.objects.filter(user=world.recruiter).update(ui_language="ja")
    client = token_for(world.recruiter)
    response = client.get("/api/v1/candidates/999999999/", HTTP_ACCEPT_LANGUAGE="fr")
    assert response["Content-Language"] == "ja"


def refuse_a_hire(world, token_for, language: str):
    """A hire on a loop with no scorecard yet: refused by rule 6 (a 409 with a code)."""
    loop = world.start_loop()
    client = token_for(world.recruiter)
    return client.post(
        f"/api/v1/loops/{loop.pk}/decision/",
        {"outcome": "hire", "reason": ""},
        format="json",
        HTTP_ACCEPT_LANGUAGE=language,
    )


def test_a_rule_refusal_in_the_api_has_the_same_code_in_french(world, token_for):
    english, french = (refuse_a_hire(world, token_for, language) for language in ("en", "fr"))
    assert english.status_code == french.status_code == 409
    assert english.json()["code"] == french.json()["code"] == "hire_blocked"
    assert english.json()["detail"].startswith("A hire cannot be recorded yet:")


@pytest.mark.catalogue
def test_accept_language_fr_gives_a_french_rule_message(world, token_for):
    english, french = (refuse_a_hire(world, token_for, language).json() for language in ("en", "fr"))
    assert french["code"] == english["code"]
    with translation.override("fr"):
        expected = translation.gettext("A hire cannot be recorded yet: ")
    assert expected != "A hire cannot be recorded yet: "
    assert french["detail"].startswith(expected)


def test_every_model_and_field_of_ours_has_a_lazily_translated_name():
    """The admin shows these names (sidebar, columns, filters, forms): a bare string
    stays English in every language, so each one must be a lazy gettext."""
    from django.apps import apps
    from django.utils.functional import Promise

    models = list(apps.get_app_config("hiring").get_models())
    assert len(models) > 20  # the check below sees the app's models
    bare = []
    for model in models:
        for attr in ("verbose_name", "verbose_name_plural"):
            if not isinstance(model._meta.original_attrs.get(attr), Promise):
                bare.append(f"{model.__name__}.Meta.{attr}")
        for field in model._meta.get_fields():
            if not field.concrete or field.model is not model or (field.auto_created and field.primary_key):
                continue
            if not isinstance(field._verbose_name, Promise):
                bare.append(f"{model.__name__}.{field.name}")
    assert not bare, bare
