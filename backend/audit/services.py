"""Recording audit events. Call inside the transaction that makes the change."""

from __future__ import annotations

from collections.abc import Iterable
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


def audit_record_many(
    *,
    action: str,
    target_type: str,
    target_ids: Iterable[Any],
    actor: models.Model | None = None,
    **data: Any,
) -> int:
    """One event per target id in a single INSERT (batch jobs: the retention purge).

    Same rows as calling ``audit_record`` once per target; ``target_type`` is the model label
    (``"vault.document"``). Returns the number of events written.
    """
    events = [
        AuditEvent(
            action=action,
            actor=actor if actor is not None and getattr(actor, "pk", None) else None,
            target_type=target_type,
            target_id=str(target_id),
            data=data,
        )
        for target_id in target_ids
    ]
    AuditEvent.objects.bulk_create(events)
    return len(events)
