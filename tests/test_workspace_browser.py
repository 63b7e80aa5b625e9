"""The recruiters' admin in a real browser (issue 12): what a recruiter must reach
is reachable on a phone and a wide screen, and labelled for a screen reader."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
from pathlib import Path

import pytest
from django.utils import timezone

from tests.factories import PASSWORD, CandidateFactory

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
WIDE = {"width": 1440, "height": 900}


def admin_sign_in(page, username: str) -> None:
    page.goto("/admin/login/?next=/admin/")
    page.locator("#id_username").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.locator('input[type="submit"], button[type="submit"]').first.click()
    page.wait_for_url(re.compile(r"/admin/$"))


def reachable(page, link) -> bool:
    """The link is on screen once the page is scrolled down to it, and is what a tap on it hits.

    Only the page scrolls (vertically), the way a person's thumb does: a programmatic
    scrollIntoView would also scroll a clipped (overflow: hidden) box no one can scroll.
    """
    page.evaluate(
        "el => window.scrollTo(0, el.getBoundingClientRect().top + window.scrollY - 200)", link.element_handle()
    )
    box = link.bounding_box()
    if box is None or box["width"] < 1:
        return False
    x, y = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    if not (0 <= x <= page.viewport_size["width"]):
        return False
    return link.evaluate("(el, [x, y]) => el.contains(document.elementFromPoint(x, y))", [x, y])


def test_reschedule_and_cancel_are_reachable_on_a_phone(world, web_page):
    page = web_page
    page.set_viewport_size(PHONE)
    loop = world.scheduled_loop(CandidateFactory(full_name="Pia Phone"), start=timezone.now() + dt.timedelta(days=2))
    admin_sign_in(page, world.recruiter.username)
    page.goto(f"/admin/hiring/candidate/{loop.candidate_id}/change/")
    for name in ("Reschedule", "Cancel"):
        link = page.get_by_role("link", name=name, exact=True).first
        assert reachable(page, link), f"{name} is clipped at 390 px"
    page.get_by_role("link", name="Reschedule", exact=True).first.click()
    page.wait_for_url(re.compile(r"/schedule/$"))


def test_the_candidate_list_shows_its_next_interview_column_on_a_wide_screen(world, web_page):
    page = web_page
    page.set_viewport_size(WIDE)
    for n in range(3):
        world.scheduled_loop(
            CandidateFactory(full_name=f"Wendy Wide{n}", email=f"wendy.a.rather.long.address{n}@example.org"),
            start=timezone.now() + dt.timedelta(days=1 + n),
        )
    admin_sign_in(page, world.recruiter.username)
    page.goto("/admin/hiring/candidate/")
    results = page.locator("#changelist .results")
    header = page.locator("th.column-next_interview")
    cell = page.locator("td.field-next_interview").first
    edge = results.bounding_box()
    for element in (header, cell):
        box = element.bounding_box()
        assert box is not None
        assert box["x"] + box["width"] <= min(edge["x"] + edge["width"], WIDE["width"]) + 1, (
            "the Next interview column is cut off at 1440 px"
        )
    hidden = results.evaluate("el => el.scrollWidth - el.clientWidth")
    assert hidden <= 0, f"the list hides {hidden}px to the right at 1440 px"
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at 1440 px"


CONTRAST = """el => {
  const rgb = s => s.match(/[\\d.]+/g).slice(0, 3).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map(v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const style = getComputedStyle(el);
  const [a, b] = [lum(rgb(style.color)), lum(rgb(style.backgroundColor))];
  return (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
}"""


def test_cancelled_badges_pass_colour_contrast(world, web_page):
    from hiring import services

    page = web_page
    loop = world.scheduled_loop(
        CandidateFactory(full_name="Cleo Cancelled"), start=timezone.now() + dt.timedelta(days=2)
    )
    services.cancel_round(round=loop.rounds.order_by("order").last(), by=world.recruiter, reason="Interviewer ill.")
    admin_sign_in(page, world.recruiter.username)
    page.goto("/admin/hiring/candidate/")
    badge = page.locator(".hl-badge.hl-cancelled").first
    # WCAG AA for small text (the badges are 11 px): 4.5:1, with a margin for rounding.
    assert badge.evaluate(CONTRAST) >= 4.6


# --- axe-core: no critical or serious accessibility finding ------------------------------------------

AXE = Path(__file__).resolve().parent.parent / "node_modules" / "axe-core" / "axe.min.js"


def axe_findings(page) -> list[str]:
    """Critical and serious axe-core violations on the page, one line each (rule, impact, where)."""
    if not AXE.exists():
        message = f"axe-core is not installed at {AXE} (run `npm ci` in the project folder)."
        if os.environ.get("CI"):
            pytest.fail(f"{message} CI must run the accessibility checks.", pytrace=False)
        pytest.skip(message)
    # Evaluated through the browser's devtools protocol, which the page's CSP does not govern: a
    # <script> tag with axe's source inline would be refused (script-src 'self', no inline).
    page.evaluate(AXE.read_text())
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [
        f"{v['id']} ({v['impact']}): {v['help']} — {', '.join(str(n['target']) for n in v['nodes'][:5])}"
        for v in result["violations"]
        if v["impact"] in ("critical", "serious")
    ]


def test_axe_finds_nothing_critical_or_serious_on_the_admin_pages(world, web_page):
    from hiring import services

    page = web_page
    loop = world.scheduled_loop(CandidateFactory(full_name="Alma Axe"), start=timezone.now() + dt.timedelta(days=2))
    services.cancel_round(round=loop.rounds.order_by("order").last(), by=world.recruiter, reason="Interviewer ill.")
    vetoed = world.scheduled_loop(CandidateFactory(full_name="Vic Vetoed"))
    world.submit(vetoed.rounds.get(order=1), veto=True, veto_reason="Dishonest.", recommendation="strong_no")
    planned = world.start_loop(CandidateFactory(full_name="Pat Planned")).rounds.order_by("order").first()
    admin_sign_in(page, world.recruiter.username)

    pages = {
        "candidate list": "/admin/hiring/candidate/",
        "candidate page": f"/admin/hiring/candidate/{loop.candidate_id}/change/",
        "schedule form": f"/admin/hiring/round/{planned.pk}/schedule/",
        # Issue 12, materials: the question bank.
        "question bank": "/admin/hiring/question/",
        "new question": "/admin/hiring/question/add/",
        # Issue 9: weekly hours and time off inline, the pools.
        "interviewer page": f"/admin/hiring/interviewer/{world.interviewers[0].pk}/change/",
        "pool form": "/admin/hiring/interviewerpool/add/",
        "my availability": "/availability/",
    }
    found = {}
    for name, url in pages.items():
        for viewport in (PHONE, WIDE):
            page.set_viewport_size(viewport)
            page.goto(url)
            findings = axe_findings(page)
            if findings:
                found[f"{name} at {viewport['width']} px"] = findings
    if found:
        pytest.fail("axe-core findings:\n" + json.dumps(found, indent=1, ensure_ascii=False), pytrace=False)


# --- the hire takes a confirmation, in the browser ---------------------------------------------------


def test_record_hire_on_the_debrief_asks_for_a_confirmation_first(world, web_page):
    from hiring.models import Decision, LoopStatus
    from tests.test_browser import sign_in

    page = web_page
    loop = world.awaiting_decision_loop()
    sign_in(page, world.manager.username, going_to=f"/loops/{loop.pk}/debrief/")

    page.get_by_role("button", name="Record hire").click()
    page.wait_for_load_state()
    # Nothing recorded: the page says why and the box is there to tick.
    assert page.get_by_role("alert").filter(has_text="Tick the box to confirm the hire").count() == 1
    assert not Decision.objects.filter(loop=loop).exists()

    page.get_by_label("I confirm the hire").check()
    page.get_by_role("button", name="Record hire").click()
    page.wait_for_url(re.compile(rf"/loops/{loop.pk}/debrief/$"))
    assert page.get_by_role("heading", name="Decision: Hire").is_visible()
    loop.refresh_from_db()
    assert loop.status == LoopStatus.HIRED


# --- the schedule form does not contradict itself about time zones ----------------------------------


def test_the_schedule_form_names_its_zone_and_no_server_time_note_contradicts_it(
    world, chromium, live_server, settings
):
    settings.SESSION_COOKIE_SECURE = False
    settings.CSRF_COOKIE_SECURE = False
    planned = world.start_loop(CandidateFactory(full_name="Theo Tokyo")).rounds.order_by("order").first()
    zone = world.recruiter.interviewer.time_zone
    # A laptop set to Tokyo, a recruiter whose profile says otherwise: the admin's script would
    # print "You are N hours ahead of server time" beside our "in your time zone".
    assert str(zone) != "Asia/Tokyo"
    context = chromium.new_context(base_url=live_server.url, viewport=WIDE, timezone_id="Asia/Tokyo")
    context.set_default_timeout(15_000)
    try:
        page = context.new_page()
        admin_sign_in(page, world.recruiter.username)
        page.goto(f"/admin/hiring/round/{planned.pk}/schedule/")
        page.locator(".datetimeshortcuts").first.wait_for()
        assert page.get_by_text(re.compile("server time")).filter(visible=True).count() == 0
        assert page.get_by_text(f"In {zone}, the time zone of your profile").is_visible()
    finally:
        context.close()
