"""The daily early warning (beat, aftersales/celery.py)."""

from celery import shared_task

from .services import quality_watch


@shared_task(name="quality.tasks.quality_watch_daily", acks_late=True)
def quality_watch_daily() -> dict:
    """Every model-month counted, alerts raised or refreshed. Idempotent."""
    return quality_watch()
