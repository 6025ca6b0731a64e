"""Demo data of the integrations: one API key of the first demo dealer, the same on every run (a demo key is
known by design; real keys are random and shown once). No webhook endpoint: the demo sends nothing out."""

from django.utils import timezone

from integrations.models import ApiKey
from integrations.services import api_key_hash, dealer_principal

DEMO_API_KEY = "ask_demo0000_demo-dealer-key-for-the-local-demo-only-2026"


def seed_integrations(*, network, write=None) -> None:
    """The demo key (once); `write` then gets the line print_demo_key writes."""
    if not network.dealers:
        return
    dealer = network.dealers[0]
    if not ApiKey.objects.filter(key_hash=api_key_hash(DEMO_API_KEY)).exists():
        ApiKey.objects.create(
            dealer=dealer,
            principal=dealer_principal(dealer=dealer),
            name="演示门店系统",
            prefix="demo0000",
            key_hash=api_key_hash(DEMO_API_KEY),
            created_at=timezone.now(),
        )
    if write is not None:
        print_demo_key(write)


def print_demo_key(write=print) -> None:
    """The demo key and its dealer, when this database has it (and it is not revoked)."""
    key = ApiKey.objects.usable().filter(key_hash=api_key_hash(DEMO_API_KEY)).select_related("dealer").first()
    if key is not None:
        write(
            f"Demo API key of dealer {key.dealer.code} {key.dealer.name}: Authorization: Api-Key {DEMO_API_KEY}"
        )
