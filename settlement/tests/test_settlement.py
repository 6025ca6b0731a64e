"""The monthly settlement's core: a centre's closed free and contract work orders of the month, priced by
the fee schedule row in force on the day each closed, recomputed identically, never paid twice, held while
being redone; a confirmed settlement the database itself keeps unchanged."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction

from care.calendar import CHINA
from network.factories import ServiceCenterFactory, UserFactory
from network.models import FeeSchedule, Settlement, SettlementLine
from repairs.choices import ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory, finish
from settlement.services import settlement_compute, settlement_confirm, settlement_warnings
from settlement.templatetags.settlement import adjustment_reference

pytestmark = pytest.mark.django_db
NOVEMBER = dt.date(2026, 11, 1)
NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=CHINA)


def at(*args):
    return dt.datetime(*args, tzinfo=CHINA)


@pytest.fixture
def center():
    return ServiceCenterFactory(code="SC-PAY", level="a")


def closed(center, when, *, service_type=ServiceType.FREE, **fields):
    return WorkOrderFactory(
        center=center,
        status=S.CLOSED,
        closed_at=when,
        completed_at=when,
        call__service_type=service_type,
        **fields,
    )


def fee(order, amount, valid_from, kind="on_site_repair", level="a"):
    return FeeSchedule.objects.create(
        category=order.call.unit.model.category,
        service_kind=kind,
        center_level=level,
        fee_amount=Decimal(amount),
        valid_from=valid_from,
    )


def lines(settlement):
    return sorted((line.work_order_id, line.amount) for line in settlement.lines.all())


def test_the_months_free_and_contract_work_is_priced_by_the_row_in_force_the_day_it_closed(center):
    before = closed(center, at(2026, 11, 14, 20, 0))
    after = closed(center, at(2026, 11, 15, 8, 0), service_type=ServiceType.CONTRACT)
    fee(before, "90.00", dt.date(2026, 1, 1))
    fee(before, "100.00", dt.date(2026, 11, 15))
    paid_by_customer = closed(center, at(2026, 11, 20, 10, 0), service_type=ServiceType.PAID)
    october = closed(center, at(2026, 10, 31, 23, 59))  # Shanghai's October: not November
    elsewhere = closed(ServiceCenterFactory(code="SC-ELSE", level="a"), at(2026, 11, 20, 10, 0))
    open_order = WorkOrderFactory(center=center, status=S.COMPLETED, completed_at=at(2026, 11, 21, 10, 0))

    settlement = settlement_compute(center=center, month=NOVEMBER, now=NOW)

    assert lines(settlement) == [(before.pk, Decimal("90.00")), (after.pk, Decimal("100.00"))]
    assert settlement.lines_amount == Decimal("190.00")
    # Grade A's monthly base subsidy of 1000.00 is the only adjustment: no breach, complaint or tag.
    assert [(a.kind, a.amount) for a in settlement.adjustments.all()] == [
        ("base_subsidy", Decimal("1000.00"))
    ]
    assert settlement.total_amount == Decimal("1190.00")
    paid = set(SettlementLine.objects.values_list("work_order_id", flat=True))
    assert not paid & {paid_by_customer.pk, october.pk, elsewhere.pk, open_order.pk}


def test_running_it_again_gives_the_same_lines_and_a_later_closing_joins_the_draft(center):
    first = closed(center, at(2026, 11, 3, 10, 0))
    fee(first, "90.00", dt.date(2026, 1, 1))
    one = settlement_compute(center=center, month=NOVEMBER, now=NOW)
    again = settlement_compute(center=center, month=NOVEMBER, now=NOW)
    assert (one.pk, lines(one), one.total_amount) == (again.pk, lines(again), again.total_amount)
    second = closed(center, at(2026, 11, 30, 23, 0))
    assert lines(settlement_compute(center=center, month=NOVEMBER, now=NOW)) == [
        (first.pk, Decimal("90.00")),
        (second.pk, Decimal("90.00")),
    ]


def test_work_sent_back_is_held_and_paid_once_in_the_month_its_redo_is_completed(center):
    # The callback found it unsolved in October: the order stays "completed", sent back to be redone
    # (repairs.services.work_order_redo holds its payment); the redo is completed in November.
    from repairs.services import work_order_redo

    original = WorkOrderFactory(
        center=center,
        status=S.COMPLETED,
        completed_at=at(2026, 10, 20, 10, 0),
        call__service_type=ServiceType.FREE,
    )
    fee(original, "90.00", dt.date(2026, 1, 1))
    redo = work_order_redo(
        work_order=original,
        acting_user=UserFactory(roles=["manager"]),
        note="未修好",
        now=at(2026, 10, 22, 9),
    )
    original.refresh_from_db()
    assert original.payment_held
    october = settlement_compute(center=center, month=dt.date(2026, 10, 1), now=NOW)
    assert lines(october) == []
    # The redo is done (care releases the hold when it completes), then closed after its callback.
    WorkOrder = type(original)
    finish(
        redo,
        center=center,
        completed_at=at(2026, 11, 5, 10, 0),
        closed_at=at(2026, 11, 6, 10, 0),
    )
    WorkOrder.objects.filter(pk=original.pk).update(payment_held=False)
    november = settlement_compute(center=center, month=NOVEMBER, now=NOW)
    # The job is paid once, as the original (priced on the day it was completed); the redo is not paid.
    assert lines(november) == [(original.pk, Decimal("90.00"))]
    assert november.lines.get().closed_on == dt.date(2026, 10, 20)
    assert lines(settlement_compute(center=center, month=dt.date(2026, 10, 1), now=NOW)) == []  # not twice
    assert lines(settlement_compute(center=center, month=NOVEMBER, now=NOW)) == [
        (original.pk, Decimal("90.00"))
    ]
    with pytest.raises(IntegrityError), transaction.atomic():
        SettlementLine.objects.create(
            settlement=october,
            work_order=original,
            kind="service_fee",
            service_kind="on_site_repair",
            closed_on=dt.date(2026, 10, 20),
            amount=Decimal("90.00"),
        )


def test_a_month_to_come_or_a_centre_without_agreement_is_refused_in_chinese(center):
    with pytest.raises(ValidationError) as info:
        settlement_compute(center=center, month=dt.date(2027, 1, 1), now=NOW)
    assert "2027-01 尚未开始" in str(info.value.messages)
    ended = ServiceCenterFactory(code="SC-OLD", agreement_end=dt.date(2026, 9, 30))
    with pytest.raises(ValidationError) as info:
        settlement_compute(center=ended, month=NOVEMBER, now=NOW)
    assert "没有有效的服务协议" in info.value.messages[0]
    assert not Settlement.objects.exists()


def test_confirmation_checks_what_the_manager_saw_under_the_settlements_lock(center):
    fee(closed(center, at(2026, 11, 3, 10, 0)), "90.00", dt.date(2026, 1, 1))
    looked_at = settlement_compute(center=center, month=NOVEMBER, now=NOW)
    seen = (looked_at.computed_at.isoformat(), str(looked_at.total_amount))
    manager = UserFactory(roles=["manager"])
    # Recomputed after the manager opened the page (a late closing came in): his "confirm" is refused.
    closed(center, at(2026, 11, 5, 10, 0))  # priced by the same fee schedule row
    recomputed = settlement_compute(center=center, month=NOVEMBER, now=NOW + dt.timedelta(minutes=5))
    with pytest.raises(ValidationError) as stale:
        settlement_confirm(settlement=looked_at, acting_user=manager, seen=seen, now=NOW)
    assert stale.value.error_dict["status"][0].code == "stale"
    recomputed.refresh_from_db()
    assert recomputed.status == "draft"
    fresh = (recomputed.computed_at.isoformat(), str(recomputed.total_amount))
    confirmed = settlement_confirm(settlement=recomputed, acting_user=manager, seen=fresh, now=NOW)
    assert confirmed.status == "confirmed"


def test_confirmation_is_refused_with_every_warning_and_then_nothing_can_change(center):
    priced = closed(center, at(2026, 11, 3, 10, 0))
    unpriced = closed(center, at(2026, 11, 4, 10, 0), call__customer_request="installation")
    fee(priced, "90.00", dt.date(2026, 1, 1))
    settlement = settlement_compute(center=center, month=NOVEMBER, now=NOW)
    manager = UserFactory(roles=["manager"])
    assert settlement_warnings(settlement, now=NOW) == [
        f"派工单 {unpriced.number}（安装，2026-11-04 关闭）没有对应的收费标准。"
    ]
    with pytest.raises(ValidationError):
        settlement_confirm(settlement=settlement, acting_user=manager, now=NOW)
    fee(unpriced, "120.00", dt.date(2026, 1, 1), kind="installation")
    settlement = settlement_compute(center=center, month=NOVEMBER, now=NOW)
    # Before the month is over it cannot be confirmed: later closings would never be paid.
    with pytest.raises(ValidationError) as early:
        settlement_confirm(settlement=settlement, acting_user=manager, now=at(2026, 11, 30, 23, 0))
    assert early.value.messages == ["2026-11 尚未结束：本月稍后关闭的工单将无法结算。"]
    confirmed = settlement_confirm(settlement=settlement, acting_user=manager, now=NOW)
    assert confirmed.total_amount == Decimal("1210.00")

    with pytest.raises(ValidationError):
        settlement_compute(center=center, month=NOVEMBER, now=NOW)
    for statement in (
        "UPDATE network_settlement SET total_amount = 1, lines_amount = 1 WHERE id = %s",
        "DELETE FROM network_settlementline WHERE settlement_id = %s",
        "UPDATE network_settlementline SET amount = 0 WHERE settlement_id = %s",
        "INSERT INTO network_adjustment (settlement_id, kind, reason, reference, amount) VALUES (%s, 'correction', 'x', '', 1)",
        "DELETE FROM network_settlement WHERE id = %s",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [confirmed.pk])
    Settlement.objects.filter(pk=confirmed.pk).update(status="paid", paid_at=NOW)  # confirmed → paid only
    confirmed.refresh_from_db()
    assert (
        confirmed.status == "paid"
        and confirmed.total_amount == Decimal("1210.00")
        and confirmed.lines.count() == 2
    )


def test_adjustments_volume_bonus_penalties_and_a_defective_part_deducted_once(center):
    from care.choices import Stage
    from care.models import Complaint, Deadline, SlaPolicy
    from inventory import services as stock
    from inventory.factories import PartFactory, WarehouseFactory
    from inventory.models import DefectiveReturn
    from network.models import SettlementRate

    SettlementRate.objects.filter(center_level="a").update(
        volume_threshold=2, volume_bonus_amount=Decimal("3.00")
    )
    orders = [closed(center, at(2026, 11, 3 + i, 10, 0)) for i in range(5)]
    fee(orders[0], "90.00", dt.date(2026, 1, 1))
    policy = SlaPolicy.objects.get(name="默认时效")
    for stage, due in (
        (Stage.ACCEPT, at(2026, 11, 3, 12)),
        (Stage.ACCEPT, at(2026, 11, 4, 12)),
        (Stage.COMPLETION, at(2026, 10, 30, 12)),
    ):
        Deadline.objects.create(
            stage=stage,
            work_order=WorkOrderFactory(center=center),
            policy=policy,
            center=center,
            started_at=due,
            due_at=due,
            warn_at=due,
            breached_at=due,
        )
    manager = UserFactory(roles=["manager"])
    Complaint.objects.create(
        number="TS20261110-00001",
        call=orders[1].call,
        work_order=orders[1],
        center=center,
        category="late",
        description="迟到",
        status="resolved",
        received_at=at(2026, 11, 9),
        received_by=manager,
        reply_due_at=at(2026, 11, 10),
        resolve_due_at=at(2026, 12, 9),
        resolved_at=at(2026, 11, 10),
        upheld=True,
    )
    # A compressor issued on 5 November to a repair in progress: its old part is owed back by the 20th.
    part = PartFactory(
        code="YSJ-9", return_required=True, return_within_days=15, unit_cost_amount=Decimal("300.00")
    )
    warehouse = WarehouseFactory(center=center)
    stock.stock_receive(
        warehouse=warehouse, lines=[(part, 1, "300.00")], reference="RK-9", acting_user=manager
    )
    repair = WorkOrderFactory(center=center, status=S.IN_REPAIR)
    stock.part_issue(
        work_order=repair, part=part, acting_user=manager, reason="测试", now=at(2026, 11, 5, 10)
    )
    tag = DefectiveReturn.objects.get()
    assert tag.due_on == dt.date(2026, 11, 20) and tag.value_amount == Decimal("300.00")

    november = settlement_compute(center=center, month=NOVEMBER, now=NOW)
    adjustments = sorted((a.kind, a.reference, a.amount) for a in november.adjustments.all())
    assert adjustments == [
        ("base_subsidy", "", Decimal("1000.00")),
        ("complaint_penalty", "TS20261110-00001", Decimal("-200.00")),
        ("defective_not_returned", tag.number, Decimal("-300.00")),
        ("sla_penalty", "accept", Decimal("-40.00")),  # two in November; October's breach is not this month's
        ("volume_bonus", "", Decimal("9.00")),  # 5 orders, 3 above the threshold of 2, × 3.00
    ]
    assert november.total_amount == Decimal("450.00") + Decimal("469.00")  # 5 × 90 + the adjustments
    # The penalty names its stage as a person reads it, not the stage's code.
    penalty = november.adjustments.get(kind="sla_penalty")
    assert adjustment_reference(penalty) == "网点接单"
    assert settlement_compute(center=center, month=NOVEMBER, now=NOW).total_amount == november.total_amount
    december = settlement_compute(
        center=center, month=dt.date(2026, 12, 1), now=dt.datetime(2027, 1, 2, tzinfo=CHINA)
    )
    assert not december.adjustments.filter(kind="defective_not_returned").exists()  # deducted once


def test_the_settle_command_prints_a_line_per_centre_and_refuses_bad_input(center):
    from io import StringIO

    from django.core.management import CommandError, call_command

    order = closed(center, at(2026, 11, 3, 10, 0))
    fee(order, "90.00", dt.date(2026, 1, 1))
    out = StringIO()
    call_command("settle", month="2026-11", center="SC-PAY", stdout=out)
    assert out.getvalue().splitlines() == [
        f"SC-PAY\t{center.name}\t草稿\t1 单 / 1 行\t明细 90.00\t调整 1000.00\t合计 1090.00"
    ]
    for bad, message in (
        ({"month": "2026/11"}, "YYYY-MM"),
        ({"month": "2026-11", "center": "NOPE"}, "NOPE"),
        ({"month": "2099-01"}, "2099-01 尚未开始"),
    ):
        with pytest.raises(CommandError, match=message):
            call_command("settle", stdout=StringIO(), **bad)
    assert Settlement.objects.count() == 1


def test_the_monthly_task_drafts_last_month_for_every_active_centre(center, settings):
    from django.utils import timezone

    from settlement.services import previous_month
    from settlement.tasks import settlements_draft_previous_month

    other = ServiceCenterFactory(code="SC-TWO")
    ServiceCenterFactory(code="SC-GONE", active=False)
    assert settlements_draft_previous_month() == 2
    month = previous_month(timezone.now())
    assert set(Settlement.objects.filter(month=month).values_list("center__code", flat=True)) == {
        center.code,
        other.code,
    }
    assert settlements_draft_previous_month() == 2 and Settlement.objects.count() == 2  # rerun: same drafts


def test_the_statement_pdf_carries_every_order_the_total_and_its_capital_numerals(center, tmp_path):
    import subprocess
    from io import StringIO

    from django.core.management import call_command

    orders = [closed(center, at(2026, 11, 1 + i % 28, 10, 0)) for i in range(60)]
    fee(orders[0], "90.00", dt.date(2026, 1, 1))
    out = StringIO()
    call_command("settle", month="2026-11", center="SC-PAY", pdf_dir=str(tmp_path), stdout=out)
    path = tmp_path / "settlement-2026-11-SC-PAY.pdf"
    assert str(path) in out.getvalue()
    text = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout
    assert center.name in text and "月度结算单" in text
    assert all(order.number in text for order in orders)
    assert "¥6,400.00" in text and "陆仟肆佰元整" in text  # 60 × 90 + the 1000.00 subsidy
    last = re.search(r"第(\d+)页/共\1页", text.replace(" ", ""))  # the footer counts the pages
    assert last and int(last.group(1)) >= 2  # 60 lines run over a page
    fonts = subprocess.run(["pdffonts", str(path)], check=True, capture_output=True, text=True).stdout
    assert "CJK" in fonts and all(line.split()[-5] == "yes" for line in fonts.splitlines()[2:])  # embedded
