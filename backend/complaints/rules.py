"""Pure rules: references, priority and deadlines. No database access here, so each rule is
testable on its own and the same everywhere (API, admin, tasks)."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from django.conf import settings

from backend.complaints.models import FORCED_LABOUR_INDICATORS, Category, Priority

# --- References -------------------------------------------------------------------------------
#: No 0/O, 1/I/L, 2/Z, 5/S, 8/B: a reference is read aloud on the phone or typed from an SMS.
REFERENCE_ALPHABET = "34679ACDEFGHJKMNPQRTUVWXY"
REFERENCE_PREFIX = "FT"


def reference_new() -> str:
    """``FT-XXXX-XXXX`` from a CSPRNG (25**8 ≈ 1.5e11 values; unique constraint + retry)."""
    chars = "".join(secrets.choice(REFERENCE_ALPHABET) for _ in range(8))
    return f"{REFERENCE_PREFIX}-{chars[:4]}-{chars[4:]}"


def reference_normalise(text: str) -> str | None:
    """Accept what people type: any case, spaces or dashes, a missing prefix. None if invalid."""
    compact = "".join(ch for ch in (text or "").upper() if ch.isalnum())
    if compact.startswith(REFERENCE_PREFIX) and len(compact) == 10:
        compact = compact[2:]
    if len(compact) != 8 or any(ch not in REFERENCE_ALPHABET for ch in compact):
        return None
    return f"{REFERENCE_PREFIX}-{compact[:4]}-{compact[4:]}"


# --- Priority ---------------------------------------------------------------------------------
WAGE_CATEGORIES = frozenset({Category.WITHHOLDING_OF_WAGES, Category.UNPAID_OR_LATE_WAGES})


def priority_compute(categories: Iterable[str]) -> str:
    """Urgent: physical or sexual violence, or identity documents retained together with
    withheld wages (the classic trap that keeps a worker from leaving). High: any other ILO
    forced-labour indicator. Otherwise normal."""
    chosen = set(categories)
    if Category.PHYSICAL_SEXUAL_VIOLENCE in chosen:
        return Priority.URGENT
    if Category.RETENTION_OF_IDENTITY_DOCUMENTS in chosen and chosen & WAGE_CATEGORIES:
        return Priority.URGENT
    if chosen & FORCED_LABOUR_INDICATORS:
        return Priority.HIGH
    return Priority.NORMAL


# --- Deadlines --------------------------------------------------------------------------------
#: Calendar days per jurisdiction: ``triage`` (submitted → triaged), ``decision`` (triaged →
#: resolved), ``decision_extension`` (one extension, 0 = none). Thailand: Labour Protection Act
#: s.124 (decision in 60 days, extendable by 30); Philippines: Single Entry Approach (30 days of
#: conciliation-mediation). Override or add countries with ``settings.COMPLAINT_DEADLINES``.
DEFAULT_DEADLINES: dict[str, dict[str, int]] = {
    "default": {"triage": 3, "decision": 60, "decision_extension": 30},
    "TH": {"triage": 3, "decision": 60, "decision_extension": 30},
    "PH": {"triage": 3, "decision": 30, "decision_extension": 0},
}


def deadline_rules(country: str) -> dict[str, int]:
    configured: dict[str, Any] = getattr(settings, "COMPLAINT_DEADLINES", {}) or {}
    rules = dict(DEFAULT_DEADLINES["default"])
    rules.update(configured.get("default", {}))
    rules.update(DEFAULT_DEADLINES.get(country, {}))
    rules.update(configured.get(country, {}))
    return rules


def triage_due(country: str, submitted_at: dt.datetime) -> dt.datetime:
    return submitted_at + dt.timedelta(days=deadline_rules(country)["triage"])


def decision_due(country: str, triaged_at: dt.datetime) -> dt.datetime:
    return triaged_at + dt.timedelta(days=deadline_rules(country)["decision"])


def decision_extension(country: str) -> dt.timedelta:
    return dt.timedelta(days=deadline_rules(country)["decision_extension"])


def reopen_window() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "COMPLAINT_REOPEN_DAYS", 30))


def due_soon_window() -> dt.timedelta:
    return dt.timedelta(days=getattr(settings, "COMPLAINT_DUE_SOON_DAYS", 2))


def grant_lifetime() -> dt.timedelta:
    """Evidence grants to parties last this long at most (revoked earlier when the role ends)."""
    return dt.timedelta(days=getattr(settings, "COMPLAINT_GRANT_DAYS", 365))
