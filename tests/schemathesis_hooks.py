"""Schemathesis hooks for this API (loaded through schemathesis.toml).

A page cursor is opaque: the only valid ones are those the API hands out in
`next` and `previous`, and a made-up one is refused with a 400. The schema can
only call it "a string", so schemathesis would count every string it invents as
a valid request refused. It does not invent cursors; the cursor's own tests are
in tests/test_api_actions.py.
"""

from __future__ import annotations

import schemathesis


@schemathesis.hook
def map_query(context, query):
    if isinstance(query, dict):
        query.pop("cursor", None)
    return query
