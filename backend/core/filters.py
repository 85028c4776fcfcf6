"""Filters every list shares. ``?updated_since=`` lets the app fetch only what changed."""

from __future__ import annotations

from datetime import UTC

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from rest_framework.filters import BaseFilterBackend

from backend.core.errors import AppError


def parse_updated_since(value: str):
    """The instant in ``value`` (ISO 8601 with an offset) or an ``AppError`` (400).

    ``parse_datetime`` returns ``None`` for text that does not look like a date-time but raises
    ``ValueError`` for one that does and is impossible (month 13, offset ``+99:00``): both are
    the same client error, as is an instant outside the years 1-9999 once moved to UTC. A ``+``
    in the offset arrives as a space when not percent-encoded.
    """
    try:
        parsed = parse_datetime(value.replace(" ", "+"))
        if parsed is not None and parsed.tzinfo is not None:
            parsed = parsed.astimezone(UTC)  # the database compares in UTC: year 9999-… overflows
    except (ValueError, OverflowError):
        parsed = None
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
