"""Recording audit events. Call inside the transaction that makes the change."""

from __future__ import annotations

from typing import Any

from django.db import models

from backend.audit.models import AuditEvent


def audit_record(
    *,
    action: str,
    actor: models.Model | None = None,
    target: models.Model | None = None,
    **data: Any,
) -> AuditEvent:
    """Append one audit event. ``data`` must hold ids and codes only, never personal text."""
    return AuditEvent.objects.create(
        action=action,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=data,
    )
