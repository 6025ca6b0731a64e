import datetime as dt

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from integrations.services import api_key_create
from network.models import Dealer


class Command(BaseCommand):
    help = "Creates an API key for a dealer and prints it once (only its SHA-256 is stored)."

    def add_arguments(self, parser):
        parser.add_argument("--dealer", required=True, help="dealer code")
        parser.add_argument("--name", default="", help="what uses the key, e.g. the shop system")
        parser.add_argument(
            "--expires-in-days", type=int, default=None, help="valid this many days (default: no expiry)"
        )

    def handle(self, *args, dealer, name, expires_in_days, **options):
        found = Dealer.objects.filter(code=dealer).first()
        if found is None:
            raise CommandError(f"没有编码为 {dealer} 的经销商 (no dealer with code {dealer})")
        expires_at = timezone.now() + dt.timedelta(days=expires_in_days) if expires_in_days else None
        try:
            created = api_key_create(dealer=found, name=name or "命令行创建", expires_at=expires_at)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        self.stderr.write(f"{found.code} · {created.api_key.name} · prefix {created.api_key.prefix}")
        self.stdout.write(created.raw_key)
