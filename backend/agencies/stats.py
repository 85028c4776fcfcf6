"""Pure statistics used by the aggregate refresh (no database access, unit-tested by hand).

Bayesian (weighted) average, as in IMDb's top-rated list: ``(C*m + sum) / (C + n)`` where ``m``
is the global mean of the dimension over every public review and ``C`` (``AGENCY_BAYES_C``,
default 10) is how many "virtual reviews at the global mean" each agency starts with. An agency
with 2 five-star reviews therefore ranks near the global mean, not at the top.

Quartiles use linear interpolation between order statistics (``statistics.quantiles`` with
``method="inclusive"``, the same as NumPy's default), so the median of [1, 2, 3, 4] is 2.5 and
its quartiles are 1.75 and 3.25.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def bayesian_average(*, total: float, count: int, prior_mean: float, prior_weight: float) -> float:
    if count < 0 or prior_weight < 0 or (count == 0 and prior_weight == 0):
        raise ValueError("need a positive count or prior weight")
    return (prior_weight * prior_mean + total) / (prior_weight + count)


def quartiles(values: Sequence[float]) -> dict[str, float] | None:
    """``{"q1", "median", "q3"}`` of ``values`` (None when empty)."""
    data = sorted(float(v) for v in values)
    if not data:
        return None
    if len(data) == 1:
        return {"q1": data[0], "median": data[0], "q3": data[0]}
    q1, median, q3 = statistics.quantiles(data, n=4, method="inclusive")
    return {"q1": round(q1, 4), "median": round(median, 4), "q3": round(q3, 4)}
