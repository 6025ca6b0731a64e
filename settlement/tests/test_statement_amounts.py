"""Amounts on the manager's statements as people read money: thousands grouped (¥19,853.36) and a negative
amount with the minus sign before the currency sign (−¥35.00, U+2212) — the same on the month's list, a
statement, its confirmation step and its PDF. The spreadsheets keep numbers."""

import datetime as dt
import subprocess
from decimal import Decimal

import pytest
from django.urls import reverse

from care.calendar import CHINA
from network.factories import ServiceCenterFactory, UserFactory
from network.models import FeeSchedule, SettlementRate
from repairs.choices import ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory
from settlement.pdf import statement_pdf
from settlement.services import adjustment_add, settlement_compute, settlement_confirm

pytestmark = pytest.mark.django_db
SEPTEMBER, OCTOBER = dt.date(2026, 9, 1), dt.date(2026, 10, 1)
NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=CHINA)
MINUS = "\u2212"


def test_an_amount_reads_with_its_thousands_and_a_minus_sign_before_the_yuan_sign():
    from aftersales.money import yuan

    assert yuan(Decimal("19853.36")) == "¥19,853.36"
    assert yuan(Decimal("-35")) == f"{MINUS}¥35.00"
    assert yuan(Decimal("-1234567.5"), symbol=False) == f"{MINUS}1,234,567.50"
    assert yuan(Decimal("0.005")) == "¥0.01"  # 四舍五入 to the fen
    assert yuan("999.99") == "¥999.99" and yuan(Decimal("-0.00")) == "¥0.00"
    with pytest.raises(TypeError):
        yuan(19853.36)


@pytest.fixture
def statement():
    """A centre's October: one work order paid ¥19,853.36, less a correction of ¥19,888.36 — a total of
    −¥35.00. No level subsidies, so these two make it."""
    SettlementRate.objects.all().delete()
    centre = ServiceCenterFactory(code="GD-GZ-07", name="广州测试网点", level="gold")
    when = dt.datetime(2026, 10, 9, 10, tzinfo=CHINA)
    order = WorkOrderFactory(
        center=centre, status=S.CLOSED, closed_at=when, completed_at=when, call__service_type=ServiceType.FREE
    )
    FeeSchedule.objects.create(
        category=order.call.unit.model.category,
        service_kind="on_site_repair",
        center_level="gold",
        valid_from=dt.date(2026, 1, 1),
        fee_amount=Decimal("19853.36"),
    )
    manager = UserFactory(roles=["manager"])
    september = settlement_compute(center=centre, month=SEPTEMBER, now=dt.datetime(2026, 10, 2, tzinfo=CHINA))
    settlement_confirm(settlement=september, acting_user=manager, now=dt.datetime(2026, 10, 2, tzinfo=CHINA))
    settlement = settlement_compute(center=centre, month=OCTOBER, now=NOW)
    adjustment_add(
        settlement=settlement,
        kind="correction",
        reason="九月多付",
        reference=september.number,
        amount="-19888.36",
        acting_user=manager,
    )
    settlement.refresh_from_db()
    assert settlement.total_amount == Decimal("-35.00")
    return settlement, manager


def test_the_statement_page_groups_thousands_and_writes_a_negative_total_with_the_minus_sign(
    client, statement
):
    settlement, manager = statement
    client.force_login(manager)
    page = client.get(reverse("settlement:settlement_detail", args=[settlement.pk])).content.decode()
    assert "¥19,853.36" in page  # the service fees of the month
    assert f"{MINUS}¥19,888.36" in page  # the adjustments
    assert f"{MINUS}¥35.00" in page  # the total
    assert f"{MINUS}19,888.36" in page  # the correction's row, in a column of yuan
    assert "¥-" not in page and "19853.36" not in page and "-35.00" not in page


def test_the_months_list_groups_thousands_and_writes_negatives_with_the_minus_sign(client, statement):
    settlement, manager = statement
    client.force_login(manager)
    page = client.get(reverse("settlement:settlements"), {"month": "2026-10"}).content.decode()
    assert f"{MINUS}¥35.00" in page  # the month's total payable
    assert "19,853.36" in page and f"{MINUS}19,888.36" in page and f"{MINUS}35.00" in page
    assert "¥-" not in page and "19853.36" not in page


def test_the_confirmation_step_groups_thousands_and_names_the_negative_total(client, statement):
    settlement, manager = statement
    client.force_login(manager)
    page = client.get(reverse("settlement:settlement_confirm", args=[settlement.pk])).content.decode()
    assert "¥19,853.36" in page and f"{MINUS}¥19,888.36" in page and f"{MINUS}¥35.00" in page
    assert f"结算总额为负（{MINUS}¥35.00）" in page  # the warning names it too
    assert "¥-" not in page and "19853.36" not in page


def test_the_pdf_groups_thousands_and_writes_negatives_with_the_minus_sign(statement, tmp_path):
    settlement, _manager = statement
    path = tmp_path / "statement.pdf"
    path.write_bytes(statement_pdf(settlement))
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "¥19,853.36" in text and f"{MINUS}¥35.00" in text and f"{MINUS}19,888.36" in text
    assert "¥-" not in text and "19853.36" not in text and "-35.00" not in text
    assert "负叁拾伍元整" in text  # the capital numerals unchanged


def test_the_spreadsheets_keep_numbers_the_excel_sheet_shows_them_grouped(client, statement):
    import csv
    import io

    from openpyxl import load_workbook

    settlement, manager = statement
    client.force_login(manager)
    raw = client.get(reverse("settlement:settlement_csv", args=[settlement.pk])).content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(raw)))
    assert rows[-1][-1] == "-35.00" and "19853.36" in {row[-1] for row in rows}  # figures a sheet can add
    sheet = load_workbook(
        io.BytesIO(client.get(reverse("settlement:settlement_xlsx", args=[settlement.pk])).content)
    ).active
    total = sheet.cell(sheet.max_row, 8)
    assert total.value == -35 and total.number_format == "#,##0.00"
    assert {sheet.cell(r, 8).number_format for r in range(3, sheet.max_row + 1)} == {"#,##0.00"}
