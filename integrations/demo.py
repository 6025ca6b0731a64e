"""Demo data of the integrations: one API key of the first demo dealer, the same on every run (a demo key is
known by design; real keys are random and shown once). No webhook endpoint: the demo sends nothing out."""

from django.utils import timezone

from .models import ApiKey
from .services import api_key_hash, dealer_principal

DEMO_API_KEY = "ask_demo0000_demo-dealer-key-for-the-local-demo-only-2026"


def seed_integrations(*, network, write=print) -> None:
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
    write(f"Demo API key of dealer {dealer.code}: Authorization: Api-Key {DEMO_API_KEY}")
