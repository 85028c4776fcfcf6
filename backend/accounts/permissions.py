"""DRF permission classes by role. Use them on endpoints that belong to one kind of user.

They decide whether an endpoint is reachable at all (403); which *objects* a user sees is
still decided by ``<things>_visible_to`` querysets (404).
"""

from __future__ import annotations

from rest_framework.permissions import BasePermission

from backend.accounts.models import STAFF_ROLES, Role


class HasRole(BasePermission):
    roles: frozenset[str] = frozenset()
    message = "Your role cannot use this endpoint."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.role in self.roles)


class IsWorker(HasRole):
    roles = frozenset({Role.WORKER})
    message = "Only workers can use this endpoint."


class IsStaffRole(HasRole):
    roles = STAFF_ROLES
    message = "Only staff can use this endpoint."
