"""Schemathesis hooks for this API (loaded through schemathesis.toml).

A page cursor is opaque: the only valid ones are those the API hands out in
`next` and `previous`, and a made-up one is refused with a 400. The schema can
only call it "a string", so schemathesis would count every string it invents as
a valid request refused. It does not invent cursors; the cursor's own tests are
in tests/test_api_actions.py.

A NUL character anywhere in a query string is refused with a 400 by one rule for
the whole site (hiring/middleware: PostgreSQL cannot store it, and no field takes
it), which a schema cannot state parameter by parameter. Generated query values
are sent without NULs; that rule has its own tests in tests/test_api_hardening.py.
"""

from __future__ import annotations

import schemathesis


@schemathesis.hook
def map_query(context, query):
    if isinstance(query, dict):
        query.pop("cursor", None)
        for name, value in query.items():
            if isinstance(value, str):
                query[name] = value.replace("\x00", "")
            elif isinstance(value, list):
                query[name] = [v.replace("\x00", "") if isinstance(v, str) else v for v in value]
    return query
