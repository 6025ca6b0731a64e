"""The service rates (insight.rates): each rate's numerator and denominator on a small known month, grouped by
model, category and centre; the same numbers on the page, in the CSV and Excel exports and over the API; who
may see what (the manager all, a supervisor their own centre's work, others refused); queries that do not grow
with the rows.

The known month is October 2026 (China's time). Rounding: percentages and yuan to two places, half up."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from insight import rates
from insight.models import RatesMonth
from inventory.factories import PartFactory, WarehouseFactory
from inventory.models import StockMovement
from network.factories import ServiceCenterFactory
from network.models import Settlement, SettlementLine
from remedies.models import DoaCheck, Refurbishment, RemedyRequest
from remedies.tests.helpers import decided
from repairs.factories import ProductModelFactory, ProductUnitFactory, RepairCallFactory, WorkOrderFactory
from repairs.models import ProductCategory, WorkOrderEvent

pytestmark = pytest.mark.django_db
OCT = dt.date(2026, 10, 1)


def at(day: int, hour: int = 10, month: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime(2026, month, day, hour, 0))


def _unit(model, sale_date):
    return ProductUnitFactory(model=model, sale_date=sale_date, invoice_date=sale_date, factory_date=None)


def _order(unit, center, *, completed=None, status="closed", request="repair", created=None):
    return WorkOrderFactory(
        call=RepairCallFactory(unit=unit, customer_request=request),
        center=center,
        status=status,
        created_at=created or at(1),
        completed_at=completed,
        closed_at=completed,
    )


@pytest.fixture
def october(users):
    """Two air-conditioner models and a phone; centres A (the supervisor's) and B; October's repairs,
    settlement, parts, remedies, out-of-box check and refurbishments."""
    ac = ProductCategory.objects.get(code="air_conditioner")
    phone = ProductCategory.objects.get(code="mobile_phone")
    m1 = ProductModelFactory(brand="格力", model_number="M1", category=ac)
    m2 = ProductModelFactory(brand="格力", model_number="M2", category=ac)
    p1 = ProductModelFactory(brand="小米", model_number="P1", category=phone)
    a, b = users["center"], ServiceCenterFactory(code="SC-B", name="乙网点")
    old = _unit(m1, dt.date(2025, 9, 30))  # its 12 months ended on 2026-09-30: out of warranty in October
    _unit(m1, dt.date(2025, 10, 1))  # in warranty (its last day is 2026-10-01)
    u1 = _unit(m1, dt.date(2026, 3, 15))
    new = _unit(m1, dt.date(2026, 10, 10))  # sold in October
    u3 = _unit(m2, dt.date(2026, 5, 1))
    m2_new = _unit(m2, dt.date(2026, 10, 20))
    _unit(p1, dt.date(2026, 1, 1))
    o1 = _order(u1, a, completed=at(5))  # fixed the first time, in warranty
    o2 = _order(old, a, completed=at(6))  # waited for parts, out of warranty
    WorkOrderEvent.objects.create(work_order=o2, from_status="in_repair", to_status="waiting_for_parts")
    _order(u3, b, completed=at(7))  # fixed the first time, in warranty
    _order(new, a, completed=at(8), request="installation")  # not a repair
    last_sept = timezone.make_aware(dt.datetime(2026, 9, 30, 23, 30))  # September's, China's time
    _order(_unit(p1, dt.date(2024, 6, 1)), b, completed=last_sept, created=at(1, month=9))
    _order(u1, b, status="dispatched", created=at(20))  # opened 15 days after o1: a repeat, against A
    # Parts: two pieces of a maker's part issued to o2 (¥15 each), none returned.
    part = PartFactory(unit_cost_amount=Decimal("15.00"))
    StockMovement.objects.create(
        warehouse=WarehouseFactory(center=a),
        part=part,
        kind="issue",
        quantity=-2,
        unit_cost_amount=Decimal("15.00"),
        value_amount=Decimal("-30.00"),
        work_order=o2,
    )
    # October's settlement of centre A: o1 and o2 paid (¥80 + ¥20 travel, ¥60), a charge back left out.
    settlement = Settlement.objects.create(center=a, month=OCT, center_level="A", computed_at=at(31))
    for order, kind, amount in (
        (o1, "service_fee", "80.00"),
        (o1, "travel_fee", "20.00"),
        (o2, "service_fee", "60.00"),
        (o1, "parts_charged", "-50.00"),
    ):
        SettlementLine.objects.create(
            settlement=settlement,
            work_order=order,
            kind=kind,
            service_kind="on_site_repair",
            closed_on=dt.date(2026, 10, 5),
            amount=Decimal(amount),
        )
    # An exchange of a M1 unit carried out in October, another in November (not counted).
    manager = users["manager"]
    for n, (unit, done) in enumerate(((u1, at(9)), (new, at(2, month=11)))):
        RemedyRequest.objects.create(
            number=f"TH-{n}",
            decision=decided(unit),
            unit=unit,
            remedy="exchange",
            basis="goodwill",
            liable="maker",
            status="done",
            opened_by=manager,
            done_at=done,
        )
    DoaCheck.objects.create(
        number="KX-1", unit=new, fault="不开机", confirmed_by="李工", status="approved", recorded_by=manager
    )
    Refurbishment.objects.create(number="FX-1", unit=u3, status="restocked", finished_at=at(12))
    Refurbishment.objects.create(
        number="FX-2", unit=m2_new, status="scrapped", finished_at=at(15), scrap_reason="主板烧毁"
    )
    Refurbishment.objects.create(number="FX-3", unit=old, status="restocked", finished_at=at(28, month=9))
    return {"m1": m1, "m2": m2, "p1": p1, "a": a, "b": b, "ac": ac, "phone": phone}


def _cells(cells) -> dict:
    return {c["rate"].key: (c["numerator"], c["denominator"], c["value"]) for c in cells}


EVERYWHERE = rates.Scope()


def _report(by="category", scope=EVERYWHERE, month=OCT):
    return rates.rates_report(month=month, by=by, scope=scope, trend_rate="first_time_fix")


def test_each_rate_counts_its_numerator_over_its_denominator(october):
    total = _cells(_report()["total"])
    assert total["return_repair"] == (2, 6, Decimal("33.33"))  # o1, o3 of 6 units in warranty
    assert total["first_time_fix"] == (2, 3, Decimal("66.67"))  # o2 waited for parts; installation left out
    assert total["repeat"] == (1, 3, Decimal("33.33"))
    assert total["cost_per_repair"] == (Decimal("190.00"), 2, Decimal("95.00"))  # 80+20+60 + parts 30
    assert total["exchange"] == (1, 6, Decimal("16.67"))
    assert total["return"] == (0, 6, Decimal("0.00"))
    assert total["doa"] == (1, 2, Decimal("50.00"))  # of the 2 units sold in October
    assert total["refurbishment"] == (1, 2, Decimal("50.00"))  # September's restock left out
    assert total["scrap"] == (1, 2, Decimal("50.00"))
    assert total["parts_per_repair"] == (2, 3, Decimal("0.67"))


def test_rates_round_half_up_and_have_no_value_without_a_denominator():
    percent = rates.RATE_BY_KEY["first_time_fix"]
    assert percent.value(1, 800) == Decimal("0.13")  # 0.125 → 0.13 (half up, not half even)
    assert percent.value(1, 0) is None
    assert rates.RATE_BY_KEY["cost_per_repair"].value(Decimal("100.01"), 2) == Decimal("50.01")


def test_rates_by_model_category_and_centre(october):
    by_model = {r["label"]: _cells(r["cells"]) for r in _report("model")["rows"]}
    assert list(by_model) == ["格力 M1", "格力 M2", "小米 P1"]
    assert by_model["格力 M1"]["return_repair"] == (1, 3, Decimal("33.33"))
    assert by_model["格力 M1"]["first_time_fix"] == (1, 2, Decimal("50.00"))
    assert by_model["格力 M1"]["doa"] == (1, 1, Decimal("100.00"))
    assert by_model["格力 M2"]["scrap"] == (1, 2, Decimal("50.00"))
    assert by_model["小米 P1"]["return_repair"] == (0, 1, Decimal("0.00"))

    by_category = {r["key"]: _cells(r["cells"]) for r in _report("category")["rows"]}
    assert by_category[october["ac"].pk]["return_repair"] == (2, 5, Decimal("40.00"))
    assert by_category[october["phone"].pk]["return_repair"] == (0, 1, Decimal("0.00"))

    by_centre = {r["label"]: _cells(r["cells"]) for r in _report("centre")["rows"]}
    a, b = by_centre["甲网点（SC-A）"], by_centre["乙网点（SC-B）"]
    assert a["first_time_fix"] == (1, 2, Decimal("50.00"))
    assert a["repeat"] == (1, 2, Decimal("50.00"))
    assert a["cost_per_repair"][2] == Decimal("95.00")
    assert a["parts_per_repair"] == (2, 2, Decimal("1.00"))
    assert b["first_time_fix"] == (1, 1, Decimal("100.00"))
    assert b["cost_per_repair"][2] is None  # no settlement
    assert a["return_repair"][2] is None and a["doa"][2] is None  # over units: not per centre


def test_the_page_shows_the_same_numbers_with_the_formulas_and_the_trend(client, users, october):
    client.force_login(users["manager"])
    response = client.get(reverse("insight:rates"), {"month": "2026-10", "by": "model", "rate": "doa"})
    assert response.status_code == 200
    html = response.content.decode()
    total = html[html.index('id="rates-total"') :]
    assert 'data-rate="first_time_fix">66.67%<br><span class="muted small">2 / 3' in total
    assert 'data-rate="cost_per_repair">¥95.00' in total
    assert "格力 M1" in html and "格力 M2" in html
    assert str(rates.RATE_BY_KEY["return_repair"].formula) in html
    trend = response.context["trend"]
    assert trend["months"][-1] == "2026-10" and len(trend["months"]) == 12
    assert trend["values"][-1] == "50.00"  # October's out-of-box rate
    assert 'src="/static/vendor/echarts/echarts.min.js"' in html and 'id="rates-trend-data"' in html


def test_the_exports_carry_the_same_numbers(client, users, october):
    client.force_login(users["manager"])
    params = {"month": "2026-10", "by": "centre"}
    body = client.get(reverse("insight:rates_csv"), params).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    header, total = rows[0], rows[-1]
    ftf = header.index(str(rates.RATE_BY_KEY["first_time_fix"].label) + " (%)")
    assert total[ftf : ftf + 3] == ["66.67", "2", "3"]
    book = load_workbook(io.BytesIO(client.get(reverse("insight:rates_xlsx"), params).content))
    sheet = book["2026-10"]
    last = [c.value for c in sheet[sheet.max_row]]
    assert last[ftf : ftf + 3] == [pytest.approx(66.67), 2, 3]
    assert [r[1] for r in rows[1:-1]] == ["甲网点（SC-A）", "乙网点（SC-B）"]


def test_the_api_gives_the_managers_the_same_numbers(client, users, october):
    client.force_login(users["manager"])
    body = client.get("/api/v1/rates/", {"month": "2026-10", "by": "model"}).json()
    assert body["month"] == "2026-10" and body["by"] == "model"
    total = {c["rate"]: c for c in body["total"]}
    assert total["first_time_fix"] == {
        "rate": "first_time_fix",
        "value": "66.67",
        "numerator": "2",
        "denominator": 3,
    }
    assert total["cost_per_repair"]["value"] == "95.00"
    assert [r["label"] for r in body["rows"]] == ["格力 M1", "格力 M2", "小米 P1"]
    assert client.get("/api/v1/rates/", {"month": "2026-13"}).status_code == 400


@pytest.mark.parametrize("who", ["supervisor", "dispatcher", "technician", "dealer"])
def test_the_api_refuses_everyone_but_the_managers(client, users, who):
    client.force_login(users[who])
    assert client.get("/api/v1/rates/").status_code == 403


def test_a_supervisor_sees_their_own_centre_only_and_others_are_refused(client, users, october):
    client.force_login(users["supervisor"])
    response = client.get(
        reverse("insight:rates"), {"month": "2026-10", "by": "centre", "center": october["b"].pk}
    )
    assert response.status_code == 200
    assert response.context["report"]["rows"] == []  # centre B asked: none of theirs
    rows = client.get(reverse("insight:rates"), {"month": "2026-10", "by": "centre"}).context["report"][
        "rows"
    ]
    assert [r["label"] for r in rows] == ["甲网点（SC-A）"]
    total = _cells(rows[0]["cells"])
    assert total["first_time_fix"] == (1, 2, Decimal("50.00")) and total["return_repair"][2] is None
    csv_rows = client.get(reverse("insight:rates_csv"), {"month": "2026-10", "by": "centre"}).content.decode()
    assert "乙网点" not in csv_rows
    for who in ("dispatcher", "technician", "dealer", "nobody"):
        client.force_login(users[who])
        assert client.get(reverse("insight:rates")).status_code == 403
        assert client.get(reverse("insight:rates_xlsx")).status_code == 403


def test_queries_do_not_grow_with_the_rows(client, users, october, django_assert_max_num_queries):
    client.force_login(users["manager"])
    url = reverse("insight:rates")
    with django_assert_max_num_queries(16 * rates.TREND_MONTHS) as few:
        client.get(url, {"month": "2026-10", "by": "model"})
    RatesMonth.objects.all().delete()  # counted again below, with the eight new models
    ac = october["ac"]
    for n in range(8):
        unit = _unit(ProductModelFactory(model_number=f"X{n}", category=ac), dt.date(2026, 6, 1))
        _order(unit, ServiceCenterFactory(), completed=at(3))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url, {"month": "2026-10", "by": "model"})
    assert len(response.context["report"]["rows"]) == 11
    with django_assert_max_num_queries(10):  # counted: the twelve months as kept
        client.get(url, {"month": "2026-10", "by": "centre"})


def test_rates_refresh_counts_the_months_ahead_so_the_page_reads_them(
    client, users, october, django_assert_max_num_queries
):
    out = io.StringIO()
    call_command("rates_refresh", month="2026-10", stdout=out)
    assert '"months": 12' in out.getvalue()
    client.force_login(users["manager"])
    with django_assert_max_num_queries(10):
        response = client.get(reverse("insight:rates"), {"month": "2026-10", "by": "centre"})
    assert _cells(response.context["report"]["total"])["first_time_fix"] == (2, 3, Decimal("66.67"))
    assert rates.rates_refresh_open(now=at(15, month=11)) == [OCT, dt.date(2026, 11, 1)]


def test_the_dashboard_panel_shows_the_last_complete_months_total_as_the_page(client, users, october):
    panel = rates.dashboard_rates(now=at(5, month=11))  # early November: October is the month shown

    shown = {c["rate"].key: c["shown"] for c in panel["cells"]}
    page = _cells(_report()["total"])
    assert panel["month"] == OCT
    assert shown["first_time_fix"] == f"{page['first_time_fix'][2]}%" == "66.67%"
    assert shown["cost_per_repair"] == "¥95.00"
    client.force_login(users["manager"])
    html = client.get(reverse("office:dashboard")).content.decode()
    assert 'id="rates-panel"' in html and 'data-rate="first_time_fix"' in html
