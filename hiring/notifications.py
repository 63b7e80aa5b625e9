"""The email a reminder row becomes: subject and text in the recipient's
language and time zone, a Message-ID derived from the row's key, and an
iCalendar attachment for the notices that change a calendar.

Everything is rendered from the row and its payload (a snapshot taken when the
row was written), so sending the same row twice produces the same message.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import quopri
import re
from email.header import Header
from email.mime.text import MIMEText
from email.utils import formatdate, parseaddr

import icalendar
from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.message import sanitize_address
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from hiring.models import Reminder, ReminderKind
from hiring.times import format_local, format_pair
from hiring.validators import single_line

Kind = ReminderKind

# Notices that carry a calendar file, and what it asks the calendar to do.
CALENDAR_METHODS = {
    Kind.INVITATION: "REQUEST",
    Kind.UPDATE: "REQUEST",
    Kind.CANCELLATION: "CANCEL",
}


def mail_domain() -> str:
    """The sender's domain: it names Message-IDs and calendar UIDs."""
    address = parseaddr(settings.DEFAULT_FROM_EMAIL)[1]
    return address.rpartition("@")[2] or "localhost"


def message_id(key: str) -> str:
    """One Message-ID per reminder row, the same on every attempt, so a receiver
    that de-duplicates by Message-ID shows a re-sent copy once."""
    digest = hashlib.sha256(key.encode()).hexdigest()[:32]
    return f"<reminder.{digest}@{mail_domain()}>"


def calendar_uid(round_id: int) -> str:
    """One UID per round, for its whole life: every update and the cancellation
    change the same calendar event."""
    return f"round-{round_id}@{mail_domain()}"


def _instant(value: str | None) -> dt.datetime | None:
    return dt.datetime.fromisoformat(value) if value else None


def _other_label(audience: str, payload: dict) -> str:
    if audience == "interviewer":
        return _("the candidate")
    if audience == "candidate":
        return _("your interviewer")
    return payload.get("interviewer") or _("the interviewer")


def round_url(payload: dict, suffix: str = "") -> str:
    """The round's own page (the packet), or the home page when the row names no round."""
    if not payload.get("round_id"):
        return f"{settings.SITE_URL}/"
    return f"{settings.SITE_URL}/rounds/{int(payload['round_id'])}/{suffix}"


# Calendars ring this long before the interview.
ALARM_BEFORE = dt.timedelta(minutes=15)


def context(reminder: Reminder) -> dict:
    """What the templates need, with every time in the recipient's zone and the
    other party's beside it."""
    payload = reminder.payload
    audience = payload.get("audience", "interviewer")
    zone = reminder.time_zone
    starts = _instant(payload.get("starts_at"))
    ctx = {
        "reminder": reminder,
        "audience": audience,
        "p": payload,
        "name": payload.get("name", ""),
        "site_url": settings.SITE_URL,
        "zone": zone,
        "starts": None,
        "when": "",
        "when_short": "",
        "ends": "",
        "round_url": round_url(payload),
        "scorecard_url": round_url(payload, "scorecard/"),
        "meeting_url": payload.get("meeting_url") or "",
    }
    if starts is not None:
        other_zone = payload.get("other_zone") or (payload.get("interviewer_zone") if audience == "recruiter" else "")
        ends = starts + dt.timedelta(minutes=payload.get("duration_minutes") or 0)
        when = format_local(starts, zone)
        if other_zone:
            label = _other_label(audience, payload)
            when = format_pair(starts, viewer_zone=zone, other_zone=other_zone, other_label=label)
        ctx.update(
            starts=starts,
            when_short=format_local(starts, zone),
            when=when,
            ends=format_local(ends, zone, with_day=False),
        )
    previous = _instant(payload.get("previous_starts_at"))
    if previous is not None:
        ctx["previous_when"] = format_local(previous, zone)
    expires = _instant(payload.get("expires_at"))
    if expires is not None:
        ctx["expires"] = format_local(expires, zone)
    due = _instant(payload.get("feedback_due_at"))
    if due is not None:
        ctx["due"] = format_local(due, zone)
        overdue = reminder.due_at - due
        ctx["days_overdue"] = max(overdue.days, 1) if reminder.kind == Kind.FEEDBACK_OVERDUE else overdue.days
    ctx["cancelled"] = [
        {
            **item,
            "when": format_pair(
                _instant(item["starts_at"]),
                viewer_zone=zone,
                other_zone=item.get("interviewer_zone") or zone,
                other_label=item.get("interviewer") or _("the interviewer"),
            )
            if item.get("starts_at")
            else "",
        }
        for item in payload.get("cancelled", [])
    ]
    return ctx


def render(reminder: Reminder) -> tuple[str, str]:
    """(subject, text) in the recipient's language. A template's first line is the subject."""
    if reminder.kind == Kind.MESSAGE:
        # Written by a recruiter and rendered when it was written (hiring/messaging.py).
        payload = reminder.payload
        return single_line(str(payload.get("subject", ""))), str(payload.get("body", "")).rstrip() + "\n"
    with translation.override(reminder.payload.get("language") or settings.LANGUAGE_CODE):
        ctx = context(reminder)
        # The subject is the template's first line, so no value may break a line: a name with
        # a CR/LF (stored before names were checked, or from anywhere else) would end the
        # subject early and write header-looking lines into the body. Only the veto reason,
        # which is body text, keeps its lines.
        ctx["p"] = _single_lined(ctx["p"], keep=frozenset({"reason"}))
        ctx["name"] = single_line(str(ctx["name"]))
        text = render_to_string(f"hiring/email/{reminder.kind}.txt", ctx)
    subject, _sep, body = text.strip().partition("\n")
    # Template tags leave runs of blank lines; a message keeps at most one.
    body = re.sub(r"\n{3,}", "\n\n", body.strip())
    return single_line(subject), body + "\n"


def _single_lined(value: object, *, keep: frozenset[str] = frozenset()) -> object:
    if isinstance(value, str):
        return single_line(value)
    if isinstance(value, dict):
        return {k: (v if k in keep else _single_lined(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [_single_lined(item) for item in value]
    return value


def calendar_method(reminder: Reminder) -> str | None:
    if reminder.kind == Kind.VETO_NOTICE:
        # The interviewers of cancelled rounds get their event cancelled; the
        # recruiter's notice is about the loop and carries no event.
        return "CANCEL" if reminder.payload.get("audience") == "interviewer" else None
    return CALENDAR_METHODS.get(reminder.kind)


def build_calendar(reminder: Reminder, *, method: str) -> bytes:
    """An iCalendar file for the round: a stable UID, SEQUENCE from the round's
    sequence (bumped on every move and on cancellation), METHOD REQUEST or CANCEL."""
    payload = reminder.payload
    starts = _instant(payload["starts_at"])
    ends = starts + dt.timedelta(minutes=payload.get("duration_minutes") or 60)
    with translation.override(payload.get("language") or settings.LANGUAGE_CODE):
        if payload.get("audience") == "candidate":
            summary = _("Interview for %(position)s: %(round)s") % payload
        else:
            summary = _("Interview with %(candidate)s: %(round)s") % payload
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//Hiring Loop//Interview reminders//EN")
    calendar.add("version", "2.0")
    calendar.add("method", method)
    event = icalendar.Event()
    event.add("uid", calendar_uid(payload["round_id"]))
    event.add("sequence", int(payload.get("sequence") or 0))
    # The row's creation, not the send: every attempt at one row yields the same file.
    event.add("dtstamp", reminder.created_at.astimezone(dt.UTC))
    event.add("dtstart", starts.astimezone(dt.UTC))
    event.add("dtend", ends.astimezone(dt.UTC))
    event.add("summary", summary)
    event.add("status", "CANCELLED" if method == "CANCEL" else "CONFIRMED")
    meeting = payload.get("meeting_url") or ""
    with translation.override(payload.get("language") or settings.LANGUAGE_CODE):
        lines = []
        if meeting:
            lines.append(_("Join: %(url)s") % {"url": meeting})
        if payload.get("audience") != "candidate":
            # The candidate has no login: the packet is for the panel.
            lines.append(_("The candidate's packet and your scorecard: %(url)s") % {"url": round_url(payload)})
        if lines:
            event.add("description", "\n".join(lines))
        if meeting:
            event.add("location", meeting)
            event.add("url", meeting)
        elif payload.get("audience") != "candidate":
            event.add("url", round_url(payload))
        if method != "CANCEL":
            alarm = icalendar.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", summary)
            alarm.add("trigger", -ALARM_BEFORE)
            event.add_component(alarm)
    sender = parseaddr(settings.DEFAULT_FROM_EMAIL)
    organizer = icalendar.vCalAddress(f"mailto:{sender[1]}")
    organizer.params["cn"] = icalendar.vText(sender[0] or "Hiring Loop")
    event.add("organizer", organizer)
    attendee = icalendar.vCalAddress(f"mailto:{reminder.email}")
    attendee.params["cn"] = icalendar.vText(payload.get("name") or reminder.email)
    attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
    attendee.params["rsvp"] = icalendar.vText("FALSE")
    event.add("attendee", attendee)
    calendar.add_component(event)
    return calendar.to_ical()


def build_message(reminder: Reminder, *, connection=None) -> EmailMessage:
    subject, body = render(reminder)
    message = EmailMessage(
        subject=subject,
        body=body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[reminder.email],
        connection=connection,
        headers={
            "Message-ID": message_id(reminder.key),
            # RFC 3834: out-of-office robots do not answer machine mail.
            "Auto-Submitted": "auto-generated",
            "X-Auto-Response-Suppress": "All",
            # Lets people filter, and support tell a reminder's kind at a glance.
            "X-Hiring-Reminder": reminder.kind,
        },
    )
    method = calendar_method(reminder)
    if method and reminder.payload.get("starts_at"):
        part = MIMEText(build_calendar(reminder, method=method).decode(), "calendar", "utf-8")
        part.set_param("method", method)
        part.add_header("Content-Disposition", "attachment", filename="invite.ics")
        message.attach(part)
    return message


# --- the same message, built straight to bytes for SMTP ---------------------------------
#
# EmailMessage.message().as_bytes() runs the email package's generic generator: it
# parses, folds and re-encodes every header, and was most of the CPU a reminder
# cost a worker (issue 8, "speed at scale"). A reminder has a fixed shape (a few
# known headers, a text part, perhaps a calendar), so build_bytes writes it
# directly. It is used for SMTP only (hiring/reminders/sending.py); other
# backends (files in the demo, locmem in tests) get build_message, and
# tests/test_reminders_mime.py checks that both say the same.

_SAFE_HEADER = re.compile(r"^[\x20-\x7e]*$")


@functools.lru_cache(maxsize=4)
def _sender(from_email: str) -> tuple[str, str]:
    """(From header, envelope address) for DEFAULT_FROM_EMAIL, computed once."""
    _name, address = parseaddr(from_email)
    header = sanitize_address(from_email, "utf-8")
    return header, address


def _header(name: str, value: str) -> bytes:
    """One header line; non-ASCII or long values are RFC 2047 encoded and folded.
    A CR or LF can never reach the header block: values are single-line by then,
    and anything else is refused rather than written."""
    if "\r" in value or "\n" in value:
        raise ValueError(f"A line break in the {name} header.")
    if _SAFE_HEADER.match(value) and len(name) + len(value) < 76:
        return f"{name}: {value}\r\n".encode("ascii")
    charset = "us-ascii" if value.isascii() else "utf-8"
    encoded = Header(value, charset).encode(linesep="\r\n")
    return f"{name}: {encoded}\r\n".encode("ascii")


def _text_part(body: str) -> bytes:
    data = body.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8")
    if data.isascii() and all(len(line) < 990 for line in data.split(b"\r\n")):
        return b'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: 7bit\r\n\r\n' + data
    encoded = quopri.encodestring(data.replace(b"\r\n", b"\n")).replace(b"\n", b"\r\n")
    return b'Content-Type: text/plain; charset="utf-8"\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n' + encoded


def _calendar_part(calendar: bytes, method: str) -> bytes:
    encoded = base64.encodebytes(calendar).replace(b"\n", b"\r\n")
    return (
        f'Content-Type: text/calendar; charset="utf-8"; method="{method}"\r\n'
        "Content-Transfer-Encoding: base64\r\n"
        'Content-Disposition: attachment; filename="invite.ics"\r\n\r\n'
    ).encode("ascii") + encoded


def build_bytes(reminder: Reminder) -> tuple[str, list[str], bytes] | None:
    """(envelope sender, recipients, message bytes) for SMTP: the message
    build_message makes, written directly. None when the recipient's address is
    not plain ASCII (an internationalised address): build_message handles those."""
    if not reminder.email.isascii():
        return None
    subject, body = render(reminder)
    from_header, sender = _sender(settings.DEFAULT_FROM_EMAIL)
    head = b"".join(
        [
            _header("Subject", subject),
            _header("From", from_header),
            _header("To", reminder.email),
            _header("Date", formatdate(localtime=settings.EMAIL_USE_LOCALTIME)),
            _header("Message-ID", message_id(reminder.key)),
            b"Auto-Submitted: auto-generated\r\n",
            b"X-Auto-Response-Suppress: All\r\n",
            _header("X-Hiring-Reminder", reminder.kind),
            b"MIME-Version: 1.0\r\n",
        ]
    )
    text = _text_part(body)
    method = calendar_method(reminder)
    if not (method and reminder.payload.get("starts_at")):
        return sender, [reminder.email], head + text
    # The boundary is derived from the row, so every attempt at it writes the same parts.
    boundary = "==hiring-" + hashlib.sha256(reminder.key.encode()).hexdigest()[:24] + "=="
    calendar = _calendar_part(build_calendar(reminder, method=method), method)
    delimiter = f"--{boundary}\r\n".encode("ascii")
    message = (
        head
        + f'Content-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'.encode("ascii")
        + delimiter
        + text
        + b"\r\n"
        + delimiter
        + calendar
        + f"--{boundary}--\r\n".encode("ascii")
    )
    return sender, [reminder.email], message
