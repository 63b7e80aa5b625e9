"""Cursor pagination everywhere: a page costs the same on the millionth row as on
the first (no COUNT, no OFFSET scan), and rows added while a client pages do
not shift what it sees."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import FieldDoesNotExist
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.pagination import Cursor, CursorPagination


class CursorPage(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    # Newest first by default; views that read like a feed (events) go oldest first.
    ordering = "-id"
    invalid_cursor_message = _("Invalid cursor: follow the next and previous links as given.")

    def paginate_queryset(self, queryset, request, view=None):
        # decode_cursor() checks the cursor's position against the ordering field's type.
        self._model = queryset.model
        return super().paginate_queryset(queryset, request, view)

    def decode_cursor(self, request):
        """A cursor the client made up is bad input (400), whatever it decodes to.

        DRF answers a cursor that does not decode with 404, and hands the position
        of one that does straight to the query: "p=abc" on an id ordering raised in
        the database driver (500), and so did a NUL or an out-of-range time. The
        position is checked here as a value of the ordering field.
        """
        try:
            cursor = super().decode_cursor(request)
        except NotFound:
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]}) from None
        except UnicodeError:  # a cursor that is not ASCII
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]}) from None
        if cursor is None or cursor.position is None:
            return cursor
        try:
            position = self._clean_position(cursor.position)
        except (DjangoValidationError, ValueError, TypeError, OverflowError):
            raise ValidationError({self.cursor_query_param: [self.invalid_cursor_message]}) from None
        return Cursor(offset=cursor.offset, reverse=cursor.reverse, position=position)

    def _clean_position(self, raw: str) -> str:
        if "\x00" in raw:
            raise ValueError("NUL in a cursor")
        model = getattr(self, "_model", None)
        if model is None:
            return raw
        try:
            field = model._meta.get_field(self.ordering[0].lstrip("-"))
        except FieldDoesNotExist:
            return raw  # an annotation: nothing to check it against
        value = field.to_python(raw)
        field.run_validators(value)
        if isinstance(field, models.DateTimeField) and isinstance(value, dt.datetime):
            # An offset PostgreSQL cannot take (or a time that overflows in UTC) is refused;
            # the rest goes to the query as UTC, the way the API wrote it.
            if value.tzinfo is None:
                raise ValueError("a cursor time carries its offset")
            return str(value.astimezone(dt.UTC))
        return raw

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
