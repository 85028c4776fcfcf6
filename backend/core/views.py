"""Django-level error handlers: JSON envelope under /api/, plain pages elsewhere."""

import sys

from django.http import JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults

from backend.core.exception_handler import (
    DATABASE_ERRORS,
    database_unavailable_body,
    error_response,
)


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _is_api(request):
        return error_response(404, "not_found", _("Not found."))
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
        # Django calls this inside its ``except`` block: a database outage that surfaced outside
        # a DRF view (a middleware, the URL resolver) is a 503 there too, not a 500.
        if isinstance(sys.exc_info()[1], DATABASE_ERRORS):
            response = JsonResponse(database_unavailable_body(), status=503)
            response["Retry-After"] = "5"
            return response
        return error_response(500, "server_error", _("Something went wrong on our side."))
    return defaults.server_error(request)


def bad_request(request, exception=None):
    if _is_api(request):
        return error_response(400, "bad_request", _("The request could not be understood."))
    return defaults.bad_request(request, exception)


def permission_denied(request, exception=None):
    if _is_api(request):
        return error_response(403, "permission_denied", _("You do not have permission to do this."))
    return defaults.permission_denied(request, exception)
