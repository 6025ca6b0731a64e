"""The settlement beyond service fees: travel fees by distance band, parts reimbursed at cost, parts used on
paid work charged to the centre (freeing its parts credit at confirmation), deposit movements booked through
the settlement, a manager's corrections, and the centre's disputes of a draft's lines."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction

from care.calendar import CHINA
from inventory import services as stock
from inventory.factories import PartFactory, WarehouseFactory
from inventory.models import CreditEntry, DepositAccount
from network.factories import ServiceCenterFactory, UserFactory
from network.models import FeeSchedule, SettlementRate, TravelFee
from repairs.choices import ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory, finish
from settlement.services import (
    adjustment_add,
    adjustment_remove,
    dispute_raise,
    dispute_resolve,
    settlement_compute,
    settlement_confirm,
    settlement_mark_paid,
    settlement_warnings,
)

pytestmark = pytest.mark.django_db
NOVEMBER = dt.date(2026, 11, 1)
NOW = dt.datetime(2026, 12, 2, 9, 0, tzinfo=CHINA)


def at(*args):
    return dt.datetime(*args, tzinfo=CHINA)


@pytest.fixture
def center():
    center = ServiceCenterFactory(code="SC-LN", level="a")
    # No subsidies in these tests: the lines alone make the total.
    SettlementRate.objects.filter(center_level="a").update(base_subsidy_amount=Decimal("0.00"))
    return center


@pytest.fixture
def manager():
    return UserFactory(roles=["manager"])


def closed(center, when, *, service_type=ServiceType.FREE, **fields):
    order = WorkOrderFactory(center=center, status=S.IN_REPAIR, call__service_type=service_type, **fields)
    return order


def close(order, when):
    finish(order, closed_at=when, completed_at=when)
    order.refresh_from_db()
    return order


def fee(order, amount, kind="on_site_repair"):
    FeeSchedule.objects.create(
        category=order.call.unit.model.category,
        service_kind=kind,
        center_level="a",
        fee_amount=Decimal(amount),
        valid_from=dt.date(2026, 1, 1),
    )


def by_kind(settlement):
    return sorted((line.kind, line.work_order_id, line.amount, line.note) for line in settlement.lines.all())


def test_travel_fee_by_the_band_in_force_the_day_the_work_closed(center):
    near = close(closed(center, None, travel_km=12), at(2026, 11, 3, 10))
    far = close(closed(center, None, travel_km=45), at(2026, 11, 20, 10))
    unrecorded = close(closed(center, None), at(2026, 11, 21, 10))
    fee(near, "90.00")
    for km_from, km_to, amount in ((0, 30, "0.00"), (30, 60, "25.00"), (60, None, "50.00")):
        TravelFee.objects.create(
            center_level="a", km_from=km_from, km_to=km_to, fee_amount=Decimal(amount), valid_from=NOVEMBER
        )
    # From the 15th the bands change: 30–60 km now pays 30.00.
    TravelFee.objects.create(
        center_level="a", km_from=0, km_to=30, fee_amount=Decimal("0.00"), valid_from=dt.date(2026, 11, 15)
    )
    TravelFee.objects.create(
        center_level="a",
        km_from=30,
        km_to=None,
        fee_amount=Decimal("30.00"),
        valid_from=dt.date(2026, 11, 15),
    )

    settlement = settlement_compute(center=center, month=NOVEMBER, now=NOW)

    travel = [(w, a, n) for k, w, a, n in by_kind(settlement) if k == "travel_fee"]
    # Near the centre the band pays nothing: no line; far away, the band in force on the 20th.
    assert travel == [(far.pk, Decimal("30.00"), "45 km")]
    assert {near.pk, unrecorded.pk}.isdisjoint({w for w, _a, _n in travel})
    assert settlement.lines_amount == Decimal("270.00") + Decimal("30.00")


def test_parts_reimbursed_at_cost_on_free_work_and_charged_on_paid_work_freeing_credit(center, manager):
    warehouse = WarehouseFactory(center=center)
    refrigerant = PartFactory(code="R410A", reimbursed_at_cost=True, unit_cost_amount=Decimal("45.50"))
    board = PartFactory(code="PCB-1", unit_cost_amount=Decimal("120.00"))
    stock.stock_receive(
        warehouse=warehouse,
        lines=[(refrigerant, 10, "45.50"), (board, 5, "120.00")],
        reference="RK-1",
        acting_user=manager,
    )
    # The maker's boards reached the centre on credit: 1000.00 of it in use.
    account, _new = DepositAccount.objects.get_or_create(center=center)
    account.credit_used_amount = Decimal("1000.00")
    account.save(update_fields=["credit_used_amount"])
    free = closed(center, None)
    fee(free, "90.00")
    stock.part_issue(work_order=free, part=refrigerant, quantity=2, acting_user=manager, reason="加氟")
    account.refresh_from_db()
    assert account.credit_used_amount == Decimal("1000.00")  # bought by the centre: it held no credit
    stock.part_issue(work_order=free, part=board, acting_user=manager, reason="换板")  # the maker's: not paid
    account.refresh_from_db()
    assert account.credit_used_amount == Decimal("880.00")  # consumed on free work: its credit freed
    close(free, at(2026, 11, 3, 10))
    paid = closed(center, None, service_type=ServiceType.PAID)
    stock.part_issue(work_order=paid, part=board, quantity=2, acting_user=manager, reason="换板")
    stock.part_return(work_order=paid, part=board, quantity=1, reason="多领", acting_user=manager)
    stock.part_issue(
        work_order=paid, part=refrigerant, acting_user=manager, reason="加氟"
    )  # its own: not charged
    close(paid, at(2026, 11, 4, 10))

    settlement = settlement_compute(center=center, month=NOVEMBER, now=NOW)

    assert by_kind(settlement) == [
        ("parts_charged", paid.pk, Decimal("-120.00"), "PCB-1 ×1"),
        ("parts_cost", free.pk, Decimal("91.00"), "R410A ×2"),
        ("service_fee", free.pk, Decimal("90.00"), ""),
    ]
    assert settlement.total_amount == Decimal("61.00")
    assert settlement_compute(center=center, month=NOVEMBER, now=NOW).total_amount == Decimal("61.00")

    settlement_confirm(settlement=settlement, acting_user=manager, now=NOW)
    account.refresh_from_db()
    assert account.credit_used_amount == Decimal("760.00")  # the board sold on paid work is paid for now
    entry = CreditEntry.objects.get(kind="paid")
    assert (entry.amount, entry.reference) == (Decimal("-120.00"), "SC-LN-202611")


def test_deposit_movements_through_the_settlement_are_adjustments_of_their_month(center, manager):
    stock.deposit_pay(
        center=center,
        amount="5000.00",
        reference="YJ-1",
        via_settlement=True,
        acting_user=manager,
        now=at(2026, 11, 5, 10),
    )
    stock.deposit_pay(
        center=center, amount="800.00", reference="BANK-7", acting_user=manager, now=at(2026, 11, 6)
    )
    stock.deposit_refund(
        center=center,
        amount="1000.00",
        reference="YJ-2",
        via_settlement=True,
        acting_user=manager,
        now=at(2026, 11, 7, 10),
    )
    stock.deposit_pay(
        center=center, amount="300.00", via_settlement=True, acting_user=manager, now=at(2026, 12, 1, 0, 5)
    )

    settlement = settlement_compute(center=center, month=NOVEMBER, now=NOW)

    deposits = sorted((a.reference, a.amount) for a in settlement.adjustments.filter(kind="deposit"))
    assert deposits == [("YJ-1", Decimal("-5000.00")), ("YJ-2", Decimal("1000.00"))]
    assert settlement.total_amount == Decimal("-4000.00")
    assert "结算总额为负（\u2212¥4,000.00）。" in settlement_warnings(settlement, now=NOW)


def test_a_correction_refers_to_the_earlier_statement_and_survives_a_recompute(center, manager):
    order = close(closed(center, None), at(2026, 11, 3, 10))
    fee(order, "90.00")
    settlement = settlement_compute(center=center, month=NOVEMBER, now=NOW)
    supervisor = UserFactory(roles=["supervisor"])
    center.supervisors.add(supervisor)

    with pytest.raises(ValidationError) as by_hand:
        adjustment_add(
            settlement=settlement,
            kind="deposit",
            reason="押金",
            amount="-100",
            reference="x",
            acting_user=manager,
        )
    assert by_hand.value.message_dict == {"kind": ["只有以前月份的更正可以手工添加。"]}
    with pytest.raises(ValidationError) as missing:
        adjustment_add(
            settlement=settlement, kind="correction", reason="十月少付", amount="35.00", acting_user=manager
        )
    assert "SC-LN-202610" in missing.value.message_dict["reference"][0]  # the centre's statement before
    with pytest.raises(ValidationError) as unconfirmed:  # October is not confirmed (not even computed)
        adjustment_add(
            settlement=settlement,
            kind="correction",
            reason="十月少付",
            amount="35.00",
            reference="SC-LN-202610",
            acting_user=manager,
        )
    assert unconfirmed.value.message_dict == {
        "reference": [f"SC-LN-202610 不是{center.name}已确认的以前月份结算单。"]
    }
    october = settlement_compute(center=center, month=dt.date(2026, 10, 1), now=NOW)
    settlement_confirm(settlement=october, acting_user=manager, now=NOW)
    with pytest.raises(ValidationError) as bad:
        adjustment_add(
            settlement=settlement,
            kind="correction",
            reason="",
            amount="abc",
            reference="SC-LN-202610",
            acting_user=manager,
        )
    assert set(bad.value.message_dict) == {"reason", "amount"}
    with pytest.raises(PermissionDenied):
        adjustment_add(
            settlement=settlement,
            kind="correction",
            reason="x",
            amount="1",
            reference="r",
            acting_user=supervisor,
        )

    added = adjustment_add(
        settlement=settlement,
        kind="correction",
        reason="十月少付一单",
        amount="35.00",
        reference="SC-LN-202610",
        acting_user=manager,
    )
    settlement.refresh_from_db()
    assert settlement.total_amount == Decimal("125.00")
    settlement = settlement_compute(center=center, month=NOVEMBER, now=NOW)
    assert (
        settlement.total_amount == Decimal("125.00") and not settlement.adjustments.get(pk=added.pk).automatic
    )
    adjustment_remove(adjustment=added, acting_user=manager)
    settlement.refresh_from_db()
    assert settlement.total_amount == Decimal("90.00")


def test_a_dispute_blocks_confirmation_until_answered_and_an_accepted_one_changes_the_line(center, manager):
    one = close(closed(center, None), at(2026, 11, 3, 10))
    two = close(closed(center, None), at(2026, 11, 4, 10))
    fee(one, "90.00")
    settlement = settlement_compute(center=center, month=NOVEMBER, now=NOW)
    supervisor = UserFactory(roles=["supervisor"])
    center.supervisors.add(supervisor)
    stranger = UserFactory(roles=["supervisor"])
    ServiceCenterFactory(code="SC-OTHER").supervisors.add(stranger)
    line_one = settlement.lines.get(work_order=one)
    line_two = settlement.lines.get(work_order=two)

    with pytest.raises(PermissionDenied):
        dispute_raise(settlement=settlement, line=line_one, reason="应为高空作业", acting_user=stranger)
    with pytest.raises(ValidationError) as empty:
        dispute_raise(settlement=settlement, line=line_one, reason=" ", acting_user=supervisor)
    assert empty.value.message_dict == {"reason": ["请说明这一行有什么问题。"]}
    first = dispute_raise(
        settlement=settlement,
        line=line_one,
        reason="高空作业，应按 150 元",
        claimed_amount="150.00",
        acting_user=supervisor,
    )
    with pytest.raises(ValidationError):  # one open dispute per line
        dispute_raise(settlement=settlement, line=line_one, reason="再提一次", acting_user=supervisor)
    second = dispute_raise(settlement=settlement, line=line_two, reason="没有这单", acting_user=supervisor)

    assert settlement_warnings(settlement, now=NOW)[:2] == [
        f"异议 #{first.pk}（派工单 {one.number}）尚未处理。",
        f"异议 #{second.pk}（派工单 {two.number}）尚未处理。",
    ]
    with pytest.raises(ValidationError):
        settlement_confirm(settlement=settlement, acting_user=manager, now=NOW)

    with pytest.raises(ValidationError) as no_answer:
        dispute_resolve(dispute=second, accept=False, acting_user=manager)
    assert no_answer.value.message_dict == {"answer": ["请说明驳回的理由：网点会看到。"]}
    dispute_resolve(dispute=first, accept=True, amount="150.00", answer="同意", acting_user=manager)
    dispute_resolve(dispute=second, accept=False, answer="系统有完工记录和签名", acting_user=manager)
    with pytest.raises(ValidationError):
        dispute_resolve(dispute=second, accept=True, amount="0", acting_user=manager)

    settlement.refresh_from_db()
    line_one.refresh_from_db()
    assert (line_one.amount, line_one.note) == (Decimal("150.00"), f"按异议 #{first.pk}")
    assert settlement.lines_amount == Decimal("240.00")
    # The agreement outlives a recompute of the draft.
    settlement = settlement_compute(center=center, month=NOVEMBER, now=NOW)
    assert settlement.lines.get(work_order=one).amount == Decimal("150.00")
    assert settlement_warnings(settlement, now=NOW) == []
    confirmed = settlement_confirm(settlement=settlement, acting_user=manager, now=NOW)
    # The database itself keeps a confirmed statement's disputes as they were.
    for statement in (
        "UPDATE network_dispute SET answer = 'changed' WHERE settlement_id = %s",
        "DELETE FROM network_dispute WHERE settlement_id = %s",
    ):
        with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(statement, [confirmed.pk])
    assert confirmed.disputes.get(pk=second.pk).answer == "系统有完工记录和签名"
    with pytest.raises(ValidationError):  # a confirmed statement takes no more disputes
        dispute_raise(
            settlement=confirmed, line=confirmed.lines.first(), reason="晚了", acting_user=supervisor
        )
    with pytest.raises(PermissionDenied):
        settlement_mark_paid(settlement=confirmed, acting_user=supervisor)
    paid = settlement_mark_paid(settlement=confirmed, acting_user=manager, now=NOW)
    assert (paid.status, paid.paid_at) == ("paid", NOW)
    with pytest.raises(ValidationError):
        settlement_mark_paid(settlement=paid, acting_user=manager)


def test_a_draft_computed_before_the_month_ended_must_be_recomputed_before_confirming(center, manager):
    order = close(closed(center, None), at(2026, 11, 3, 10))
    fee(order, "90.00")
    early = settlement_compute(center=center, month=NOVEMBER, now=at(2026, 11, 20, 12))
    late = close(closed(center, None), at(2026, 11, 28, 10))  # closed after that draft was computed
    with pytest.raises(ValidationError) as stale:
        settlement_confirm(settlement=early, acting_user=manager, now=NOW)
    assert stale.value.messages == ["草稿计算于 2026-11-20 12:00，当时本月尚未结束：请先重新计算。"]
    fresh = settlement_compute(center=center, month=NOVEMBER, now=NOW)
    confirmed = settlement_confirm(settlement=fresh, acting_user=manager, now=NOW)
    assert set(confirmed.lines.values_list("work_order_id", flat=True)) == {order.pk, late.pk}


def test_an_accepted_dispute_keeps_a_lines_sign(center, manager):
    warehouse = WarehouseFactory(center=center)
    board = PartFactory(code="PCB-2", unit_cost_amount=Decimal("300.00"))
    stock.stock_receive(
        warehouse=warehouse, lines=[(board, 1, "300.00")], reference="RK-2", acting_user=manager
    )
    paid = closed(center, None, service_type=ServiceType.PAID)
    stock.part_issue(work_order=paid, part=board, acting_user=manager, reason="换板")
    close(paid, at(2026, 11, 4, 10))
    settlement = settlement_compute(center=center, month=NOVEMBER, now=NOW)
    line = settlement.lines.get(kind="parts_charged")
    assert line.amount == Decimal("-300.00")
    supervisor = UserFactory(roles=["supervisor"])
    center.supervisors.add(supervisor)
    dispute = dispute_raise(
        settlement=settlement,
        line=line,
        reason="板子是用户自带的",
        claimed_amount="150.00",
        acting_user=supervisor,
    )
    with pytest.raises(ValidationError) as flipped:
        dispute_resolve(dispute=dispute, accept=True, amount="150.00", acting_user=manager)
    assert flipped.value.message_dict == {"amount": ["向网点扣收的配件款只能是扣款：请输入 0.00 或负数。"]}
    dispute_resolve(dispute=dispute, accept=True, amount="0.00", answer="核实属实", acting_user=manager)
    line.refresh_from_db()
    assert (line.amount, line.note) == (Decimal("0.00"), f"按异议 #{dispute.pk} · PCB-2 ×1")


def test_the_month_takes_in_a_centre_whose_agreement_began_mid_month(manager):
    from settlement.services import settlements_compute_month

    late_joiner = ServiceCenterFactory(code="SC-NEW", level="a", agreement_start=dt.date(2026, 11, 10))
    order = close(closed(late_joiner, None), at(2026, 11, 20, 10))
    fee(order, "90.00")
    results = {c.code: s for c, s, _p in settlements_compute_month(month=NOVEMBER, now=NOW)}
    assert results["SC-NEW"].lines.get().work_order_id == order.pk


def test_the_months_zip_is_rebuilt_after_an_adjustment(center, manager):
    from settlement.exports import zip_name

    october = settlement_compute(center=center, month=dt.date(2026, 10, 1), now=NOW)
    settlement_confirm(settlement=october, acting_user=manager, now=NOW)
    settlement = settlement_compute(center=center, month=NOVEMBER, now=NOW)
    before = zip_name(NOVEMBER, [settlement.pk])
    adjustment_add(
        settlement=settlement,
        kind="correction",
        reason="补差",
        amount="10.00",
        reference="SC-LN-202610",
        acting_user=manager,
    )
    assert zip_name(NOVEMBER, [settlement.pk]) != before
