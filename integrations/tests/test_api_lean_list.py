"""The API list's per-request shortcuts answer what the long way answers: the filters a query names are the
only ones copied and validated (the others and the class's own stay untouched), a filter form's fields are
its own, and rows read as values() (dicts) go DRF's way for every value the fast path does not take."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework import serializers

from aftersales.api.rows import RowListSerializer
from network.factories import ServiceCenterFactory
from repairs.choices import WorkOrderStatus
from repairs.filters import WorkOrderFilterSet

pytestmark = pytest.mark.django_db

URL = "/api/v1/work-orders/"


def _ids(response):
    assert response.status_code == 200, response.content[:300]
    return {row["id"] for row in response.json()["results"]}


def test_a_filter_a_query_names_filters_and_the_others_take_no_part(key_client, api_world):
    """Dealer A's orders by status, and by a centre of its scope (the active ones); a closed centre, and a
    technician (none is in a dealer's scope), are refused in the filter's own words, in Chinese."""
    client = key_client(api_world.key_a.raw_key)
    assert _ids(client.get(URL, {"status": "dispatched"})) == {api_world.order_a.pk}
    assert _ids(client.get(URL, {"status": "new"})) == set()
    assert _ids(client.get(URL, {"center": api_world.center_x.pk})) == {api_world.order_a.pk}
    refused = client.get(URL, {"center": ServiceCenterFactory(active=False).pk})
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"center": ["选择一个有效的选项： 该选择不在可用的选项中。"]}
    refused = client.get(URL, {"technician": api_world.tech_x.pk, "status": "dispatched"})
    assert refused.json()["errors"] == {"technician": ["选择一个有效的选项： 该选择不在可用的选项中。"]}
    assert _ids(client.get(URL, {"status": "dispatched", "ordering": "-created"})) == {api_world.order_a.pk}


def test_the_filter_sets_class_keeps_its_own_filters_whatever_a_request_did(key_client, api_world, client):
    """A request's scoped choices (the dealer's centres) and its FilterSet never reach the class's filters,
    which the next request, another caller's, copies again."""
    base = WorkOrderFilterSet.base_filters
    before = {name: (type(f), dict(f.extra)) for name, f in base.items()}
    a = key_client(api_world.key_a.raw_key)
    assert a.get(URL, {"center": api_world.center_x.pk, "status": "dispatched"}).status_code == 200
    assert a.get(URL, {"technician": api_world.tech_x.pk}).status_code == 400  # none in a dealer's scope
    assert {name: (type(f), dict(f.extra)) for name, f in base.items()} == before
    assert all(getattr(f, "parent", None) is None for f in base.values())
    assert not base["center"].queryset.exists()  # the class's own: no centre until a request scopes it
    # Another caller in the same process: its own scope, not dealer A's.
    client.defaults.pop("HTTP_AUTHORIZATION")
    client.force_login(api_world.manager)
    assert _ids(client.get(URL, {"center": api_world.center_y.pk})) == {api_world.order_b.pk}
    assert _ids(client.get(URL, {"technician": api_world.tech_y.pk})) == {api_world.order_b.pk}


def test_two_requests_validate_their_own_values(key_client, api_world):
    """The form of one request is not the form of the next: a bad value, then a good one, then bad again."""
    client = key_client(api_world.key_a.raw_key)
    for value, status in (("bogus", 400), ("dispatched", 200), ("nope", 400), ("closed", 200)):
        response = client.get(URL, {"status": value}, HTTP_ACCEPT_LANGUAGE="en")
        assert response.status_code == status
        if status == 400:
            assert response.json()["errors"] == {
                "status": [f"Select a valid choice. {value} is not one of the available choices."]
            }


class Sample(serializers.Serializer):
    at = serializers.DateTimeField()
    day = serializers.DateField()
    name = serializers.CharField()
    count = serializers.IntegerField()
    flag = serializers.BooleanField()
    status = serializers.ChoiceField(choices=WorkOrderStatus.choices)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    label = serializers.CharField()
    same = serializers.ReadOnlyField()
    missing = serializers.CharField(required=False)
    fallback = serializers.CharField(default="默认")
    dotted = serializers.CharField(source="inner.name", default=None)

    class Meta:
        list_serializer_class = RowListSerializer


class Text(str):
    pass


DICT_ROWS = [
    {
        "at": dt.datetime(2026, 5, 1, 1, 2, 3, 456789, tzinfo=dt.UTC),
        "day": dt.date(2026, 2, 28),
        "name": 12,
        "count": True,
        "flag": 1,
        "status": "in_repair",
        "amount": Decimal("3"),
        "label": lambda: "called",
        "same": Decimal("1.5"),
        "inner": {"name": "里"},
    },
    {
        "at": dt.datetime(2026, 5, 1, 9, 0),  # naive: DRF makes it aware in the current zone
        "day": "2026-02-30",
        "name": Text("张三"),
        "count": "7",
        "flag": False,
        "status": "unknown",
        "amount": None,
        "label": "文字",
        "same": 4,
        "fallback": "自有",
    },
    {
        "at": None,
        "day": None,
        "name": None,
        "count": None,
        "flag": None,
        "status": None,
        "amount": None,
        "label": None,
        "same": None,
        "fallback": None,
    },
]


@pytest.mark.parametrize("zone", ["Asia/Shanghai", "UTC"])
def test_dict_rows_the_fast_path_does_not_take_go_drfs_way(zone):
    with timezone.override(zone):
        fast = Sample(DICT_ROWS, many=True).data
        one_by_one = [Sample(row).data for row in DICT_ROWS]
    assert fast == one_by_one
    assert fast[0]["at"] == (
        "2026-05-01T09:02:03.456789+08:00" if zone == "Asia/Shanghai" else "2026-05-01T01:02:03.456789Z"
    )
    assert fast[0]["name"] == "12" and fast[0]["count"] == 1 and fast[0]["label"] == "called"
    assert fast[0]["dotted"] == "里" and fast[1]["dotted"] is None and "missing" not in fast[0]
    assert fast[1]["day"] == "2026-02-30" and fast[1]["count"] == 7 and fast[1]["fallback"] == "自有"


def test_an_instant_past_the_calendar_fails_as_drf_fails_it():
    class Instants(serializers.Serializer):
        at = serializers.DateTimeField()

        class Meta:
            list_serializer_class = RowListSerializer

    with timezone.override("Asia/Shanghai"), pytest.raises(serializers.ValidationError):
        Instants([{"at": dt.datetime.max.replace(tzinfo=dt.UTC)}], many=True).data  # noqa: B018
