"""The API's JSON (aftersales/api/renderers.py) is DRF's, byte for byte: every kind of value an answer holds,
and every case orjson refuses, which goes DRF's way."""

import datetime as dt
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils.translation import gettext_lazy
from rest_framework import renderers
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from aftersales.api.renderers import JSONRenderer
from repairs.choices import WorkOrderStatus

SHANGHAI = ZoneInfo("Asia/Shanghai")

VALUES = [
    {"results": [], "next": None, "previous": None},
    {"名称": "格力空调 KFR-35GW", "note": "line\u2028break and\u2029paragraph", "emoji": "🛠"},
    {"instant": dt.datetime(2026, 12, 5, 8, 30, 15, 123456, tzinfo=dt.UTC)},
    {"instant": dt.datetime(2026, 12, 5, 16, 30, tzinfo=SHANGHAI), "naive": dt.datetime(2026, 1, 1, 9, 0)},
    {"day": dt.date(2026, 2, 28), "time": dt.time(8, 30), "span": dt.timedelta(minutes=90)},
    {"id": uuid.UUID("12345678-1234-5678-1234-567812345678"), "amount": Decimal("128.50")},
    {"lazy": gettext_lazy("Status"), "choice": WorkOrderStatus.CLOSED, "flag": True, "nothing": None},
    {1: "int key", "n": -(2**63), "m": 2**64 - 1, "nested": [[{"a": [1, 2, {"b": "c"}]}]]},
    ReturnList([ReturnDict({"id": 1, "status": "new"}, serializer=None)], serializer=None),
    {"big": 2**70},
    {"bytes": b"raw"},
    ["tuple", (1, 2)],
]


@pytest.mark.parametrize("value", VALUES)
def test_the_json_is_drfs_byte_for_byte(value):
    assert JSONRenderer().render(value) == renderers.JSONRenderer().render(value)


def test_an_indented_answer_is_drfs():
    value = {"a": [1, {"b": "中文"}]}
    indented = JSONRenderer().render(value, "application/json; indent=4")
    assert indented == renderers.JSONRenderer().render(value, "application/json; indent=4")
    assert b"\n    " in indented


def test_what_drf_cannot_write_fails_as_it_does():
    with pytest.raises(TypeError):
        renderers.JSONRenderer().render({"x": object()})
    with pytest.raises(TypeError):
        JSONRenderer().render({"x": object()})
    with pytest.raises(ValueError):
        JSONRenderer().render({"t": dt.time(8, 30, tzinfo=dt.UTC)})
    for renderer in (renderers.JSONRenderer(), JSONRenderer()):  # a lone surrogate
        with pytest.raises(UnicodeEncodeError):
            renderer.render({"surrogate": "\ud800"})


def test_nothing_is_an_empty_body():
    assert JSONRenderer().render(None) == b""


@pytest.mark.django_db
def test_the_api_answers_with_it(client):
    response = client.get("/api/v1/work-orders/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 401
    assert type(response.accepted_renderer) is JSONRenderer
    assert response.content == renderers.JSONRenderer().render(response.data)
