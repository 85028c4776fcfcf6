"""Cursor pagination for every list: stable under inserts, no page counts (cheap on big tables).

A cursor or page number that cannot be read is bad input: a 400 ``validation_error`` on the
``cursor`` / ``page`` field (DRF would answer 404, which the API keeps for objects).
"""

from django.utils.translation import gettext as _
from rest_framework import exceptions, pagination

from backend.core.errors import AppError


class CursorPagination(pagination.CursorPagination):
    """Opaque cursors; ``?page_size=`` up to 200. Views may set ``ordering``."""

    page_size = 50
    max_page_size = 200
    page_size_query_param = "page_size"
    ordering = ("-created_at", "-id")

    def decode_cursor(self, request):
        try:
            return super().decode_cursor(request)
        except exceptions.NotFound as exc:
            raise AppError(
                _("Invalid cursor"),
                code="validation_error",
                fields={self.cursor_query_param: [_("Invalid cursor")]},
            ) from exc


class PageNumberPagination(pagination.PageNumberPagination):
    """Page numbers (for lists whose cursor would leak creation times); bad pages are a 400."""

    def paginate_queryset(self, queryset, request, view=None):
        try:
            return super().paginate_queryset(queryset, request, view=view)
        except exceptions.NotFound as exc:
            raise AppError(
                _("Invalid page."),
                code="validation_error",
                fields={self.page_query_param: [_("Invalid page.")]},
            ) from exc
