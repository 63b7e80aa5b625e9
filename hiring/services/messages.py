"""Messages to candidates: a recruiter writes to one candidate or to many loops at once.

A message is a Reminder row of kind "message" (the reminders' outbox): written in
the request's transaction with its subject and body already rendered, then sent by
the same Celery sweep as every reminder, with its retries and its status. The
broker being down delays it; nothing is lost (DESIGN.md, Architecture).
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from hiring import messaging, webhooks
from hiring.models import (
    Candidate,
    Event,
    EventKind,
    Loop,
    MessageTemplate,
    Reminder,
    ReminderKind,
    RoundStatus,
    WebhookDelivery,
    WebhookSubscription,
)
from hiring.rules import DomainError
from hiring.services.common import User, _require_perm

log = logging.getLogger(__name__)

PERMISSION = "hiring.change_reminder"


def recipients_for_loops(loop_ids: Sequence[int], *, now: dt.datetime | None = None) -> list[messaging.Recipient]:
    """Everything the placeholders need for these loops, in one query."""
    now = now or timezone.now()
    loops = (
        Loop.objects.filter(pk__in=list(loop_ids))
        .select_related("candidate", "position__recruiter")
        .annotate(
            next_start=Min(
                "rounds__starts_at",
                filter=Q(rounds__status=RoundStatus.SCHEDULED, rounds__starts_at__gte=now),
            )
        )
        .order_by("pk")
    )
    return [_recipient(loop) for loop in loops]


def _recipient(loop: Loop) -> messaging.Recipient:
    candidate = loop.candidate
    recruiter = loop.position.recruiter
    return messaging.Recipient(
        candidate_id=candidate.pk,
        loop_id=loop.pk,
        name=candidate.full_name,
        email=candidate.email if candidate.erased_at is None else "",
        time_zone=candidate.time_zone,
        language=candidate.preferred_language or messaging.FALLBACK_LANGUAGE,
        position=loop.position.title,
        recruiter_name=recruiter.get_full_name() or recruiter.get_username(),
        next_interview_at=getattr(loop, "next_start", None),
    )


def translations_of(template: MessageTemplate) -> dict[str, tuple[str, str]]:
    return {t.language: (t.subject, t.body) for t in template.translations.all()}


def render_template_for(
    template: MessageTemplate, recipient: messaging.Recipient, translations: dict | None = None
) -> messaging.Rendered:
    """The template in the candidate's language, or in English when it has none (Rendered.fell_back)."""
    translations = translations if translations is not None else translations_of(template)
    picked = messaging.pick_translation(translations, recipient.language)
    if picked is None:
        raise ValidationError(
            {"template": _("The template “%(name)s” has no English text to fall back on.") % {"name": template}}
        )
    language, subject, body = picked
    return messaging.render(
        subject, body, recipient=recipient, language=language, fell_back=language != recipient.language
    )


def _write(
    items: list[tuple[messaging.Recipient, messaging.Rendered]], *, by: User | None, template: MessageTemplate | None
) -> list[Reminder]:
    """The outbox rows and their events, in bulk: a fixed number of queries for any count."""
    now = timezone.now()
    batch = uuid.uuid4().hex
    sender = (by.get_full_name() or by.get_username()) if by is not None else ""
    rows = [
        Reminder(
            key=f"message:{batch}:c{recipient.candidate_id}:l{recipient.loop_id}",
            kind=ReminderKind.MESSAGE,
            recipient_candidate_id=recipient.candidate_id,
            email=recipient.email,
            time_zone=recipient.time_zone,
            urgent=True,
            due_at=now,
            payload={
                "audience": "candidate",
                "language": rendered.language,
                "name": recipient.name,
                "loop_id": recipient.loop_id,
                "subject": rendered.subject,
                "body": rendered.body,
                "template_id": template.pk if template is not None else None,
                "template": template.name if template is not None else "",
                "sent_by_id": by.pk if by is not None else None,
                "sent_by": sender,
            },
        )
        for recipient, rendered in items
    ]
    rows = Reminder.objects.bulk_create(rows)
    actor = by if by is not None and by.is_authenticated else None
    events = Event.objects.bulk_create(
        [
            Event(
                kind=EventKind.MESSAGE_SENT,
                actor=actor,
                candidate_id=row.recipient_candidate_id,
                loop_id=row.payload["loop_id"],
                data={
                    "reminder_id": row.pk,
                    "subject": row.payload["subject"],
                    "template": row.payload["template"],
                    "language": row.payload["language"],
                },
            )
            for row in rows
        ]
    )
    _enqueue_webhooks(events)
    transaction.on_commit(_kick_sender)
    return rows


def _enqueue_webhooks(events: list[Event]) -> None:
    """webhooks.enqueue_for_event for many events: one read of the subscriptions, one insert."""
    if not events:
        return
    kind = events[0].kind
    wanted = [
        sub.pk
        for sub in WebhookSubscription.objects.filter(is_active=True).only("pk", "events")
        if not sub.events or kind in sub.events
    ]
    if not wanted:
        return
    deliveries = WebhookDelivery.objects.bulk_create(
        [WebhookDelivery(subscription_id=pk, event=e, next_attempt_at=e.created_at) for e in events for pk in wanted]
    )
    ids = [d.pk for d in deliveries if d.pk is not None]
    transaction.on_commit(lambda: webhooks._dispatch_new(ids))


def _kick_sender() -> None:
    """After the commit, ask a worker to send now rather than at the next beat. Best
    effort: with the broker down the rows wait for the sweep, they are not lost."""
    from hiring.tasks import send_due_reminders

    try:
        with send_due_reminders.app.producer_or_acquire() as producer:
            producer.connection.ensure_connection(max_retries=0, timeout=1)
            send_due_reminders.apply_async(producer=producer, retry=False, expires=60)
    except Exception:
        log.warning("Could not queue the message sender; the reminder sweep will send the messages.", exc_info=True)


@transaction.atomic
def send_message(
    *,
    loop: Loop,
    subject: str,
    body: str,
    by: User | None,
    language: str | None = None,
    template: MessageTemplate | None = None,
) -> Reminder:
    """Write one message to a loop's candidate (text as edited by the recruiter,
    placeholders filled for them), to be sent by the reminders' worker."""
    _require_perm(by, PERMISSION, _("Only recruiters can write to candidates."))
    errors = {}
    for field, text in (("subject", subject), ("body", body)):
        try:
            messaging.check_text(text or "", single_line=field == "subject")
        except ValidationError as exc:
            errors[field] = exc.messages
        if not (text or "").strip():
            errors[field] = [_("This field is required.")]
    if errors:
        raise ValidationError(errors)
    recipients = recipients_for_loops([loop.pk])
    if not recipients:
        raise ValidationError({"loop": _("No such loop.")})
    recipient = recipients[0]
    if not recipient.email:
        raise DomainError(
            _("This candidate's personal data was erased; nothing more is sent to them."), code="candidate_erased"
        )
    rendered = messaging.render(subject, body, recipient=recipient, language=language or recipient.language)
    return _write([(recipient, rendered)], by=by, template=template)[0]


@transaction.atomic
def send_candidate_message(
    *,
    candidate: Candidate,
    by: User | None,
    loop: Loop | None = None,
    template: MessageTemplate | None = None,
    language: str | None = None,
    subject: str = "",
    body: str = "",
) -> Reminder:
    """Write to one candidate the way integrations ask for it (the API): a template, sent in
    `language` when given (it must have text in it), else in the candidate's language with
    English as the fallback; or a subject and body written by the caller. About `loop`, one
    of the candidate's own, by default their newest. Then exactly send_message: its rules,
    the outbox row and the candidate's timeline."""
    _require_perm(by, PERMISSION, _("Only recruiters can write to candidates."))
    if candidate.erased_at is not None:
        raise DomainError(
            _("This candidate's personal data was erased; nothing more is sent to them."), code="candidate_erased"
        )
    errors: dict[str, list[str]] = {}
    if loop is None:
        loop = Loop.objects.filter(candidate=candidate).order_by("-created_at", "-id").first()
        if loop is None:
            errors["loop"] = [_("This candidate has no loop to write about yet.")]
    elif loop.candidate_id != candidate.pk:
        errors["loop"] = [_("This loop is not one of this candidate's.")]
    if template is not None:
        for field, text in (("subject", subject), ("body", body)):
            if text:
                errors[field] = [_("Give a template or a subject and a body, not both.")]
        if not template.is_active:
            errors["template"] = [_("This template is no longer in use.")]
    if errors or loop is None:
        raise ValidationError(errors)
    if template is not None:
        translations = translations_of(template)
        if language:
            if language not in translations:
                raise ValidationError(
                    {
                        "language": _("The template “%(name)s” has no %(language)s text.")
                        % {"name": template, "language": messaging.language_name(language)}
                    }
                )
            subject, body = translations[language]
        else:
            picked = messaging.pick_translation(translations, candidate.preferred_language)
            if picked is None:
                raise ValidationError(
                    {"template": _("The template “%(name)s” has no English text to fall back on.") % {"name": template}}
                )
            language, subject, body = picked
    return send_message(loop=loop, subject=subject, body=body, language=language, template=template, by=by)


@transaction.atomic
def send_template_to_loops(*, loop_ids: Sequence[int], template: MessageTemplate, by: User | None) -> list[Reminder]:
    """Write the template to the candidate of each loop, each in their language (English
    when theirs has no text). Erased candidates are skipped. At most BULK_LIMIT loops."""
    _require_perm(by, PERMISSION, _("Only recruiters can write to candidates."))
    loop_ids = sorted({int(pk) for pk in loop_ids})
    if not loop_ids:
        raise ValidationError({"loops": _("Pick at least one loop.")})
    if len(loop_ids) > messaging.BULK_LIMIT:
        raise ValidationError(
            {"loops": _("At most %(limit)s loops at once; narrow the selection.") % {"limit": messaging.BULK_LIMIT}}
        )
    if not template.is_active:
        raise ValidationError({"template": _("This template is no longer in use.")})
    translations = translations_of(template)
    items = [
        (recipient, render_template_for(template, recipient, translations))
        for recipient in recipients_for_loops(loop_ids)
        if recipient.email
    ]
    return _write(items, by=by, template=template) if items else []
