"""The API's lists answer exactly what DRF's own serializers answer (aftersales/api/rows.py only reads the rows
faster): every list page compared both ways, and the values the fast path hands back to DRF."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework import serializers

from aftersales.api.rows import RowListSerializer
from repairs.api.views import WorkOrderViewSet
from repairs.choices import WorkOrderStatus
from repairs.factories import finish
from repairs.models import WorkOrderEvent

from .test_query_counts import LISTS

pytestmark = pytest.mark.django_db


def _page(client, url, who, world, **params):
    headers = {}
    if who == "dealer_a":
        headers["HTTP_AUTHORIZATION"] = f"Api-Key {world.key_a.raw_key}"
    else:
        client.force_login({"manager": world.manager, "supervisor_x": world.supervisor_x}[who])
    response = client.get(url, {"page_size": 50, **params}, **headers)
    assert response.status_code == 200, response.content[:300]
    return response.json()


@pytest.mark.parametrize(("url", "who"), LISTS)
def test_every_list_answers_what_drf_answers(client, many, url, who, monkeypatch):
    # Some rows with every instant and relation filled in, and some with none.
    order = many.order_a
    finish(
        order, status=WorkOrderStatus.COMPLETED, completed_at=timezone.now(), closed_at=None, technician=None
    )
    fast = _page(client, url, who, many)
    monkeypatch.setattr(RowListSerializer, "to_representation", serializers.ListSerializer.to_representation)
    monkeypatch.setattr(WorkOrderViewSet, "list_rows_as_values", False)  # model instances, DRF's way
    drf = _page(client, url, who, many)
    assert fast["results"], url
    assert fast == drf


@pytest.mark.parametrize(
    "params",
    [{"ordering": "-changed"}, {"ordering": "number"}, {"status": "new", "ordering": "-created"}],
)
def test_filtered_ordered_and_later_work_order_pages_answer_what_drf_answers(
    client, many, params, monkeypatch
):
    def two_pages():
        first = _page(client, "/api/v1/work-orders/", "manager", many, page_size=7, **params)
        second = client.get(first["next"]).json()
        return first, second

    fast = two_pages()
    monkeypatch.setattr(RowListSerializer, "to_representation", serializers.ListSerializer.to_representation)
    monkeypatch.setattr(WorkOrderViewSet, "list_rows_as_values", False)
    assert fast[0]["results"] and fast[1]["results"]
    assert {row["id"] for row in fast[0]["results"]}.isdisjoint(row["id"] for row in fast[1]["results"])
    assert two_pages() == fast


def test_plain_rows_page_by_cursor_in_id_order(api_world, many):
    from types import SimpleNamespace

    from rest_framework.request import Request
    from rest_framework.test import APIRequestFactory

    from aftersales.api.pagination import OrderedCursorPagination
    from repairs.filters import ProductUnitFilterSet
    from repairs.models import ProductUnit

    view = SimpleNamespace(filterset_class=ProductUnitFilterSet)
    rows = ProductUnit.objects.values("id", "serial_number")
    pager = OrderedCursorPagination()
    first = pager.paginate_queryset(
        rows, Request(APIRequestFactory().get("/", {"ordering": "id", "page_size": 5})), view
    )
    link = pager.get_next_link()
    second = OrderedCursorPagination().paginate_queryset(
        rows, Request(APIRequestFactory().get(link.split("testserver", 1)[1])), view
    )
    ids = [row["id"] for row in first + second]
    assert ids == sorted(ids) and len(set(ids)) == 10
    assert ids == list(ProductUnit.objects.order_by("id").values_list("id", flat=True)[:10])


def test_the_work_order_timeline_is_the_same_both_ways(client, many, monkeypatch):
    for to_status, note in (("new", ""), ("dispatched", "派给 X 网点")):
        WorkOrderEvent.objects.create(work_order=many.order_a, to_status=to_status, note=note)
    client.force_login(many.manager)
    url = f"/api/v1/work-orders/{many.order_a.pk}/"
    fast = client.get(url).json()
    monkeypatch.setattr(RowListSerializer, "to_representation", serializers.ListSerializer.to_representation)
    assert fast["events"] and client.get(url).json() == fast


class Row:
    def __init__(self, **values):
        self.__dict__.update(values)

    def label(self):
        return "called"


class Sample(serializers.Serializer):
    at = serializers.DateTimeField()
    day = serializers.DateField()
    name = serializers.CharField()
    count = serializers.IntegerField()
    big = serializers.BigIntegerField(source="count")
    big_text = serializers.BigIntegerField(source="count", coerce_to_string=True)
    flag = serializers.BooleanField()
    status = serializers.ChoiceField(choices=WorkOrderStatus.choices)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    label = serializers.CharField()
    missing = serializers.CharField(required=False)
    fallback = serializers.CharField(default="默认")
    stamp = serializers.DateTimeField(format="%Y/%m/%d %H:%M")

    class Meta:
        list_serializer_class = RowListSerializer


ROWS = [
    Row(
        at=dt.datetime(2026, 5, 1, 1, 2, 3, 456789, tzinfo=dt.UTC),
        day=dt.date(2026, 2, 28),
        name=12,
        count="7",
        flag=1,
        status="in_repair",
        amount=Decimal("3"),
        stamp=dt.datetime(2026, 5, 1, 1, 2, tzinfo=dt.UTC),
    ),
    Row(
        at=dt.datetime(2026, 5, 1, 9, 0),  # naive: DRF makes it aware in the current zone
        day=None,
        name="张三",
        count=0,
        flag=False,
        status="unknown",
        amount=None,
        stamp=None,
        fallback="自有",
    ),
]


def test_odd_date_values_go_drfs_way():
    class Dates(serializers.Serializer):
        day = serializers.DateField()
        at = serializers.DateTimeField()

        class Meta:
            list_serializer_class = RowListSerializer

    rows = [
        Row(day="2026-02-30", at="昨天"),
        Row(day=dt.date(2026, 2, 28), at=dt.datetime.max.replace(tzinfo=dt.UTC)),
    ]
    assert Dates(rows[:1], many=True).data == [Dates(rows[0]).data] == [{"day": "2026-02-30", "at": "昨天"}]
    with pytest.raises(serializers.ValidationError):  # DRF's own "overflow" failure, not a crash of ours
        Dates(rows[1:], many=True).data  # noqa: B018
    with pytest.raises(AssertionError):  # a datetime where a date belongs: DRF refuses it, and so do we
        Dates([Row(day=dt.datetime(2026, 1, 1, tzinfo=dt.UTC), at=None)], many=True).data  # noqa: B018


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
def test_values_the_fast_path_does_not_take_go_drfs_way(zone):
    with timezone.override(zone):
        fast = Sample(ROWS, many=True).data
        one_by_one = [Sample(row).data for row in ROWS]
    assert fast == one_by_one
    assert fast[0]["at"] == (
        "2026-05-01T09:02:03.456789+08:00" if zone == "Asia/Shanghai" else "2026-05-01T01:02:03.456789Z"
    )
    assert fast[0]["label"] == "called" and "missing" not in fast[0] and fast[1]["fallback"] == "自有"
    assert fast[0]["amount"] == "3.00" and fast[0]["flag"] is True and fast[0]["count"] == 7
    assert fast[0]["big"] == 7 and fast[0]["big_text"] == "7"
