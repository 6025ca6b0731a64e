"""The settlement's pages: the manager's month (filters, totals, compute one centre, confirm with its
confirmation step, mark paid), a statement page, disputes through the pages, the exports (PDF, CSV, XLSX,
the month's CSV); supervisors see only their own centres' statements, anything else answers 404."""

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from care.calendar import CHINA
from network.factories import ServiceCenterFactory, UserFactory
from network.models import FeeSchedule, Settlement
from repairs.choices import ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory
from settlement.services import settlement_compute

pytestmark = pytest.mark.django_db
OCTOBER = dt.date(2026, 10, 1)
NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=CHINA)


def at(*args):
    return dt.datetime(*args, tzinfo=CHINA)


def paid_work(center, day, amount="90.00"):
    order = WorkOrderFactory(
        center=center,
        status=S.CLOSED,
        closed_at=at(2026, 10, day, 10),
        completed_at=at(2026, 10, day, 10),
        call__service_type=ServiceType.FREE,
    )
    FeeSchedule.objects.get_or_create(
        category=order.call.unit.model.category,
        service_kind="on_site_repair",
        center_level=center.level,
        valid_from=dt.date(2026, 1, 1),
        defaults={"fee_amount": Decimal(amount)},
    )
    return order


@pytest.fixture
def world():
    alice_centre = ServiceCenterFactory(
        code="SC-ALICE", name="甲网点", level="gold", bank_account="6222000011112222"
    )
    bob_centre = ServiceCenterFactory(code="SC-BOB", name="乙网点", level="general")
    alice = UserFactory(roles=["supervisor"])
    alice_centre.supervisors.add(alice)
    bob = UserFactory(roles=["supervisor"])
    bob_centre.supervisors.add(bob)
    orders = [paid_work(alice_centre, 3 + i) for i in range(3)]
    paid_work(bob_centre, 5)
    return {
        "manager": UserFactory(roles=["manager"]),
        "alice": alice,
        "bob": bob,
        "dispatcher": UserFactory(roles=["dispatcher"]),
        "alice_settlement": settlement_compute(center=alice_centre, month=OCTOBER, now=NOW),
        "bob_settlement": settlement_compute(center=bob_centre, month=OCTOBER, now=NOW),
        "orders": orders,
    }


def test_the_managers_month_lists_every_centre_with_its_totals_and_filters(client, world):
    client.force_login(world["manager"])
    page = client.get(reverse("settlement:settlements"), {"month": "2026-10"}).content.decode()
    assert "甲网点" in page and "乙网点" in page
    alice = world["alice_settlement"]
    assert f"<strong>{alice.total_amount:,}</strong>" in page  # the gold centre's total with its subsidy
    only_gold = client.get(
        reverse("settlement:settlements"), {"month": "2026-10", "level": "gold"}
    ).content.decode()
    assert "甲网点" in only_gold and "乙网点" not in only_gold
    bad = client.get(reverse("settlement:settlements"), {"month": "October"}, follow=True).content.decode()
    assert "“October”不是月份" in bad


def test_the_month_list_does_not_grow_queries_with_its_page_size(
    client, world, django_assert_max_num_queries
):
    for i in range(30):
        centre = ServiceCenterFactory(code=f"SC-N{i:02}", level="a")
        settlement_compute(center=centre, month=OCTOBER, now=NOW)
    client.force_login(world["manager"])
    with django_assert_max_num_queries(14) as small:
        client.get(reverse("settlement:settlements"), {"month": "2026-10", "page_size": 20})
    with django_assert_max_num_queries(14) as large:
        response = client.get(reverse("settlement:settlements"), {"month": "2026-10", "page_size": 50})
    assert len(small.captured_queries) == len(large.captured_queries)
    assert response.content.decode().count('class="mono">SC-') == 32


def test_supervisors_see_only_their_own_statements_and_others_answer_404(client, world):
    alice, bob = world["alice_settlement"], world["bob_settlement"]
    client.force_login(world["alice"])
    month = client.get(reverse("settlement:settlements"), {"month": "2026-10"}).content.decode()
    assert "甲网点" in month and "乙网点" not in month
    assert client.get(reverse("settlement:settlement_detail", args=[alice.pk])).status_code == 200
    for name in (
        "settlement_detail",
        "settlement_pdf",
        "settlement_csv",
        "settlement_xlsx",
        "settlement_confirm",
    ):
        assert client.get(reverse(f"settlement:{name}", args=[bob.pk])).status_code in (404, 403), name
    assert client.get(reverse("settlement:settlement_detail", args=[bob.pk])).status_code == 404
    assert client.get(reverse("settlement:settlement_pdf", args=[bob.pk])).status_code == 404
    # Not a manager: no confirming, marking paid or computing, even of its own.
    assert client.post(reverse("settlement:settlement_confirm", args=[alice.pk])).status_code == 403
    assert client.post(reverse("settlement:settlement_paid", args=[alice.pk])).status_code == 403
    assert client.post(reverse("settlement:settlements_compute"), {"month": "2026-10"}).status_code == 403
    client.force_login(world["dispatcher"])
    assert client.get(reverse("settlement:settlements")).status_code == 403
    alice.refresh_from_db()
    assert alice.status == "draft"


def test_confirm_goes_through_its_confirmation_page_then_mark_paid(client, world):
    settlement = world["alice_settlement"]
    client.force_login(world["manager"])
    step = client.get(reverse("settlement:settlement_confirm", args=[settlement.pk])).content.decode()
    assert "确认结算单" in step and settlement.number not in ("",)
    settlement.refresh_from_db()
    assert settlement.status == "draft"  # looking at the step changes nothing
    seen = {"computed_at": settlement.computed_at.isoformat(), "total": str(settlement.total_amount)}
    # Recomputed meanwhile (another manager, the beat): the confirmation of what was seen is refused.
    settlement_compute(center=settlement.center, month=OCTOBER, now=NOW + dt.timedelta(hours=1))
    stale = client.post(reverse("settlement:settlement_confirm", args=[settlement.pk]), seen, follow=True)
    settlement.refresh_from_db()
    assert settlement.status == "draft" and "结算单已有变动" in stale.content.decode()
    seen = {"computed_at": settlement.computed_at.isoformat(), "total": str(settlement.total_amount)}
    response = client.post(reverse("settlement:settlement_confirm", args=[settlement.pk]), seen, follow=True)
    settlement.refresh_from_db()
    assert settlement.status == "confirmed" and "已确认" in response.content.decode()
    client.post(reverse("settlement:settlement_paid", args=[settlement.pk]))
    settlement.refresh_from_db()
    assert settlement.status == "paid" and settlement.paid_at is not None


def test_a_supervisor_disputes_a_line_and_the_manager_accepts_it_through_the_pages(client, world):
    settlement = world["alice_settlement"]
    line = settlement.lines.get(work_order=world["orders"][0])
    client.force_login(world["bob"])  # another centre's supervisor: as if it did not exist
    assert (
        client.post(
            reverse("settlement:dispute_raise", args=[settlement.pk]), {"line": line.pk, "reason": "x"}
        ).status_code
        == 404
    )
    client.force_login(world["alice"])
    client.post(
        reverse("settlement:dispute_raise", args=[settlement.pk]),
        {"line": line.pk, "reason": "二次上门未计", "claimed_amount": "130.00"},
    )
    dispute = settlement.disputes.get()
    client.force_login(world["manager"])
    seen = {"computed_at": settlement.computed_at.isoformat(), "total": str(settlement.total_amount)}
    blocked = client.post(
        reverse("settlement:settlement_confirm", args=[settlement.pk]), seen, follow=True
    ).content.decode()
    assert f"异议 #{dispute.pk}" in blocked
    client.post(
        reverse("settlement:dispute_resolve", args=[dispute.pk]), {"decision": "accept", "amount": "130.00"}
    )
    line.refresh_from_db()
    settlement.refresh_from_db()
    assert line.amount == Decimal("130.00") and settlement.status == "draft"
    page = client.get(reverse("settlement:settlement_detail", args=[settlement.pk])).content.decode()
    assert "已接受" in page or "已采纳" in page


def test_the_exports_carry_the_same_lines_and_total(client, world):
    settlement = world["alice_settlement"]
    client.force_login(world["alice"])
    raw = client.get(reverse("settlement:settlement_csv", args=[settlement.pk])).content
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    numbers = {row[1] for row in rows[2:]}
    assert {o.number for o in world["orders"]} <= numbers
    assert rows[-1][-1] == str(settlement.total_amount)
    book = load_workbook(
        io.BytesIO(client.get(reverse("settlement:settlement_xlsx", args=[settlement.pk])).content)
    )
    sheet = book.active
    assert sheet.cell(sheet.max_row, 8).value == pytest.approx(float(settlement.total_amount))
    assert {sheet.cell(r, 2).value for r in range(3, sheet.max_row)} >= {o.number for o in world["orders"]}
    pdf = client.get(reverse("settlement:settlement_pdf", args=[settlement.pk]))
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    client.force_login(world["manager"])
    month = client.get(reverse("settlement:settlements_csv"), {"month": "2026-10"}).content.decode(
        "utf-8-sig"
    )
    summary = list(csv.reader(io.StringIO(month)))
    assert [row[1] for row in summary[1:]] == ["SC-ALICE", "SC-BOB"]
    assert summary[1][7] == str(settlement.total_amount) and summary[1][11] == "6222000011112222"


def test_computing_one_centre_from_the_page_and_refusing_a_month_to_come(client, world):
    client.force_login(world["manager"])
    paid_work(world["alice_settlement"].center, 20)
    response = client.post(
        reverse("settlement:settlements_compute"), {"month": "2026-10", "center": "SC-ALICE"}, follow=True
    )
    assert "4 行" in response.content.decode()
    assert world["alice_settlement"].lines.count() == 4
    unknown = client.post(
        reverse("settlement:settlements_compute"), {"month": "2026-10", "center": "NOPE"}, follow=True
    )
    assert "没有编码为“NOPE”的服务网点" in unknown.content.decode()
    future = client.post(reverse("settlement:settlements_compute"), {"month": "2099-01"}, follow=True)
    assert "2099-01 尚未开始" in future.content.decode()
    assert not Settlement.objects.filter(month=dt.date(2099, 1, 1)).exists()
