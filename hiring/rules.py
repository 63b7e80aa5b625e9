"""The loop rules of DESIGN.md as pure checks.

Each check takes plain values and returns the problems it finds, in words a
recruiter understands; an empty list means the rule holds. services.py raises
them as a DomainError; the debrief page and the admin show them as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


class DomainError(Exception):
    """An illegal change: the message is shown to the person who tried it.

    `code` is a stable, machine-readable name for the rule that refused (the API
    answers it as "code"); `extra` holds facts a program can act on (which person,
    which local time), answered beside it.
    """

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None, extra: dict | None = None):
        super().__init__(message)
        self.message = message
        self.field = field
        self.code = code
        self.extra = extra or {}


class NotPermitted(DomainError):
    """The person may see the object but may not make this change."""


def min_rounds(position_min: int = 0) -> int:
    """The round floor for a position: the company's, or the position's if higher."""
    return max(5, settings.HIRING_MIN_ROUNDS, position_min)


def min_departments() -> int:
    return max(2, settings.HIRING_PANEL_MIN_DEPARTMENTS)


def min_levels() -> int:
    return max(2, settings.HIRING_PANEL_MIN_LEVELS)


def check_plan(kinds: Sequence[str], *, position_min: int = 0) -> list[str]:
    """A loop plan (or a loop's live rounds): enough rounds, exactly one bar raiser."""
    problems = []
    floor = min_rounds(position_min)
    if len(kinds) < floor:
        problems.append(
            ngettext(
                "A loop needs at least %(floor)d rounds; this one has %(count)d.",
                "A loop needs at least %(floor)d rounds; this one has %(count)d.",
                floor,
            )
            % {"floor": floor, "count": len(kinds)}
        )
    bar_raisers = sum(1 for kind in kinds if kind == "bar_raiser")
    if bar_raisers == 0:
        problems.append(_("A loop needs a bar-raiser round."))
    elif bar_raisers > 1:
        problems.append(_("A loop has exactly one bar-raiser round; this one has %(count)d.") % {"count": bar_raisers})
    return problems


@dataclass(frozen=True)
class Seat:
    """One interviewer's place on a panel, as the panel rules see it."""

    interviewer_id: int
    name: str
    department_id: int
    department: str
    level_id: int


def check_no_repeat(seats: Iterable[Seat]) -> list[str]:
    seen: dict[int, str] = {}
    problems = []
    for seat in seats:
        if seat.interviewer_id in seen:
            problems.append(_("%(name)s already sits on this loop; no interviewer sits twice.") % {"name": seat.name})
        seen[seat.interviewer_id] = seat.name
    return problems


def check_panel_variety(seats: Sequence[Seat]) -> list[str]:
    """A full panel spans enough departments and seniority levels."""
    problems = []
    departments = {seat.department_id for seat in seats}
    levels = {seat.level_id for seat in seats}
    if len(departments) < min_departments():
        names = ", ".join(sorted({seat.department for seat in seats}))
        problems.append(
            ngettext(
                "The panel spans %(count)d department (%(names)s); it needs at least %(floor)d.",
                "The panel spans %(count)d departments (%(names)s); it needs at least %(floor)d.",
                len(departments),
            )
            % {"count": len(departments), "names": names, "floor": min_departments()}
        )
    if len(levels) < min_levels():
        problems.append(
            ngettext(
                "The panel spans %(count)d seniority level; it needs at least %(floor)d.",
                "The panel spans %(count)d seniority levels; it needs at least %(floor)d.",
                len(levels),
            )
            % {"count": len(levels), "floor": min_levels()}
        )
    return problems


def check_bar_raiser(
    *, name: str, is_trained: bool, department_id: int, department: str, hiring_department_id: int
) -> list[str]:
    problems = []
    if not is_trained:
        problems.append(_("%(name)s is not a trained bar raiser.") % {"name": name})
    if department_id == hiring_department_id:
        problems.append(
            _("The bar raiser must come from a department other than %(department)s.") % {"department": department}
        )
    return problems


@dataclass(frozen=True)
class RoundState:
    """What rule 6 needs to know of one round."""

    label: str
    kind: str
    status: str
    has_scorecard: bool


def hire_blockers(*, loop_status: str, vetoed: bool, rounds: Sequence[RoundState], position_min: int = 0) -> list[str]:
    """Why a hire cannot be recorded now (rule 6); empty when it can."""
    if vetoed:
        return [_("The loop was vetoed; no hire can be recorded.")]
    if loop_status not in {"scheduled", "in_progress", "awaiting_decision"}:
        from hiring.models import LoopStatus  # models import this module's neighbours; read lazily

        status = dict(LoopStatus.choices).get(loop_status, loop_status)
        return [_("The loop is %(status)s; a hire needs a loop that is still open.") % {"status": status}]
    problems = []
    live = [r for r in rounds if r.status not in {"cancelled", "no_show"}]
    for r in live:
        if r.status != "submitted" or not r.has_scorecard:
            problems.append(_("Round “%(round)s” has no submitted scorecard yet.") % {"round": r.label})
    done = [r for r in live if r.status == "submitted" and r.has_scorecard]
    floor = min_rounds(position_min)
    if len(done) < floor:
        problems.append(
            ngettext(
                "A hire needs at least %(floor)d rounds with a submitted scorecard; this loop has %(count)d.",
                "A hire needs at least %(floor)d rounds with a submitted scorecard; this loop has %(count)d.",
                floor,
            )
            % {"floor": floor, "count": len(done)}
        )
    if not any(r.kind == "bar_raiser" for r in done):
        problems.append(_("A hire needs the bar raiser's submitted scorecard."))
    return problems
