"""Scheduling (issue 9): availability as data, calendar feeds, the solver, proposals.

availability.py is the contract the solver reads: who is free when, how loaded, who is
qualified. Pure where it can be; the queries it makes do not grow with the number of
interviewers asked about.
"""
