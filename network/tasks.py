"""Thin Celery tasks of the network: the monthly settlement drafts."""

from celery import shared_task


@shared_task(name="network.tasks.settlements_draft_previous_month", acks_late=True)
def settlements_draft_previous_month() -> int:
    """At 02:00 on the 1st (beat): every active centre's draft for the month just ended. Idempotent: a
    rerun refreshes the drafts and leaves confirmed ones alone."""
    from django.utils import timezone

    from .settlement import previous_month, settlements_compute_month

    results = settlements_compute_month(month=previous_month(timezone.now()))
    return sum(1 for _center, settlement, _problems in results if settlement is not None)
