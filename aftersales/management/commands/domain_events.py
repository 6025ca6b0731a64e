"""Lists the domain events and who listens to each (in the order they are called), and the read hooks and
who answers each."""

from django.core.management.base import BaseCommand

from aftersales import events, extensions


class Command(BaseCommand):
    help = "Lists the domain events and their listeners, and the read hooks and their providers."

    def handle(self, *args, **options):
        for name, names in events.listeners().items():
            self.stdout.write(name)
            for listener in names:
                self.stdout.write(f"  {listener}")
        for name, names in extensions.providers().items():
            self.stdout.write(f"{name} (read hook)")
            for provider in names:
                self.stdout.write(f"  {provider}")
