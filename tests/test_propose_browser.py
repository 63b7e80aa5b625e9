"""Issue 9 in a real browser: the admin's propose → book flow, the interviewer picker,
and the candidate's availability page on a 390 px phone (CSP strict, axe-core clean).
Screenshots go to test-artifacts/ to be looked at."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from hiring import services
from hiring.models import CandidateAvailability, LoopStatus, RoundKind
from hiring.services import scheduling
from tests.factories import CandidateFactory
from tests.test_browser import assert_no_sideways_scroll, watch_csp
from tests.test_workspace_browser import PHONE, WIDE, admin_sign_in, axe_findings

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}-screen.png"))  # what a person sees first


def no_axe_findings(page, where: str) -> None:
    findings = axe_findings(page)
    assert not findings, f"{where}:\n" + json.dumps(findings, indent=1, ensure_ascii=False)


def test_a_recruiter_proposes_and_books_a_loop_in_one_click(world, web_page):
    page = web_page
    violations = watch_csp(page)
    loop = world.start_loop(CandidateFactory(full_name="Priya Propose", time_zone="Asia/Kathmandu"))
    admin_sign_in(page, world.recruiter.username)
    page.goto(f"/admin/hiring/loop/{loop.pk}/change/")
    page.get_by_role("link", name="Propose a schedule").click()
    page.get_by_role("heading", name="Option 1").wait_for()
    for viewport, name in ((WIDE, "propose-wide"), (PHONE, "propose-phone")):
        page.set_viewport_size(viewport)
        shot(page, name)
        no_axe_findings(page, name)
    assert_no_sideways_scroll(page)
    assert page.get_by_text("Asia/Kathmandu").first.is_visible()
    page.set_viewport_size(WIDE)
    page.get_by_role("button", name="Book option 1").click()
    page.wait_for_url(f"**/admin/hiring/loop/{loop.pk}/change/")
    assert page.get_by_text("Booked every round").is_visible()
    loop.refresh_from_db()
    assert loop.status == LoopStatus.SCHEDULED
    assert violations == []


def test_the_schedule_forms_picker_searches_as_you_type(world, web_page):
    page = web_page
    violations = watch_csp(page)
    round_ = world.start_loop().rounds.get(kind=RoundKind.TECHNICAL)
    admin_sign_in(page, world.recruiter.username)
    page.goto(f"/admin/hiring/round/{round_.pk}/schedule/")
    page.get_by_label("Search by name or email").fill("Ivy3")
    select = page.locator("#id_interviewer")
    page.wait_for_function("() => document.querySelectorAll('#id_interviewer option').length === 2")
    assert "Ivy3" in select.locator("option").nth(1).inner_text()
    select.select_option(str(world.interviewers[3].pk))
    assert violations == []
    page.set_viewport_size(PHONE)
    shot(page, "schedule-picker-phone")
    no_axe_findings(page, "schedule form with the picker")


def test_the_candidate_gives_their_times_on_a_phone(world, live_server, chromium):
    candidate = CandidateFactory(full_name="Kai Candidate", time_zone="Pacific/Auckland")
    loop = world.start_loop(candidate)
    request = services.request_availability(loop=loop, by=world.recruiter)
    context = chromium.new_context(base_url=live_server.url, viewport=PHONE, is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        violations = watch_csp(page)
        url = f"/availability/{scheduling.availability_token(request)}/"
        response = page.goto(url)
        assert response.status == 200
        assert "unsafe-inline" not in response.headers["content-security-policy"]
        page.get_by_role("heading", name="When can you meet?").wait_for()
        assert page.get_by_text("Pacific/Auckland").is_visible()
        assert_no_sideways_scroll(page)
        shot(page, "availability-phone")
        days = scheduling.offered_days(request)
        first = page.get_by_role("group", name=page.locator("fieldset.day legend").first.inner_text())
        first.get_by_role("button", name="Whole day").click()  # the script's shortcut
        page.get_by_role("group").nth(1).get_by_label("10:00–12:00").check()
        page.get_by_role("button", name="Send my times").click()
        page.get_by_text("Thank you: we have your times.").wait_for()
        shot(page, "availability-phone-sent")
        windows = list(CandidateAvailability.objects.filter(loop=loop).order_by("starts_at"))
        assert len(windows) == 2
        assert windows[0].starts_at == dt.datetime.combine(days[0], dt.time(8), candidate.zone)
        assert windows[0].ends_at == dt.datetime.combine(days[0], dt.time(20), candidate.zone)
        # A newer link replaces this one: the old page says so, plainly.
        services.request_availability(loop=loop, by=world.recruiter)
        response = page.goto(url)
        assert response.status == 410
        assert page.get_by_text("replaced by a newer one").is_visible()
        assert_no_sideways_scroll(page)
        shot(page, "availability-phone-superseded")
        assert violations == []
        # Last, axe-core (its own checks write styles, which the policy rightly reports).
        newest = services.request_availability(loop=loop, by=world.recruiter)
        page.goto(f"/availability/{scheduling.availability_token(newest)}/")
        no_axe_findings(page, "availability page")
        page.goto("/availability/tampered/")
        no_axe_findings(page, "availability problem page")
    finally:
        context.close()
