"""Counting queries for the "constant in the number of rows" tests."""

from __future__ import annotations

from collections.abc import Callable

from django.db import connection
from django.test.utils import CaptureQueriesContext


def count_queries(fn: Callable[[], object]) -> int:
    with CaptureQueriesContext(connection) as context:
        fn()
    return len(context.captured_queries)
