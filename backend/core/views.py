"""Django-level error handlers: JSON envelope under /api/, plain pages elsewhere."""

from django.utils.translation import gettext as _
from django.views import defaults

from backend.core.exception_handler import error_response


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def not_found(request, exception=None):
    if _is_api(request):
        return error_response(404, "not_found", _("Not found."))
    return defaults.page_not_found(request, exception)


def server_error(request):
    if _is_api(request):
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
