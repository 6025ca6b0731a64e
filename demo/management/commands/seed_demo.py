import contextlib
import datetime as dt
import logging
import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from aftersales.celery import app
from aftersales.roles import roles_sync
from demo.acceptances import seed_acceptances
from demo.budget import seed_budget
from demo.care import seed_care
from demo.certificates import seed_certificates
from demo.contracts import seed_contracts
from demo.coverage import seed_coverage
from demo.inspections import seed_inspections
from demo.integrations import print_demo_key, seed_integrations
from demo.inventory import seed_inventory
from demo.levels import seed_levels
from demo.network import print_logins, seed_admin_time, seed_fees, seed_network, seed_settlements
from demo.portal import print_portal_login, seed_portal
from demo.quality import seed_quality
from demo.remedies import seed_remedies, texts_unsent
from demo.repairs import DEMO_CALLS, seed_catalogue, seed_customers, seed_loaners, seed_repair_calls
from demo.repairs_findings import seed_findings
from demo.sales import seed_sales
from demo.scale import seed_scale
from demo.screening import seed_screening
from demo.warranty import seed_warranty
from inventory.reorder import reorder_suggestions_compute
from repairs.timesheet import time_rollup_recent
from repairs.units_sold import units_sold_recount


@contextlib.contextmanager
def _tasks_run_here():
    """The demo writes history and notifies nobody: dispatches send no confirmation code
    (notify_customer=False), and a task the services still queue after their commit — the SLA scan's
    notification e-mails — runs here instead of waiting on a worker's queue: the demo's users have no e-mail
    address, so it only marks the notifications handled. Nothing is left queued for `make run`'s worker."""

    trace = logging.getLogger("celery.app.trace")  # "Task … succeeded" at INFO: not worth a line here
    saved = app.conf.task_always_eager, app.conf.task_eager_propagates, trace.level
    app.conf.task_always_eager = app.conf.task_eager_propagates = True
    trace.setLevel(logging.WARNING)
    try:
        yield
    finally:
        app.conf.task_always_eager, app.conf.task_eager_propagates, level = saved
        trace.setLevel(level)


def print_demo_access(write=print) -> None:
    """Who can use the demo: the logins and the demo dealer's API key (what `make run` shows once the web
    answers)."""
    print_logins(write)
    print_portal_login(write)
    print_demo_key(write)


class Command(BaseCommand):
    help = (
        "Creates realistic demo data (idempotent: a second run creates nothing twice) and prints the demo "
        "logins and API key (-v 0: prints nothing but errors). Sends no text message or email: the demo's "
        "history is written without notifying anyone. --scale N also makes sure N benchmark customers with "
        "their units, and a repair call with its work order for each unit, exist (bulk COPY)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--scale",
            type=int,
            default=0,
            help="benchmark customers (each with a unit, a repair call and its work order) to generate",
        )
        parser.add_argument(
            "--customers", type=int, default=500, help="realistic demo customers (default 500)"
        )

    def handle(self, *args, scale, customers, verbosity=1, **options):
        if scale < 0 or customers < 0:
            raise CommandError("--scale and --customers take a number of 0 or more")
        say = self.stdout.write if verbosity > 0 else (lambda *args, **kwargs: None)
        started = time.monotonic()
        now = timezone.now()  # read once: every part dates its data from the same instant
        today = timezone.localdate(now)
        # One generator per part, so adding a part later does not shift the data of the others.
        with _tasks_run_here(), transaction.atomic():
            roles_sync()
            seed_catalogue()
            network = seed_network(rng=random.Random(2026_1), today=today)
            seed_fees(today=today)
            seed_customers(rng=random.Random(2026_2), today=today, network=network, count=customers)
            seed_warranty(rng=random.Random(2026_3), today=today, network=network)
            seed_loaners(network=network)
            # About 360 calls for the default 500 customers, fewer for fewer.
            calls = seed_repair_calls(
                rng=random.Random(2026_4), now=now, network=network, count=DEMO_CALLS * customers // 500
            )
            found = seed_findings(now=now)
            movements = seed_inventory(rng=random.Random(2026_5), now=now, network=network)
            care = seed_care(rng=random.Random(2026_6), now=now, network=network)
            admin_time = seed_admin_time(now=now)
        # 三包 remedies on the units, work orders, stock and dealers above, in a transaction of their own: the
        # texts their services send a customer after commit are dropped until it has committed.
        with _tasks_run_here(), texts_unsent(), transaction.atomic():
            remedies = seed_remedies(now=now, network=network)
            # The daily task's list as of today, so the reorder page has something on a fresh demo (after the
            # parts refurbishment took, so that a second run computes the same list).
            reorder_suggestions_compute(today=today)
        # Running the network: maintenance contracts (B), installation acceptances, inspections, staff
        # certificates, coverage gaps and standby providers, and the centres' levels from their results.
        with _tasks_run_here(), texts_unsent(), transaction.atomic():
            running = [
                seed_contracts(now=now, network=network),
                seed_acceptances(now=now, network=network),
                seed_inspections(now=now, network=network),
                seed_certificates(now=now, network=network),
                seed_coverage(now=now, network=network),
                seed_levels(now=now, network=network),
                seed_quality(now=now, network=network),
                seed_portal(now=now, network=network),
            ]
        if calls:
            say(f"{calls} repair calls of the last three months logged")
        if found:
            say(f"{found} 三包 decisions taken again at the unit (faulty part, exclusions found)")
        if movements:
            say(f"{movements} stock movements of the last three months recorded")
        if admin_time:
            say(f"{admin_time} administrative time entries (D) of the last three months recorded")
        if care:
            say(
                f"{care['callbacks']} callbacks made, {care['complaints']} complaints, SLA scan: {care['breached']}"
                f" breached, {care['escalations_created']} escalations"
            )
        if remedies:
            say(
                f"{remedies['requests']} 三包 remedy requests ({remedies['done']} carried out), "
                f"{remedies['doa_checks']} out-of-box checks, {remedies['refurbishments']} units in refurbishment"
                f" ({remedies['restocked']} restocked, {remedies['scrapped']} scrapped)"
            )
        for line in running:
            if line:
                say(line)
        if scale:
            scale_started = time.monotonic()
            added = seed_scale(target=scale, now=now, log=say)
            say(
                f"scale: {added.customers} customers with units, {added.calls} repair calls with work orders"
                f" added in {time.monotonic() - scale_started:.1f} s"
            )
        # Last: the drafts take in every closed order, the scale's too, so a second run changes nothing.
        with _tasks_run_here(), transaction.atomic():
            # Claim screening before the drafts: they leave the held orders out.
            if screened := seed_screening(now=now, network=network):
                say(screened)
            settlements = seed_settlements(now=now)
        with _tasks_run_here(), transaction.atomic():  # the budget reads the settlements
            seed_sales(now=now, network=network, customers=customers, log=say)  # and the units sold
            if budgeted := seed_budget(now=now, network=network):
                say(budgeted)
        # The dashboard's units sold are kept counts: every unit above (the scale's too) counted once.
        units_sold_recount(now=now)
        # The technicians' labour of the days of the demo's three months, as the nightly job keeps it.
        today = timezone.localdate(now)
        time_rollup_recent(today=today, since=(today.replace(day=1) - dt.timedelta(days=62)).replace(day=1))
        if settlements:
            say(f"{settlements} settlements of the last two months")
        say(f"demo data ready in {time.monotonic() - started:.1f} s")
        say("")
        seed_integrations(network=network)
        print_demo_access(say)
