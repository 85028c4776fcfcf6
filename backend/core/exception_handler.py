"""One renderer for every API error: ``{"error": {"code", "message", "fields"}}``.

DRF hands every exception raised in an API view to ``api_exception_handler``; Django's own
404/500 handlers call ``error_response`` for paths under /api/ so that unknown URLs and crashes
outside views use the same envelope.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404, JsonResponse, UnreadablePostError
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf
from rest_framework.response import Response

from backend.core.errors import AppError

logger = logging.getLogger("fairtrail.api")

_DRF_CODES = {
    drf.ValidationError: "validation_error",
    drf.ParseError: "malformed_request",
    drf.NotAuthenticated: "not_authenticated",
    drf.AuthenticationFailed: "authentication_failed",
    drf.PermissionDenied: "permission_denied",
    drf.NotFound: "not_found",
    drf.MethodNotAllowed: "method_not_allowed",
    drf.NotAcceptable: "not_acceptable",
    drf.UnsupportedMediaType: "unsupported_media_type",
    drf.Throttled: "throttled",
}


def _storage_errors() -> tuple[type[BaseException], ...]:
    """What a storage backend raises when it is unreachable or failing: the local disk (OSError:
    full, read-only, missing) and S3 (botocore: endpoint down, timeouts, error answers)."""
    errors: list[type[BaseException]] = [OSError]
    try:
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:  # pragma: no cover - boto3 is a dependency
        pass
    else:
        errors += [BotoCoreError, ClientError]
    return tuple(errors)


#: Exceptions that mean "the object store is unavailable": a 503 the client can retry, never a
#: 500. Services delete what they wrote before re-raising (see backend.vault.blobs).
STORAGE_ERRORS = _storage_errors()


#: What the database driver raises when the server is down, restarting or unreachable (also a
#: connection cut mid-query): a 503 the client can retry, never a 500. The next request
#: reconnects by itself (CONN_HEALTH_CHECKS), so the web process needs no restart.
DATABASE_ERRORS = (OperationalError, InterfaceError)


def database_unavailable_body() -> dict[str, Any]:
    return envelope(
        "database_unavailable",
        _("The service is temporarily unavailable. Nothing was saved; please try again shortly."),
    )


def envelope(code: str, message: str, fields: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": {"code": code, "message": str(message), "fields": fields or {}}}


def _flatten_fields(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """Turn DRF's nested error detail into ``{"a.b": ["message", ...]}``."""
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            out.update(_flatten_fields(value, name))
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            out[prefix or "non_field_errors"] = [str(item) for item in detail]
        else:
            for index, item in enumerate(detail):
                out.update(_flatten_fields(item, f"{prefix}.{index}" if prefix else str(index)))
    else:
        out[prefix or "non_field_errors"] = [str(detail)]
    return out


def _from_drf(exc: drf.APIException) -> tuple[int, dict[str, Any], dict[str, str]]:
    headers: dict[str, str] = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if isinstance(exc, drf.Throttled) and exc.wait is not None:
        headers["Retry-After"] = str(max(1, int(exc.wait + 0.999)))
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), None)
    if isinstance(exc, drf.ValidationError):
        fields = _flatten_fields(exc.detail)
        message = _("Some fields are not valid.")
        if list(fields) == ["non_field_errors"]:
            message = fields["non_field_errors"][0]
        return exc.status_code, envelope(code, message, fields), headers
    detail = exc.detail
    if isinstance(detail, dict) and "detail" in detail:
        detail = detail["detail"]
    if isinstance(detail, dict | list):
        return (
            exc.status_code,
            envelope(code or "error", _("Request failed."), _flatten_fields(detail)),
            headers,
        )
    if code is None:
        code = getattr(detail, "code", None) or exc.default_code or "error"
    if isinstance(exc, drf.Throttled):
        message = _("Too many attempts. Try again in %(seconds)s seconds.") % {
            "seconds": headers.get("Retry-After", "60")
        }
        return exc.status_code, envelope(code, message), headers
    return exc.status_code, envelope(code, str(detail)), headers


def _view_name(context: dict[str, Any]) -> str:
    return context.get("view").__class__.__name__


def api_exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    headers: dict[str, str] = {}
    if isinstance(exc, AppError):
        status, body, headers = exc.status_code, {"error": exc.as_dict()}, exc.headers
    elif isinstance(exc, Http404):
        status, body = 404, envelope("not_found", _("Not found."))
    elif isinstance(exc, DjangoPermissionDenied):
        status, body = (
            403,
            envelope("permission_denied", _("You do not have permission to do this.")),
        )
    elif isinstance(exc, DjangoValidationError):
        fields = (
            exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
        )
        status, body = 400, envelope("validation_error", _("Some fields are not valid."), fields)
    elif isinstance(exc, drf.APIException):
        status, body, headers = _from_drf(exc)
    elif isinstance(exc, RequestDataTooBig):
        status, body = 413, envelope("request_too_large", _("The request body is too large."))
    elif isinstance(exc, SuspiciousOperation):
        # Django's own handler makes these a 400 (too many fields, bad multipart, ...).
        status, body = 400, envelope("bad_request", _("The request is malformed."))
    elif isinstance(exc, UnreadablePostError):  # the client went away mid-body
        status, body = 400, envelope("request_interrupted", _("The request was interrupted."))
    elif isinstance(exc, STORAGE_ERRORS):
        logger.warning("Storage unavailable in %s: %s", _view_name(context), type(exc).__name__)
        status, body = (
            503,
            envelope(
                "storage_unavailable",
                _("Document storage is unavailable. Nothing was saved; please try again later."),
            ),
        )
        headers = {"Retry-After": "30"}
    elif isinstance(exc, DATABASE_ERRORS):
        # The class only: the driver's message names the host and port.
        logger.warning("Database unavailable in %s: %s", _view_name(context), type(exc).__name__)
        status, body, headers = 503, database_unavailable_body(), {"Retry-After": "5"}
    else:
        logger.exception("Unhandled error in %s", _view_name(context))
        status, body = 500, envelope("server_error", _("Something went wrong on our side."))
    response = Response(body, status=status, headers=headers)
    return response


def error_response(status: int, code: str, message: str) -> JsonResponse:
    """A plain Django response in the envelope, for errors that happen outside DRF views."""
    return JsonResponse(envelope(code, message), status=status)
