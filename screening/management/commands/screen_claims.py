import json

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from grading.management.commands.assess_centres import parse_month_strictly
from screening.services import month_screen


class Command(BaseCommand):
    help = (
        "Screens a month's payable work orders (YYYY-MM) against the claim rules and holds the suspicious ones; "
        'prints one JSON line {"orders": n, "flagged": n, "held_amount": "0.00"}. A second run adds no flag '
        "twice and never reopens a decided one."
    )

    def add_arguments(self, parser):
        parser.add_argument("--month", required=True, help="YYYY-MM")

    def handle(self, *args, month, **options):
        with translation.override(settings.LANGUAGE_CODE):
            first = parse_month_strictly(month)
            try:
                result = month_screen(month=first)
            except ValidationError as exc:
                raise CommandError("；".join(exc.messages)) from None
        self.stdout.write(json.dumps(result.as_json()))
