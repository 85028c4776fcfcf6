"""Statistics for officials, with every small cell suppressed (``backend.core.privacy``).

Each breakdown (category, corridor, sector, state, month, recovered currency) is published with
primary and secondary suppression against its total; medians and the share within deadline are
published only when at least ``k`` complaints stand behind them. Nothing here identifies a
complaint: no references, no ids, no text. Counting happens in the database (one GROUP BY per
breakdown); only the durations behind the medians are fetched.
"""

from __future__ import annotations

import statistics
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncMonth

from backend.complaints.models import Complaint, ComplaintCategory, State
from backend.core.privacy import MIN_K, publishable_cells, share_if_safe


def stats_k() -> int:
    return max(MIN_K, int(getattr(settings, "COMPLAINT_STATS_MIN_K", 5)))


def _breakdown(cells: dict[str, int], *, total: int | None, k: int) -> dict[str, Any]:
    published = publishable_cells(cells, total=total, k=k)
    return {
        "cells": [{"key": key, "count": cells[key]} for key in sorted(published, key=str)],
        "suppressed_cells": len([c for c in cells if c not in published]),
    }


def _counts(qs: QuerySet, field: str) -> dict[str, int]:
    return {row[field]: row["n"] for row in qs.order_by().values(field).annotate(n=Count("id"))}


def _median_days(qs: QuerySet, start: str, end: str, k: int) -> float | None:
    pairs = qs.filter(**{f"{start}__isnull": False, f"{end}__isnull": False}).values_list(
        start, end
    )
    durations = [(b - a).total_seconds() for a, b in pairs]
    if len(durations) < k:
        return None
    return round(statistics.median(durations) / 86400, 1)


def complaint_statistics(*, scope: Q, k: int | None = None) -> dict[str, Any]:
    k = k if k is not None else stats_k()
    qs = Complaint.objects.filter(scope).exclude(state=State.DRAFT)
    total = qs.count()
    if total < k:
        return {"k": k, "total": None, "suppressed": True}
    categories = {
        row["category"]: row["n"]
        for row in ComplaintCategory.objects.filter(complaint__in=qs.values("pk"))
        .values("category")
        .annotate(n=Count("id"))
        .order_by()
    }
    sectors = {(key or "unknown"): n for key, n in _counts(qs, "sector").items()}
    corridors = {
        f"{row['worker_nationality'] or '??'}-{row['workplace_country']}": row["n"]
        for row in qs.order_by()
        .values("worker_nationality", "workplace_country")
        .annotate(n=Count("id"))
    }
    months = {
        row["month"].strftime("%Y-%m"): row["n"]
        for row in qs.filter(submitted_at__isnull=False)
        .order_by()
        .annotate(month=TruncMonth("submitted_at"))
        .values("month")
        .annotate(n=Count("id"))
    }
    judged = _counts(qs.filter(resolved_within_deadline__isnull=False), "resolved_within_deadline")
    recovered = {
        row["recovered_currency"]: row
        for row in qs.filter(amount_recovered__isnull=False)
        .exclude(recovered_currency="")
        .order_by()
        .values("recovered_currency")
        .annotate(n=Count("id"), amount=Sum(F("amount_recovered")))
    }
    counts = {c: row["n"] for c, row in recovered.items()}
    currencies = publishable_cells(counts, total=sum(counts.values()), k=k)
    return {
        "k": k,
        "total": total,
        "suppressed": False,
        # A complaint has several categories: the cells add up to the number of mentions.
        "by_category": _breakdown(categories, total=None, k=k),
        "by_corridor": _breakdown(corridors, total=total, k=k),
        "by_sector": _breakdown(sectors, total=total, k=k),
        "by_state": _breakdown(_counts(qs, "state"), total=total, k=k),
        "by_month": _breakdown(months, total=sum(months.values()), k=k),
        "median_days_to_triage": _median_days(qs, "submitted_at", "triaged_at", k),
        "median_days_to_resolution": _median_days(qs, "submitted_at", "resolved_at", k),
        "share_resolved_within_deadline": share_if_safe(
            judged.get(True, 0), judged.get(True, 0) + judged.get(False, 0), k=k
        ),
        "amounts_recovered": [
            {
                "currency": c,
                "total": f"{Decimal(recovered[c]['amount']):.2f}",
                "complaints": recovered[c]["n"],
            }
            for c in sorted(currencies)
        ],
    }
