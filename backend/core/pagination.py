"""Cursor pagination for every list: stable under inserts, no page counts (cheap on big tables)."""

from rest_framework import pagination


class CursorPagination(pagination.CursorPagination):
    """Opaque cursors; ``?page_size=`` up to 200. Views may set ``ordering``."""

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = ("-created_at", "-id")
