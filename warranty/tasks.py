"""Maintenance contracts' daily jobs: contracts past their end expire; those ending within 30 days get a
renewal task for the responsible centre and an SMS to the customer (each once)."""

from celery import shared_task

from .contracts import contract_renewal_tasks, contracts_expire


@shared_task(acks_late=True)
def contracts_daily() -> dict:
    return {"expired": contracts_expire(), "renewal_tasks": contract_renewal_tasks()}
