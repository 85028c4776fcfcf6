"""Helpers shared by the console views: role gates, the client address, service errors."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.utils.http import url_has_allowed_host_and_scheme

from backend.core.errors import AppError

PAGE_SIZE = 50


def client_ip(request) -> str:
    return request.META.get("REMOTE_ADDR", "") or "unknown"


def require(allowed: bool) -> None:
    """A section of the console the user's role has no part in: 403 (object pages use 404)."""
    if not allowed:
        raise PermissionDenied


def flash_error(request, error: AppError) -> None:
    """A service error as a message at the top of the page (the fields' messages after it)."""
    details = [f"{m}" for msgs in error.fields.values() for m in msgs]
    text = error.message if not details else f"{error.message} {' '.join(details)}"
    messages.error(request, text)


def page_of(request, queryset, per_page: int = PAGE_SIZE):
    return Paginator(queryset, per_page).get_page(request.GET.get("page"))


def safe_next(request, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if (
        target.startswith("/console/")
        and not target.startswith(("/console/login", "/console/enrol"))
        and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()})
    ):
        return target
    return default
