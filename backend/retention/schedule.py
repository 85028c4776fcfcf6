"""The effective retention schedule: settings defaults overridden by admin-edited rows."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings

from backend.retention.models import RetentionRule


@dataclass(frozen=True)
class Rule:
    category: str
    document_kind: str
    basis: str
    days: int


def effective_rules() -> list[Rule]:
    """One rule per (category, document kind); a database row wins over the default."""
    rules: dict[tuple[str, str], Rule] = {}
    for item in settings.RETENTION_DEFAULT_RULES:
        kind = item.get("document_kind", "")
        rules[(item["category"], kind)] = Rule(item["category"], kind, item["basis"], item["days"])
    for row in RetentionRule.objects.all():
        rules[(row.category, row.document_kind)] = Rule(
            row.category, row.document_kind, row.basis, row.days
        )
    return [rules[key] for key in sorted(rules)]


def rule_for(category: str, document_kind: str = "") -> Rule | None:
    for rule in effective_rules():
        if rule.category == category and rule.document_kind == document_kind:
            return rule
    return None


@dataclass(frozen=True)
class FixedPeriod:
    """What the schedule does not purge by age, published so the schedule is complete."""

    category: str
    kept: str
    days: int | None


def fixed_periods() -> list[FixedPeriod]:
    """Records kept for as long as what they belong to, and the server logs (rotated by the
    operator, outside the database this engine purges). Not editable: changing them is a code
    or an operations change, not a schedule row."""
    return [
        # The vault trail (uploads, views, downloads, shares: the worker's access log) is a
        # hash chain the worker relies on as evidence; cutting it would break verification.
        FixedPeriod("vault_trail", "with_account", None),
        # Who opened a complaint, its read markers and invitations go with the complaint.
        FixedPeriod("complaint_access_log", "with_complaint", None),
        FixedPeriod("server_log", "log_rotation", settings.RETENTION_SERVER_LOG_DAYS),
    ]
