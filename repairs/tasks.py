"""Thin Celery tasks of the repair register: each takes primary keys and calls a service."""

from celery import shared_task
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError


@shared_task(
    name="repairs.tasks.confirmation_code_send",
    autoretry_for=(OSError,),  # a provider's network error: try again later
    retry_backoff=30,
    max_retries=5,
)
def confirmation_code_send(
    work_order_id: int, resend: bool = False, acting_user_id: int | None = None
) -> bool:
    """Texts the customer of a dispatched work order the code that confirms the visit (made here, in the
    worker: the code never travels through the broker). `resend`: asked for again from the tablet or the
    office (limited per hour; a request over the limit in the meantime sends nothing)."""
    # Imported when the task runs: the modules that queue these tasks import this one.
    from .closing import confirmation_code_send as send
    from .models import WorkOrder

    order = WorkOrder.objects.filter(pk=work_order_id).first()
    if order is None:
        return False
    user = get_user_model().objects.filter(pk=acting_user_id).first() if acting_user_id else None
    try:
        return send(work_order=order, acting_user=user, resend=resend)
    except ValidationError:
        return False


@shared_task(name="repairs.tasks.units_sold_fold")
def units_sold_fold() -> int | None:
    """Every ten minutes (beat): the units registered since the last run added to the kept counts."""
    # Imported when the task runs: the counts import the models, which the worker loads after Django.
    from .units_sold import units_sold_fold as fold

    return fold()


@shared_task(name="repairs.tasks.units_sold_recount", acks_late=True)
def units_sold_recount() -> int | None:
    """Nightly (beat): every unit counted again, the day's corrections of sale dates and models taken in."""
    # Imported when the task runs: the counts import the models, which the worker loads after Django.
    from .units_sold import units_sold_recount as recount

    return recount()


@shared_task(name="repairs.tasks.technician_time_rollup")
def technician_time_rollup() -> int:
    """Nightly (beat): every technician's labour of each day of yesterday's month counted into the kept
    rows the month's time split reads (repairs.timesheet)."""
    # Imported when the task runs: the time split imports the models, which the worker loads after Django.
    from .timesheet import time_rollup_recent

    return time_rollup_recent()
