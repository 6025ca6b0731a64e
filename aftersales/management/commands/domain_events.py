"""Lists the domain events and who listens to each, in the order they are called."""

from django.core.management.base import BaseCommand

from aftersales import events


class Command(BaseCommand):
    help = "Lists the domain events and their listeners, in the order they are called."

    def handle(self, *args, **options):
        for name, names in events.listeners().items():
            self.stdout.write(name)
            for listener in names:
                self.stdout.write(f"  {listener}")
