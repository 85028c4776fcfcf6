"""Who may see and do what with accounts, devices and organisations."""

from __future__ import annotations

from django.db.models import QuerySet

from backend.accounts.models import STAFF_ROLES, Device, Organisation, Role, User


def is_staff_role(user) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.role in STAFF_ROLES


def devices_visible_to(user) -> QuerySet[Device]:
    """A user sees their own devices only; anyone else's device is a 404."""
    if not getattr(user, "is_authenticated", False):
        return Device.objects.none()
    return Device.objects.filter(user_id=user.pk)


def can_revoke_device(user, device: Device) -> bool:
    return getattr(user, "is_authenticated", False) and device.user_id == user.pk


def organisations_visible_to(user) -> QuerySet[Organisation]:
    """Staff (inspectors, caseworkers, moderators, admins) see the NGO directory."""
    if not is_staff_role(user):
        return Organisation.objects.none()
    return Organisation.objects.all()


def can_create_staff(user: User | None) -> bool:
    return user is not None and user.is_active and (user.role == Role.ADMIN or user.is_superuser)
