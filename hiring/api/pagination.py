"""Cursor pagination everywhere: a page costs the same on the millionth row as on
the first (no COUNT, no OFFSET scan), and rows added while a client pages do
not shift what it sees."""

from __future__ import annotations

from django.utils.translation import gettext as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import CursorPagination


class CursorPage(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    # Newest first by default; views that read like a feed (events) go oldest first.
    ordering = "-id"

    def get_page_size(self, request) -> int:
        """The page size asked for, 1 to max_page_size, as the schema documents it.

        DRF quietly falls back to the default for anything else (0, -1, "null",
        an empty value) and cuts 1,000 down to the maximum: a client then pages
        through something other than it asked for without knowing. Here a page
        size outside the documented range is a 400 naming the parameter.
        """
        param = self.page_size_query_param
        if param not in request.query_params:
            return self.page_size
        values = request.query_params.getlist(param)
        text = values[-1].strip() if values else ""
        if len(values) != 1 or not text.isascii() or not text.isdigit() or not 1 <= int(text) <= self.max_page_size:
            message = _("Give a whole number from 1 to %(maximum)d.") % {"maximum": self.max_page_size}
            raise ValidationError({param: [message]})
        return int(text)

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_size_query_param:
                parameter["schema"] = {"type": "integer", "minimum": 1, "maximum": self.max_page_size}
                parameter["description"] = f"Rows per page, 1 to {self.max_page_size} (default {self.page_size})."
        return parameters


class FeedPage(CursorPage):
    ordering = "id"
