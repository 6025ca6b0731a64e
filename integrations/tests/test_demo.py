from types import SimpleNamespace

import pytest

from demo.integrations import DEMO_API_KEY, seed_integrations
from integrations.models import ApiKey

pytestmark = pytest.mark.django_db


def test_the_demo_key_is_made_once_and_works(client, dealer_factory):
    network = SimpleNamespace(dealers=[dealer_factory(code="DEMO-1")])
    lines = []
    seed_integrations(network=network, write=lines.append)
    seed_integrations(network=network, write=lines.append)
    assert ApiKey.objects.count() == 1
    assert DEMO_API_KEY in lines[-1]
    me = client.get("/api/v1/me/", HTTP_AUTHORIZATION=f"Api-Key {DEMO_API_KEY}").json()
    assert me["dealers"] == ["DEMO-1"]
