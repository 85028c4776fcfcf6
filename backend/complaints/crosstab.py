"""Complaints by month of submission and category, k-suppressed in both directions.

A cell is the number of complaints submitted in a month that name a category (a complaint
with two categories counts in two cells, as in ``by_category``). The table is published next
to its margins (``by_month``, ``by_category`` in ``complaints.stats``), so suppression must
hold along both: every published cell has at least ``k`` behind it, and within each month
*and* within each category what is hidden adds up to 0 or to at least ``k`` (secondary
suppression, ``backend.core.privacy.publishable_cells``, applied to rows and columns in turn
until nothing more is dropped; it only ever removes cells, so it ends).

A month or category whose margin is itself suppressed in ``complaint_statistics`` shows no
cell here at all: a fully published line would add up to the very figure the margin hides
(and, with it, let the other hidden margins be worked out).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.db.models import Count, Q
from django.db.models.functions import TruncMonth

from backend.complaints.models import Complaint, ComplaintCategory, State
from backend.complaints.stats import complaint_statistics, stats_k
from backend.core.privacy import publishable_cells

Cell = tuple[str, str]  # (month "YYYY-MM", category)


def _suppress(
    cells: dict[Cell, int],
    k: int,
    months: set[str] | None = None,
    categories: set[str] | None = None,
) -> set[Cell]:
    """The cells that may be published; ``months``/``categories``: the lines allowed at all
    (None: every line)."""
    rows: dict[str, int] = defaultdict(int)
    cols: dict[str, int] = defaultdict(int)
    for (month, category), n in cells.items():
        rows[month] += n
        cols[category] += n
    published = {
        (month, category)
        for (month, category), n in cells.items()
        if n >= k
        and (months is None or month in months)
        and (categories is None or category in categories)
    }
    while True:
        kept = set(published)
        for axis, totals in ((0, rows), (1, cols)):
            for line, total in totals.items():
                candidates = {c: cells[c] for c in kept if c[axis] == line}
                kept -= set(candidates) - publishable_cells(candidates, total=total, k=k)
        if kept == published:
            return published
        published = kept


def month_by_category(
    *, scope: Q, k: int | None = None, stats: dict | None = None
) -> dict[str, Any]:
    """``{"k", "months", "categories", "cells": {(month, category): n}, "suppressed_cells"}``,
    months and categories being those with at least one published cell, in order.
    ``stats``: ``complaint_statistics`` of the same scope, if already computed."""
    k = k if k is not None else stats_k()
    stats = stats if stats is not None else complaint_statistics(scope=scope, k=k)
    if stats["suppressed"]:
        return {"k": k, "months": [], "categories": [], "cells": {}, "suppressed_cells": 0}
    complaints = (
        Complaint.objects.filter(scope)
        .exclude(state=State.DRAFT)
        .filter(submitted_at__isnull=False)
        .values("pk")
    )
    rows = (
        ComplaintCategory.objects.filter(complaint__in=complaints)
        .annotate(month=TruncMonth("complaint__submitted_at"))
        .values("month", "category")
        .annotate(n=Count("id"))
        .order_by()
    )
    cells = {(row["month"].strftime("%Y-%m"), row["category"]): row["n"] for row in rows}
    published = _suppress(
        cells,
        k,
        months={c["key"] for c in stats["by_month"]["cells"]},
        categories={c["key"] for c in stats["by_category"]["cells"]},
    )
    return {
        "k": k,
        "months": sorted({month for month, _ in published}),
        "categories": sorted({category for _, category in published}),
        "cells": {cell: cells[cell] for cell in published},
        "suppressed_cells": len(cells) - len(published),
    }
