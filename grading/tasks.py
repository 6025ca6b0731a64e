"""The monthly job: the levels decided for this month take effect, and last month's results are assessed."""

from celery import shared_task
from django.utils import timezone

from aftersales.months import previous_month

from .services import centres_assess, levels_apply


@shared_task(name="grading.tasks.centres_assess_previous_month", acks_late=True)
def centres_assess_previous_month() -> int:
    """At 03:00 on the 1st (beat, after the settlement drafts): levels in force this month applied to the
    centres, then the month just ended assessed for every centre. Idempotent."""
    now = timezone.now()
    levels_apply(now=now)
    return len(centres_assess(month=previous_month(now), now=now))
