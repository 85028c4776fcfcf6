"""Account reads, with their joins applied."""

from __future__ import annotations

from django.db.models import QuerySet

from backend.accounts.models import Device, Organisation, User
from backend.accounts.policies import devices_visible_to, organisations_visible_to


def user_profile_get(*, user: User) -> User:
    return User.objects.select_related("organisation").get(pk=user.pk)


def device_list(*, user: User, include_revoked: bool = False) -> QuerySet[Device]:
    """The user's devices. Revoked ones only when asked (app sync uses them as tombstones)."""
    devices = devices_visible_to(user)
    if not include_revoked:
        devices = devices.filter(revoked_at__isnull=True)
    return devices


def organisation_list(*, user: User) -> QuerySet[Organisation]:
    return organisations_visible_to(user)
