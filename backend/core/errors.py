"""The one application error type. Services raise it; the API renders it in the error envelope."""

from __future__ import annotations

from typing import Any


class AppError(Exception):
    """A domain error with a stable machine code, a (translatable) message and an HTTP status.

    ``fields`` maps an input field to a list of messages, as in validation errors.
    """

    status_code = 400
    default_code = "bad_request"

    def __init__(
        self,
        message: str,
        *,
        code: str | None = None,
        status: int | None = None,
        fields: dict[str, list[str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.message = str(message)
        self.code = code or self.default_code
        self.status_code = status or self.status_code
        self.fields = fields or {}
        self.headers = headers or {}

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": self.message, "fields": self.fields}


class NotFound(AppError):
    status_code = 404
    default_code = "not_found"


class PermissionDenied(AppError):
    status_code = 403
    default_code = "permission_denied"


class Conflict(AppError):
    """An invalid or stale state transition, or a uniqueness clash."""

    status_code = 409
    default_code = "conflict"


class ServiceUnavailable(AppError):
    status_code = 503
    default_code = "service_unavailable"
