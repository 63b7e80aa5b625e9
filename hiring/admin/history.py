"""A candidate's history in the admin, as sentences a recruiter reads at a glance.

Events are stored with a stable slug (`loop.status_changed`) for machines
(webhooks, the API); people read "Loop moved from Scheduled to In progress".
Every sentence goes through gettext, every time is written by the one helper
of hiring/times.py in the viewer's zone, and the table is built from one query
(the actor, the round and the loop's position come with the events).
"""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _

from hiring.models import Event, EventKind, LoopStatus, Outcome, Recommendation
from hiring.times import format_local

HISTORY_LIMIT = 200


def _who(event: Event) -> str:
    if event.actor is None:
        return _("the system")
    return event.actor.get_full_name() or event.actor.get_username()


def _status(value: str | None) -> str:
    return str(LoopStatus(value).label) if value in LoopStatus.values else (value or "?")


def _when(value: str | None, zone: str) -> str:
    try:
        return format_local(dt.datetime.fromisoformat(value), zone) if value else ""
    except (TypeError, ValueError):
        return ""


def describe(event: Event, *, zone: str) -> str:
    """One event as a sentence in the reader's language; a kind without a sentence falls back to
    its label, an unknown kind to its slug."""
    data = event.data or {}
    who = _who(event)
    round_ = event.round.label if event.round_id else ""
    position = event.loop.position.title if event.loop_id else ""
    kind = event.kind
    if kind == EventKind.CANDIDATE_CREATED:
        return _("Candidate added by %(who)s") % {"who": who}
    if kind == EventKind.CANDIDATE_UPDATED:
        return _("Details changed by %(who)s") % {"who": who}
    if kind == EventKind.LOOP_CREATED:
        return _("Loop for %(position)s started by %(who)s, with %(rounds)s rounds") % {
            "position": position,
            "who": who,
            "rounds": data.get("rounds", "?"),
        }
    if kind in (EventKind.LOOP_STATUS_CHANGED, EventKind.LOOP_SCHEDULED):
        return _("Loop moved from %(from)s to %(to)s") % {
            "from": _status(data.get("from")),
            "to": _status(data.get("to")),
        }
    if kind == EventKind.ROUND_ADDED:
        return _("Round added by %(who)s — %(round)s") % {"who": who, "round": round_}
    if kind == EventKind.ROUND_SCHEDULED:
        return _("%(round)s scheduled by %(who)s for %(when)s") % {
            "round": round_,
            "who": who,
            "when": _when(data.get("starts_at"), zone),
        }
    if kind == EventKind.ROUND_RESCHEDULED:
        return _("%(round)s moved by %(who)s to %(when)s") % {
            "round": round_,
            "who": who,
            "when": _when(data.get("starts_at"), zone),
        }
    if kind == EventKind.ROUND_CANCELLED:
        return _("%(round)s cancelled by %(who)s") % {"round": round_, "who": who}
    if kind == EventKind.ROUND_HELD:
        return _("%(round)s marked held by %(who)s") % {"round": round_, "who": who}
    if kind == EventKind.ROUND_NO_SHOW:
        return _("No-show recorded by %(who)s — %(round)s") % {"who": who, "round": round_}
    if kind in (EventKind.SCORECARD_SUBMITTED, EventKind.SCORECARD_AMENDED):
        recommendation = data.get("recommendation")
        values = {
            "who": who,
            "round": round_,
            "recommendation": str(Recommendation(recommendation).label)
            if recommendation in Recommendation.values
            else "—",
        }
        if kind == EventKind.SCORECARD_AMENDED:
            values["revision"] = data.get("revision", "?")
            return _("Scorecard amended by %(who)s — %(round)s (revision %(revision)s, %(recommendation)s)") % values
        return _("Scorecard submitted by %(who)s — %(round)s (%(recommendation)s)") % values
    if kind == EventKind.LOOP_VETOED:
        return _("Vetoed by %(who)s — %(round)s; the loop is now Rejected") % {"who": who, "round": round_}
    if kind == EventKind.LOOP_DECIDED:
        outcome = data.get("outcome")
        label = str(Outcome(outcome).label) if outcome in Outcome.values else "?"
        return _("Decision recorded by %(who)s: %(outcome)s") % {"who": who, "outcome": label}
    if kind == EventKind.CANDIDATE_WITHDRAWN:
        return _("Withdrawn by %(who)s (the loop was %(from)s)") % {"who": who, "from": _status(data.get("from"))}
    if kind == EventKind.REMINDER_RESENT:
        return _("Reminder sent again by %(who)s") % {"who": who}
    if kind == EventKind.MESSAGE_SENT:
        return _("Message written by %(who)s: “%(subject)s”") % {"who": who, "subject": data.get("subject", "")}
    if kind == EventKind.CANDIDATE_ERASED:
        return _("Personal data erased")
    if kind == EventKind.CANDIDATE_EXPORTED:
        return _("Personal data exported by %(who)s") % {"who": who}
    if kind == EventKind.USER_DEACTIVATED:
        return _("Interviewer's account deactivated by %(who)s") % {"who": who}
    return str(EventKind(kind).label) if kind in EventKind.values else kind


def history_events(candidate_id: int) -> QuerySet[Event]:
    """Newest first, everything the sentences need in the same query."""
    return (
        Event.objects.filter(candidate_id=candidate_id)
        .select_related("actor", "round", "loop__position")
        .order_by("-created_at", "-id")[:HISTORY_LIMIT]
    )


def history_table(candidate_id: int) -> str:
    zone = timezone.get_current_timezone_name()
    why = _("Why")
    # data-label names the reason when a phone shows each row as a card (pipeline.css).
    rows = format_html_join(
        "",
        '<tr><td>{}</td><td>{}</td><td data-label="{}">{}</td></tr>',
        (
            (format_local(event.created_at, zone), describe(event, zone=zone), why, event.reason)
            for event in history_events(candidate_id)
        ),
    )
    return format_html(
        '<table class="hl-history"><thead><tr><th scope="col">{}</th><th scope="col">{}</th>'
        '<th scope="col">{}</th></tr></thead><tbody>{}</tbody></table>',
        _("When (your time)"),
        _("What happened"),
        why,
        rows,
    )
