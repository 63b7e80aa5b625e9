"""What is due, when, for whom, in which zone; and the sweep that sends it.

services.py calls the on_* hooks inside its transaction, so a reminder row is
written together with the change that caused it.
"""

from __future__ import annotations

from hiring.models import Loop, Round, Scorecard


def on_round_scheduled(round_: Round) -> None:
    """Plan the invitations and reminders of a newly scheduled round."""


def on_round_rescheduled(round_: Round, *, previous_interviewer=None) -> None:
    """Move the pending reminders of a round and tell those affected."""


def on_round_cancelled(round_: Round) -> None:
    """Withdraw the pending reminders of a round and tell those affected."""


def on_scorecard_submitted(round_: Round) -> None:
    """Withdraw the feedback nudges of a round."""


def on_loop_vetoed(loop: Loop, *, scorecard: Scorecard, cancelled_rounds: list[Round]) -> None:
    """Tell the cancelled rounds' interviewers and the recruiter."""
