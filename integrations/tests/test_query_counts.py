"""Every API list reads a fixed number of queries, whatever its page size (5 or 50 rows)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from integrations.models import WebhookDelivery
from integrations.services import webhook_endpoint_create
from inventory.models import Part
from network.factories import ServiceCenterFactory
from network.models import Settlement
from repairs.factories import RepairCallFactory, WorkOrderFactory
from repairs.models import WorkOrderEvent

from .conftest import PUBLIC_HOOK_URL, _sale

pytestmark = pytest.mark.django_db

LISTS = [
    ("/api/v1/product-models/", "dealer_a"),
    ("/api/v1/units/", "manager"),
    ("/api/v1/units/", "dealer_a"),
    ("/api/v1/repair-calls/", "manager"),
    ("/api/v1/repair-calls/", "dealer_a"),
    ("/api/v1/work-orders/", "manager"),
    ("/api/v1/work-orders/", "dealer_a"),
    ("/api/v1/work-orders/", "supervisor_x"),
    ("/api/v1/service-centers/", "manager"),
    ("/api/v1/parts/", "manager"),
    ("/api/v1/settlements/", "manager"),
    ("/api/v1/webhooks/", "dealer_a"),
    ("/api/v1/webhook-deliveries/", "dealer_a"),
]


@pytest.fixture
def many(api_world, settings):
    """60 of everything in dealer A's and centre X's scope."""
    settings.WEBHOOK_MAX_ENDPOINTS = 60
    now = timezone.now()
    for n in range(60):
        unit, call, order = _sale(
            api_world.dealer_a, n, center=api_world.center_x, technician=api_world.tech_x
        )
        WorkOrderFactory(call=call)  # a second order on the call
        RepairCallFactory(unit=unit)
        WorkOrderEvent.objects.create(work_order=order, to_status="new")
        center = ServiceCenterFactory()
        Settlement.objects.create(
            center=center, month=dt.date(2026, 10, 1), center_level="a", computed_at=now
        )
        Part.objects.create(code=f"P{n:03d}", name="件", category=unit.model.category)
        endpoint = webhook_endpoint_create(dealer=api_world.dealer_a, url=f"{PUBLIC_HOOK_URL}/{n}")
        WebhookDelivery.objects.create(endpoint=endpoint, event_type="x", payload={})
    return api_world


@pytest.mark.parametrize(("url", "who"), LISTS)
def test_a_list_reads_the_same_queries_for_5_or_50_rows(
    client, many, url, who, django_assert_max_num_queries
):
    headers = {}
    if who == "dealer_a":
        headers["HTTP_AUTHORIZATION"] = f"Api-Key {many.key_a.raw_key}"
    else:
        client.force_login({"manager": many.manager, "supervisor_x": many.supervisor_x}[who])
    client.get(url, {"page_size": 5}, **headers)  # warm: the session, the key's last use
    with CaptureQueriesContext(connection) as five:
        assert len(client.get(url, {"page_size": 5}, **headers).json()["results"]) == 5
    assert len(five) <= 8
    with django_assert_max_num_queries(len(five)):
        assert len(client.get(url, {"page_size": 50}, **headers).json()["results"]) == 50


def test_a_work_order_with_a_long_timeline_reads_a_fixed_number_of_queries(
    client, many, django_assert_max_num_queries
):
    for _ in range(30):
        WorkOrderEvent.objects.create(work_order=many.order_a, to_status="new")
    client.force_login(many.manager)
    client.get(f"/api/v1/work-orders/{many.order_a.pk}/")
    with django_assert_max_num_queries(6):
        assert len(client.get(f"/api/v1/work-orders/{many.order_a.pk}/").json()["events"]) >= 30
