"""Thin Celery tasks of the repair register: each takes primary keys and calls a service."""

from celery import shared_task


@shared_task(
    name="repairs.tasks.confirmation_code_send",
    autoretry_for=(OSError,),  # a provider's network error: try again later
    retry_backoff=30,
    max_retries=5,
)
def confirmation_code_send(work_order_id: int) -> bool:
    """Texts the customer of a dispatched work order the code that confirms the visit."""
    from .closing import confirmation_code_send as send
    from .models import WorkOrder

    order = WorkOrder.objects.filter(pk=work_order_id).first()
    return False if order is None else send(work_order=order)
