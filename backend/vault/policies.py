"""Who may see and do what in the vault.

A document is visible to its owner and, through an active grant (not revoked, not expired), to
the grantee. Deleted documents are visible to nobody but their owner's trail.
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet

from backend.accounts.models import Role
from backend.core import clock
from backend.vault.models import Document, Grant

GRANTEE_ROLES = frozenset({Role.INSPECTOR, Role.NGO_CASEWORKER})


def active_grants_q(prefix: str = "") -> Q:
    return Q(**{f"{prefix}revoked_at__isnull": True, f"{prefix}expires_at__gt": clock.now()})


def _granted_q(user) -> Q:
    """Documents covered by an active grant to ``user`` — only while ``user`` may be a grantee
    (a caseworker whose role an admin changed loses access at once)."""
    if not can_be_grantee(user):
        return Q(pk__in=[])
    grants = Grant.objects.filter(active_grants_q(), grantee=user, documents=OuterRef("pk"))
    return Q(Exists(grants))


def documents_granted_to(user) -> QuerySet[Document]:
    if not user.is_authenticated:
        return Document.objects.none()
    return Document.objects.filter(_granted_q(user), deleted_at__isnull=True)


def documents_visible_to(user) -> QuerySet[Document]:
    """Owner's live documents, plus documents shared with ``user`` by an active grant."""
    if not user.is_authenticated:
        return Document.objects.none()
    return Document.objects.filter(Q(owner=user) | _granted_q(user), deleted_at__isnull=True)


def can_manage_document(user, document: Document) -> bool:
    return document.owner_id == user.pk


def can_be_grantee(user) -> bool:
    return user.is_active and user.role in GRANTEE_ROLES


def grants_visible_to(user) -> QuerySet[Grant]:
    return Grant.objects.filter(Q(owner=user) | Q(grantee=user))
