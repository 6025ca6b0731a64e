"""The budget's pages: managers only (others 403, nothing changed); the forms refuse bad input in Chinese
under the field; the month's page and the drill-down in a number of queries that does not grow with the
categories or the lines."""

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from insight.budget_services import budget_actuals_refresh, factory_price_add
from insight.models import Budget, FactoryPrice, ManualCost
from repairs.factories import ProductModelFactory, ProductUnitFactory

from .test_budget_helpers import JUNE, NOW, known_month

pytestmark = pytest.mark.django_db


@pytest.fixture
def june():
    return known_month()


BUDGET = reverse("insight:budget")
PAGES = [
    (BUDGET, {"month": "2026-06"}),
    (reverse("insight:budget_lines"), {"month": "2026-06", "measure": "network_fees"}),
    (reverse("insight:budget_export"), {"month": "2026-06"}),
    (reverse("insight:budget_plans"), {}),
    (reverse("insight:budget_plan_new"), {}),
    (reverse("insight:budget_costs"), {}),
    (reverse("insight:budget_prices"), {}),
]
GOOD_PLAN = {
    "year": "2027",
    "rate_percent": "2.50",
    "repair_rate_percent": "8",
    "share_network_fees": "40",
    "share_travel": "10",
    "share_parts": "20",
    "share_exchanges": "15",
    "share_refurbishment": "10",
    "share_hotline_other": "5",
}


def test_the_manager_sees_the_month_with_its_figures_chart_data_and_help(client, june):
    client.force_login(june["manager"])
    page = client.get(BUDGET, {"month": "2026-06"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "服务预算" in html and "网点服务费" in html
    assert "¥330.00" in html and "¥1,500.00" in html and "13.64 %" in html
    assert "vendor/echarts/echarts.min.js" in html and 'id="trend-data"' in html
    assert "数据口径" in html  # how each figure is made
    assert "1 台售出机器的型号没有出厂价" in html
    assert "¥99.00" in html  # the draft statement's fees, not counted


def test_only_managers_reach_the_budget_and_a_refused_post_changes_nothing(client, users, june):
    for role in ("supervisor", "dispatcher", "technician", "dealer", "nobody"):
        client.force_login(users[role])
        for url, params in PAGES:
            assert client.get(url, params).status_code == 403, (role, url)
        category = june["category"].pk
        assert (
            client.post(reverse("insight:budget_plan_new"), {**GOOD_PLAN, "category": category}).status_code
            == 403
        )
        assert client.post(reverse("insight:budget_refresh"), {"month": "2026-06"}).status_code == 403
    assert Budget.objects.count() == 1
    client.force_login(users["manager"])
    for url, params in PAGES:
        assert client.get(url, params).status_code == 200, url
    client.logout()
    assert client.get(BUDGET).status_code == 302  # to the login page


def test_the_budget_form_saves_a_good_budget_and_refuses_a_bad_one_under_its_field(client, june):
    client.force_login(june["manager"])
    url = reverse("insight:budget_plan_new")
    category = june["category"].pk
    bad = client.post(url, {**GOOD_PLAN, "category": category, "rate_percent": "-2"})
    assert bad.status_code == 200
    assert "预算费率必须在 0 到 100 % 之间" in bad.content.decode()
    split = client.post(url, {**GOOD_PLAN, "category": category, "share_parts": "25"})
    assert "各项目占比合计为 105.00 %，不是 100 %" in split.content.decode()
    overlap = client.post(url, {**GOOD_PLAN, "year": "2026", "category": category})
    assert "已有预算" in overlap.content.decode()
    assert Budget.objects.count() == 1
    good = client.post(url, {**GOOD_PLAN, "category": category})
    assert good.status_code == 302
    assert Budget.objects.get(year=2027).rate_percent == Decimal("2.50")


def test_the_manager_enters_a_hotline_cost_and_a_factory_price(client, june):
    client.force_login(june["manager"])
    category = june["category"].pk
    response = client.post(
        reverse("insight:budget_costs"),
        {"month": "2026-06", "item": "other", "category": category, "amount": "120.50"},
    )
    assert response.status_code == 302
    assert ManualCost.objects.get(item="other").amount == Decimal("120.50")
    refused = client.post(
        reverse("insight:budget_costs"),
        {"month": "2099-01", "item": "other", "category": category, "amount": "1"},
    )
    assert "尚未开始" in refused.content.decode()
    model = ProductModelFactory(category=june["category"], model_number="BUD-NEW")
    response = client.post(
        reverse("insight:budget_prices"),
        {"model": model.pk, "price_amount": "999.00", "valid_from": "2026-06-01"},
    )
    assert response.status_code == 302
    again = client.post(
        reverse("insight:budget_prices"),
        {"model": model.pk, "price_amount": "1.00", "valid_from": "2026-06-01"},
    )
    assert "已有自 2026-06-01 起的出厂价" in again.content.decode()
    assert list(FactoryPrice.objects.filter(model=model).values_list("price_amount", flat=True)) == [
        Decimal("999.00")
    ]


def test_the_month_and_its_drill_down_take_the_same_queries_for_more_categories_and_lines(
    client, june, django_assert_max_num_queries
):
    client.force_login(june["manager"])
    lines = reverse("insight:budget_lines")
    with django_assert_max_num_queries(14) as small:
        client.get(BUDGET, {"month": "2026-06"})
    with django_assert_max_num_queries(10):
        client.get(lines, {"month": "2026-06", "measure": "sales_value"})
    # A second category with its own month, and many more units sold.
    known_month(manager=june["manager"], category_code="refrigerator", tag="b")
    model = ProductModelFactory(category=june["category"], model_number="BUD-MANY")
    factory_price_add(model=model, price_amount="10.00", valid_from=dt.date(2026, 1, 1))
    for _ in range(30):
        ProductUnitFactory(model=model, sale_date=dt.date(2026, 6, 3), factory_date=None)
    budget_actuals_refresh(month=JUNE, now=NOW)
    with django_assert_max_num_queries(len(small.captured_queries)):
        page = client.get(BUDGET, {"month": "2026-06"})
    assert "冰箱" in page.content.decode()
    with django_assert_max_num_queries(10):
        page = client.get(lines, {"month": "2026-06", "measure": "sales_value", "page_size": "100"})
    assert page.content.decode().count("BUD-MANY") == 30


@pytest.mark.parametrize("value", ["²", "abc", "-1", "1e999999", "%00", "9999-12-31", "2026-13"])
def test_hostile_filter_values_fall_back_to_defaults(client, june, value):
    client.force_login(june["manager"])
    for params in ({"month": value}, {"category": value, "region": value, "drafts": value}):
        assert client.get(BUDGET, params).status_code == 200
    assert client.get(reverse("insight:budget_lines"), {"measure": value}).status_code == 404
    assert client.get(reverse("insight:budget_plans"), {"year": value}).status_code == 200
