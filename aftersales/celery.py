"""The Celery application.

Broker and result backend are Redis (``REDIS_URL``). Task modules are discovered in every installed
app (``<app>/tasks.py``).

The beat schedule lives here, in code, and nowhere else. Why not django-celery-beat's database
scheduler: the timed jobs of this system (SLA scans, callback sweeps) are part of the service contract,
reviewed and tested like any other code; what managers tune is the *policy* they apply (SLA durations,
callback delays), which are rows in the admin, not how often the scanner wakes up. One source of truth,
no schedule drift between machines, and nothing to re-sync on deploy.
"""

import os
from datetime import timedelta

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")

app = Celery("aftersales")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

app.conf.beat_schedule = {
    # Proves beat is alive: /healthz shows the age of the last tick.
    "beat-heartbeat": {
        "task": "aftersales.tasks.beat_heartbeat",
        "schedule": timedelta(seconds=30),
    },
    # SLA deadlines: what is newly due or breached, and the escalations along the chain (care.services).
    "care-sla-scan": {
        "task": "care.tasks.sla_scan",
        "schedule": timedelta(minutes=1),
        "options": {"expires": 55},  # a scan still queued when the next is due is dropped, not stacked
    },
    # The manager's dashboard: its slow figures counted before their cache expires (care/dashboard.py).
    "care-dashboard-refresh": {
        "task": "care.tasks.dashboard_refresh",
        "schedule": timedelta(minutes=4),
        "options": {"expires": 200},
    },
    # Claim screening (索赔审核) of the month just ended, at 01:30 on the 1st: the drafts then leave the flagged
    # orders out.
    "screening-screen-previous-month": {
        "task": "screening.tasks.screen_previous_month",
        "schedule": crontab(hour=1, minute=30, day_of_month=1),
    },
    # The month's settlement drafts for every active centre, at 02:00 on the 1st (China time).
    "network-settlements-draft": {
        "task": "network.tasks.settlements_draft_previous_month",
        "schedule": crontab(hour=2, minute=0, day_of_month=1),
    },
    # Centre levels: the levels decided for the new month take effect, and the month just ended is assessed
    # (results, score, proposed level) for the manager, at 03:00 on the 1st, after the settlement drafts.
    "grading-assess-previous-month": {
        "task": "grading.tasks.centres_assess_previous_month",
        "schedule": crontab(hour=3, minute=0, day_of_month=1),
    },
    # Periodic inspections (巡检) due within INSPECTIONS_DAYS_AHEAD days become dispatched work orders, early morning.
    "inspections-plan-daily": {
        "task": "inspections.tasks.inspections_plan_daily",
        "schedule": crontab(hour=5, minute=15),
    },
    # Spare parts: what to order from the supplier or ask the central warehouse for, before the day starts
    # (crontab in CELERY_TIMEZONE, Asia/Shanghai).
    "inventory-reorder-suggestions": {
        "task": "inventory.tasks.reorder_suggestions_daily",
        "schedule": crontab(hour=6, minute=0),
    },
    # 上岗证 expiring within 30 days: a task for the centre to arrange the renewal (network.certificates).
    "network-certificate-expiry-tasks": {
        "task": "network.tasks.certificate_expiry_tasks_daily",
        "schedule": crontab(hour=6, minute=30),
    },
    # Coverage gaps: districts with units of a category and no active centre opened, recounted or closed
    # (office.coverage), before the manager's day starts.
    "office-coverage-gaps-refresh": {
        "task": "office.tasks.coverage_gaps_refresh_daily",
        "schedule": crontab(hour=5, minute=30),
    },
    # Maintenance contracts: expire those past their end, and hand renewals to the responsible centres 30 days
    # ahead (with an SMS to the customer), each once.
    "warranty-contracts-daily": {
        "task": "warranty.tasks.contracts_daily",
        "schedule": crontab(hour=5, minute=30),
    },
    # Quality early warning: every model-month's repair rate in its first 90 days in service against its
    # category's, alerts raised or refreshed (quality.services.watch), before the day starts.
    "quality-watch-daily": {
        "task": "quality.tasks.quality_watch_daily",
        "schedule": crontab(hour=4, minute=30),
    },
    # Idempotency-Key records of the API's POSTs past their IDEMPOTENCY_TTL_HOURS.
    "integrations-idempotency-purge": {
        "task": "integrations.tasks.idempotency_records_purge",
        "schedule": timedelta(hours=1),
    },
    # Service budget: the monthly rollup of actual cost (this month and the two before), nightly; last
    # month's budget report as PDF to the managers on the 2nd (its statements are confirmed by then).
    "insight-budget-actuals-refresh": {
        "task": "insight.tasks.budget_actuals_refresh_recent",
        "schedule": crontab(hour=3, minute=40),
    },
    "insight-budget-report-email": {
        "task": "insight.tasks.budget_report_email",
        "schedule": crontab(day_of_month=2, hour=7, minute=0),
    },
    # Service rates: the counts of this month and the last (they still change) every ten minutes, the twelve
    # months of the trend nightly; the pages read the kept counts, never count on a request.
    "insight-rates-refresh-open": {
        "task": "insight.tasks.rates_refresh_open",
        "schedule": timedelta(minutes=10),
    },
    "insight-rates-refresh-year": {
        "task": "insight.tasks.rates_refresh_year",
        "schedule": crontab(hour=3, minute=50),
    },
}
