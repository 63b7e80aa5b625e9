"""Candidate privacy (DESIGN.md rule 13): erasure, retention, export; and people who leave.

Erasure anonymises in place rather than deleting rows. The loops, rounds,
ratings, recommendations, decisions' outcomes and every timestamp stay, so the
hiring statistics still count the loop; what could name or reach the person is
overwritten. The places personal data lives, and what erase_candidate does to
each (keep this list in step with the models):

* Candidate: full name -> "[erased]", email -> erased-<id>@erased.invalid (the
  unique address constraint holds and nothing can be sent to it), source,
  phone, links and recruiter notes cleared, time zone -> UTC, language -> en,
  erased_at set; the résumé file deleted from its storage (once the erasure has
  committed) and its metadata cleared.
* Scorecard (drafts and every revision): notes, key take-aways, private note
  and veto reason -> "[erased]" where not empty. Ratings, recommendation, veto flag, times stay.
* Decision: reason -> "[erased]". Outcome, who decided, when, stay.
* Event (about the candidate, their loops or rounds): reason -> "[erased]";
  data cut down to the keys webhooks may carry (ids, kinds, states, times),
  a candidate.updated event keeping only which fields changed.
* Reminder (to the candidate, or about their rounds to interviewers and
  recruiters): pending ones withdrawn; the payload snapshot the message is
  rendered from (names, position, interviewers) cut to ids and times; the
  candidate's address and time zone removed; last_error (an SMTP error can
  quote the address) -> "[erased]".
* WebhookDelivery and WebhookAttempt of those events: last_error / error ->
  "[erased]" (a receiver's reply is logged there). Payloads are not stored:
  they are built from the event when sent, so they follow the event.
* django_admin_log rows of the candidate, their loops, decisions and reminders:
  object_repr (the object's str(), which holds the name) -> "[erased]",
  change_message cleared.

The résumé is the only file kept for a candidate.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Mapping
from typing import Any

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.contrib.admin.models import LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from hiring import notifications, webhooks
from hiring.models import (
    OPEN_LOOP_STATUSES,
    ApiToken,
    Candidate,
    Decision,
    Event,
    EventKind,
    Loop,
    Position,
    Reminder,
    ReminderStatus,
    Round,
    RoundStatus,
    Scorecard,
    WebhookAttempt,
    WebhookDelivery,
    resume_storage,
)
from hiring.rules import DomainError, NotPermitted
from hiring.services.common import User, _require_perm, record_event
from hiring.services.decisions import withdraw

log = logging.getLogger("hiring.privacy")

ERASED = "[erased]"
EXPORT_FORMAT = "hiring-loop/candidate-export/1"
# What a reminder's payload keeps after erasure: enough to tell which round and
# schedule it was about, nothing that names anyone.
REMINDER_KEPT_KEYS = frozenset(
    {
        "audience",
        "round_id",
        "loop_id",
        "sequence",
        "starts_at",
        "duration_minutes",
        "feedback_due_at",
        "previous_starts_at",
        "nudge_day",
        "resend_of",
        "resend_of_key",
    }
)
ERASE_TRIGGERS = ("request", "retention")


def erased_email(candidate_id: int) -> str:
    """A unique address per erased candidate (the unique constraint holds) on the
    reserved .invalid domain, so nothing can ever be delivered to it."""
    return f"erased-{candidate_id}@erased.invalid"


def _iso(value: dt.datetime | None) -> str | None:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z") if value is not None else None


def _anonymous_event_data(data: Mapping[str, Any] | None) -> dict:
    """The keys an event may send out by webhook (ids, kinds, states, times) and no others."""
    data = data or {}
    kept = {key: value for key, value in data.items() if key in webhooks.SAFE_DATA_KEYS}
    if isinstance(data.get("changed"), Mapping):
        kept["changed_fields"] = sorted(data["changed"])
    elif "changed_fields" in data:
        kept["changed_fields"] = data["changed_fields"]
    return kept


def _events_about(candidate_id: int) -> QuerySet[Event]:
    return Event.objects.filter(
        Q(candidate_id=candidate_id) | Q(loop__candidate_id=candidate_id) | Q(round__loop__candidate_id=candidate_id)
    )


def _reminders_about(candidate_id: int) -> QuerySet[Reminder]:
    return Reminder.objects.filter(Q(recipient_candidate_id=candidate_id) | Q(round__loop__candidate_id=candidate_id))


# --- erasure -------------------------------------------------------------------------


@transaction.atomic
def erase_candidate(
    *, candidate: Candidate, by: User | None, force: bool = False, trigger: str = "request"
) -> Candidate:
    """Anonymise a candidate's personal data everywhere it lives (see the module docstring).

    An open loop is refused unless `force`: erasing someone mid-process is
    rarely what a recruiter means (a request to stop is a withdrawal), and the
    refusal says what to do. With `force`, each open loop is withdrawn first
    through services.withdraw, so its rounds are cancelled, the interviewers told
    and the reminders withdrawn exactly as a withdrawal does, then erased.

    Erasing an erased candidate does nothing and records nothing. The
    candidate row is locked first, so two erasures (a request and the
    retention sweep) run one after the other and the second sees the first.
    """
    _require_perm(by, "hiring.erase_candidate", _("Only recruiters can erase a candidate."))
    if trigger not in ERASE_TRIGGERS:
        raise ValueError(f"Unknown erasure trigger {trigger!r}.")
    candidate = Candidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.erased_at is not None:
        return candidate
    open_loops = list(candidate.loops.filter(status__in=OPEN_LOOP_STATUSES).order_by("pk"))
    if open_loops and not force:
        raise DomainError(
            ngettext(
                "This candidate has %(count)d open loop. Withdraw it first, "
                "or erase with force to withdraw it and erase in one step.",
                "This candidate has %(count)d open loops. Withdraw them first, "
                "or erase with force to withdraw them and erase in one step.",
                len(open_loops),
            )
            % {"count": len(open_loops)}
        )
    for loop in open_loops:
        try:
            withdraw(loop=loop, by=by, reason="The candidate's personal data was erased.")
        except DomainError:
            # A decision or a veto closed it after we listed it (withdraw locks the loop and
            # looks again): closed is all erasure needs. Anything else is a real refusal.
            if Loop.objects.filter(pk=loop.pk, status__in=OPEN_LOOP_STATUSES).exists():
                raise

    now = timezone.now()
    pk = candidate.pk
    resume_file = candidate.resume.name if candidate.resume else ""
    Candidate.objects.filter(pk=pk).update(
        full_name=ERASED,
        email=erased_email(pk),
        source="",
        time_zone="UTC",
        preferred_language="en",
        phone="",
        linkedin_url="",
        portfolio_url="",
        recruiter_notes="",
        resume="",
        resume_name="",
        resume_content_type="",
        resume_size=None,
        resume_uploaded_at=None,
        erased_at=now,
        updated_at=now,
    )
    if resume_file:
        # After the commit: a rolled-back erasure must still find its file.
        transaction.on_commit(lambda: resume_storage().delete(resume_file))

    cards = Scorecard.objects.filter(round__loop__candidate_id=pk)
    cards.exclude(notes="").update(notes=ERASED)
    cards.exclude(key_takeaways="").update(key_takeaways=ERASED)
    cards.exclude(private_note="").update(private_note=ERASED)
    cards.exclude(veto_reason="").update(veto_reason=ERASED)
    Decision.objects.filter(loop__candidate_id=pk).exclude(reason="").update(reason=ERASED)

    events = _events_about(pk)
    events.exclude(reason="").update(reason=ERASED)
    changed = []
    for event in events.only("pk", "data").iterator(chunk_size=500):
        data = _anonymous_event_data(event.data)
        if data != event.data:
            event.data = data
            changed.append(event)
    Event.objects.bulk_update(changed, ["data"], batch_size=500)

    event_ids = events.values("pk")
    WebhookDelivery.objects.filter(event__in=event_ids).exclude(last_error="").update(last_error=ERASED)
    WebhookAttempt.objects.filter(delivery__event__in=event_ids).exclude(error="").update(error=ERASED)

    _erase_reminders(pk)
    _erase_admin_log(pk)

    loop_count = Loop.objects.filter(candidate_id=pk).count()
    record_event(
        kind=EventKind.CANDIDATE_ERASED,
        actor=by,
        candidate=candidate,
        data={"trigger": trigger, "loops": loop_count},
    )
    candidate.refresh_from_db()
    return candidate


def _erase_reminders(candidate_id: int) -> None:
    reminders = _reminders_about(candidate_id)
    # Nothing more goes to the candidate or about them. A row a worker has claimed is
    # taken back too: the worker loads and marks rows only while its claim holds.
    reminders.filter(status__in=[ReminderStatus.PENDING, ReminderStatus.CLAIMED]).update(
        status=ReminderStatus.WITHDRAWN, claimed_until=None, claim_token=""
    )
    reminders.filter(recipient_candidate_id=candidate_id).update(email="", time_zone="UTC")
    reminders.exclude(last_error="").update(last_error=ERASED)
    changed = []
    for reminder in reminders.only("pk", "payload").iterator(chunk_size=500):
        payload = {key: value for key, value in (reminder.payload or {}).items() if key in REMINDER_KEPT_KEYS}
        if payload != reminder.payload:
            reminder.payload = payload
            changed.append(reminder)
    Reminder.objects.bulk_update(changed, ["payload"], batch_size=500)


def _erase_admin_log(candidate_id: int) -> None:
    """The admin's own log keeps each object's str() (the candidate's name, a loop's
    "<name> for <position>", a reminder's address): overwrite those."""
    types = ContentType.objects.get_for_models(Candidate, Loop, Decision, Reminder)
    ids = {
        Candidate: [candidate_id],
        Loop: list(Loop.objects.filter(candidate_id=candidate_id).values_list("pk", flat=True)),
        Decision: list(Decision.objects.filter(loop__candidate_id=candidate_id).values_list("pk", flat=True)),
        Reminder: list(_reminders_about(candidate_id).values_list("pk", flat=True)),
    }
    match = Q(pk__in=[])
    for model, pks in ids.items():
        if pks:
            match |= Q(content_type=types[model], object_id__in=[str(pk) for pk in pks])
    LogEntry.objects.filter(match).update(object_repr=ERASED, change_message="")


# --- retention -----------------------------------------------------------------------


def retention_cutoff(now: dt.datetime | None = None) -> dt.datetime:
    return (now or timezone.now()) - relativedelta(months=settings.HIRING_RETENTION_MONTHS)


def candidates_due_for_erasure(*, now: dt.datetime | None = None) -> QuerySet[Candidate]:
    """Candidates not yet erased whose every loop closed before the cutoff, or who
    never had a loop and were added before it; oldest first.

    A loop closes after its candidate was added, so "added before the cutoff" holds
    for every due candidate and lets the walk use candidate_retention_idx.
    """
    cutoff = retention_cutoff(now)
    keeps_them = Loop.objects.filter(candidate=OuterRef("pk")).filter(
        Q(status__in=OPEN_LOOP_STATUSES) | Q(closed_at__isnull=True) | Q(closed_at__gte=cutoff)
    )
    return (
        Candidate.objects.filter(erased_at__isnull=True, created_at__lt=cutoff)
        .exclude(Exists(keeps_them))
        .order_by("created_at", "id")
    )


@dataclasses.dataclass
class RetentionReport:
    cutoff: str
    erased: list[int] = dataclasses.field(default_factory=list)
    skipped: list[int] = dataclasses.field(default_factory=list)
    failed: list[int] = dataclasses.field(default_factory=list)
    more: bool = False

    def as_dict(self) -> dict:
        return dataclasses.asdict(self)


def erase_expired_candidates(
    *, now: dt.datetime | None = None, limit: int | None = None, batch_size: int | None = None
) -> RetentionReport:
    """Erase the candidates past the retention period, at most `limit` a run.

    Each candidate is erased in its own transaction, so one failure costs one
    candidate, not the batch, and no lock is held for long. Safe to run twice or
    concurrently: erase_candidate locks the row and skips an erased one, and a
    candidate who became active again in between (a new loop) is refused by it
    and skipped.
    """
    now = now or timezone.now()
    limit = limit if limit is not None else settings.HIRING_RETENTION_MAX_PER_RUN
    batch_size = batch_size or settings.HIRING_RETENTION_BATCH_SIZE
    report = RetentionReport(cutoff=_iso(retention_cutoff(now)) or "")
    passed: list[int] = []
    while len(report.erased) + len(passed) < limit:
        room = min(batch_size, limit - len(report.erased) - len(passed))
        ids = list(candidates_due_for_erasure(now=now).exclude(pk__in=passed).values_list("pk", flat=True)[:room])
        if not ids:
            break
        for pk in ids:
            try:
                erase_candidate(candidate=Candidate(pk=pk), by=None, trigger="retention")
            except DomainError:
                report.skipped.append(pk)
                passed.append(pk)
            except Exception:
                log.exception("Retention: could not erase candidate %s.", pk)
                report.failed.append(pk)
                passed.append(pk)
            else:
                report.erased.append(pk)
    report.more = candidates_due_for_erasure(now=now).exclude(pk__in=passed).exists()
    log.info(
        "Retention (cutoff %s): erased %d candidate(s), skipped %d, failed %d%s.",
        report.cutoff,
        len(report.erased),
        len(report.skipped),
        len(report.failed),
        "; more are due" if report.more else "",
    )
    return report


# --- export (subject access request) ------------------------------------------------------


def _person(user) -> dict | None:
    if user is None:
        return None
    return {"name": user.get_full_name() or user.get_username()}


def export_candidate(*, candidate: Candidate, by: User | None) -> dict:
    """Everything held about one candidate, as a JSON-ready document.

    The candidate's record; each loop with its position, rounds (times in UTC and
    the interviewers' names), submitted scorecards (their feedback about the
    candidate is the candidate's personal data) and decision; the events about
    them; every email written to them, rendered. Drafts are left out (not yet
    feedback); other people's contact details are left out (only names); and
    nothing is read outside this candidate's own rows. The export itself goes
    on record as an event.
    """
    _require_perm(by, "hiring.export_candidate", _("Only recruiters can export a candidate's data."))
    candidate = Candidate.objects.get(pk=candidate.pk)
    loops = list(
        Loop.objects.filter(candidate=candidate)
        .select_related("position__department", "decision__decided_by")
        .order_by("created_at", "pk")
    )
    rounds = (
        Round.objects.filter(loop__candidate=candidate).select_related("interviewer__user").order_by("loop_id", "order")
    )
    cards = (
        Scorecard.objects.filter(round__loop__candidate=candidate, submitted_at__isnull=False)
        .select_related("author", "round")
        .prefetch_related("ratings__competency")
        .order_by("round__order", "revision")
    )
    rounds_by_loop: dict[int, list[dict]] = {}
    for r in rounds:
        rounds_by_loop.setdefault(r.loop_id, []).append(
            {
                "id": r.pk,
                "order": r.order,
                "kind": r.kind,
                "title": r.label,
                "status": r.status,
                "starts_at": _iso(r.starts_at),
                "ends_at": _iso(r.ends_at),
                "duration_minutes": r.duration_minutes,
                "interviewer": _person(r.interviewer.user) if r.interviewer_id else None,
            }
        )
    cards_by_loop: dict[int, list[dict]] = {}
    for card in cards:
        cards_by_loop.setdefault(card.round.loop_id, []).append(
            {
                "round_id": card.round_id,
                "revision": card.revision,
                "author": _person(card.author),
                "submitted_at": _iso(card.submitted_at),
                "recommendation": card.recommendation,
                "ratings": [
                    {"competency": rating.competency.name, "score": rating.score} for rating in card.ratings.all()
                ],
                "notes": card.notes,
                "key_takeaways": card.key_takeaways,
                "private_note": card.private_note,
                "veto": card.veto,
                "veto_reason": card.veto_reason,
            }
        )

    def decision_of(loop: Loop) -> dict | None:
        decision = getattr(loop, "decision", None)
        if decision is None:
            return None
        return {
            "outcome": decision.outcome,
            "decided_by": _person(decision.decided_by),
            "decided_at": _iso(decision.decided_at),
            "reason": decision.reason,
        }

    events = _events_about(candidate.pk).select_related("actor").order_by("created_at", "pk")
    emails = Reminder.objects.filter(recipient_candidate=candidate).order_by("created_at", "pk")
    document = {
        "format": EXPORT_FORMAT,
        "exported_at": _iso(timezone.now()),
        "candidate": {
            "id": candidate.pk,
            "full_name": candidate.full_name,
            "email": candidate.email,
            "time_zone": candidate.time_zone,
            "preferred_language": candidate.preferred_language,
            "source": candidate.source,
            "phone": candidate.phone,
            "linkedin_url": candidate.linkedin_url,
            "portfolio_url": candidate.portfolio_url,
            "recruiter_notes": candidate.recruiter_notes,
            # The file itself is given by the download (GET /candidates/<id>/resume/); this says
            # it exists and what it is.
            "resume": (
                {
                    "file_name": candidate.resume_name,
                    "content_type": candidate.resume_content_type,
                    "size": candidate.resume_size,
                    "uploaded_at": _iso(candidate.resume_uploaded_at),
                }
                if candidate.resume
                else None
            ),
            "created_at": _iso(candidate.created_at),
            "updated_at": _iso(candidate.updated_at),
            "erased_at": _iso(candidate.erased_at),
        },
        "loops": [
            {
                "id": loop.pk,
                "position": {
                    "id": loop.position_id,
                    "title": loop.position.title,
                    "department": loop.position.department.name,
                },
                "status": loop.status,
                "vetoed": loop.is_vetoed,
                "created_at": _iso(loop.created_at),
                "closed_at": _iso(loop.closed_at),
                "rounds": rounds_by_loop.get(loop.pk, []),
                "scorecards": cards_by_loop.get(loop.pk, []),
                "decision": decision_of(loop),
            }
            for loop in loops
        ],
        "events": [
            {
                "id": event.pk,
                "kind": event.kind,
                "created_at": _iso(event.created_at),
                "actor": _person(event.actor),
                "loop_id": event.loop_id,
                "round_id": event.round_id,
                "reason": event.reason,
                # Another person's address (a resent reminder's) is not the candidate's to have.
                "data": _export_event_data(event),
            }
            for event in events
        ],
        "emails": [_export_email(reminder) for reminder in emails],
    }
    record_event(kind=EventKind.CANDIDATE_EXPORTED, actor=by, candidate=candidate)
    return document


def _export_event_data(event: Event) -> dict:
    data = _anonymous_event_data(event.data)
    if event.kind == EventKind.CANDIDATE_UPDATED and isinstance((event.data or {}).get("changed"), Mapping):
        # Their own record's old and new values are theirs.
        data["changed"] = event.data["changed"]
    return data


def _export_email(reminder: Reminder) -> dict:
    try:
        subject, body = notifications.render(reminder)
    except Exception:  # an erased or old snapshot may no longer render; the facts still go out
        subject = body = ""
    return {
        "id": reminder.pk,
        "kind": reminder.kind,
        "to": reminder.email,
        "status": reminder.status,
        "due_at": _iso(reminder.due_at),
        "sent_at": _iso(reminder.sent_at),
        "subject": subject,
        "body": body,
    }


# --- people who leave ------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class PersonHistory:
    rounds: int
    scorecards: int
    decisions: int
    positions: int
    events: int

    @property
    def any(self) -> bool:
        return bool(self.rounds or self.scorecards or self.decisions or self.positions or self.events)


def person_history(user) -> PersonHistory:
    """What the record holds of someone: deleting them would take (or be blocked by) this."""
    return PersonHistory(
        rounds=Round.objects.filter(interviewer__user=user).count(),
        scorecards=Scorecard.objects.filter(author=user).count(),
        decisions=Decision.objects.filter(decided_by=user).count(),
        positions=Position.objects.filter(Q(hiring_manager=user) | Q(recruiter=user)).count(),
        events=Event.objects.filter(actor=user).count(),
    )


@dataclasses.dataclass(frozen=True)
class Deactivation:
    user: Any
    upcoming_rounds: list[Round]
    already_inactive: bool


@transaction.atomic
def deactivate_person(*, user, by: User | None) -> Deactivation:
    """Someone leaves: they can no longer sign in or be booked, their API tokens are
    revoked and nothing more is sent to them; their rounds, scorecards and decisions
    stay on record under their name. Rounds they are still booked on are returned
    (and recorded) so a recruiter can move them; they are not cancelled here, since
    cancelling a round is a decision about the candidate's loop."""
    _require_perm(by, "hiring.change_interviewer", _("Only recruiters can deactivate someone."))
    user = get_user_model().objects.select_for_update().get(pk=user.pk)
    if by is not None and by.pk == user.pk:
        raise DomainError(_("You cannot deactivate yourself."))
    if user.is_superuser and by is not None and not by.is_superuser:
        raise NotPermitted(_("Only a superuser can deactivate a superuser."))
    upcoming = list(
        Round.objects.filter(
            interviewer__user=user, status=RoundStatus.SCHEDULED, starts_at__gt=timezone.now()
        ).select_related("loop__candidate")
    )
    if not user.is_active:
        return Deactivation(user=user, upcoming_rounds=upcoming, already_inactive=True)
    user.is_active = False
    user.save(update_fields=["is_active"])
    now = timezone.now()
    ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(revoked_at=now)
    Reminder.objects.filter(recipient_user=user, status=ReminderStatus.PENDING).update(
        status=ReminderStatus.WITHDRAWN, claimed_until=None
    )
    record_event(
        kind=EventKind.USER_DEACTIVATED,
        actor=by,
        data={"user_id": user.pk, "upcoming_round_ids": [r.pk for r in upcoming]},
    )
    return Deactivation(user=user, upcoming_rounds=upcoming, already_inactive=False)
