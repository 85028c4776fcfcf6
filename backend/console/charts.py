"""Geometry of the stacked column chart (month by category) the statistics page draws as SVG.

Only the published cells of ``complaints.crosstab.month_by_category`` are drawn; a column's
height is the sum of its *published* cells, so nothing suppressed can be read off the chart.
Colours are CSS classes (``series-0`` … ``series-9``; the console's CSP allows no inline
style), repeated after ten categories; the legend and each segment's ``<title>`` name them.
"""

from __future__ import annotations

PALETTE = 10
WIDTH = 640
PLOT_LEFT = 44
PLOT_TOP = 10
PLOT_HEIGHT = 220
AXIS_HEIGHT = 28
LEGEND_ROW = 22
TICKS = 4


def _nice_step(value: float) -> int:
    """The smallest 1, 2 or 5 times 10^n at or above ``value`` (so the axis ticks are round)."""
    step = 1
    while True:
        for factor in (1, 2, 5):
            if step * factor >= value:
                return step * factor
        step *= 10


def stacked_columns(table: dict, labels: dict) -> dict:
    months, categories, cells = table["months"], table["categories"], table["cells"]
    totals = {m: sum(cells.get((m, c), 0) for c in categories) for m in months}
    step = _nice_step((max(totals.values(), default=1) or 1) / TICKS)
    top = step * TICKS
    plot_width = WIDTH - PLOT_LEFT - 8
    slot = plot_width / max(1, len(months))
    bar = max(4.0, min(48.0, slot * 0.7))
    series = {c: i % PALETTE for i, c in enumerate(categories)}
    columns = []
    for i, month in enumerate(months):
        x = PLOT_LEFT + i * slot + (slot - bar) / 2
        y = PLOT_TOP + PLOT_HEIGHT
        segments = []
        for category in categories:
            n = cells.get((month, category))
            if not n:
                continue
            height = PLOT_HEIGHT * n / top
            y -= height
            segments.append(
                {
                    "y": round(y, 1),
                    "height": round(height, 1),
                    "count": n,
                    "label": str(labels.get(category, category)),
                    "series": series[category],
                }
            )
        columns.append(
            {
                "month": month,
                "x": round(x, 1),
                "width": round(bar, 1),
                "label_x": round(x + bar / 2, 1),
                "total": totals[month],
                "total_y": round(y - 4, 1),
                "segments": segments,
            }
        )
    ticks = [
        {"value": step * t, "y": round(PLOT_TOP + PLOT_HEIGHT * (1 - t / TICKS), 1)}
        for t in range(TICKS + 1)
    ]
    legend_top = PLOT_TOP + PLOT_HEIGHT + AXIS_HEIGHT + 8
    legend = [
        {
            "label": str(labels.get(c, c)),
            "series": series[c],
            "x": 8 + (i % 2) * (WIDTH // 2),
            "y": legend_top + (i // 2) * LEGEND_ROW,
        }
        for i, c in enumerate(categories)
    ]
    return {
        "width": WIDTH,
        "height": legend_top + ((len(categories) + 1) // 2) * LEGEND_ROW + 4,
        "plot_left": PLOT_LEFT,
        "plot_right": WIDTH - 8,
        "baseline": PLOT_TOP + PLOT_HEIGHT,
        "month_y": PLOT_TOP + PLOT_HEIGHT + 18,
        "columns": columns,
        "ticks": ticks,
        "legend": legend,
    }
