"""Right to left and other scripts in a real browser (issue 10): the interviewer
pages and the admin's candidate list in Arabic and Japanese, and choosing one's
language on one's own page. Screenshots go to test-artifacts/i18n/."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from django.utils import timezone

from hiring.models import Interviewer
from tests.test_browser import sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True, serialized_rollback=True)]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts" / "i18n"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def direction(page) -> tuple[str, str]:
    return tuple(page.evaluate("[document.documentElement.lang, getComputedStyle(document.body).direction]"))


@pytest.mark.parametrize(("language", "expected"), [("ar", "rtl"), ("ja", "ltr")])
def test_interviewer_pages_and_the_admin_candidate_list_in_another_script(world, web_page, language, expected):
    page = web_page
    loop = world.scheduled_loop(start=timezone.now() + dt.timedelta(days=1))
    first = loop.rounds.select_related("interviewer__user").order_by("order").first()
    Interviewer.objects.filter(user=first.interviewer.user).update(ui_language=language)
    Interviewer.objects.filter(user=world.recruiter).update(ui_language=language)

    sign_in(page, first.interviewer.user.username)
    assert direction(page) == (language, expected)
    shot(page, f"home-{language}")
    # The header's name sits at the start of the line: the right in Arabic, the left in Japanese.
    brand = page.locator(".brand").bounding_box()
    width = page.viewport_size["width"]
    assert (brand["x"] > width / 2) == (expected == "rtl")

    page.goto(f"/rounds/{first.pk}/")
    assert direction(page) == (language, expected)
    shot(page, f"packet-{language}")

    page.context.clear_cookies()
    sign_in(page, world.recruiter.username)
    page.goto("/admin/hiring/candidate/")
    assert direction(page) == (language, expected)
    # The admin ships its own translations: its "Log out" link is in the reader's language.
    logout = {"ar": "تسجيل الخروج", "ja": "ログアウト"}[language]
    assert page.get_by_text(logout).count() >= 1
    shot(page, f"admin-candidates-{language}")


def test_one_switches_ones_language_on_ones_own_page(world, web_page):
    page = web_page
    ivy = world.interviewers[0].user
    sign_in(page, ivy.username)
    assert direction(page)[0] == "en"
    page.get_by_label("Language of your pages and emails").select_option("ar")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    assert direction(page) == ("ar", "rtl")
    assert Interviewer.objects.get(user=ivy).ui_language == "ar"
    shot(page, "switched-to-ar")
    # And back to following the browser.
    page.locator("select[name=language]").select_option("")
    page.locator("form.language-form button").click()
    page.wait_for_load_state()
    assert direction(page) == ("en", "ltr")
