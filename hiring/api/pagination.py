"""Cursor pagination everywhere: a page costs the same on the millionth row as on
the first (no COUNT, no OFFSET scan), and rows added while a client pages do
not shift what it sees."""

from rest_framework.pagination import CursorPagination


class CursorPage(CursorPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    # Newest first by default; views that read like a feed (events) go oldest first.
    ordering = "-id"


class FeedPage(CursorPage):
    ordering = "id"
