import json

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import translation

from quality.services import quality_watch


class Command(BaseCommand):
    help = (
        "Runs the quality early warning: counts every model and production month, raises or refreshes the "
        'alerts, and prints one JSON line {"models": product models examined, "alerts": open alerts raised or '
        "refreshed by this run}. Idempotent."
    )

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            result = quality_watch()
        self.stdout.write(json.dumps(result))
