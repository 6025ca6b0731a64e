"""Thin Celery tasks of customer care. acks_late (settings): a worker killed mid-task leaves the message
on the queue and another worker runs it again; the services are idempotent, so nothing is done twice."""

from celery import shared_task
from django.conf import settings


@shared_task(name="care.tasks.sla_scan", ignore_result=False, acks_late=True)
def sla_scan() -> dict:
    """Every minute (beat): newly due and newly breached deadlines, escalations along the chain."""
    # Imported when the task runs: the modules that queue these tasks import this one.
    from .services import sla_scan as scan

    return scan()


@shared_task(
    name="care.tasks.notifications_email",
    acks_late=True,
    autoretry_for=(OSError,),  # the mail server did not answer: try again later
    retry_backoff=settings.CARE_EMAIL_RETRY_SECONDS,
    retry_jitter=False,
    max_retries=5,
)
def notifications_email(ids: list[int]) -> int:
    # Imported when the task runs: the modules that queue these tasks import this one.
    from .services import notifications_email as send

    return send(ids=ids)


@shared_task(name="care.tasks.dashboard_refresh", ignore_result=True, acks_late=True)
def dashboard_refresh() -> None:
    """Every 4 minutes (beat): the dashboard's slow figures counted ahead of their 5-minute cache's
    expiry, so no manager waits for the count."""
    # Imported when the task runs: the modules that queue these tasks import this one.
    from .dashboard import dashboard_refresh as refresh

    refresh()
