"""The monthly job: last month's payable orders screened before the settlement drafts are computed."""

from celery import shared_task
from django.utils import timezone

from aftersales.months import previous_month

from .services import month_screen


@shared_task(name="screening.tasks.screen_previous_month", acks_late=True)
def screen_previous_month() -> dict:
    """At 01:30 on the 1st (beat; the drafts follow at 02:00): the month just ended screened. Idempotent."""
    now = timezone.now()
    return month_screen(month=previous_month(now), now=now).as_json()
