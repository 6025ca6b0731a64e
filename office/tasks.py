"""Thin Celery tasks of the office: each calls a service."""

from celery import shared_task

from .coverage import coverage_gaps_refresh


@shared_task(name="office.tasks.coverage_gaps_refresh_daily")
def coverage_gaps_refresh_daily() -> str:
    """Refreshes the recorded coverage gaps (opened, recounted, closed); returns what it did."""
    return str(coverage_gaps_refresh())
