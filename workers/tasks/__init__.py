"""Task modules, one per domain. Importing this package registers every task with the app."""

from workers.tasks import (  # noqa: F401
    accounts,
    agencies,
    complaints,
    notifications,
    retention,
    vault,
)
