"""Task modules, one per domain. Importing this package registers every task with the app."""

from workers.tasks import accounts  # noqa: F401
