import random
import time

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from aftersales.roles import roles_sync
from care.demo import seed_care
from integrations.demo import seed_integrations
from inventory.demo import seed_inventory
from inventory.reorder import reorder_suggestions_compute
from network.demo import print_logins, seed_fees, seed_network, seed_settlements
from repairs.demo import DEMO_CALLS, seed_catalogue, seed_customers, seed_loaners, seed_repair_calls
from repairs.demo_scale import seed_scale
from warranty.demo import seed_warranty


class Command(BaseCommand):
    help = (
        "Creates realistic demo data (idempotent: a second run creates nothing twice) and prints the demo "
        "logins. --scale N also makes sure N benchmark customers with their units, and a repair call with its "
        "work order for each unit, exist (bulk COPY)."
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

    def handle(self, *args, scale, customers, **options):
        if scale < 0 or customers < 0:
            raise CommandError("--scale and --customers take a number of 0 or more")
        started = time.monotonic()
        now = timezone.now()  # read once: every part dates its data from the same instant
        today = timezone.localdate(now)
        # One generator per part, so adding a part later does not shift the data of the others.
        with transaction.atomic():
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
            movements = seed_inventory(rng=random.Random(2026_5), now=now, network=network)
            care = seed_care(rng=random.Random(2026_6), now=now, network=network)
            # The daily task's list as of today, so the reorder page has something on a fresh demo.
            reorder_suggestions_compute(today=today)
        if calls:
            self.stdout.write(f"{calls} repair calls of the last three months logged")
        if movements:
            self.stdout.write(f"{movements} stock movements of the last three months recorded")
        if care:
            self.stdout.write(
                f"{care['callbacks']} callbacks made, {care['complaints']} complaints, SLA scan: {care['breached']}"
                f" breached, {care['escalations_created']} escalations"
            )
        if scale:
            scale_started = time.monotonic()
            added = seed_scale(target=scale, now=now, log=self.stdout.write)
            self.stdout.write(
                f"scale: {added.customers} customers with units, {added.calls} repair calls with work orders"
                f" added in {time.monotonic() - scale_started:.1f} s"
            )
        # Last: the drafts take in every closed order, the scale's too, so a second run changes nothing.
        with transaction.atomic():
            settlements = seed_settlements(now=now)
        if settlements:
            self.stdout.write(f"{settlements} settlements of the last two months")
        self.stdout.write(f"demo data ready in {time.monotonic() - started:.1f} s")
        self.stdout.write("")
        print_logins(self.stdout.write)
        seed_integrations(network=network, write=self.stdout.write)
