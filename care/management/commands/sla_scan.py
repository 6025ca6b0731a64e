import json

from django.core.management.base import BaseCommand

from care.services import sla_scan


class Command(BaseCommand):
    help = (
        "Runs one SLA scan now (the code the beat job runs every minute) and prints one JSON line: "
        '{"due": n, "breached": n, "escalations_created": n}.'
    )

    def handle(self, *args, **options):
        self.stdout.write(json.dumps(sla_scan()))
