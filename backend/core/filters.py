"""Filters every list shares. ``?updated_since=`` lets the app fetch only what changed."""

from __future__ import annotations

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework.filters import BaseFilterBackend

from backend.core.errors import AppError


def parse_updated_since(value: str):
    parsed = parse_datetime(value.replace(" ", "+"))
    if parsed is None or parsed.tzinfo is None:
        raise AppError(
            _("updated_since must be an ISO 8601 date-time with a time zone."),
            code="validation_error",
            fields={"updated_since": [_("Expected e.g. 2026-01-31T12:00:00Z.")]},
        )
    return parsed


class UpdatedSinceFilter(BaseFilterBackend):
    """Rows changed strictly after the given instant (field ``updated_at`` unless overridden)."""

    def filter_queryset(self, request, queryset, view):
        value = request.query_params.get("updated_since")
        if not value:
            return queryset
        field = getattr(view, "updated_since_field", "updated_at")
        return queryset.filter(**{f"{field}__gt": parse_updated_since(value)})

    def get_schema_operation_parameters(self, view):
        return [
            {
                "name": "updated_since",
                "required": False,
                "in": "query",
                "description": "Only rows changed after this ISO 8601 instant (for app sync).",
                "schema": {"type": "string", "format": "date-time"},
            }
        ]
