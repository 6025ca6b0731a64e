"""Every cursor page of a list costs what the first one costs and holds the right rows: the next page starts
after the last row's (created_at, id) by one row comparison the dealer's index starts reading at — no
OFFSET over rows logged in the same instant — and walking the pages forward and back gives every row once.
A dealer's repair calls are one range of an index too (the unit's dealer kept on the call by triggers)."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from repairs.choices import WorkOrderStatus
from repairs.factories import ProductUnitFactory
from repairs.models import WorkOrder

from .conftest import _sale

pytestmark = pytest.mark.django_db

URL = "/api/v1/work-orders/"


@pytest.fixture
def tied(api_world):
    """15 of dealer A's dispatched orders: 11 logged in the same second, 4 a minute before."""
    same = timezone.now().replace(microsecond=0) - dt.timedelta(days=1)
    ids = [
        _sale(api_world.dealer_a, 100 + n, center=api_world.center_x, status=WorkOrderStatus.DISPATCHED)[2].pk
        for n in range(15)
    ]
    WorkOrder.objects.filter(pk__in=ids[:11]).update(created_at=same)
    WorkOrder.objects.filter(pk__in=ids[11:]).update(created_at=same - dt.timedelta(minutes=1))
    return api_world


def _get(client, world, url, params=None):
    response = client.get(url, params, HTTP_AUTHORIZATION=f"Api-Key {world.key_a.raw_key}")
    assert response.status_code == 200, response.content[:300]
    return response.json()


def test_pages_over_tied_instants_give_every_order_once_forward_and_back(client, tied):
    expected = list(
        WorkOrder.objects.filter(unit_dealer=tied.dealer_a, status=WorkOrderStatus.DISPATCHED)
        .order_by("-created_at", "-id")
        .values_list("id", flat=True)
    )
    assert len(expected) == 16  # the fixture's 15 and api_world's order_a
    pages = [_get(client, tied, URL, {"status": "dispatched", "ordering": "-created", "page_size": 3})]
    while pages[-1]["next"]:
        with CaptureQueriesContext(connection) as queries:
            pages.append(_get(client, tied, pages[-1]["next"]))
        listed = [q["sql"] for q in queries.captured_queries if 'FROM "repairs_workorder"' in q["sql"]]
        assert len(listed) == 1 and "OFFSET" not in listed[0]
        assert '("repairs_workorder"."created_at", "repairs_workorder"."id") <' in listed[0]
    assert [row["id"] for page in pages for row in page["results"]] == expected
    assert len(pages) == 6

    # And back from the last page by the previous links: the same pages in reverse.
    back = [pages[-1]]
    while back[-1]["previous"]:
        back.append(_get(client, tied, back[-1]["previous"]))
    assert [[row["id"] for row in page["results"]] for page in reversed(back)] == [
        [row["id"] for row in page["results"]] for page in pages
    ]


def test_a_later_page_is_a_range_of_the_dealer_status_index(client, tied):
    # The dealer's other orders, done long ago, and statistics that know of them (as a real dealer's table has
    # them): the plan then ranges over the status the list asks for, whatever earlier tests left as statistics.
    for n in range(60):
        _sale(tied.dealer_a, 200 + n, center=tied.center_x, status=WorkOrderStatus.CLOSED)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE repairs_workorder")
    first = _get(client, tied, URL, {"status": "dispatched", "ordering": "-created", "page_size": 3})
    with CaptureQueriesContext(connection) as queries:
        _get(client, tied, first["next"])
    sql = next(q["sql"] for q in queries.captured_queries if 'FROM "repairs_workorder"' in q["sql"])
    with connection.cursor() as cursor:
        # A tiny table is read whole by choice; the plan asked for without that choice must still need
        # no sort: the position is where the index scan starts, not a filter over the dealer's orders.
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "work_order_dealer_status" in plan, plan
    assert "Sort" not in plan, plan
    index_condition = next(line for line in plan.splitlines() if "Index Cond" in line)
    assert "created_at" in index_condition and "status" in index_condition, plan


def test_a_dealers_calls_follow_their_units_dealer_and_are_a_range_of_an_index(client, api_world):
    def listed():
        return {row["id"] for row in _get(client, api_world, "/api/v1/repair-calls/")["results"]}

    assert listed() == {api_world.call_a.pk}
    # The unit sold through another dealer, then corrected: the call follows its unit's dealer.
    api_world.unit_b.dealer = api_world.dealer_a
    api_world.unit_b.save()
    assert listed() == {api_world.call_a.pk, api_world.call_b.pk}
    # A call moved to another unit (a wrong serial corrected) follows that unit's dealer.
    api_world.call_a.unit = ProductUnitFactory(dealer=api_world.dealer_b)
    api_world.call_a.save()
    assert listed() == {api_world.call_b.pk}

    with CaptureQueriesContext(connection) as queries:
        _get(client, api_world, "/api/v1/repair-calls/")
    sql = next(q["sql"] for q in queries.captured_queries if 'FROM "repairs_repaircall"' in q["sql"])
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_bitmapscan = off")
        cursor.execute("EXPLAIN " + sql)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "repair_call_dealer" in plan and "Sort" not in plan, plan
