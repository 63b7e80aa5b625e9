"""Failures in the admin (issue 8): a failed reminder or webhook delivery shows its
reason, is retried with one click, and is counted on the admin index with a link
to the filtered list, for a constant number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from hiring import services
from hiring.admin.failures import unresolved_failed_reminders
from hiring.models import (
    DeliveryStatus,
    Event,
    EventKind,
    Reminder,
    ReminderKind,
    ReminderStatus,
    WebhookDelivery,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def recruiter_client(client, world):
    client.force_login(world.recruiter)
    return client


def fail_invitations(world, count: int, *, error: str = "SMTPRecipientsRefused: 550 mailbox unavailable"):
    """A loop three days ahead: its invitations, `count` of them failed."""
    world.scheduled_loop(start=timezone.now() + dt.timedelta(days=3))
    pending = Reminder.objects.filter(kind=ReminderKind.INVITATION, status=ReminderStatus.PENDING)
    ids = list(pending.order_by("pk").values_list("pk", flat=True))
    Reminder.objects.filter(pk__in=ids[:count]).update(status=ReminderStatus.FAILED, last_error=error, attempts=1)
    return list(Reminder.objects.filter(pk__in=ids[:count]).order_by("pk"))


def failed_deliveries(count: int, *, error: str = "HTTP 503 from receiver") -> list[WebhookDelivery]:
    subscription = services.create_webhook_subscription(
        url="https://hooks.example.com/in", events=[], secret="s" * 32, by=None
    )
    events = Event.objects.bulk_create([Event(kind=EventKind.LOOP_DECIDED) for _ in range(count)])
    return WebhookDelivery.objects.bulk_create(
        [
            WebhookDelivery(
                subscription=subscription,
                event=event,
                status=DeliveryStatus.FAILED,
                attempts=8,
                next_attempt_at=timezone.now(),
                last_status_code=503,
                last_error=error,
            )
            for event in events
        ]
    )


def index_queries(client) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(reverse("admin:index"))
    assert response.status_code == 200
    return len(captured), response.content.decode()


def test_the_admin_index_counts_failures_and_links_to_the_filtered_lists(recruiter_client, world):
    fail_invitations(world, 2)
    failed_deliveries(3)
    _queries, page = index_queries(recruiter_client)
    assert "2 reminders failed and were not sent again." in page
    assert "3 webhook deliveries gave up." in page
    assert f'href="{reverse("admin:hiring_reminder_changelist")}?attention=failed"' in page
    assert f'href="{reverse("admin:hiring_webhookdelivery_changelist")}?status__exact=failed"' in page


def test_the_admin_index_says_nothing_when_nothing_failed(recruiter_client, world):
    _queries, page = index_queries(recruiter_client)
    assert "Needs attention" not in page


def test_the_failure_banner_costs_the_same_queries_with_one_or_many_failures(recruiter_client, world):
    fail_invitations(world, 1)
    failed_deliveries(1)
    few, page = index_queries(recruiter_client)
    assert "1 reminder failed" in page and "1 webhook delivery gave up." in page
    fail_invitations(world, 12)
    failed_deliveries(40)
    many, page = index_queries(recruiter_client)
    assert "13 reminders failed" in page and "41 webhook deliveries gave up." in page
    # The banner's part: one capped COUNT of unresolved failed reminders, one of failed deliveries.
    assert few == many


def test_someone_who_may_not_see_reminders_gets_no_banner(client, world):
    fail_invitations(world, 2)
    staff = UserFactory(username="plain-staff", is_staff=True)
    client.force_login(staff)
    page = client.get(reverse("admin:index")).content.decode()
    assert "reminders failed" not in page


def test_a_failed_reminder_shows_its_reason_and_a_one_click_send_again(recruiter_client, world):
    [failed] = fail_invitations(world, 1)
    page = recruiter_client.get(reverse("admin:hiring_reminder_changelist") + "?attention=failed").content.decode()
    assert "failed: SMTPRecipientsRefused: 550 mailbox unavailable" in page
    retry = reverse("admin:hiring_reminder_retry", args=[failed.pk])
    assert f'formaction="{retry}"' in page
    # Its page has the button too.
    detail = recruiter_client.get(reverse("admin:hiring_reminder_change", args=[failed.pk])).content.decode()
    assert f'action="{retry}"' in detail


def test_one_click_sends_a_failed_reminder_again_and_it_leaves_the_count(recruiter_client, world):
    first, second = fail_invitations(world, 2)
    changelist = reverse("admin:hiring_reminder_changelist") + "?attention=failed"
    response = recruiter_client.post(
        reverse("admin:hiring_reminder_retry", args=[first.pk]), headers={"referer": f"http://testserver{changelist}"}
    )
    assert response.status_code == 302 and response["Location"] == f"http://testserver{changelist}"
    copy = Reminder.objects.get(key=f"{first.key}:resend1")
    assert copy.status == ReminderStatus.PENDING and copy.due_at <= timezone.now()
    assert Event.objects.filter(kind=EventKind.REMINDER_RESENT, actor=world.recruiter).count() == 1
    # The original keeps its history (still failed), but no longer needs attention.
    first.refresh_from_db()
    assert first.status == ReminderStatus.FAILED
    assert list(unresolved_failed_reminders()) == [second]
    page = recruiter_client.get(changelist).content.decode()
    assert "will be sent again within a minute" in page
    _queries, index = index_queries(recruiter_client)
    assert "1 reminder failed and was not sent again." in index


def test_a_failed_copy_sent_again_needs_attention_no_more(world):
    [original] = fail_invitations(world, 1)
    copy = services.resend_reminder(reminder=original, by=world.recruiter)
    Reminder.objects.filter(pk=copy.pk).update(status=ReminderStatus.FAILED, last_error="again")
    assert [r.pk for r in unresolved_failed_reminders()] == [copy.pk]
    services.resend_reminder(reminder=Reminder.objects.get(pk=copy.pk), by=world.recruiter)
    assert list(unresolved_failed_reminders()) == []


def test_sending_again_is_refused_with_a_message_when_the_round_moved_on(recruiter_client, world):
    [failed] = fail_invitations(world, 1)
    services.cancel_round(round=failed.round, by=world.recruiter, reason="Panel changed.")
    response = recruiter_client.post(reverse("admin:hiring_reminder_retry", args=[failed.pk]), follow=True)
    assert response.status_code == 200
    assert "out of date" in response.content.decode()
    assert not Reminder.objects.filter(key__startswith=f"{failed.key}:resend").exists()


def test_retry_is_a_post_and_needs_the_permission(client, recruiter_client, world):
    [failed] = fail_invitations(world, 1)
    url = reverse("admin:hiring_reminder_retry", args=[failed.pk])
    assert recruiter_client.get(url).status_code == 405
    staff = UserFactory(username="viewer", is_staff=True)
    from django.contrib.auth.models import Permission

    staff.user_permissions.add(Permission.objects.get(codename="view_reminder"))
    client.force_login(staff)
    assert client.post(url).status_code == 403
    assert "formaction" not in client.get(reverse("admin:hiring_reminder_changelist")).content.decode()
    assert not Reminder.objects.filter(key__startswith=f"{failed.key}:resend").exists()


def test_a_failed_delivery_shows_its_reason_and_is_retried_with_one_click(recruiter_client, world):
    [delivery] = failed_deliveries(1)
    page = recruiter_client.get(
        reverse("admin:hiring_webhookdelivery_changelist") + "?status__exact=failed"
    ).content.decode()
    assert "HTTP 503 from receiver" in page
    retry = reverse("admin:hiring_webhookdelivery_retry", args=[delivery.pk])
    assert f'formaction="{retry}"' in page
    detail = recruiter_client.get(reverse("admin:hiring_webhookdelivery_change", args=[delivery.pk]))
    assert f'action="{retry}"' in detail.content.decode()

    response = recruiter_client.post(retry, follow=True)
    assert "will be sent again at the next sweep" in response.content.decode()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == (DeliveryStatus.PENDING, 0)
    _queries, index = index_queries(recruiter_client)
    assert "webhook deliver" not in index


def test_the_failed_lists_keep_a_constant_query_count(recruiter_client, world):
    fail_invitations(world, 1)
    failed_deliveries(1)

    def queries(url: str) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert recruiter_client.get(url).status_code == 200
        return len(captured)

    reminders_url = reverse("admin:hiring_reminder_changelist") + "?attention=failed"
    deliveries_url = reverse("admin:hiring_webhookdelivery_changelist") + "?status__exact=failed"
    few = queries(reminders_url), queries(deliveries_url)
    fail_invitations(world, 12)
    failed_deliveries(30)
    assert (queries(reminders_url), queries(deliveries_url)) == few


def test_the_banner_stops_counting_at_its_cap(recruiter_client, world):
    failed_deliveries(120)
    _queries, page = index_queries(recruiter_client)
    assert "99+ webhook deliveries gave up." in page
