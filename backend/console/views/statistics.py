"""Statistics for supervisors and administrators: ``complaints.stats.complaint_statistics``
(k-suppressed there) drawn as server-side SVG bar charts, and the same figures as CSV."""

from __future__ import annotations

import csv
import io

from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from backend.complaints import policies, selectors
from backend.complaints.crosstab import month_by_category
from backend.complaints.models import Category, State
from backend.complaints.stats import complaint_statistics
from backend.console.charts import stacked_columns
from backend.console.views.common import require

BAR_HEIGHT = 22
LABEL_WIDTH = 260
CHART_WIDTH = 640


def _scope(request) -> tuple[Q, str]:
    require(policies.can_see_statistics(request.user))
    scope = selectors.statistics_scope(request.user)
    country = (request.GET.get("country") or "").strip().upper()[:2]
    if country:
        scope &= Q(workplace_country=country)
    return scope, country


def _bars(cells: list[dict], labels: dict | None = None) -> dict:
    """Geometry of a horizontal bar chart (drawn by the template as SVG rects)."""
    top = max((c["count"] for c in cells), default=0) or 1
    span = CHART_WIDTH - LABEL_WIDTH - 60
    bars = []
    for i, cell in enumerate(cells):
        key = cell["key"]
        bars.append(
            {
                "label": str((labels or {}).get(key, key)),
                "count": cell["count"],
                "y": i * (BAR_HEIGHT + 6),
                "text_y": i * (BAR_HEIGHT + 6) + BAR_HEIGHT - 6,
                "width": max(1, round(span * cell["count"] / top)),
                "value_x": LABEL_WIDTH + max(1, round(span * cell["count"] / top)) + 6,
            }
        )
    return {
        "bars": bars,
        "height": max(BAR_HEIGHT, len(bars) * (BAR_HEIGHT + 6)),
        "width": CHART_WIDTH,
        "label_width": LABEL_WIDTH,
        "label_x": LABEL_WIDTH - 8,
    }


def _crosstab(scope: Q, stats: dict) -> dict:
    """Month by category, k-suppressed both ways, as a stacked chart and as table rows."""
    table = month_by_category(scope=scope, stats=stats)
    labels = dict(Category.choices)
    rows = [
        {
            "month": month,
            "counts": [table["cells"].get((month, c)) for c in table["categories"]],
        }
        for month in table["months"]
    ]
    return {
        "table": table,
        "chart": stacked_columns(table, labels) if table["cells"] else None,
        "headers": [str(labels.get(c, c)) for c in table["categories"]],
        "rows": rows,
    }


@require_GET
def statistics(request):
    scope, country = _scope(request)
    stats = complaint_statistics(scope=scope)
    charts = {}
    crosstab = None
    if not stats["suppressed"]:
        crosstab = _crosstab(scope, stats)
        charts = {
            "month": _bars(stats["by_month"]["cells"]),
            "category": _bars(stats["by_category"]["cells"], dict(Category.choices)),
            "state": _bars(stats["by_state"]["cells"], dict(State.choices)),
            "sector": _bars(stats["by_sector"]["cells"]),
        }
        durations = [
            {"key": _("Median days to triage"), "count": stats["median_days_to_triage"]},
            {"key": _("Median days to resolution"), "count": stats["median_days_to_resolution"]},
        ]
        charts["durations"] = _bars([d for d in durations if d["count"] is not None])
        share = stats["share_resolved_within_deadline"]
        if share is not None:
            charts["share"] = {"percent": round(share * 100, 1), "width": round(share * 400)}
    return render(
        request,
        "console/statistics.html",
        {
            "stats": stats,
            "charts": charts,
            "crosstab": crosstab,
            "country": country,
            "is_admin": request.user.role == "admin",
        },
    )


def statistics_rows(stats: dict, crosstab: dict | None = None) -> list[list]:
    """The published figures as (section, key, value) rows; suppressed cells are not there,
    only their number. ``crosstab`` (``month_by_category``) adds ``month_category`` rows
    keyed ``YYYY-MM/category``."""
    rows: list[list] = [["k", "", stats["k"]]]
    if stats["suppressed"]:
        rows.append(["total", "", "suppressed"])
        return rows
    rows.append(["total", "", stats["total"]])
    for section in ("by_category", "by_corridor", "by_sector", "by_state", "by_month"):
        for cell in stats[section]["cells"]:
            rows.append([section, cell["key"], cell["count"]])
        rows.append([section, "suppressed_cells", stats[section]["suppressed_cells"]])
    for name in (
        "median_days_to_triage",
        "median_days_to_resolution",
        "share_resolved_within_deadline",
    ):
        value = stats[name]
        rows.append([name, "", "suppressed" if value is None else value])
    for row in stats["amounts_recovered"]:
        rows.append(["amounts_recovered", row["currency"], row["total"]])
    if crosstab is not None:
        for (month, category), count in sorted(crosstab["cells"].items()):
            rows.append(["month_category", f"{month}/{category}", count])
        rows.append(["month_category", "suppressed_cells", crosstab["suppressed_cells"]])
    return rows


@require_GET
def statistics_csv(request):
    scope, country = _scope(request)
    stats = complaint_statistics(scope=scope)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["section", "key", "value"])
    crosstab = None if stats["suppressed"] else month_by_category(scope=scope, stats=stats)
    writer.writerows(statistics_rows(stats, crosstab))
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    name = f"complaint-statistics{'-' + country if country else ''}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
