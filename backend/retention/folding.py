"""Fold complaints into anonymous aggregates, then destroy them.

``complaints_fold_and_delete`` is the only way a complaint with personal data leaves the
database: in ONE transaction it adds the complaint's facts to ``ComplaintAggregate`` and deletes
the complaint (with its categories, events, messages, evidence links, accesses, invitations,
read markers and holds, by cascade). If the batch crashes, both roll back together and the next
run folds the complaint once; a complaint already deleted cannot be folded again.

Cells are updated in sorted key order (``get_or_create`` then ``F() + n``), so two runs at once
never deadlock on the aggregate rows and never lose an increment.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import F

from backend.complaints.models import Category, Complaint, ComplaintCategory, State
from backend.retention.models import ComplaintAggregate

Dim = ComplaintAggregate.Dimension
CellKey = tuple[dt.date, str, str, str]


def _month(complaint: Complaint) -> dt.date:
    when = complaint.submitted_at or complaint.created_at
    return when.date().replace(day=1)


def complaint_cells(
    complaint: Complaint, categories: Iterable[str]
) -> list[tuple[CellKey, int, Decimal]]:
    """The aggregate cells one complaint adds to: (key, count, amount)."""
    month, country = _month(complaint), complaint.workplace_country or ""
    cells: list[tuple[str, str, Decimal]] = [
        (Dim.TOTAL, "", Decimal(0)),
        (Dim.CORRIDOR, f"{complaint.worker_nationality or '??'}-{country or '??'}", Decimal(0)),
        (Dim.SECTOR, complaint.sector or "unknown", Decimal(0)),
        (Dim.STATE, complaint.state, Decimal(0)),
    ]
    cells.extend((Dim.CATEGORY, category, Decimal(0)) for category in sorted(set(categories)))
    if complaint.outcome:
        cells.append((Dim.OUTCOME, complaint.outcome, Decimal(0)))
    if complaint.resolved_within_deadline is not None:
        cells.append(
            (Dim.WITHIN_DEADLINE, "yes" if complaint.resolved_within_deadline else "no", Decimal(0))
        )
    if complaint.amount_recovered is not None and complaint.recovered_currency:
        cells.append((Dim.RECOVERED, complaint.recovered_currency, complaint.amount_recovered))
    if (
        Category.RECRUITMENT_FEES in categories
        and complaint.amount_claimed is not None
        and complaint.claimed_currency
    ):
        cells.append((Dim.FEES_CLAIMED, complaint.claimed_currency, complaint.amount_claimed))
    return [((month, country, dim, key), 1, amount) for dim, key, amount in cells]


def _add(cells: dict[CellKey, list]) -> None:
    for key in sorted(cells):
        month, country, dimension, name = key
        count, amount = cells[key]
        row, _created = ComplaintAggregate.objects.get_or_create(
            month=month, country=country, dimension=dimension, key=name
        )
        ComplaintAggregate.objects.filter(pk=row.pk).update(
            count=F("count") + count, amount=F("amount") + amount
        )


def complaints_fold_and_delete(complaints: list[Complaint]) -> int:
    """Fold then delete ``complaints`` (locked by the caller, inside its transaction).

    Drafts were never submitted and are not counted anywhere: they are deleted unfolded.
    Returns the number of complaints deleted.
    """
    if not complaints:
        return 0
    ids = [c.pk for c in complaints]
    categories: dict = defaultdict(list)
    for complaint_id, category in ComplaintCategory.objects.filter(
        complaint_id__in=ids
    ).values_list("complaint_id", "category"):
        categories[complaint_id].append(category)
    cells: dict[CellKey, list] = {}
    for complaint in complaints:
        if complaint.state == State.DRAFT:
            continue
        for key, count, amount in complaint_cells(complaint, categories[complaint.pk]):
            cell = cells.setdefault(key, [0, Decimal(0)])
            cell[0] += count
            cell[1] += amount
    _add(cells)
    Complaint.objects.filter(pk__in=ids).delete()
    return len(ids)
