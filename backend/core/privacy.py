"""k-anonymity helpers for published statistics.

Two rules protect the people behind a statistic:

1. **Threshold**: a statistic is published only when at least ``k`` people contribute to it.
2. **No subtraction**: when a total and a breakdown of it are both published, every published
   cell has ``>= k`` contributors *and* the total minus the sum of the published cells (the
   people hidden in suppressed cells) is either 0 or ``>= k``. Otherwise someone could subtract
   published numbers and isolate a group smaller than ``k`` (e.g. total 12, published cells 6
   and 5 ⇒ the suppressed cell holds one review whose ratings follow by subtraction).

``publishable_cells`` enforces both by suppressing the smallest cells until they hold
(secondary suppression, as statistical offices do for tables). Callers apply it to each
breakdown they publish next to a total, and publish nothing when ``below_threshold`` is true.
"""

from __future__ import annotations

from collections.abc import Hashable, Mapping
from typing import TypeVar

from django.conf import settings

K = TypeVar("K", bound=Hashable)

MIN_K = 3


def min_k() -> int:
    """The configured threshold, never below ``MIN_K`` whatever the settings say."""
    return max(MIN_K, int(getattr(settings, "AGENCY_STATS_MIN_K", 5)))


def below_threshold(count: int, *, k: int | None = None) -> bool:
    return count < (k if k is not None else min_k())


def publishable_cells(
    cells: Mapping[K, int], *, total: int | None = None, k: int | None = None
) -> set[K]:
    """The keys of ``cells`` that may be published next to ``total`` (default: their sum).

    Guarantees for the returned set ``P``: every ``cells[c] >= k`` for ``c`` in ``P``; and
    ``total - sum(cells[c] for c in P)`` is 0 or ``>= k``. If ``total < k`` nothing is
    published. Cells are dropped smallest first (ties by key order, deterministic), so the
    largest groups stay visible.
    """
    k = k if k is not None else min_k()
    if k < MIN_K:
        raise ValueError(f"k must be at least {MIN_K}")
    if any(count < 0 for count in cells.values()):
        raise ValueError("cell counts cannot be negative")
    total = sum(cells.values()) if total is None else total
    if total < sum(cells.values()):
        raise ValueError("the cells add up to more than the total")
    if total < k:
        return set()
    published = {key for key, count in cells.items() if count >= k}
    # Secondary suppression: hide the smallest published cells until the hidden remainder is
    # either empty or itself large enough.
    ordered = sorted(published, key=lambda key: (cells[key], str(key)))
    while ordered:
        hidden = total - sum(cells[key] for key in ordered)
        if hidden == 0 or hidden >= k:
            break
        ordered.pop(0)
    return set(ordered)


def share_if_safe(part: int, total: int, *, k: int | None = None) -> float | None:
    """``part / total`` as a fraction, or None when publishing it would expose a small group.

    Publishing a share next to its total publishes the two groups ``part`` and
    ``total - part``; both must be 0 or ``>= k``.
    """
    cells = {"yes": part, "no": total - part}
    if total <= 0 or publishable_cells(cells, total=total, k=k) != {
        key for key, count in cells.items() if count > 0
    }:
        return None
    return part / total
