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
