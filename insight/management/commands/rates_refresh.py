import json
import time

from django.core.management.base import BaseCommand
from django.utils import timezone

from aftersales.parsing import parse_month
from insight import rates


class Command(BaseCommand):
    help = (
        "Counts the service rates of the last twelve months (or --months) up to this month (or --month YYYY-MM) "
        "again and keeps them, so the rates page, the API and the dashboard read them as kept. Prints one JSON "
        'line {"months": counted, "seconds": wall time}. Run after a deploy and nightly; idempotent.'
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", help="the last month, YYYY-MM (default: this month)")
        parser.add_argument("--months", type=int, default=rates.TREND_MONTHS)

    def handle(self, *args, **options):
        now = timezone.now()
        last = parse_month(options["month"], default=timezone.localdate(now).replace(day=1))
        began = time.monotonic()
        months = rates.rates_refresh_months(last=last, count=options["months"], now=now)
        self.stdout.write(json.dumps({"months": len(months), "seconds": round(time.monotonic() - began, 1)}))
