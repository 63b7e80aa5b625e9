"""Scheduling: availability as data, the solver, proposals (pure where it can be)."""
