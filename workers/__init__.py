"""Celery app, beat schedule and task modules. Tasks are thin: fetch by id, call one service."""

from workers.celery import app

__all__ = ["app"]
