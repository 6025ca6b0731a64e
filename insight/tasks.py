"""Thin Celery tasks of the service budget (the nightly rollup, the managers' monthly report) and of the
service rates (the months' counts kept fresh)."""

import datetime as dt

from celery import shared_task


@shared_task(name="insight.tasks.budget_actuals_refresh_recent", acks_late=True)
def budget_actuals_refresh_recent() -> int:
    """Nightly (beat): the rollup of this month and the two before it."""
    # Imported when the task runs: the services import the models, which the worker loads after Django.
    from insight.budget_services import budget_actuals_refresh_recent as refresh

    return len(refresh())


@shared_task(name="insight.tasks.budget_report_email", acks_late=True)
def budget_report_email(month: str | None = None) -> int:
    """On the 2nd of each month (beat): last month's report as PDF to the managers (or `month`, YYYY-MM)."""
    # Imported when the task runs: the services import the models, which the worker loads after Django.
    from insight.budget_mail import budget_report_email as send

    return send(month=dt.datetime.strptime(month, "%Y-%m").date() if month else None)


@shared_task(name="insight.tasks.rates_refresh_open", acks_late=True)
def rates_refresh_open() -> int:
    """Every ten minutes (beat): the service rates of this month and the last, which still change."""
    # Imported when the task runs: the rates import the models, which the worker loads after Django.
    from insight.rates import rates_refresh_open as refresh

    return len(refresh())


@shared_task(name="insight.tasks.rates_refresh_year", acks_late=True)
def rates_refresh_year() -> int:
    """Nightly (beat): the service rates of the twelve months the page's trend shows."""
    # Imported when the task runs: the rates import the models, which the worker loads after Django.
    from insight.rates import rates_refresh_months as refresh

    return len(refresh())
