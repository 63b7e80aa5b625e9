"""A recruiter finds a failed reminder from the admin index and sends it again with
one click, in a real browser (headless Chromium, the live test server)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from hiring.models import Reminder, ReminderKind, ReminderStatus
from tests.factories import PASSWORD
from tests.test_browser import shot

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]


def test_a_recruiter_finds_a_failed_reminder_on_the_admin_index_and_sends_it_again(web_page, world):
    world.scheduled_loop(start=timezone.now() + dt.timedelta(days=3))
    failed = Reminder.objects.filter(kind=ReminderKind.INVITATION).order_by("pk").first()
    Reminder.objects.filter(pk=failed.pk).update(
        status=ReminderStatus.FAILED, last_error="SMTPRecipientsRefused: 550 mailbox unavailable"
    )
    page = web_page
    page.goto("/admin/")
    page.get_by_label("Username").fill(world.recruiter.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()

    shot(page, "admin-index-failures")
    banner = page.get_by_role("alert")
    banner.get_by_role("link", name="1 reminder failed and was not sent again.").click()
    page.wait_for_url(re.compile(r"/admin/hiring/reminder/\?attention=failed$"))
    row = page.get_by_role("row").filter(has_text="550 mailbox unavailable")
    shot(page, "admin-reminders-needing-attention")
    row.get_by_role("button", name="Send again").click()

    page.wait_for_url(re.compile(r"/admin/hiring/reminder/\?attention=failed$"))
    assert page.get_by_text(f"The reminder to {failed.email} will be sent again within a minute.").is_visible()
    assert Reminder.objects.get(key=f"{failed.key}:resend1").status == ReminderStatus.PENDING

    page.goto("/admin/")
    assert page.get_by_role("alert").count() == 0
