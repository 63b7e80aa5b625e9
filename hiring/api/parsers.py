"""The API's JSON parser: the standard one, refusing with a 400 two bodies that
would otherwise surface as a 500 further in (issue 8, fault 6).

- A body nested a thousand deep makes the json module raise RecursionError,
  which is not the ValueError DRF turns into a 400.
- A body nested deeper than any field of this API needs (a few levels) is
  refused outright, so no serializer or view walks a pathological structure.

A NUL character in a JSON string is left to the fields: every string reaches
the services through a DRF CharField (alone or inside a ListField or
DictField), which refuses it with a 400 naming the field.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

# The deepest body this API reads is a list of objects holding a list (about 4);
# 32 leaves room for any later field without letting a crafted body through.
MAX_DEPTH = 32


def _check_depth(data: Any) -> None:
    """Refuse a body nested deeper than MAX_DEPTH, walking it without recursion."""
    stack: list[tuple[Any, int]] = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_DEPTH:
                raise ParseError(
                    _("JSON parse error - the body is nested deeper than %(depth)s levels.") % {"depth": MAX_DEPTH}
                )
            children = value.values() if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in children)


class SafeJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(
                _("JSON parse error - the body is nested deeper than %(depth)s levels.") % {"depth": MAX_DEPTH}
            ) from None
        _check_depth(data)
        return data
