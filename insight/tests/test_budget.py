"""The service budget's figures for a small known month, to the cent; the refused inputs; the drill-down
adding up to each figure; the Excel export; the PDF e-mailed to the managers."""

import datetime as dt
import io
import subprocess
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse
from openpyxl import load_workbook

from aftersales.celery import app
from insight.budget_drill import DRILL_MEASURES, drill_rows
from insight.budget_selectors import budget_report
from insight.budget_services import budget_actuals_refresh, budget_save, factory_price_add, manual_cost_save
from insight.models import Budget, BudgetHead, ManualCost
from insight.tasks import budget_report_email as budget_report_email_task
from network.factories import DealerFactory, DistrictFactory, ProvinceFactory, UserFactory
from repairs.factories import ProductModelFactory, ProductUnitFactory
from repairs.models import ProductCategory

from .test_budget_helpers import JUNE, NOW, SHARES, known_month

pytestmark = pytest.mark.django_db


@pytest.fixture
def june():
    return known_month()


D = Decimal


def heads(report) -> dict:
    return {row["head"]: row for row in report["heads"]}


def test_the_budget_is_the_factory_value_sold_times_the_rate_split_across_the_heads(june):
    report = budget_report(month=JUNE)
    summary = report["summary"]
    # 5 × ¥1,000 before the price change on the 15th, 5 × ¥1,200 after; the model without a price is counted.
    assert (summary["sales_value"], summary["sales_units"], summary["unpriced_units"]) == (
        D("11000.00"),
        10,
        1,
    )
    assert summary["planned"] == D("330.00")
    planned = {head: row["planned"] for head, row in heads(report).items()}
    assert planned == {
        BudgetHead.NETWORK_FEES: D("132.00"),
        BudgetHead.TRAVEL: D("33.00"),
        BudgetHead.PARTS: D("66.00"),
        BudgetHead.EXCHANGES: D("49.50"),
        BudgetHead.REFURBISHMENT: D("33.00"),
        BudgetHead.HOTLINE_OTHER: D("16.50"),
    }


def test_the_actual_cost_per_head_comes_from_the_work_less_what_was_recovered(june):
    rows = heads(budget_report(month=JUNE))
    actual = {head: (row["gross"], row["recovered"], row["actual"]) for head, row in rows.items()}
    assert actual == {
        BudgetHead.NETWORK_FEES: (D("150.00"), D("0.00"), D("150.00")),  # confirmed statement only
        BudgetHead.TRAVEL: (D("30.00"), D("0.00"), D("30.00")),
        BudgetHead.PARTS: (D("60.00"), D("40.00"), D("20.00")),  # 2 issued − 1 returned at ¥60, −¥40 charged
        BudgetHead.EXCHANGES: (D("800.00"), D("0.00"), D("800.00")),
        BudgetHead.REFURBISHMENT: (D("0.00"), D("0.00"), D("0.00")),
        BudgetHead.HOTLINE_OTHER: (D("500.00"), D("0.00"), D("500.00")),
    }
    report = budget_report(month=JUNE)
    assert report["summary"]["actual"] == D("1500.00")
    assert report["summary"]["actual_rate"] == D("13.64")  # 1,500 ÷ 11,000
    assert report["ytd"]["actual"] == D("1500.00")
    assert report["pending_drafts"] == D("99.00")  # the draft statement, shown and not counted
    with_drafts = budget_report(month=JUNE, drafts=True)
    assert heads(with_drafts)[BudgetHead.NETWORK_FEES]["actual"] == D("249.00")


def test_each_figure_opens_the_records_behind_it_and_they_add_up_to_it(june):
    report = budget_report(month=JUNE)
    figure = {row["head"]: row["gross"] for row in report["heads"]}
    figure.update(sales_value=report["summary"]["sales_value"])
    figure.update(
        {row["recovery_measure"]: row["recovered"] for row in report["heads"] if row["recovery_measure"]}
    )
    for measure in DRILL_MEASURES:
        _kind, rows, total = drill_rows(measure=measure, month=JUNE, category=june["category"])
        assert total == figure[measure], measure
    _kind, rows, total = drill_rows(measure="sales_value", month=JUNE)
    assert sum(u.factory_price or 0 for u in rows) == total == D("11000.00")
    assert [u.factory_price for u in rows].count(None) == 1


def test_a_rate_or_split_out_of_bounds_is_refused_in_chinese_and_nothing_changes(june):
    budget, manager, category = june["budget"], june["manager"], june["category"]
    cases = [
        ({"rate_percent": "-1"}, "预算费率必须在 0 到 100 % 之间"),
        ({"rate_percent": "100.5"}, "预算费率必须在 0 到 100 % 之间"),
        ({"shares": {**SHARES, BudgetHead.TRAVEL: "9"}}, "各项目占比合计为 99.00 %，不是 100 %"),
    ]
    for change, message in cases:
        arguments = {"rate_percent": "3.00", "shares": SHARES, **change}
        with pytest.raises(ValidationError) as info:
            budget_save(year=2026, category=category, acting_user=manager, budget=budget, **arguments)
        assert message in " ".join(info.value.messages)
    budget.refresh_from_db()
    assert (budget.rate_percent, budget.share_travel) == (D("3.00"), D("10.00"))


def test_a_second_budget_for_the_same_units_is_refused(june):
    manager, category = june["manager"], june["category"]
    province = ProvinceFactory()
    with pytest.raises(ValidationError) as info:
        budget_save(year=2026, category=category, rate_percent="2", shares=SHARES, acting_user=manager)
    assert "已有" in " ".join(info.value.messages)
    with pytest.raises(ValidationError) as info:
        budget_save(
            year=2026,
            category=category,
            region=province,
            rate_percent="2",
            shares=SHARES,
            acting_user=manager,
        )
    assert "重复计划" in " ".join(info.value.messages)
    # Another year is another budget.
    budget_save(
        year=2027, category=category, region=province, rate_percent="2", shares=SHARES, acting_user=manager
    )
    with pytest.raises(ValidationError):
        budget_save(year=2027, category=category, rate_percent="2", shares=SHARES, acting_user=manager)
    assert Budget.objects.filter(category=category).count() == 2


def test_a_manual_cost_is_not_negative_and_a_second_entry_replaces_the_first(june):
    manager, category = june["manager"], june["category"]
    with pytest.raises(ValidationError) as info:
        manual_cost_save(
            month=JUNE, item="hotline", category=category, amount="-5", acting_user=manager, now=NOW
        )
    assert "不能为负" in " ".join(info.value.messages)
    manual_cost_save(
        month=JUNE, item="hotline", category=category, amount="650.00", acting_user=manager, now=NOW
    )
    assert list(ManualCost.objects.values_list("amount", flat=True)) == [D("650.00")]
    # Live: no refresh needed for a manual cost.
    assert heads(budget_report(month=JUNE))[BudgetHead.HOTLINE_OTHER]["actual"] == D("650.00")


def test_the_month_exports_to_excel_with_its_figures(client, june):
    client.force_login(june["manager"])
    response = client.get(reverse("insight:budget_export"), {"month": "2026-06"})
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    values = [[c.value for c in row] for row in book.worksheets[0].iter_rows()]
    total = next(row for row in values if row[0] == "合计")
    assert (D(str(total[1])), D(str(total[4]))) == (D("330.00"), D("1500.00"))
    categories = [[c.value for c in row] for row in book.worksheets[1].iter_rows()]
    assert categories[1][0] == "空调" and D(str(categories[1][1])) == D("11000.00")


def test_the_monthly_task_emails_the_pdf_to_the_managers_with_an_address(settings, june):
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    june["manager"].email = "boss@example.com"
    june["manager"].save()
    UserFactory(username="no_mail_mgr", roles=["manager"], email="")
    UserFactory(username="sup_mail", roles=["supervisor"], email="sup@example.com")
    sent = budget_report_email_task.apply(kwargs={"month": "2026-06"}).get()
    assert sent == 1
    schedule = app.conf.beat_schedule["insight-budget-report-email"]
    assert (schedule["task"], schedule["schedule"].day_of_month) == ("insight.tasks.budget_report_email", {2})
    (message,) = mail.outbox
    assert message.to == ["boss@example.com"]
    assert "2026-06" in message.subject
    (name, content, mimetype) = message.attachments[0]
    assert (name, mimetype) == ("budget-2026-06.pdf", "application/pdf")
    text = subprocess.run(
        ["pdftotext", "-", "-"], input=content, capture_output=True, check=True
    ).stdout.decode()
    assert "服务预算执行月报" in text and "网点服务费" in text
    assert "1,500.00" in text and "330.00" in text


def test_a_month_without_figures_says_so_and_a_refresh_computes_them(client, june):
    client.force_login(june["manager"])
    page = client.get(reverse("insight:budget"), {"month": "2026-05"})
    assert "本月数据尚未计算" in page.content.decode()
    response = client.post(reverse("insight:budget_refresh"), {"month": "2026-05"})
    assert response.status_code == 302
    page = client.get(reverse("insight:budget"), {"month": "2026-05"})
    assert "本月数据计算于" in page.content.decode()
    assert dt.date(2026, 5, 1) not in budget_report(month=JUNE)["stale_months"]


def test_a_provincial_budget_plans_its_provinces_sales_and_the_province_filter_reads_them(db):
    manager = UserFactory(username="budget_regional", roles=["manager"])
    category = ProductCategory.objects.get(code="refrigerator")
    ours, theirs = DistrictFactory(), DistrictFactory()
    province = ours.parent.parent
    model = ProductModelFactory(category=category, model_number="BUD-REG")
    factory_price_add(
        model=model, price_amount="2000.00", valid_from=dt.date(2026, 1, 1), acting_user=manager
    )
    for dealer, count in ((DealerFactory(region=ours), 3), (DealerFactory(region=theirs), 2)):
        for _ in range(count):
            ProductUnitFactory(model=model, dealer=dealer, sale_date=dt.date(2026, 6, 8), factory_date=None)
    budget_save(
        year=2026, category=category, region=province, rate_percent="4.00", shares=SHARES, acting_user=manager
    )
    budget_actuals_refresh(month=JUNE, now=NOW)
    national = budget_report(month=JUNE, category=category)["summary"]
    # All five units are sold; only the province's three fall under its budget (4 % of ¥6,000).
    assert (national["sales_value"], national["planned"], national["unbudgeted_value"]) == (
        D("10000.00"),
        D("240.00"),
        D("4000.00"),
    )
    regional = budget_report(month=JUNE, category=category, region=province)["summary"]
    assert (regional["sales_value"], regional["planned"], regional["unbudgeted_value"]) == (
        D("6000.00"),
        D("240.00"),
        D("0.00"),
    )
    _kind, rows, total = drill_rows(measure="sales_value", month=JUNE, category=category, region=province)
    assert (len(rows), total) == (3, D("6000.00"))
