"""The loop scheduler: OR-Tools CP-SAT over precomputed (round, person, start) choices."""

from __future__ import annotations

from .problem import Problem, Result


def propose(problem: Problem, *, k: int = 3, time_limit_seconds: float = 5.0) -> Result:
    """Up to `k` proposals that differ meaningfully, best first; explanations when none exists."""
    raise NotImplementedError
