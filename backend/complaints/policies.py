"""Who sees which complaint, and which relations a user has to one.

Visibility (everything else is a 404):
- a worker sees their own complaints (drafts included);
- an NGO caseworker sees complaints they filed, and non-draft ones they were invited to;
- an inspector sees submitted (non-draft) complaints in their jurisdiction: the workplace
  country equals theirs and, when set on the inspector, the region and one of their sectors;
- nobody else (moderators, agency representatives, administrators) sees complaint content.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from backend.accounts.models import Role
from backend.complaints.models import (
    Complaint,
    ComplaintInvitation,
    State,
    Supervisor,
)

# Relations an actor can have to a complaint; the transition table is written in these.
WORKER = "worker"  # the worker the complaint is about
FILER = "filer"  # the caseworker who filed it
CASEWORKER = "caseworker"  # the filer or an invited caseworker
INSPECTOR = "inspector"  # any inspector of the jurisdiction
ASSIGNEE = "assignee"  # the assigned inspector
SUPERVISOR = "supervisor"  # a supervising inspector of the jurisdiction


def jurisdiction_q(inspector, prefix: str = "") -> Q:
    q = Q(**{f"{prefix}workplace_country": inspector.country})
    if inspector.region:
        q &= Q(**{f"{prefix}workplace_region__iexact": inspector.region})
    if inspector.sectors:
        q &= Q(**{f"{prefix}sector__in": list(inspector.sectors)})
    return q


def in_jurisdiction(inspector, complaint: Complaint) -> bool:
    if inspector.role != Role.INSPECTOR or not inspector.is_active:
        return False
    if complaint.workplace_country != inspector.country:
        return False
    if inspector.region and complaint.workplace_region.lower() != inspector.region.lower():
        return False
    return not inspector.sectors or complaint.sector in inspector.sectors


def _active_invitation(user) -> Exists:
    return Exists(
        ComplaintInvitation.objects.filter(
            complaint=OuterRef("pk"), caseworker=user, revoked_at__isnull=True
        )
    )


def complaints_visible_to(user) -> QuerySet[Complaint]:
    if not user or not user.is_authenticated or not user.is_active:
        return Complaint.objects.none()
    if user.role == Role.WORKER:
        return Complaint.objects.filter(worker=user)
    if user.role == Role.NGO_CASEWORKER:
        return Complaint.objects.filter(
            Q(filed_by=user) | (Q(_active_invitation(user)) & ~Q(state=State.DRAFT))
        )
    if user.role == Role.INSPECTOR:
        return Complaint.objects.filter(jurisdiction_q(user)).exclude(state=State.DRAFT)
    return Complaint.objects.none()


def is_supervisor(user) -> bool:
    if user.role != Role.INSPECTOR:
        return False
    cached = getattr(user, "_complaint_supervisor", None)
    if cached is None:
        cached = Supervisor.objects.filter(user=user).exists()
        user._complaint_supervisor = cached
    return cached


def relations(user, complaint: Complaint) -> frozenset[str]:
    """The relations ``user`` has to ``complaint`` (empty for a stranger)."""
    if not user or not user.is_authenticated or not user.is_active:
        return frozenset()
    found: set[str] = set()
    if user.role == Role.WORKER and complaint.worker_id == user.pk:
        found.add(WORKER)
    elif user.role == Role.NGO_CASEWORKER:
        if complaint.filed_by_id == user.pk:
            found |= {FILER, CASEWORKER}
        elif (
            complaint.state != State.DRAFT
            and ComplaintInvitation.objects.filter(
                complaint=complaint, caseworker=user, revoked_at__isnull=True
            ).exists()
        ):
            found.add(CASEWORKER)
    elif (
        user.role == Role.INSPECTOR
        and complaint.state != State.DRAFT
        and in_jurisdiction(user, complaint)
    ):
        found.add(INSPECTOR)
        if complaint.assigned_inspector_id == user.pk:
            found.add(ASSIGNEE)
        if is_supervisor(user):
            found.add(SUPERVISOR)
    return frozenset(found)


def can_edit_draft(user, complaint: Complaint) -> bool:
    return complaint.state == State.DRAFT and bool(relations(user, complaint) & {WORKER, FILER})


def can_read_thread(rels: frozenset[str]) -> bool:
    """The thread is between the worker, their caseworkers and the assigned inspector; a
    supervisor may read it."""
    return bool(rels & {WORKER, CASEWORKER, ASSIGNEE, SUPERVISOR})


def can_post_message(rels: frozenset[str]) -> bool:
    return bool(rels & {WORKER, CASEWORKER, ASSIGNEE})


def can_see_internal_notes(rels: frozenset[str]) -> bool:
    """Internal notes are for the inspectorate: never the worker's side."""
    return bool(rels & {ASSIGNEE, SUPERVISOR})


def can_add_evidence(rels: frozenset[str]) -> bool:
    """Evidence comes from the worker's own vault, so only the worker adds it."""
    return WORKER in rels


def can_invite(rels: frozenset[str]) -> bool:
    return WORKER in rels


def can_see_statistics(user) -> bool:
    if not user or not user.is_authenticated or not user.is_active:
        return False
    return user.role == Role.ADMIN or is_supervisor(user)


def can_use_queue(user) -> bool:
    return bool(user and user.is_authenticated and user.role == Role.INSPECTOR)
