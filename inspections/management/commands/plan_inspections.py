import json

from django.core.management.base import BaseCommand

from inspections.services import inspections_plan


class Command(BaseCommand):
    help = "Runs the inspection job once; prints one JSON line {created, already_planned}."

    def add_arguments(self, parser):
        parser.add_argument(
            "--days-ahead", type=int, default=None, help="default INSPECTIONS_DAYS_AHEAD (14)"
        )

    def handle(self, *args, **options):
        result = inspections_plan(ahead=options["days_ahead"])
        self.stdout.write(json.dumps(result.as_dict()))
