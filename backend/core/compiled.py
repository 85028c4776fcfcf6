"""Querysets compiled to SQL once and run many times with new values (PostgreSQL only).

A batch job that runs the same query a few thousand times pays Django's query building and
psycopg's client-side quoting of every parameter each time: at a thousand ids a batch that was
more than the database's own work. ``CompiledQuery`` builds the SQL once from an ordinary
queryset in which ``placeholder()`` marks the values that change, and runs it on the raw
psycopg connection (same connection and transaction as Django) with server-side binding: a
list travels as one array parameter (``= ANY(%b)``: ``%b`` sends it in binary, five times
cheaper to build than text for a thousand UUIDs), and psycopg prepares the statement after a
few runs, so it is planned once too.
"""

from __future__ import annotations

from typing import Any

from django.db import connection
from django.db.models import BooleanField, QuerySet
from django.db.models.expressions import RawSQL


class Placeholder:
    """A named value filled in at each run."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"Placeholder({self.name!r})"


def condition(sql: str, *names: str) -> RawSQL:
    """A WHERE condition in SQL whose ``%s`` are the named placeholders, in order, e.g.
    ``condition('"vault_document"."id" = ANY(%b)', "ids")`` (``%b``: binary, ``%s``: text)."""
    # The SQL is the caller's code, never input; every value is a bound parameter.
    return RawSQL(sql, tuple(Placeholder(name) for name in names), output_field=BooleanField())  # noqa: S611


def raw_cursor():
    """A server-side-binding psycopg cursor on Django's connection (inside its transaction)."""
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


class CompiledQuery:
    """``queryset`` (with ``condition()`` placeholders) as SQL, compiled at its first run: a
    ``select_for_update()`` one must first run inside a transaction, as with the ORM.
    ``limit`` names a placeholder for a ``LIMIT`` appended to the SQL."""

    def __init__(self, queryset: QuerySet, *, limit: str | None = None) -> None:
        self.queryset = queryset
        self.limit = limit
        self.sql: str | None = None
        self.params: list[Any] = []

    def _compile(self) -> None:
        sql, params = self.queryset.query.get_compiler(using=self.queryset.db).as_sql()
        params = list(params)
        if self.limit is not None:
            sql += " LIMIT %s"
            params.append(Placeholder(self.limit))
        self.sql, self.params = sql, params

    def rows(self, **values: Any) -> list[tuple]:
        if self.sql is None:
            self._compile()
        params = [values[p.name] if isinstance(p, Placeholder) else p for p in self.params]
        with raw_cursor() as cursor:
            cursor.execute(self.sql, params)
            return cursor.fetchall()
