"""Look for a worker's canary data everywhere: every table's text and binary columns, every
file under MEDIA_ROOT, and the captured logs."""

from __future__ import annotations

import os

from django.conf import settings
from django.db import connection


def _as_bytes(value) -> bytes:
    if value is None:
        return b""
    if isinstance(value, memoryview | bytearray):
        return bytes(value)
    if isinstance(value, bytes):
        return value
    return str(value).encode("utf-8", "replace")


def database_hits(needles: list[bytes]) -> list[str]:
    """``table.column`` for every cell (any type, rendered as text or raw bytes) that holds a
    needle."""
    hits = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            quoted = connection.ops.quote_name(table)
            cursor.execute(f"SELECT * FROM {quoted}")  # noqa: S608 - table names from the schema
            columns = [c[0] for c in cursor.description]
            for row in cursor.fetchall():
                for column, value in zip(columns, row, strict=True):
                    data = _as_bytes(value)
                    hits.extend(f"{table}.{column}" for n in needles if n in data)
    return hits


def storage_files() -> list[str]:
    root = str(settings.MEDIA_ROOT)
    out = []
    for base, _dirs, files in os.walk(root):
        out.extend(os.path.join(base, name) for name in files)
    return out


def storage_hits(needles: list[bytes]) -> list[str]:
    hits = []
    for path in storage_files():
        with open(path, "rb") as handle:
            data = handle.read()
        hits.extend(path for n in needles if n in data)
    return hits
