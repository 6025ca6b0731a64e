"""The Celery application.

Broker and result backend are Redis (``REDIS_URL``). Task modules are discovered in every installed
app (``<app>/tasks.py``). Every task goes to one of three queues by its name (``TASK_QUEUES`` below), each
read by workers of its own, so that the minute's SLA scan never waits behind a storm of PDFs.

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
from kombu import Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "aftersales.settings")

app = Celery("aftersales")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Three queues, each with workers of its own (scripts/run.sh, docker-compose.yml), so that a storm of one kind
# never makes another wait:
#   clock      the timed jobs: short (an indexed scan, one aggregate query), and what they do is late if they
#              are — the SLA scan every minute (its warnings, breaches and escalations, callbacks' deadlines
#              among them), beat's heartbeat, the dashboard's figures before their cache expires, and the
#              morning jobs that hand people the day's work (inspection visits, contract expiries and renewals,
#              certificate renewals, reorder suggestions).
#   documents  files and recounts: PDFs, ZIPs, the e-mailed PDF report, and the heavy recomputations (settlement
#              drafts, claim screening, centre grading, budget rollup, service rates, quality warning, coverage
#              gaps) that a storm's length of delay changes nothing for (the monthly chain — screening, drafts,
#              grading — keeps its order on one FIFO queue).
#   notify     messages out: SMS, e-mail, webhooks; they wait on the network, not the CPU.
CLOCK, DOCUMENTS, NOTIFY = "clock", "documents", "notify"
QUEUES = (CLOCK, DOCUMENTS, NOTIFY)
# Every task of the project, by name; a test fails for a task not listed here.
TASK_QUEUES = {
    "aftersales.tasks.beat_heartbeat": CLOCK,
    "aftersales.tasks.ping": CLOCK,
    "care.tasks.sla_scan": CLOCK,
    "care.tasks.dashboard_refresh": CLOCK,
    "inspections.tasks.inspections_plan_daily": CLOCK,
    "warranty.tasks.contracts_daily": CLOCK,
    "network.tasks.certificate_expiry_tasks_daily": CLOCK,
    "inventory.tasks.reorder_suggestions_daily": CLOCK,
    "integrations.tasks.idempotency_records_purge": CLOCK,
    "repairs.tasks.units_sold_fold": CLOCK,
    "repairs.tasks.technician_time_rollup": CLOCK,
    "network.tasks.settlement_pdf_build": DOCUMENTS,
    "network.tasks.settlements_zip_build": DOCUMENTS,
    "network.tasks.settlements_draft_month": DOCUMENTS,
    "network.tasks.settlements_draft_previous_month": DOCUMENTS,
    "screening.tasks.screen_previous_month": DOCUMENTS,
    "grading.tasks.centres_assess_previous_month": DOCUMENTS,
    "insight.tasks.budget_report_email": DOCUMENTS,
    "insight.tasks.budget_actuals_refresh_recent": DOCUMENTS,
    "insight.tasks.rates_refresh_open": DOCUMENTS,
    "insight.tasks.rates_refresh_year": DOCUMENTS,
    "quality.tasks.quality_watch_daily": DOCUMENTS,
    "office.tasks.coverage_gaps_refresh_daily": DOCUMENTS,
    "repairs.tasks.units_sold_recount": DOCUMENTS,
    "repairs.tasks.confirmation_code_send": NOTIFY,
    "care.tasks.notifications_email": NOTIFY,
    "integrations.tasks.webhook_deliver": NOTIFY,
}
app.conf.task_routes = {name: {"queue": queue} for name, queue in TASK_QUEUES.items()}
# A worker started without -Q (a developer's, the tests') serves all three.
app.conf.task_queues = [Queue(name) for name in QUEUES]
# A task sent by a name the table does not know (from a shell, by Celery itself) waits with the heavy jobs:
# never in front of the SLA scan, and never in a queue no worker reads.
app.conf.task_default_queue = DOCUMENTS

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
    # The network's units sold, kept counted for the dashboard (repairs.units_sold): the units registered since
    # the last run added every ten minutes (a range of the units' key), everything counted again nightly so
    # that corrected sale dates and models are taken in.
    "repairs-units-sold-fold": {
        "task": "repairs.tasks.units_sold_fold",
        "schedule": timedelta(minutes=10),
        "options": {"expires": 540},
    },
    "repairs-units-sold-recount": {
        "task": "repairs.tasks.units_sold_recount",
        "schedule": crontab(hour=3, minute=20),
    },
    # Each technician's labour of the days of this month counted into kept rows for the supervisor's board
    # and the time report (repairs.timesheet), after midnight.
    "repairs-technician-time-rollup": {
        "task": "repairs.tasks.technician_time_rollup",
        "schedule": crontab(hour=0, minute=40),
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
