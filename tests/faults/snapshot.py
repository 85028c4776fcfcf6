"""What a failed request must leave untouched: row counts of everything a write can create, and
every file under MEDIA_ROOT. ``stored_state()`` before and after; the two must be equal."""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

from backend.accounts.models import PhoneVerification, User
from backend.agencies.models import Review
from backend.audit.models import AuditEvent
from backend.complaints.models import Complaint, ComplaintMessage
from backend.notifications.models import Delivery, Notification
from backend.vault.models import (
    Document,
    DocumentVersion,
    Grant,
    ResumableUpload,
    StagedBlob,
    TrailEntry,
)

MODELS = (
    Document,
    DocumentVersion,
    StagedBlob,
    ResumableUpload,
    TrailEntry,
    Grant,
    Complaint,
    ComplaintMessage,
    Review,
    User,
    PhoneVerification,
    Notification,
    Delivery,
    AuditEvent,
)


def media_files(root: Path | str | None = None) -> list[str]:
    """Every file (any name, ``.partial`` included) under MEDIA_ROOT, relative, sorted."""
    root = Path(root or settings.MEDIA_ROOT)
    if not root.is_dir():
        return []
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def stored_state() -> dict[str, object]:
    state: dict[str, object] = {m.__name__: m.objects.count() for m in MODELS}
    state["media"] = media_files()
    return state
