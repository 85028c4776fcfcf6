"""Idempotent import of a government licence list (CSV) into the agency directory.

Columns (header row required; extra columns ignored): ``name``, ``licence_number``,
``country`` (required); ``aliases`` and ``corridors`` (``;``-separated, corridors as
``MM-TH``), ``licensing_authority``, ``address``, ``licence_status`` (licensed, suspended,
revoked, unknown; default unknown), ``source``, ``last_checked`` (YYYY-MM-DD).

A row is identified by (country, licence number): re-importing updates the agency in place and
never duplicates it; a row identical to what is stored changes nothing. Every row is checked
and written in its own savepoint, so a bad row is reported (with its line number and reasons)
without stopping or half-writing the others.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TextIO

from django.db import transaction

from backend.agencies.models import Agency, LicenceStatus
from backend.agencies.services import agency_save

REQUIRED = ("name", "licence_number", "country")
COUNTRY_RE = re.compile(r"^[A-Z]{2}$")
CORRIDOR_RE = re.compile(r"^([A-Z]{2})\s*-\s*([A-Z]{2})$")


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[tuple[int, list[str]]] = field(default_factory=list)


@dataclass
class _Row:
    values: dict
    corridors: set[tuple[str, str]]


def _split(value: str) -> list[str]:
    return [part.strip() for part in (value or "").split(";") if part.strip()]


def _parse(raw: dict[str, str]) -> tuple[_Row | None, list[str]]:
    row = {key.strip().lower(): (value or "").strip() for key, value in raw.items() if key}
    errors = [f"{name} is required" for name in REQUIRED if not row.get(name)]
    country = row.get("country", "").upper()
    if country and not COUNTRY_RE.match(country):
        errors.append("country must be a two-letter ISO code")
    status = (row.get("licence_status") or LicenceStatus.UNKNOWN).lower()
    if status not in LicenceStatus.values:
        errors.append(f"licence_status must be one of {', '.join(LicenceStatus.values)}")
    last_checked = None
    if row.get("last_checked"):
        try:
            last_checked = dt.date.fromisoformat(row["last_checked"])
        except ValueError:
            errors.append("last_checked must be a date YYYY-MM-DD")
    corridors = set()
    for item in _split(row.get("corridors", "")):
        match = CORRIDOR_RE.match(item.upper())
        if not match:
            errors.append(f"corridor {item!r} must look like MM-TH")
        else:
            corridors.add((match[1], match[2]))
    if len(row.get("name", "")) > 255 or len(row.get("licence_number", "")) > 100:
        errors.append("name or licence_number is too long")
    if errors:
        return None, errors
    values = {
        "name": row["name"],
        "aliases": _split(row.get("aliases", "")),
        "licence_number": row["licence_number"],
        "licensing_authority": row.get("licensing_authority", "")[:255],
        "country": country,
        "address": row.get("address", ""),
        "licence_status": status,
        "source": row.get("source", "")[:255],
        "last_checked": last_checked,
    }
    return _Row(values, corridors), []


def agencies_import_rows(rows: Iterable[dict[str, str]], *, actor=None) -> ImportReport:
    report = ImportReport()
    seen: set[tuple[str, str]] = set()
    for line, raw in enumerate(rows, start=2):  # line 1 is the header
        parsed, errors = _parse(raw)
        if parsed is None:
            report.rejected.append((line, errors))
            continue
        key = (parsed.values["country"], parsed.values["licence_number"])
        if key in seen:
            report.rejected.append((line, ["duplicate licence number earlier in this file"]))
            continue
        seen.add(key)
        try:
            with transaction.atomic():
                agency = (
                    Agency.objects.select_for_update()
                    .prefetch_related("corridors")
                    .filter(country=key[0], licence_number=key[1])
                    .first()
                )
                if agency is None:
                    agency_save(
                        agency=Agency(**parsed.values), corridors=parsed.corridors, actor=actor
                    )
                    report.created += 1
                    continue
                current = {(c.origin, c.destination) for c in agency.corridors.all()}
                same = current == parsed.corridors and all(
                    getattr(agency, name) == value for name, value in parsed.values.items()
                )
                if same:
                    report.unchanged += 1
                    continue
                for name, value in parsed.values.items():
                    setattr(agency, name, value)
                agency_save(agency=agency, corridors=parsed.corridors, actor=actor)
                report.updated += 1
        except Exception as exc:  # a DB or validation error rejects this row only
            messages = getattr(exc, "messages", None) or [exc.__class__.__name__]
            report.rejected.append((line, [str(m) for m in messages]))
    return report


def agencies_import_csv(handle: TextIO, *, actor=None) -> ImportReport:
    reader = csv.DictReader(handle)
    missing = [
        name
        for name in REQUIRED
        if name not in [f.strip().lower() for f in reader.fieldnames or []]
    ]
    if missing:
        report = ImportReport()
        report.rejected.append((1, [f"missing column {name}" for name in missing]))
        return report
    return agencies_import_rows(reader, actor=actor)
