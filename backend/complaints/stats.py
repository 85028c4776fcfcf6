"""Statistics for officials, with every small cell suppressed (``backend.core.privacy``).

Each breakdown (category, corridor, sector, state, month, recovered currency) is published with
primary and secondary suppression against its total; medians and the share within deadline are
published only when at least ``k`` complaints stand behind them. Nothing here identifies a
complaint: no references, no ids, no text.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Q

from backend.complaints.models import Complaint, ComplaintCategory, State
from backend.core.privacy import MIN_K, publishable_cells, share_if_safe


def stats_k() -> int:
    return max(MIN_K, int(getattr(settings, "COMPLAINT_STATS_MIN_K", 5)))


def _breakdown(cells: dict[str, int], *, total: int | None, k: int) -> dict[str, Any]:
    published = publishable_cells(cells, total=total, k=k)
    return {
        "cells": [
            {"key": key, "count": cells[key]} for key in sorted(published, key=lambda c: str(c))
        ],
        "suppressed_cells": len([c for c in cells if c not in published]),
    }


def _median_days(durations: list[float], k: int) -> float | None:
    if len(durations) < k:
        return None
    return round(statistics.median(durations) / 86400, 1)


def complaint_statistics(*, scope: Q, k: int | None = None) -> dict[str, Any]:
    k = k if k is not None else stats_k()
    rows = list(
        Complaint.objects.filter(scope)
        .exclude(state=State.DRAFT)
        .values_list(
            "id",
            "state",
            "sector",
            "worker_nationality",
            "workplace_country",
            "submitted_at",
            "triaged_at",
            "resolved_at",
            "resolved_within_deadline",
            "amount_recovered",
            "recovered_currency",
        )
    )
    total = len(rows)
    if total < k:
        return {"k": k, "total": None, "suppressed": True}
    ids = [r[0] for r in rows]
    category_counts = Counter(
        ComplaintCategory.objects.filter(complaint_id__in=ids).values_list("category", flat=True)
    )
    states = Counter(r[1] for r in rows)
    sectors = Counter(r[2] or "unknown" for r in rows)
    corridors = Counter(f"{r[3] or '??'}-{r[4]}" for r in rows)
    months = Counter(r[5].strftime("%Y-%m") for r in rows if r[5])
    triage = [(r[6] - r[5]).total_seconds() for r in rows if r[5] and r[6]]
    resolution = [(r[7] - r[5]).total_seconds() for r in rows if r[5] and r[7]]
    judged = [r[8] for r in rows if r[8] is not None]
    recovered: dict[str, Decimal] = defaultdict(Decimal)
    recovered_n: Counter[str] = Counter()
    for r in rows:
        if r[9] is not None and r[10]:
            recovered[r[10]] += r[9]
            recovered_n[r[10]] += 1
    currencies = publishable_cells(dict(recovered_n), total=sum(recovered_n.values()), k=k)
    return {
        "k": k,
        "total": total,
        "suppressed": False,
        # A complaint has several categories: the cells add up to the number of mentions.
        "by_category": _breakdown(dict(category_counts), total=None, k=k),
        "by_corridor": _breakdown(dict(corridors), total=total, k=k),
        "by_sector": _breakdown(dict(sectors), total=total, k=k),
        "by_state": _breakdown(dict(states), total=total, k=k),
        "by_month": _breakdown(dict(months), total=sum(months.values()), k=k),
        "median_days_to_triage": _median_days(triage, k),
        "median_days_to_resolution": _median_days(resolution, k),
        "share_resolved_within_deadline": share_if_safe(
            sum(1 for j in judged if j), len(judged), k=k
        ),
        "amounts_recovered": [
            {"currency": c, "total": str(recovered[c]), "complaints": recovered_n[c]}
            for c in sorted(currencies)
        ],
    }
