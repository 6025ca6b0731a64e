"""Thin Celery tasks of the settlement: the monthly drafts, the month's ZIP and a statement's PDF.

Their names keep the `network.tasks.` prefix they were first registered under, so the beat schedule and any
task already queued by an earlier release still find them."""

import datetime as dt

from celery import shared_task
from django.utils import timezone


@shared_task(name="network.tasks.settlements_draft_previous_month", acks_late=True)
def settlements_draft_previous_month() -> int:
    """At 02:00 on the 1st (beat): every active centre's draft for the month just ended. Idempotent: a
    rerun refreshes the drafts and leaves confirmed ones alone."""
    # Imported when the task runs: the modules that queue these tasks import this one.
    from settlement.services import previous_month, settlements_compute_month

    results = settlements_compute_month(month=previous_month(timezone.now()))
    return sum(1 for _center, settlement, _problems in results if settlement is not None)


@shared_task(name="network.tasks.settlements_draft_month", acks_late=True)
def settlements_draft_month(month: str) -> int:
    """A manager's "compute every centre" for a month (YYYY-MM), run by a worker."""
    # Imported when the task runs: the modules that queue these tasks import this one.
    from settlement.services import settlements_compute_month

    results = settlements_compute_month(month=dt.datetime.strptime(month, "%Y-%m").date())
    return sum(1 for _center, settlement, _problems in results if settlement is not None)


@shared_task(name="network.tasks.settlements_zip_build", acks_late=True)
def settlements_zip_build(month: str, ids: list[int]) -> str:
    """Every statement PDF of a month in one zip in the export storage (see settlement.exports)."""
    # Imported when the task runs: the modules that queue these tasks import this one.
    from settlement.exports import zip_build

    return str(zip_build(dt.datetime.strptime(month, "%Y-%m").date(), ids))


@shared_task(name="network.tasks.settlement_pdf_build", acks_late=True)
def settlement_pdf_build(settlement_id: int) -> str:
    """One long statement's PDF in the export storage (see settlement.exports)."""
    # Imported when the task runs: the modules that queue these tasks import this one.
    from settlement.exports import pdf_build

    return str(pdf_build(settlement_id))
