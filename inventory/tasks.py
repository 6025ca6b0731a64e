"""Thin Celery tasks of spare parts: each calls a service."""

import datetime as dt

from celery import shared_task

from .reorder import reorder_suggestions_compute


@shared_task(name="inventory.tasks.reorder_suggestions_daily")
def reorder_suggestions_daily(day: str | None = None) -> int:
    """Replaces the day's reorder suggestions (default: today in China); returns how many there are."""
    return reorder_suggestions_compute(today=dt.date.fromisoformat(day) if day else None)
