"""Statistics of complaints whose personal data is gone: read from ``ComplaintAggregate``.

Same suppression as the live statistics (``backend.core.privacy``, ``k`` from
``complaints.stats.stats_k``): nothing below ``k`` complaints in scope; every breakdown passes
``publishable_cells`` against its total (secondary suppression); shares pass ``share_if_safe``.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal
from typing import Any

from django.db.models import Sum

from backend.complaints.stats import stats_k
from backend.core.privacy import publishable_cells, share_if_safe
from backend.retention.models import ComplaintAggregate

Dim = ComplaintAggregate.Dimension


def _breakdown(cells: dict[str, int], *, total: int | None, k: int) -> dict[str, Any]:
    published = publishable_cells(cells, total=total, k=k)
    return {
        "cells": [{"key": key, "count": cells[key]} for key in sorted(published)],
        "suppressed_cells": len([c for c in cells if c not in published]),
    }


def archived_statistics(*, country: str | None = None, k: int | None = None) -> dict[str, Any]:
    """One GROUP BY over the aggregate table, then suppression in Python (few cells)."""
    k = k if k is not None else stats_k()
    qs = ComplaintAggregate.objects.all()
    if country is not None:
        qs = qs.filter(country=country)
    per_key: dict[str, dict[str, list]] = defaultdict(dict)
    months: dict[str, int] = {}
    for row in (
        qs.values("dimension", "key", "month")
        .annotate(n=Sum("count"), amount=Sum("amount"))
        .order_by()
    ):
        cell = per_key[row["dimension"]].setdefault(row["key"], [0, Decimal(0)])
        cell[0] += row["n"]
        cell[1] += row["amount"] or Decimal(0)
        if row["dimension"] == Dim.TOTAL:
            month = row["month"].strftime("%Y-%m")
            months[month] = months.get(month, 0) + row["n"]
    total = sum(months.values())
    if total < k:
        return {"k": k, "total": None, "suppressed": True}

    def counts(dim: str) -> dict[str, int]:
        return {key: cell[0] for key, cell in per_key.get(dim, {}).items()}

    judged = counts(Dim.WITHIN_DEADLINE)
    recovered = counts(Dim.RECOVERED)
    fees = counts(Dim.FEES_CLAIMED)

    def amounts(dim: str, cells: dict[str, int]) -> list[dict[str, Any]]:
        published = publishable_cells(cells, total=sum(cells.values()), k=k)
        return [
            {
                "currency": c,
                "total": f"{per_key[dim][c][1]:.2f}",
                "complaints": cells[c],
            }
            for c in sorted(published)
        ]

    return {
        "k": k,
        "total": total,
        "suppressed": False,
        "by_category": _breakdown(counts(Dim.CATEGORY), total=None, k=k),
        "by_corridor": _breakdown(counts(Dim.CORRIDOR), total=total, k=k),
        "by_sector": _breakdown(counts(Dim.SECTOR), total=total, k=k),
        "by_state": _breakdown(counts(Dim.STATE), total=total, k=k),
        "by_outcome": _breakdown(counts(Dim.OUTCOME), total=total, k=k),
        "by_month": _breakdown(months, total=total, k=k),
        "share_resolved_within_deadline": share_if_safe(
            judged.get("yes", 0), judged.get("yes", 0) + judged.get("no", 0), k=k
        ),
        "amounts_recovered": amounts(Dim.RECOVERED, recovered),
        "recruitment_fees_claimed": amounts(Dim.FEES_CLAIMED, fees),
    }
