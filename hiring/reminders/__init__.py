"""What is due, when, for whom, in which zone; and the sweep that sends it.

Every reminder is a Reminder row. services.py calls the on_* hooks
(planning.py) inside its transaction, so a row commits or rolls back with the
change that caused it: a broker outage can delay a reminder, never lose it.
hours.py holds the time-zone policy below; sending.py the sweep and the send.

Overdue feedback is chased without scanning anything: when the feedback-due
notice or a nudge is sent, the next working day's nudge is written in the same
transaction, keyed by round, schedule and local date, so it is one indexed
claim when due and can never be written twice.

Time-zone policy (DESIGN.md rules 7 and 8)
------------------------------------------
* Instants are UTC; hours are checked in the recipient's IANA zone. A
  daylight-saving change moves a UTC instant, never the local hour, and every
  row has exactly one due instant, so nothing is sent twice or skipped when the
  clocks change.
* Interviewers and recruiters have working hours: their weekly hours (per
  weekday, across midnight; hours.py reads them through
  hiring.scheduling.availability), else the summary (work_start to work_end on
  work_days). Candidates have none: they get the waking window
  settings.HIRING_CANDIDATE_HOURS, every day of the week.
* Urgent, sent at once whatever the hour: the hour-before reminder, and the
  notices that follow someone's action and change a calendar (invitation,
  update, cancellation, veto notice). Held overnight, a cancellation could
  arrive after the interview it cancels.
* Non-urgent, moved forward to the start of the recipient's next working
  window (weekends skipped): feedback due, the daily overdue nudges, the
  escalation to the recruiter.
* The day-before reminder is anchored to the interview and moving it later
  would defeat it, so outside the recipient's hours it moves earlier, to the
  end of their last window before it (Friday 17:30 for a Monday interview).
  If that moment has already passed, it stays at its nominal time.

Sending
-------
sweep() runs from Celery beat every minute. It hands claims whose worker died
back as pending (outbox.recover_expired, its own query over a partial index of
claimed rows), counts the due rows up to HIRING_REMINDER_MAX_IN_FLIGHT (over a
partial index of pending rows: the same cost at any backlog) and queues one
send task per batch. It claims nothing itself: each task claims its batch
(outbox.claim_pending: SELECT ... ORDER BY due_at LIMIT ... FOR UPDATE SKIP
LOCKED) when it starts, and that claim is the attempt. So the rows in flight
are only the ones workers are sending at that moment, a task that waits in the
queue until it expires holds nothing and costs nothing, and a slow SMTP relay
makes a backlog wait, never fail (issue 8, fault 1). A task whose batch was
full queues the next one, so a backlog drains as fast as the workers send.

send_claimed() writes each message (straight to bytes for SMTP:
notifications.build_bytes), sends it on one SMTP session per batch, and marks
the accepted ones sent in one UPDATE per run of MARK_EVERY messages (or
MARK_SECONDS), on condition that the claim is still its own. A row is sent by
at most one claim holder, and a claim never outlives its task: the lease is
longer than a task may run, and a message is started only when the lease has
room for the SMTP timeout. So two sweeps, a duplicated beat, a redelivered or
retried task, never send a row twice.

What remains: if the worker dies after the SMTP server accepted messages and
before their run is marked sent (at most MARK_EVERY messages, under a second),
or the connection drops after the message data went out but before the
server's reply, those rows are sent again when their claim runs out. Every
copy carries the same Message-ID, derived from the row's key, so receivers
that de-duplicate by Message-ID show it once. Exactly-once delivery over SMTP
is not possible; this is at-least-once, with a window that small and a stable
Message-ID.

Backfilled rounds (recorded after their feedback fell due) start their
feedback clock when they are recorded: see planning.feedback_clock.
"""

from hiring.models import Reminder
from hiring.reminders.hours import (
    Hours,
    candidate_hours,
    day_before_due,
    interviewer_hours,
    last_in_hours_before,
    next_in_hours,
    next_nudge_due,
)
from hiring.reminders.planning import (
    on_loop_closed,
    on_loop_vetoed,
    on_round_cancelled,
    on_round_rescheduled,
    on_round_scheduled,
    on_scorecard_submitted,
    plan_resend,
)
from hiring.reminders.sending import SendResult, claim, log, send_claimed, send_due, stale_reason, sweep

__all__ = [
    "Hours",
    "Reminder",
    "SendResult",
    "candidate_hours",
    "claim",
    "day_before_due",
    "interviewer_hours",
    "last_in_hours_before",
    "log",
    "next_in_hours",
    "next_nudge_due",
    "on_loop_closed",
    "on_loop_vetoed",
    "on_round_cancelled",
    "on_round_rescheduled",
    "on_round_scheduled",
    "on_scorecard_submitted",
    "plan_resend",
    "send_claimed",
    "send_due",
    "stale_reason",
    "sweep",
]
