from celery import shared_task

from .services import inspections_plan


@shared_task
def inspections_plan_daily() -> dict:
    """The daily job (aftersales/celery.py's beat): the visits due within INSPECTIONS_DAYS_AHEAD days."""
    return inspections_plan().as_dict()
