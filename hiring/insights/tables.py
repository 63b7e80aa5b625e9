"""Insights: the tables people read, shaped from the parts (sums, ratios, maxima, the
departments' totals and the calibration z-scores)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from hiring.insights.parts import PERSON_MAXES, PERSON_SUMS, STATE_COLUMNS, Partials
from hiring.insights.scope import (
    CALIBRATION_Z,
    KIND_LABELS,
    STATE_LABELS,
    calibration_min_scorecards,
    feedback_target_hours,
)
from hiring.models import (
    Interviewer,
    Position,
)

# --- the tables, from the parts --------------------------------------------------------------


@dataclass
class Table:
    """One figure: columns (key, label) and rows (dicts keyed by column key)."""

    key: str
    title: str
    columns: list[tuple[str, str]]
    rows: list[dict] = field(default_factory=list)
    description: str = ""


def _round(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def _share(part: int, whole: int) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _days(seconds: float | None, count: int = 1) -> float | None:
    return None if seconds is None else _round(seconds / 86400 / count, 2)


def time_to_decision(parts: Partials, positions: dict[int, Position]) -> tuple[Table, Table]:
    """Loop created → decided (hired or rejected, a veto included), per position and department, in days."""
    columns = [
        ("decided", _("Decided")),
        ("hired", _("Hired")),
        ("avg_days", _("Average days")),
        ("max_days", _("Longest (days)")),
    ]
    by_position = Table(
        "time_to_decision_by_position",
        _("Time to decision by position"),
        [("position", _("Position")), ("department", _("Department")), *columns],
        description=_("Days from the start of the loop to the decision, loops decided so far."),
    )
    departments: dict[str, dict] = {}
    for pos in sorted(parts.loops):
        row, position = parts.loops[pos], positions.get(pos)
        if position is None or not row["decided"]:
            continue
        by_position.rows.append(
            {
                "position": position.title,
                "department": position.department.name,
                "decided": row["decided"],
                "hired": row["hired"],
                "avg_days": _days(row["decision_seconds"], row["decided"]),
                "max_days": _days(row["decision_max_seconds"]),
            }
        )
        dept = departments.setdefault(position.department.name, {"decided": 0, "hired": 0, "seconds": 0.0, "max": 0.0})
        dept["decided"] += row["decided"]
        dept["hired"] += row["hired"]
        dept["seconds"] += row["decision_seconds"]
        dept["max"] = max(dept["max"], row["decision_max_seconds"] or 0.0)
    by_department = Table(
        "time_to_decision_by_department",
        _("Time to decision by department"),
        [("department", _("Department")), *columns],
        description=_("Days from the start of the loop to the decision, loops decided so far."),
    )
    for name in sorted(departments):
        d = departments[name]
        by_department.rows.append(
            {
                "department": name,
                "decided": d["decided"],
                "hired": d["hired"],
                "avg_days": _days(d["seconds"], d["decided"]),
                "max_days": _days(d["max"]),
            }
        )
    return by_position, by_department


def time_in_state(parts: Partials, positions: dict[int, Position]) -> tuple[Table, Table, Table]:
    """Average days in each open state, per position, department and overall (stays that ended)."""
    columns = [(state, label) for state, label in STATE_LABELS.items()]
    by_position = Table(
        "time_in_state_by_position",
        _("Average days in each state by position"),
        [("position", _("Position")), ("department", _("Department")), *columns],
        description=_("Average days a loop spent in each state before it moved on."),
    )
    per_department: dict[str, dict] = {}
    overall: dict[str, list[float]] = {state: [0, 0.0] for state in STATE_LABELS}

    def averages(sums: dict) -> dict:
        return {state: _days(sums[state][1], sums[state][0]) if state in sums else None for state in STATE_LABELS}

    for pos in sorted(parts.loops, key=lambda p: (positions[p].title, p) if p in positions else ("", p)):
        row, position = parts.loops[pos], positions.get(pos)
        if position is None:
            continue
        own = {}
        for state, (stays_column, seconds_column) in STATE_COLUMNS.items():
            count, seconds = row[stays_column], row[seconds_column]
            if not count:
                continue
            own[state] = (count, seconds)
            dept = per_department.setdefault(position.department.name, {})
            c, s = dept.get(state, (0, 0.0))
            dept[state] = (c + count, s + seconds)
            overall[state][0] += count
            overall[state][1] += seconds
        if own:
            by_position.rows.append(
                {"position": position.title, "department": position.department.name, **averages(own)}
            )
    by_department = Table(
        "time_in_state_by_department",
        _("Average days in each state by department"),
        [("department", _("Department")), *columns],
        description=_("Average days a loop spent in each state before it moved on."),
    )
    for name in sorted(per_department):
        by_department.rows.append({"department": name, **averages(per_department[name])})
    overall_table = Table(
        "time_in_state",
        _("Average days in each state"),
        [("state", _("State")), ("stays", _("Stays")), ("avg_days", _("Average days"))],
        description=_("Average days a loop spent in each state before it moved on."),
    )
    for state, label in STATE_LABELS.items():
        count, seconds = overall[state]
        if count:
            overall_table.rows.append({"state": str(label), "stays": count, "avg_days": _days(seconds, count)})
    return overall_table, by_position, by_department


def _by_kind(parts: Partials, positions: dict[int, Position]) -> dict[str, dict]:
    """The kinds' parts over the viewer's positions (the same adding up as Partials.add)."""
    totals = Partials()
    for (pos, kind), row in parts.kinds.items():
        if pos in positions:
            totals.add("kinds", kind, row)
    return totals.kinds


def pass_through(parts: Partials, positions: dict[int, Position]) -> Table:
    table = Table(
        "pass_through",
        _("Pass-through by round kind"),
        [
            ("kind", _("Round kind")),
            ("loops", _("Loops that held it")),
            ("went_on", _("Went on")),
            ("went_on_pct", _("Went on (%)")),
            ("hired", _("Hired")),
            ("hired_pct", _("Hired (%)")),
        ],
        description=_(
            "Of the loops that held a round of each kind, the share that went on past it and the share hired."
        ),
    )
    by_kind = _by_kind(parts, positions)
    for kind, label in KIND_LABELS.items():
        row = by_kind.get(kind)
        if not row or not row["held"]:
            continue
        table.rows.append(
            {
                "kind": str(label),
                "loops": row["held"],
                "went_on": row["went_on"],
                "went_on_pct": _share(row["went_on"], row["held"]),
                "hired": row["hired"],
                "hired_pct": _share(row["hired"], row["held"]),
            }
        )
    return table


def _veto_columns(first: tuple[str, str], counted: str) -> list[tuple[str, str]]:
    return [first, ("count", counted), ("vetoes", _("Vetoes")), ("veto_pct", _("Veto rate (%)"))]


def _veto_row(first: str, value: str, n: int, vetoes: int) -> dict:
    return {first: value, "count": n, "vetoes": vetoes, "veto_pct": _share(vetoes, n)}


def veto_rates(parts: Partials, positions: dict[int, Position], people: dict[int, dict]) -> tuple[Table, Table, Table]:
    """Vetoes by round kind and by interviewer training (submitted scorecards), and by department (loops)."""
    by_kind = Table(
        "veto_by_kind",
        _("Veto rate by round kind"),
        _veto_columns(("kind", _("Round kind")), _("Scorecards")),
        description=_("Share of submitted scorecards that vetoed the candidate."),
    )
    kinds = _by_kind(parts, positions)
    for kind, label in KIND_LABELS.items():
        row = kinds.get(kind)
        if row and row["cards"]:
            by_kind.rows.append(_veto_row("kind", str(label), row["cards"], row["vetoes"]))
    roles = {True: [0, 0], False: [0, 0]}
    for (pos, interviewer_id), row in parts.people.items():
        if pos in positions and interviewer_id in people:
            role = roles[bool(people[interviewer_id]["is_bar_raiser"])]
            role[0] += row["cards"]
            role[1] += row["vetoes"]
    by_role = Table(
        "veto_by_role",
        _("Veto rate of bar raisers and other interviewers"),
        _veto_columns(("role", _("Interviewers")), _("Scorecards")),
        description=_("Share of submitted scorecards that vetoed the candidate, by the interviewer's training."),
    )
    for flag, label in ((True, _("Trained bar raisers")), (False, _("Other interviewers"))):
        n, vetoes = roles[flag]
        if n:
            by_role.rows.append(_veto_row("role", str(label), n, vetoes))
    departments: dict[str, list[int]] = {}
    for pos, row in parts.loops.items():
        if pos in positions and row["closed"]:
            dept = departments.setdefault(positions[pos].department.name, [0, 0])
            dept[0] += row["closed"]
            dept[1] += row["vetoed"]
    by_department = Table(
        "veto_by_department",
        _("Veto rate by hiring department"),
        _veto_columns(("department", _("Department")), _("Closed loops")),
        description=_("Share of closed loops that ended in a veto."),
    )
    for name in sorted(departments):
        by_department.rows.append(_veto_row("department", name, *departments[name]))
    return by_kind, by_role, by_department


def _name(first: str, last: str, username: str) -> str:
    return f"{first} {last}".strip() or username


def per_interviewer(parts: Partials, positions: dict[int, Position]) -> dict[int, dict]:
    """Each interviewer's parts over the viewer's positions (the same adding up as Partials.add)."""
    totals = Partials()
    for (pos, interviewer_id), row in parts.people.items():
        if pos in positions:
            totals.add("people", interviewer_id, row)
    return totals.people


def feedback_latency(totals: dict[int, dict], owed: dict[int, int], people: dict[int, dict]) -> Table:
    """Interview end → first submission of the scorecard, per interviewer, against the target;
    late = submitted after the target, owed = feedback not in and past the target now."""
    table = Table(
        "feedback_latency",
        _("Feedback latency by interviewer"),
        [
            ("interviewer", _("Interviewer")),
            ("scorecards", _("Scorecards")),
            ("avg_hours", _("Average hours")),
            ("max_hours", _("Longest (hours)")),
            ("late", _("Later than target")),
            ("late_pct", _("Later than target (%)")),
            ("overdue_now", _("Overdue now")),
        ],
        description=_("Hours from the end of the interview to the scorecard; target %(hours)s hours.")
        % {"hours": f"{feedback_target_hours():g}"},
    )
    for pk in sorted(set(owed) | {pk for pk, row in totals.items() if row["latency_count"]}):
        if pk not in people:
            continue
        row = totals.get(pk) or dict.fromkeys(PERSON_SUMS, 0) | dict.fromkeys(PERSON_MAXES)
        n = row["latency_count"]
        table.rows.append(
            {
                "interviewer_id": pk,
                "interviewer": people[pk]["name"],
                "scorecards": n,
                "avg_hours": _round(row["latency_seconds"] / 3600 / n, 1) if n else None,
                "max_hours": _round(row["latency_max_seconds"] / 3600, 1) if n else None,
                "late": row["late"],
                "late_pct": _share(row["late"], n),
                "overdue_now": owed.get(pk, 0),
            }
        )
    table.rows.sort(key=lambda r: (-(r["avg_hours"] or 0), r["interviewer"]))
    return table


def calibration(totals: dict[int, dict], people: dict[int, dict]) -> Table:
    """Per interviewer, on decided loops: how often the recommendation matched the outcome,
    their ratings against the rest of the same panels, and who leans lenient or harsh.

    lean = own mean rating − the mean rating the other panelists gave in the same loops;
    z = (lean − mean of everyone's lean) / their standard deviation (population), for the
    interviewers with HIRING_CALIBRATION_MIN_SCORECARDS (default 5) or more.
    """
    table = Table(
        "calibration",
        _("Interviewer calibration"),
        [
            ("interviewer", _("Interviewer")),
            ("scorecards", _("Scorecards")),
            ("matches", _("Matched the outcome")),
            ("match_pct", _("Matched (%)")),
            ("rated_1", _("Rated 1")),
            ("rated_2", _("Rated 2")),
            ("rated_3", _("Rated 3")),
            ("rated_4", _("Rated 4")),
            ("mean_rating", _("Mean rating")),
            ("panel_mean", _("Panel mean")),
            ("lean", _("Lean")),
            ("z_score", _("z-score")),
            ("flag", _("Outlier")),
        ],
        description=_(
            "Decided loops only. Lean is the interviewer's mean rating minus the mean of the rest of the same panels."
        ),
    )
    for pk, row in totals.items():
        if not row["calibration_cards"] or pk not in people:
            continue
        mean = row["own_sum"] / row["own_count"] if row["own_count"] else None
        panel_mean = row["panel_sum"] / row["panel_count"] if row["panel_count"] else None
        lean = mean - panel_mean if mean is not None and panel_mean is not None else None
        table.rows.append(
            {
                "interviewer_id": pk,
                "interviewer": people[pk]["name"],
                "scorecards": row["calibration_cards"],
                "matches": row["matches"],
                "match_pct": _share(row["matches"], row["calibration_cards"]),
                **{f"rated_{s}": row[f"rated_{s}"] for s in range(1, 5)},
                "mean_rating": _round(mean, 2),
                "panel_mean": _round(panel_mean, 2),
                "lean": _round(lean, 2),
                "z_score": None,
                "flag": "",
                "_lean": lean,
            }
        )
    eligible = [r for r in table.rows if r["_lean"] is not None and r["scorecards"] >= calibration_min_scorecards()]
    if len(eligible) >= 2:
        leans = [r["_lean"] for r in eligible]
        centre = sum(leans) / len(leans)
        spread = math.sqrt(sum((v - centre) ** 2 for v in leans) / len(leans))
        for r in eligible:
            z = (r["_lean"] - centre) / spread if spread > 1e-9 else 0.0
            r["z_score"] = round(z, 2)
            if z >= CALIBRATION_Z:
                r["flag"] = str(_("Lenient"))
            elif z <= -CALIBRATION_Z:
                r["flag"] = str(_("Harsh"))
    for r in table.rows:
        del r["_lean"]
    table.rows.sort(key=lambda r: r["interviewer"])
    return table


def interviewers_named(ids: set[int]) -> dict[int, dict]:
    """Name and training of the interviewers in the figures (one query)."""
    rows = Interviewer.objects.filter(pk__in=ids).values(
        "pk", "user__first_name", "user__last_name", "user__username", "is_bar_raiser"
    )
    return {
        row["pk"]: {
            "name": _name(row["user__first_name"], row["user__last_name"], row["user__username"]),
            "is_bar_raiser": row["is_bar_raiser"],
        }
        for row in rows
    }
