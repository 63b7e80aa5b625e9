"""Writing to candidates, in a real browser (issue 12): the compose pages work without
any script under the strict CSP, and axe-core finds nothing critical or serious on them."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from hiring.models import MessageTemplate, MessageTemplateTranslation, Reminder, ReminderKind
from tests.factories import CandidateFactory
from tests.test_browser import watch_csp
from tests.test_workspace_browser import PHONE, WIDE, admin_sign_in, axe_findings

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_recruiter_loads_previews_and_sends_a_message_and_the_pages_pass_axe(world, web_page):
    page = web_page
    violations = watch_csp(page)
    template = MessageTemplate.objects.create(name="Next interview")
    MessageTemplateTranslation.objects.create(
        template=template, language="en", subject="Next: {position}", body="Hello {candidate_name}, {next_interview}."
    )
    loop = world.scheduled_loop(
        CandidateFactory(full_name="Mia Mensaje", preferred_language="es", time_zone="America/Mexico_City"),
        start=timezone.now() + dt.timedelta(days=2),
    )
    other = world.start_loop(CandidateFactory(full_name="Oli Other"))
    admin_sign_in(page, world.recruiter.username)

    found = {}
    page.goto(f"/admin/hiring/candidate/{loop.candidate_id}/message/")
    page.get_by_label("Template").select_option(label="Next interview")
    page.get_by_role("button", name="Load the template").click()
    page.wait_for_load_state("networkidle")
    # The candidate reads Spanish; the template has English only, and the page says so.
    assert page.get_by_text("has no Spanish text; this message is in English").is_visible()
    page.get_by_role("button", name="Preview").click()
    page.wait_for_load_state("networkidle")
    assert page.locator("#hl-preview-subject").inner_text() == "Next: Backend Engineer"
    assert "Hello Mia Mensaje" in page.locator("#hl-preview-body").inner_text()
    # The page ran under the strict policy with nothing refused (axe itself, injected below
    # through devtools, applies inline styles the policy refuses: those are not the page's).
    assert violations == []
    for viewport in (PHONE, WIDE):
        page.set_viewport_size(viewport)
        findings = axe_findings(page)
        if findings:
            found[f"compose at {viewport['width']} px"] = findings
    violations.clear()
    page.get_by_role("button", name="Send", exact=True).click()
    page.wait_for_url(f"**/admin/hiring/candidate/{loop.candidate_id}/change/")
    assert page.get_by_text("Written by").first.is_visible()
    assert Reminder.objects.filter(kind=ReminderKind.MESSAGE, recipient_candidate=loop.candidate).count() == 1

    page.goto(f"/admin/hiring/loop/message/?loop={loop.pk}&loop={other.pk}")
    page.get_by_label("Template").select_option(label="Next interview")
    page.get_by_role("button", name="Preview").click()
    page.wait_for_load_state("networkidle")
    assert page.get_by_text("Hello Oli Other").is_visible()
    assert violations == []
    for viewport in (PHONE, WIDE):
        page.set_viewport_size(viewport)
        findings = axe_findings(page)
        if findings:
            found[f"bulk at {viewport['width']} px"] = findings
    page.get_by_role("button", name="Send to all").click()
    page.wait_for_url("**/admin/hiring/loop/")
    assert Reminder.objects.filter(kind=ReminderKind.MESSAGE).count() == 3

    if found:
        pytest.fail("axe-core findings:\n" + json.dumps(found, indent=1, ensure_ascii=False), pytrace=False)
