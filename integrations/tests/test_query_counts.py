"""Every API list reads a fixed number of queries, whatever its page size (5 or 50 rows)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from repairs.models import WorkOrderEvent

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
