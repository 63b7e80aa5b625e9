"""The interviewer pages in a real browser: Debian's headless Chromium, driven
by Playwright against the live test server.

Set SCREENSHOT_DIR to keep a PNG of each page visited (desktop and phone).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from hiring import services
from hiring.models import LoopStatus, Round, RoundStatus
from tests.factories import PASSWORD

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data; serialized_rollback puts back what the
    # migrations wrote (the Recruiters group and its permissions) for the tests after.
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


def shot(page, name: str) -> None:
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        width = page.viewport_size["width"]
        page.screenshot(path=str(Path(folder) / f"{name}-{width}.png"), full_page=True)


def sign_in(page, username: str, *, going_to: str = "/") -> None:
    page.goto(going_to)
    # Not signed in: sent to sign in, with the page asked for remembered.
    assert "/accounts/login/" in page.url
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(re.escape(going_to) + "$"))


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(re.compile(r"/accounts/login/$"))


def rate_everything(page, round_: Round, score: int) -> None:
    for competency in round_.competencies.order_by("name"):
        group = page.get_by_role("group", name=competency.name)
        group.get_by_role("radio", name=re.compile(rf"^{score}: ")).check()


def assert_no_sideways_scroll(page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
    assert overflow <= 0, f"the page scrolls sideways by {overflow}px at {page.viewport_size['width']}px"


def test_an_interviewer_submits_a_scorecard_and_only_then_sees_the_panel(world, web_page):
    page = web_page
    # A loop under way (the screen is in) and a second one ahead, both with Ivy0 on round 2.
    loop = world.scheduled_loop()
    ahead = world.scheduled_loop(start=timezone.now() + dt.timedelta(days=2))
    screen, mine = list(loop.rounds.select_related("interviewer__user").order_by("order"))[:2]
    world.submit(screen)
    screen.scorecards.update(notes="The screen went well: PANEL-NOTE-1")
    ivy = mine.interviewer.user

    sign_in(page, ivy.username)
    shot(page, "home")

    # The interview ahead, in my zone (Berlin) with the candidate's (Singapore) beside it.
    starts_at = ahead.rounds.get(order=2).starts_at
    berlin, singapore = (
        starts_at.astimezone(ZoneInfo("Europe/Berlin")),
        starts_at.astimezone(ZoneInfo("Asia/Singapore")),
    )
    assert berlin.utcoffset() != singapore.utcoffset()
    upcoming = page.get_by_role("region", name=re.compile("Upcoming interviews"))
    card = upcoming.get_by_role("listitem").filter(has_text=str(ahead.candidate))
    their_day = f"{singapore:%a} " if singapore.date() != berlin.date() else ""
    pair = (
        f"{berlin:%a} {berlin.day} {berlin:%b} {berlin:%H:%M} your time · "
        f"{their_day}{singapore:%H:%M} for the candidate (Asia/Singapore)"
    )
    assert pair in card.inner_text()
    assert "Technical" in card.inner_text()
    assert "45 min" in card.inner_text()

    # The scorecard I owe; the packet holds back the panel's scorecards until mine is in.
    owed = page.get_by_role("region", name=re.compile("Scorecards you owe"))
    owed.get_by_role("link", name=re.compile(f"Candidate packet for {re.escape(str(loop.candidate))}")).click()
    panel = page.locator("#panel")
    assert "once you have submitted yours" in panel.inner_text()
    assert "PANEL-NOTE-1" not in page.content()

    page.get_by_role("link", name="Write the scorecard").click()
    shot(page, "scorecard")
    rate_everything(page, mine, 3)
    page.get_by_role("group", name="Overall recommendation").get_by_label("Yes", exact=True).check()
    page.get_by_label("Notes").fill("Reasoned carefully about trade-offs: MY-NOTE-2")
    page.get_by_role("button", name="Submit scorecard").click()

    page.wait_for_url(re.compile(rf"/rounds/{mine.pk}/#panel$"))
    assert "Scorecard submitted." in page.get_by_role("status").inner_text()
    panel_text = page.locator("#panel").inner_text()
    assert "PANEL-NOTE-1" in panel_text
    assert "MY-NOTE-2" in panel_text
    shot(page, "packet-after")
    assert Round.objects.get(pk=mine.pk).status == RoundStatus.SUBMITTED


def test_a_veto_rejects_the_loop_and_the_hiring_managers_debrief_offers_no_hire(world, web_page):
    page = web_page
    # Rounds at -90, -30, +30 ... minutes: mine (the second) has begun, the later ones have not.
    loop = world.scheduled_loop(start=timezone.now() - dt.timedelta(minutes=90))
    rounds = list(loop.rounds.select_related("interviewer__user").order_by("order"))
    world.submit(rounds[0])
    mine = rounds[1]

    sign_in(page, mine.interviewer.user.username, going_to=f"/rounds/{mine.pk}/scorecard/")
    rate_everything(page, mine, 1)
    page.get_by_role("group", name="Overall recommendation").get_by_label("Strong no").check()

    # The reason and the confirmation appear with the veto, and the button says what it will do.
    reason = page.get_by_label("Why you veto")
    assert not reason.is_visible()
    page.get_by_label("I veto this candidate").check()
    assert reason.is_visible()
    submit = page.get_by_role("button", name="Submit and veto")
    assert submit.is_visible()

    # No reason: refused beside the field, nothing saved, what was chosen kept.
    page.get_by_label(re.compile("I understand that my veto ends this loop")).check()
    with page.expect_navigation():
        submit.click()
    assert "A veto needs a written reason." in page.locator("#fs-veto_reason").inner_text()
    assert page.get_by_label("I veto this candidate").is_checked()
    loop.refresh_from_db()
    assert loop.status == LoopStatus.IN_PROGRESS
    shot(page, "scorecard-error")

    page.get_by_label("Why you veto").fill("Claimed others' work as their own.")
    page.get_by_label(re.compile("I understand that my veto ends this loop")).check()
    page.get_by_role("button", name="Submit and veto").click()

    page.wait_for_url(re.compile(rf"/rounds/{mine.pk}/#panel$"))
    assert "Your veto is recorded." in page.get_by_role("status").inner_text()
    assert "Rejected by veto" in page.locator("h1 + p").inner_text()
    the_loop = page.get_by_role("region", name="The loop")
    for later in rounds[2:]:
        item = the_loop.get_by_role("listitem").filter(has_text=later.label)
        assert "Cancelled" in item.inner_text()
    loop.refresh_from_db()
    assert loop.status == LoopStatus.REJECTED
    assert set(loop.rounds.filter(order__gt=mine.order).values_list("status", flat=True)) == {RoundStatus.CANCELLED}

    sign_out(page)
    sign_in(page, world.manager.username, going_to=f"/loops/{loop.pk}/debrief/")
    banner = page.get_by_role("region", name=re.compile("Vetoed by"))
    assert "Claimed others' work as their own." in banner.inner_text()
    assert page.get_by_role("button", name="Record hire").count() == 0
    assert "no decision can be recorded" in page.get_by_role("region", name="Decision").inner_text()
    shot(page, "debrief-vetoed")
    page.set_viewport_size(PHONE)
    assert_no_sideways_scroll(page)
    shot(page, "debrief-vetoed")


def test_the_pages_fit_a_phone_screen(world, web_page):
    page = web_page
    page.set_viewport_size(PHONE)
    loop = world.awaiting_decision_loop()
    world.scheduled_loop(start=timezone.now() + dt.timedelta(days=1))
    world.scheduled_loop(start=timezone.now() - dt.timedelta(days=2))
    mine = loop.rounds.order_by("order")[1]

    sign_in(page, world.interviewers[0].user.username)
    assert_no_sideways_scroll(page)
    shot(page, "home")
    page.goto(f"/rounds/{mine.pk}/")
    assert_no_sideways_scroll(page)
    shot(page, "packet")
    owed = world.interviewers[0].rounds.filter(status=RoundStatus.SCHEDULED).order_by("starts_at").first()
    page.goto(f"/rounds/{owed.pk}/scorecard/")
    assert_no_sideways_scroll(page)
    shot(page, "scorecard")

    sign_out(page)
    sign_in(page, world.manager.username)
    assert page.get_by_role("link", name=re.compile("Open the debrief")).count() == 1
    page.get_by_role("link", name=re.compile("Open the debrief")).click()
    assert page.get_by_role("button", name="Record hire").is_visible()
    assert_no_sideways_scroll(page)
    shot(page, "debrief")
    page.set_viewport_size(DESKTOP)
    shot(page, "debrief")


def test_a_scorecard_can_be_filled_with_the_keyboard_alone(world, web_page):
    page = web_page
    loop = world.scheduled_loop()
    mine = loop.rounds.select_related("interviewer__user").order_by("order")[1]
    sign_in(page, mine.interviewer.user.username, going_to=f"/rounds/{mine.pk}/scorecard/")

    competencies = list(mine.competencies.order_by("name"))
    page.locator(f'input[name="rating_{competencies[0].pk}"]').first.focus()
    for index in range(len(competencies)):
        if index:
            page.keyboard.press("Tab")  # Tab moves to the next group, onto its first point
        page.keyboard.press("Space")  # chooses 1
        page.keyboard.press("ArrowDown")  # the arrow keys move the choice within the group: 2
        page.keyboard.press("ArrowDown")  # 3
    for competency in competencies:
        assert page.locator(f'input[name="rating_{competency.pk}"]:checked').get_attribute("value") == "3"

    page.keyboard.press("Tab")  # the recommendation group
    page.keyboard.press("Space")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")  # strong no -> no -> yes
    assert page.locator('input[name="recommendation"]:checked').get_attribute("value") == "yes"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "id_notes"
    page.keyboard.type("Typed without a mouse.")
    # Then the key take-aways and the private note to the recruiter (issue 12), then the veto.
    for field in ("id_key_takeaways", "id_private_note", "id_veto"):
        page.keyboard.press("Tab")
        assert page.evaluate("document.activeElement.id") == field
    page.keyboard.press("Tab")  # veto details are hidden, so the next stop is Save draft
    assert page.evaluate("document.activeElement.textContent.trim()") == "Save draft"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent.trim()") == "Submit scorecard"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(rf"/rounds/{mine.pk}/#panel$"))
    assert Round.objects.get(pk=mine.pk).status == RoundStatus.SUBMITTED


# --- issue 8, fault 10: a strict Content-Security-Policy the pages pass -------------------

# Reports each violation on the console, where the listener below collects it (Chromium also
# logs its own "Refused to ..." line; either is enough to fail the test).
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  const where = `${event.sourceFile}:${event.lineNumber}`;
  console.error(`CSP violation: ${event.violatedDirective} blocked ${event.blockedURI} at ${where}`);
});
"""


def watch_csp(page) -> list[str]:
    violations: list[str] = []

    def on_console(message) -> None:
        text = message.text
        if "Content Security Policy" in text or "CSP violation" in text:
            violations.append(f"{page.url}: {text}")

    page.on("console", on_console)
    page.context.add_init_script(REPORT_VIOLATIONS)
    return violations


def visit(page, path: str) -> None:
    response = page.goto(path)
    assert response.ok, f"{path}: {response.status}"
    # The policy is really on: a page without it would pass for the wrong reason.
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    page.wait_for_load_state("networkidle")


def test_every_page_passes_the_content_security_policy(world, web_page, settings, tmp_path):
    page = web_page
    settings.STORAGES = {
        **settings.STORAGES,
        "resumes": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "resumes"), "base_url": None},
        },
    }
    violations = watch_csp(page)
    loop = world.awaiting_decision_loop()
    ahead = world.scheduled_loop(start=timezone.now() - dt.timedelta(minutes=30))
    mine = ahead.rounds.select_related("interviewer__user").order_by("order")[0]
    # The packet's materials and kit (issue 12) are on the pages below.
    from django.core.files.base import ContentFile

    from hiring.management.commands.seed_demo import tiny_pdf
    from hiring.models import Question

    services.upload_resume(
        candidate=ahead.candidate, upload=ContentFile(tiny_pdf("x"), name="cv.pdf"), by=world.recruiter
    )
    Question.objects.create(competency=mine.competencies.first(), text="Tell me about a hard bug.", guidance="Owns it.")

    visit(page, "/accounts/login/")
    sign_in(page, mine.interviewer.user.username)
    for path in ["/", "/availability/", f"/rounds/{mine.pk}/", f"/rounds/{mine.pk}/scorecard/"]:
        visit(page, path)
    # The scorecard's script runs under the policy: the veto box shows its details.
    page.get_by_label("I veto this candidate").check()
    assert page.get_by_label("Why you veto").is_visible()
    sign_out(page)

    sign_in(page, world.manager.username, going_to=f"/loops/{loop.pk}/debrief/")
    visit(page, f"/loops/{loop.pk}/debrief/")
    sign_out(page)

    # Issue 9: the candidate's availability page (no login) and the recruiter's propose page.
    from hiring.services import scheduling

    draft = world.start_loop()
    asked = services.request_availability(loop=draft, by=world.recruiter)
    visit(page, f"/availability/{scheduling.availability_token(asked)}/")
    page.get_by_role("button", name="Whole day").first.click()  # its script runs under the policy

    world.recruiter.is_staff = True
    world.recruiter.save()
    sign_in(page, world.recruiter.username)
    for path in [
        "/admin/",
        "/admin/hiring/candidate/",
        f"/admin/hiring/candidate/{loop.candidate.pk}/change/",
        f"/admin/hiring/candidate/{ahead.candidate.pk}/change/",
        "/admin/hiring/candidate/add/",
        f"/admin/hiring/loop/{draft.pk}/propose/",
        f"/admin/hiring/loop/{draft.pk}/request-availability/",
        f"/admin/hiring/position/board/?position={loop.position_id}",
        "/admin/hiring/position/my-action/",
        "/admin/hiring/question/",
        "/admin/hiring/question/add/",
        f"/admin/hiring/competency/{mine.competencies.first().pk}/change/",
        f"/admin/hiring/candidate/{loop.candidate.pk}/message/",
        f"/admin/hiring/loop/message/?loop={loop.pk}&loop={ahead.pk}",
        "/admin/insights/",
        f"/admin/hiring/interviewer/{mine.interviewer_id}/change/",
        "/admin/hiring/interviewerpool/",
    ]:
        visit(page, path)
    visit(page, "/api/docs/")
    # Swagger UI has fetched the schema and drawn the operations.
    page.get_by_text("Hiring Loop API").first.wait_for()
    page.locator(".opblock").first.wait_for()
    # Redoc alone may style inline (it writes <style> elements at run time); scripts stay strict.
    response = page.goto("/api/redoc/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self';" in policy and "style-src 'self' 'unsafe-inline'" in policy
    page.get_by_text("Hiring Loop API").first.wait_for()
    page.wait_for_load_state("networkidle")

    # Redoc's "API docs by Redocly" badge is an image from its CDN; the policy keeps the page
    # from calling a third party, on purpose, and that is the one refusal expected.
    expected = [v for v in violations if "/api/redoc/" in v and "https://cdn.redoc.ly/" in v]
    assert [v for v in violations if v not in expected] == []


# --- issue 8, fault 4: a scorecard typed when the session has ended is not lost ------------


def end_session_server_side(page) -> None:
    """The session ends under the page (expired, or signed out elsewhere): the server forgets it."""
    from importlib import import_module

    from django.conf import settings

    [cookie] = [c for c in page.context.cookies() if c["name"] == settings.SESSION_COOKIE_NAME]
    import_module(settings.SESSION_ENGINE).SessionStore(session_key=cookie["value"]).delete()


def sign_in_here(page, username: str) -> None:
    """On the sign-in page the app sent us to."""
    page.wait_for_url(re.compile(r"/accounts/login/\?next="))
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def local_copies(page) -> list[str]:
    return page.evaluate("Object.keys(localStorage).filter((k) => k.startsWith('hiring.scorecard.'))")


def test_a_scorecard_submitted_after_the_session_ended_is_there_after_signing_in(world, web_page):
    page = web_page
    loop = world.scheduled_loop()
    mine = loop.rounds.select_related("interviewer__user").order_by("order")[1]
    username = mine.interviewer.user.username
    sign_in(page, username, going_to=f"/rounds/{mine.pk}/scorecard/")

    # Typing saves a draft on the server a moment later.
    rate_everything(page, mine, 3)
    page.get_by_role("group", name="Overall recommendation").get_by_label("Yes", exact=True).check()
    page.get_by_label("Notes").fill("First half: AUTOSAVED-1.")
    status = page.locator("#autosave-status")
    status.filter(has_text="Draft saved at").wait_for()
    assert mine.scorecards.get().notes == "First half: AUTOSAVED-1."
    assert local_copies(page) == []  # the server has it all

    # The session ends; the person writes on, and autosave says what happened.
    end_session_server_side(page)
    notes = "First half: AUTOSAVED-1. Second half, written after the session ended: TYPED-LATE."
    page.get_by_label("Notes").fill(notes)
    status.filter(has_text="You are signed out").wait_for()
    assert len(local_copies(page)) == 1

    page.get_by_role("button", name="Submit scorecard").click()
    sign_in_here(page, username)
    page.wait_for_url(re.compile(rf"/rounds/{mine.pk}/scorecard/$"))
    assert "You were signed out before your scorecard was saved" in page.get_by_role("status").first.inner_text()
    assert page.get_by_label("Notes").input_value() == notes
    for competency in mine.competencies.all():
        assert page.locator(f'input[name="rating_{competency.pk}"]:checked').get_attribute("value") == "3"

    page.get_by_role("button", name="Submit scorecard").click()
    page.wait_for_url(re.compile(rf"/rounds/{mine.pk}/#panel$"))
    assert "Scorecard submitted." in page.get_by_role("status").inner_text()
    submitted = mine.scorecards.get(is_current=True)
    assert submitted.notes == notes
    assert not mine.scorecards.filter(submitted_at__isnull=True).exists()
    page.wait_for_load_state("networkidle")
    assert local_copies(page) == []  # cleared once the submission is in


def test_the_copy_kept_in_the_browser_is_offered_back_after_signing_in_again(world, web_page):
    page = web_page
    loop = world.scheduled_loop()
    mine = loop.rounds.select_related("interviewer__user").order_by("order")[1]
    username = mine.interviewer.user.username
    sign_in(page, username, going_to=f"/rounds/{mine.pk}/scorecard/")

    # Signed out before anything reached the server: only the browser has the text.
    end_session_server_side(page)
    rate_everything(page, mine, 4)
    page.get_by_role("group", name="Overall recommendation").get_by_label("Strong yes").check()
    page.get_by_label("Notes").fill("Only this browser has this: LOCAL-ONLY.")
    page.locator("#autosave-status").filter(has_text="You are signed out").wait_for()
    assert not mine.scorecards.exists()

    page.get_by_role("link", name="Sign in again").click()
    sign_in_here(page, username)
    page.wait_for_url(re.compile(rf"/rounds/{mine.pk}/scorecard/$"))
    assert page.get_by_label("Notes").input_value() == ""
    offer = page.get_by_role("region", name="Unsaved copy")
    assert "kept a copy of this scorecard" in offer.inner_text()
    offer.get_by_role("button", name="Restore it").click()
    assert not offer.is_visible()
    assert page.get_by_label("Notes").input_value() == "Only this browser has this: LOCAL-ONLY."
    assert page.get_by_role("group", name="Overall recommendation").get_by_label("Strong yes").is_checked()
    # Restoring counts as typing: the draft reaches the server.
    page.locator("#autosave-status").filter(has_text="Draft saved at").wait_for()
    assert mine.scorecards.get().notes == "Only this browser has this: LOCAL-ONLY."

    page.get_by_role("button", name="Submit scorecard").click()
    page.wait_for_url(re.compile(rf"/rounds/{mine.pk}/#panel$"))
    assert mine.scorecards.get(is_current=True).notes == "Only this browser has this: LOCAL-ONLY."
    page.wait_for_load_state("networkidle")
    assert local_copies(page) == []
