"""Helpers of the flow_pages tests."""

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from inventory import services
from inventory.choices import DefectiveReturnStatus, PartRequestStatus
from inventory.models import (
    PartRequest,
    StockLevel,
)

PARTIES = ("manager", "own", "other", "nobody")


def _lines(*pairs):
    return {"part": [code for code, _q in pairs], "quantity": [str(q) for _c, q in pairs]}


def _submit(shop, *pairs, **extra):
    return services.part_request_submit(
        center=shop["center"],
        lines=[(shop["compressor"] if code == "YSJ-001" else shop["filter"], q) for code, q in pairs],
        acting_user=shop["own"],
        **extra,
    )


def _level(warehouse, part) -> int:
    level = StockLevel.objects.filter(warehouse=warehouse, part=part).first()
    return level.quantity if level else 0


def _png(name="part.png", size=(64, 48)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 60, 40)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# action: (status the request is put in, POST data, {party: expected status code}, status after success)
REQUEST_ACTIONS = {
    "request_approve": (
        PartRequestStatus.PENDING,
        {},
        {"manager": 302, "own": 403, "other": 403, "nobody": 403},
        PartRequestStatus.APPROVED,
    ),
    "request_reject": (
        PartRequestStatus.PENDING,
        {"reason": "本月预算已用完"},
        {"manager": 302, "own": 403, "other": 403, "nobody": 403},
        PartRequestStatus.REJECTED,
    ),
    "request_ship": (
        PartRequestStatus.APPROVED,
        {},
        {"manager": 302, "own": 403, "other": 403, "nobody": 403},
        PartRequestStatus.SHIPPED,
    ),
    "request_receive": (
        PartRequestStatus.SHIPPED,
        {},
        {"manager": 403, "own": 302, "other": 404, "nobody": 403},
        PartRequestStatus.RECEIVED,
    ),
    "request_cancel": (
        PartRequestStatus.APPROVED,
        {},
        {"manager": 403, "own": 302, "other": 404, "nobody": 403},
        PartRequestStatus.CANCELLED,
    ),
}


def _request_in(shop, status) -> PartRequest:
    if status == PartRequestStatus.PENDING:
        return _submit(shop, ("LW-002", 30))
    part_request = _submit(shop, ("LW-002", 2))
    if status == PartRequestStatus.SHIPPED:
        services.part_request_ship(request=part_request, acting_user=shop["manager"])
        part_request.refresh_from_db()
    return part_request


def _scrap_requested(shop, tag):
    services.defective_return_request_scrap(
        tag=tag, reason="外壳已烧毁", photos=[_png()], acting_user=shop["own"]
    )
    tag.refresh_from_db()
    return tag


def _shipped(shop, tag):
    services.defective_return_ship(tag=tag, courier="顺丰", tracking_number="SF1", acting_user=shop["own"])
    tag.refresh_from_db()
    return tag


def _received(shop, tag):
    services.defective_return_receive(tag=tag, acting_user=shop["manager"])
    tag.refresh_from_db()
    return tag


RETURN_ACTIONS = {
    "return_ship": (
        None,
        lambda: {"courier": "顺丰速运", "tracking_number": "SF1234567890"},
        {"manager": 403, "own": 302, "other": 404, "nobody": 403},
        DefectiveReturnStatus.SHIPPED,
    ),
    "return_scrap": (
        None,
        lambda: {"scrap_reason": "运输中易碎，现场已拆解", "photos": [_png("a.png"), _png("b.png")]},
        {"manager": 403, "own": 302, "other": 404, "nobody": 403},
        DefectiveReturnStatus.SCRAP_REQUESTED,
    ),
    "return_decide_scrap": (
        _scrap_requested,
        lambda: {"decision": "approve"},
        {"manager": 302, "own": 403, "other": 403, "nobody": 403},
        DefectiveReturnStatus.SCRAPPED,
    ),
    "return_receive": (
        _shipped,
        lambda: {},
        {"manager": 302, "own": 403, "other": 403, "nobody": 403},
        DefectiveReturnStatus.RECEIVED,
    ),
    "return_inspect": (
        _received,
        lambda: {"outcome": "faulty", "inspection_note": ""},
        {"manager": 302, "own": 403, "other": 403, "nobody": 403},
        DefectiveReturnStatus.INSPECTED,
    ),
}


def _count(client, url, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response
