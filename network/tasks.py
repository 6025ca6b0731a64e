"""Thin Celery tasks of the network: each calls a service."""

import datetime as dt

from celery import shared_task

from .certificates import certificate_expiry_tasks


@shared_task(name="network.tasks.certificate_expiry_tasks_daily")
def certificate_expiry_tasks_daily(day: str | None = None) -> int:
    """Hands the centres their tasks for certificates expiring within 30 days (default: today in China);
    returns how many tasks it created."""
    return certificate_expiry_tasks(today=dt.date.fromisoformat(day) if day else None)
