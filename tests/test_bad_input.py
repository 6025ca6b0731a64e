"""Bad input gets a clear 400 or form error — never a 500, never half a change saved: the parsers every view
uses, the request transaction, the API's cursors, dates and phone numbers, units' dates and identifiers,
parts given back to finished orders, CSV cells and the timeline's first event."""

import base64
import csv
import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from aftersales.middleware import AtomicWritesMiddleware
from aftersales.parsing import parse_amount, parse_day, parse_id, parse_int, parse_month
from inventory import services as inventory
from inventory.factories import PartFactory, WarehouseFactory
from network.factories import ServiceCenterFactory, TechnicianFactory
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory
from repairs.models import CarryIn, LoanerUnit

pytestmark = pytest.mark.django_db


# The parsers -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("42", 42),
        (" 7 ", 7),
        ("１２", 12),
        ("²", None),
        ("abc", None),
        ("1e9", None),
        ("-1", None),
        ("0", None),
        ("\x00", None),
        ("9" * 30, None),
        (str(2**63), None),
        (str(2**63 - 1), 2**63 - 1),
        (None, None),
    ],
)
def test_an_id_is_a_plain_whole_number_in_the_databases_range(text, expected):
    assert parse_id(text) == expected


def test_numbers_amounts_days_and_months_in_range_or_nothing():
    assert parse_int("-3", low=-5, high=5) == -3 and parse_int("6", low=-5, high=5, default=0) == 0
    assert str(parse_amount("¥1,280.5")) == "1280.5" and str(parse_amount("12.345")) == "12.345"
    assert (
        parse_amount("1e999999") is None and parse_amount("NaN") is None and parse_amount("Infinity") is None
    )
    assert parse_amount("1" * 13) is None
    assert parse_day("2026-02-28") == dt.date(2026, 2, 28)
    assert (
        parse_day("2026-02-30") is None
        and parse_day("9999-12-31") is None
        and parse_day("1989-12-31") is None
    )
    assert parse_month("2026-11") == dt.date(2026, 11, 1)
    assert (
        parse_month("9999-12") is None and parse_month("2026-13") is None and parse_month("2026-1x") is None
    )


# One transaction per writing request ---------------------------------------------------------------------


def test_a_writing_request_that_fails_half_way_leaves_nothing_saved(users):
    def view(request):
        ServiceCenterFactory(code="HALF-1")
        raise RuntimeError("after the first write")

    middleware = AtomicWritesMiddleware(lambda request: HttpResponse())
    request = RequestFactory().post("/anything/")

    with pytest.raises(RuntimeError):
        middleware.process_view(request, view, (), {})

    from network.models import ServiceCenter

    assert not ServiceCenter.objects.filter(code="HALF-1").exists()


def test_a_read_is_left_to_the_view_and_a_write_runs_in_a_savepoint_of_its_own(users):
    depth = {}

    def view(request):
        depth[request.method] = len(connection.savepoint_ids)
        return HttpResponse()

    middleware = AtomicWritesMiddleware(lambda request: HttpResponse())
    base = len(connection.savepoint_ids)

    assert middleware.process_view(RequestFactory().get("/x/"), view, (), {}) is None  # Django calls the view
    response = middleware.process_view(RequestFactory().post("/x/"), view, (), {})

    assert response.status_code == 200 and depth == {"POST": base + 1}


def test_taking_a_product_in_with_an_unknown_loaner_saves_no_receipt(client, users):
    technician = users["technician"].technician
    order = WorkOrderFactory(center=users["center"], technician=technician, status=S.ACCEPTED)
    client.force_login(users["technician"])

    response = client.post(
        reverse("repairs:tablet_carry_in", args=[order.pk]),
        {"loaner": "²", "condition_note": "外观完好"},
        follow=True,
    )

    assert response.status_code == 200 and "周转机" in response.content.decode()
    assert not CarryIn.objects.filter(work_order=order).exists()


def test_a_loaner_that_cannot_be_lent_takes_the_receipt_back_with_it(client, users):
    technician = users["technician"].technician
    order = WorkOrderFactory(center=users["center"], technician=technician, status=S.ACCEPTED)
    lent = LoanerUnit.objects.create(
        serial_number="ZZJ-1", description="周转机", center=users["center"], status="lent",
        category=order.call.unit.model.category,
    )  # fmt: skip
    client.force_login(users["technician"])

    client.post(reverse("repairs:tablet_carry_in", args=[order.pk]), {"loaner": str(lent.pk)})

    assert not CarryIn.objects.filter(work_order=order).exists()


def test_the_lookup_with_a_nul_byte_answers_400(client, users):
    client.force_login(users["dispatcher"])

    assert client.get(reverse("repairs:lookup"), {"q": "138\x00"}).status_code == 400
    api = client.get("/api/v1/work-orders/", {"status": "new\x00"})
    assert api.status_code == 400 and api.json()["code"] == "invalid"


# The API: cursors, dates, phones -----------------------------------------------------------------------


def _cursor(raw: str) -> str:
    return base64.b64encode(raw.encode()).decode()


@pytest.mark.parametrize("path", ["/api/v1/work-orders/", "/api/v1/units/", "/api/v1/repair-calls/"])
@pytest.mark.parametrize(
    "raw", ["p=abc", "p=1e999999", "p=99999999999999999999999", "o=-1&p=x", "not base64"]
)
def test_a_cursor_made_by_hand_answers_400(client, users, path, raw):
    client.force_login(users["manager"])

    response = client.get(path, {"cursor": raw if raw == "not base64" else _cursor(raw)})

    assert response.status_code == 400
    assert "cursor" in response.json()["errors"]


def test_dates_past_the_accepted_range_answer_400_on_lists_and_the_evaluation(client, users):
    client.force_login(users["manager"])

    listed = client.get("/api/v1/work-orders/", {"logged_to": "9999-12-31"})
    evaluated = client.post(
        "/api/v1/warranty/evaluate/",
        {"category": "air_conditioner", "component": "main_unit", "sale_date": "9999-12-31",
         "report_date": "9999-12-31"},
        content_type="application/json",
    )  # fmt: skip

    assert listed.status_code == 400 and "logged_to" in listed.json()["errors"]
    assert evaluated.status_code == 400
    assert {"sale_date", "report_date"} <= set(evaluated.json()["errors"])
    assert "2100-12-31" in evaluated.json()["errors"]["report_date"][0]


# Parts given back --------------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [S.CLOSED, S.CANCELLED])
def test_no_part_comes_back_to_a_closed_or_cancelled_order(users, status):
    center = users["center"]
    WarehouseFactory(center=center)
    part = PartFactory(code="RET-1")
    order = WorkOrderFactory(center=center, status=status, technician=TechnicianFactory(center=center))

    with pytest.raises(ValidationError) as info:
        inventory.part_return(
            work_order=order, part=part, quantity=1, reason="没用上", acting_user=users["supervisor"]
        )

    assert order.number in info.value.message_dict["status"][0]


# CSV and the timeline ----------------------------------------------------------------------------------


def test_the_register_export_writes_formulas_as_text(client, users):
    WorkOrderFactory(call__caller_name='=HYPERLINK("http://x")', call__symptom_text="@SUM(1+1)")
    client.force_login(users["dispatcher"])

    response = client.get(reverse("repairs:register"), {"export": "csv"})

    text = b"".join(response.streaming_content).decode("utf-8-sig")
    cells = [c for row in csv.reader(io.StringIO(text)) for c in row]
    assert "'@SUM(1+1)" in " ".join(cells) and not any(c.startswith(("=", "@", "+")) for c in cells)


def test_an_id_out_of_range_on_a_page_is_not_found_not_a_server_error(client, users):
    part = PartFactory(code="OOR-1")
    client.force_login(users["manager"])

    response = client.get(reverse("inventory:part_ledger", args=[part.pk]), {"warehouse": "9" * 25})

    assert response.status_code == 404
