"""Who may see and manage legal holds.

- a worker sees the holds on their own documents and complaints (also per complaint);
- an inspector manages holds on complaints they can see (``complaints_visible_to``);
- everybody else sees nothing (404).
"""

from __future__ import annotations

from django.db.models import QuerySet

from backend.accounts.models import Role
from backend.complaints.models import Complaint
from backend.complaints.policies import complaints_visible_to
from backend.retention.models import LegalHold


def can_manage_holds(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active and user.role == Role.INSPECTOR)


def holds_manageable_by(user) -> QuerySet[LegalHold]:
    if not can_manage_holds(user):
        return LegalHold.objects.none()
    return LegalHold.objects.filter(complaint__in=complaints_visible_to(user))


def hold_complaints_visible_to(user) -> QuerySet[Complaint]:
    """Complaints whose holds ``user`` may list: an inspector's visible ones, a worker's own."""
    if can_manage_holds(user):
        return complaints_visible_to(user)
    if user and user.is_authenticated and user.is_active and user.role == Role.WORKER:
        return Complaint.objects.filter(worker=user)
    return Complaint.objects.none()
