"""Receipts, transfers, adjustments, and parts issued to and returned from work orders."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils.translation import override

from inventory import services
from inventory.choices import (
    CreditEntryKind,
    DefectiveReturnStatus,
    MovementKind,
)
from inventory.factories import PartFactory
from inventory.models import (
    CreditEntry,
    DefectiveReturn,
    StockLevel,
    StockMovement,
)
from inventory.services import InsufficientStock
from repairs.choices import ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.factories import ProductCategoryFactory, ProductModelFactory

from .helpers import NOW, account, level, receive, snapshot, stock_centre, work_order

pytestmark = pytest.mark.django_db


def test_receipts_value_the_stock_at_moving_average_cost(world):
    central, part = world["central"], world["compressor"]

    receive(world, central, part, 10, "100.00")
    receive(world, central, part, 10, "130.00", reference="RK-2")

    assert level(central, part) == (20, Decimal("2300.00"))
    assert StockLevel.objects.get(warehouse=central, part=part).average_cost == Decimal("115.00")
    out = services.stock_adjust(
        warehouse=central, part=part, quantity=-3, reason="盘亏", acting_user=world["manager"], now=NOW
    )
    assert (out.quantity, out.value_amount, out.unit_cost_amount) == (
        -3,
        Decimal("-345.00"),
        Decimal("115.00"),
    )
    assert level(central, part) == (17, Decimal("1955.00"))


def test_a_receipt_with_bad_lines_says_what_is_wrong_on_each_line_and_posts_nothing(world):
    central, compressor, board, fan = world["central"], world["compressor"], world["board"], world["fan"]
    receive(world, central, fan, 1, "10.00")
    before = snapshot()

    with override("en"), pytest.raises(ValidationError) as refused:
        services.stock_receive(
            warehouse=central,
            lines=[
                (compressor, 5, "100.00"),
                (board, 0, "50.00"),
                (fan, "two", "10.00"),
                (compressor, 2, "-1.00"),
                (board, 1, "fifty"),
                (fan, "1.5", "10.00"),
            ],
            reference="RK-9",
            acting_user=world["manager"],
            now=NOW,
        )

    messages = refused.value.messages
    assert messages == [
        "Line 2 (ZB-01): The quantity must be greater than zero.",
        "Line 3 (FS-01): The quantity must be a whole number.",
        "Line 4 (YSJ-01): The unit cost cannot be negative.",
        "Line 5 (ZB-01): The unit cost is not a number.",
        "Line 6 (FS-01): The quantity must be a whole number.",
    ]
    assert snapshot() == before


def test_a_transfer_carries_the_value_and_moves_the_centres_credit(world):
    central, wh_a, part = world["central"], world["wh_a"], world["compressor"]
    receive(world, central, part, 10, "100.00")
    receive(world, central, part, 10, "130.00")

    moved = services.stock_transfer(
        source=central, destination=wh_a, lines=[(part, 4)], acting_user=world["manager"], now=NOW
    )

    out, inbound = moved
    assert (out.kind, out.quantity, out.value_amount) == (MovementKind.TRANSFER_OUT, -4, Decimal("-460.00"))
    assert (inbound.kind, inbound.quantity, inbound.value_amount) == (
        MovementKind.TRANSFER_IN,
        4,
        Decimal("460.00"),
    )
    assert level(central, part) == (16, Decimal("1840.00"))
    assert level(wh_a, part) == (4, Decimal("460.00"))
    assert account(world["center"]).credit_used_amount == Decimal("460.00")

    services.stock_transfer(
        source=wh_a, destination=central, lines=[(part, 1)], acting_user=world["manager"], now=NOW
    )

    assert level(wh_a, part) == (3, Decimal("345.00"))
    assert level(central, part) == (17, Decimal("1955.00"))
    assert account(world["center"]).credit_used_amount == Decimal("345.00")
    kinds = list(CreditEntry.objects.order_by("pk").values_list("kind", "amount", "used_after"))
    assert kinds == [
        (CreditEntryKind.SHIPPED, Decimal("460.00"), Decimal("460.00")),
        (CreditEntryKind.RETURNED, Decimal("-115.00"), Decimal("345.00")),
    ]


def test_a_transfer_between_two_centres_frees_one_credit_and_uses_the_other(world):
    stock_centre(world, world["board"], 4, "50.00")

    services.stock_transfer(
        source=world["wh_a"],
        destination=world["wh_b"],
        lines=[(world["board"], 3)],
        acting_user=world["manager"],
        now=NOW,
    )

    assert account(world["center"]).credit_used_amount == Decimal("50.00")
    assert account(world["other"]).credit_used_amount == Decimal("150.00")


def test_a_transfer_from_a_warehouse_without_the_stock_lists_every_short_line_and_moves_nothing(world):
    central, wh_a = world["central"], world["wh_a"]
    compressor, board, fan = world["compressor"], world["board"], world["fan"]
    receive(world, wh_a, compressor, 3, "100.00")
    receive(world, wh_a, fan, 10, "10.00")
    before = snapshot()

    with override("en"), pytest.raises(InsufficientStock) as refused:
        services.stock_transfer(
            source=wh_a,
            destination=central,
            lines=[(compressor, 5), (fan, 2), (board, 1), (compressor, 1)],
            acting_user=world["manager"],
            now=NOW,
        )

    assert [(w, p, want, have) for w, p, want, have in refused.value.shortages] == [
        (wh_a, compressor, 6, 3),
        (wh_a, board, 1, 0),
    ]
    assert refused.value.messages == [
        f"Not enough YSJ-01 压缩机 in {wh_a.name}: 6 wanted, 3 on hand.",
        f"Not enough ZB-01 主板 in {wh_a.name}: 1 wanted, 0 on hand.",
    ]
    assert snapshot() == before


def test_a_transfer_needs_two_different_warehouses(world):
    receive(world, world["central"], world["fan"], 5, "10.00")
    before = snapshot()

    with override("en"), pytest.raises(ValidationError, match="two different warehouses"):
        services.stock_transfer(
            source=world["central"],
            destination=world["central"],
            lines=[(world["fan"], 1)],
            acting_user=world["manager"],
        )

    assert snapshot() == before


def test_a_count_correction_needs_a_reason_a_non_zero_whole_quantity_and_the_stock_it_removes(world):
    central, part = world["central"], world["board"]
    receive(world, central, part, 4, "50.00")
    before = snapshot()

    def adjust(quantity, reason="盘点差异"):
        return services.stock_adjust(
            warehouse=central,
            part=part,
            quantity=quantity,
            reason=reason,
            acting_user=world["manager"],
            now=NOW,
        )

    with override("en"):
        with pytest.raises(ValidationError) as no_reason:
            adjust(1, reason="   ")
        assert no_reason.value.message_dict == {"reason": ["Say why the count is corrected."]}
        with pytest.raises(ValidationError) as zero:
            adjust(0)
        assert zero.value.message_dict == {"quantity": ["A correction of zero changes nothing."]}
        for not_whole in ("1.5", Decimal("1.5"), "many"):
            with pytest.raises(ValidationError) as fraction:
                adjust(not_whole)
            assert fraction.value.message_dict == {"quantity": ["The quantity must be a whole number."]}
        with pytest.raises(InsufficientStock) as short:
            adjust(-5)
        assert short.value.shortages == [(central, part, 5, 4)]
    assert snapshot() == before

    found = adjust(2, reason="盘盈")
    lost = adjust(-6, reason="盘亏")

    assert (found.quantity, found.value_amount, found.reason) == (2, Decimal("100.00"), "盘盈")
    assert (lost.kind, lost.quantity, lost.value_amount) == (MovementKind.ADJUSTMENT, -6, Decimal("-300.00"))
    assert level(central, part) == (0, Decimal("0.00"))


@pytest.mark.parametrize("status", [S.CLOSED, S.CANCELLED, S.PHONE_GUIDED])
def test_parts_are_not_issued_to_a_work_order_that_is_finished(world, status):
    stock_centre(world, world["fan"], 3, "10.00")
    order = work_order(world, status=status)
    before = snapshot()

    with override("en"), pytest.raises(ValidationError) as refused:
        services.part_issue(work_order=order, part=world["fan"], acting_user=world["technician"], now=NOW)

    assert f"Parts cannot be issued to work order {order.number}" in refused.value.messages[0]
    assert snapshot() == before


def test_an_issue_takes_the_part_out_of_the_centres_warehouse_at_average_cost(world):
    stock_centre(world, world["compressor"], 5, "100.00")
    order = work_order(world, service_type=ServiceType.PAID, status=S.COMPLETED)

    movement = services.part_issue(
        work_order=order, part=world["compressor"], quantity=2, acting_user=world["technician"], now=NOW
    )

    assert (movement.kind, movement.quantity, movement.value_amount) == (
        MovementKind.ISSUE,
        -2,
        Decimal("-200.00"),
    )
    assert movement.warehouse == world["wh_a"] and movement.work_order == order
    assert movement.reference == order.number and movement.created_by == world["technician"]
    assert level(world["wh_a"], world["compressor"]) == (3, Decimal("300.00"))
    assert services.issued_quantity(work_order=order, part=world["compressor"]) == 2


def test_a_part_not_listed_for_the_model_needs_a_reason_which_is_recorded(world):
    phones = ProductCategoryFactory(code="mobile_phone", name="手机")
    battery = PartFactory(code="DC-01", name="电池", category=phones)
    listed_elsewhere = PartFactory(code="YSJ-02", name="压缩机（其他型号）")
    listed_elsewhere.compatible_models.add(ProductModelFactory())
    receive(world, world["wh_a"], battery, 2, "30.00")
    receive(world, world["wh_a"], listed_elsewhere, 2, "90.00")
    order = work_order(world)
    before = snapshot()

    for part in (battery, listed_elsewhere):
        with override("en"), pytest.raises(ValidationError) as refused:
            services.part_issue(work_order=order, part=part, acting_user=world["technician"], now=NOW)
        (message,) = refused.value.message_dict["reason"]
        assert str(part) in message and "Give a reason" in message
    assert snapshot() == before

    movement = services.part_issue(
        work_order=order,
        part=battery,
        acting_user=world["technician"],
        reason="  同款电芯，客户同意  ",
        now=NOW,
    )

    assert movement.reason == "同款电芯，客户同意"
    assert level(world["wh_a"], battery) == (1, Decimal("30.00"))


def test_parts_with_serial_numbers_are_issued_one_at_a_time(world):
    board = world["board"]
    board.serialized = True
    board.save()
    receive(world, world["wh_a"], board, 3, "50.00")
    order = work_order(world)
    before = snapshot()

    with override("en"), pytest.raises(ValidationError) as refused:
        services.part_issue(
            work_order=order, part=board, quantity=2, acting_user=world["technician"], now=NOW
        )

    assert refused.value.message_dict == {"quantity": ["Parts with serial numbers are issued one at a time."]}
    assert snapshot() == before
    movement = services.part_issue(
        work_order=order, part=board, serial_number=" ZB2026-0001 ", acting_user=world["technician"], now=NOW
    )
    assert (movement.quantity, movement.serial_number) == (-1, "ZB2026-0001")


def test_a_returnable_part_gets_one_tag_per_piece_due_in_its_return_days_counted_in_shanghai(world):
    compressor = world["compressor"]
    compressor.return_required = True
    compressor.return_within_days = 15
    compressor.save()
    stock_centre(world, compressor, 5, "100.00")
    order = work_order(world)

    movement = services.part_issue(
        work_order=order,
        part=compressor,
        quantity=3,
        old_serial="OLD-1",
        acting_user=world["technician"],
        now=NOW,
    )

    tags = list(DefectiveReturn.objects.order_by("pk"))
    assert len(tags) == 3
    assert {t.due_on for t in tags} == {dt.date(2026, 3, 2) + dt.timedelta(days=15)}
    assert all(t.status == DefectiveReturnStatus.OPEN for t in tags)
    assert all(t.issue_movement == movement and t.center == world["center"] for t in tags)
    assert all(t.work_order == order and t.old_serial == "OLD-1" for t in tags)
    assert sum(t.value_amount for t in tags) == -movement.value_amount
    assert len({t.number for t in tags}) == 3
    assert all(t.number.startswith("JJ20260302-") for t in tags)


def test_tags_of_pieces_valued_at_odd_cents_add_up_to_the_issue(world):
    fan = world["fan"]
    fan.return_required = True
    fan.save()
    receive(world, world["wh_a"], fan, 3, "10.00")
    receive(world, world["wh_a"], fan, 3, "10.01")  # 6 pieces worth 60.03
    order = work_order(world)

    movement = services.part_issue(work_order=order, part=fan, quantity=4, acting_user=world["technician"])

    assert movement.value_amount == Decimal("-40.02")
    values = sorted(DefectiveReturn.objects.values_list("value_amount", flat=True))
    assert sum(values) == Decimal("40.02")
    assert max(values) - min(values) <= Decimal("0.01")


def test_in_warranty_consumption_frees_the_centres_credit_and_paid_work_keeps_it(world):
    stock_centre(world, world["compressor"], 4, "100.00")
    assert account(world["center"]).credit_used_amount == Decimal("400.00")

    services.part_issue(
        work_order=work_order(world, service_type=ServiceType.PAID),
        part=world["compressor"],
        acting_user=world["technician"],
        now=NOW,
    )
    assert account(world["center"]).credit_used_amount == Decimal("400.00")

    free = work_order(world, service_type=ServiceType.FREE)
    services.part_issue(
        work_order=free, part=world["compressor"], quantity=2, acting_user=world["technician"], now=NOW
    )

    assert account(world["center"]).credit_used_amount == Decimal("200.00")
    consumed = CreditEntry.objects.get(kind=CreditEntryKind.CONSUMED)
    assert (consumed.amount, consumed.used_after, consumed.work_order) == (
        Decimal("-200.00"),
        Decimal("200.00"),
        free,
    )


def test_parts_the_centre_held_before_drawing_on_credit_free_no_credit(world):
    """Its own initial count (received straight into its warehouse) was never on credit: consuming or
    sending it away must not push credit used below zero (which would be credit no deposit backs)."""
    part = world["compressor"]
    receive(world, world["wh_a"], part, 2, "100.00")  # the centre's own count
    stock_centre(world, part, 1, "100.00")  # 100 on credit
    order = work_order(world, service_type=ServiceType.FREE)

    services.part_issue(work_order=order, part=part, quantity=3, acting_user=world["technician"], now=NOW)
    assert account(world["center"]).credit_used_amount == Decimal("0.00")

    services.part_return(
        work_order=order, part=part, quantity=3, reason="未使用", acting_user=world["technician"]
    )
    assert account(world["center"]).credit_used_amount == Decimal("100.00")

    for _ in range(2):
        services.stock_transfer(
            source=world["wh_a"],
            destination=world["central"],
            lines=[(part, 1)],
            acting_user=world["manager"],
        )
    assert account(world["center"]).credit_used_amount == Decimal("0.00")
    acc = account(world["center"])
    assert acc.credit_entries.aggregate(s=Sum("amount"))["s"] == acc.credit_used_amount


def test_a_retried_issue_with_the_same_key_posts_once(world):
    stock_centre(world, world["fan"], 5, "10.00")
    order = work_order(world)

    first = services.part_issue(
        work_order=order,
        part=world["fan"],
        quantity=2,
        acting_user=world["technician"],
        idempotency_key="k-1",
    )
    again = services.part_issue(
        work_order=order,
        part=world["fan"],
        quantity=2,
        acting_user=world["technician"],
        idempotency_key="k-1",
    )

    assert again.pk == first.pk
    assert StockMovement.objects.filter(kind=MovementKind.ISSUE).count() == 1
    assert level(world["wh_a"], world["fan"]) == (3, Decimal("30.00"))
    assert CreditEntry.objects.filter(kind=CreditEntryKind.CONSUMED).count() == 1


def test_a_retried_receipt_with_the_same_key_posts_once(world):
    lines = [(world["fan"], 3, "10.00"), (world["board"], 1, "50.00")]
    first = services.stock_receive(
        warehouse=world["central"],
        lines=lines,
        reference="RK-7",
        acting_user=world["manager"],
        idempotency_key="r",
    )
    again = services.stock_receive(
        warehouse=world["central"],
        lines=lines,
        reference="RK-7",
        acting_user=world["manager"],
        idempotency_key="r",
    )

    assert [m.pk for m in again] == [m.pk for m in first]
    assert StockMovement.objects.count() == 2
    assert level(world["central"], world["fan"]) == (3, Decimal("30.00"))


def test_a_part_back_from_the_work_order_returns_at_its_issue_value_and_cancels_its_tags(world):
    compressor = world["compressor"]
    compressor.return_required = True
    compressor.save()
    receive(world, world["central"], compressor, 2, "100.00")
    receive(world, world["central"], compressor, 1, "130.00")  # average 110
    services.stock_transfer(
        source=world["central"],
        destination=world["wh_a"],
        lines=[(compressor, 3)],
        acting_user=world["manager"],
    )
    order = work_order(world)
    services.part_issue(
        work_order=order, part=compressor, quantity=3, acting_user=world["technician"], now=NOW
    )
    assert account(world["center"]).credit_used_amount == Decimal("0.00")
    before = snapshot()

    with override("en"), pytest.raises(ValidationError) as too_many:
        services.part_return(
            work_order=order, part=compressor, quantity=4, reason="未使用", acting_user=world["technician"]
        )
    assert too_many.value.message_dict == {"quantity": [f"Only 3 of {compressor} are on this work order."]}
    with override("en"), pytest.raises(ValidationError) as no_reason:
        services.part_return(
            work_order=order, part=compressor, quantity=1, reason="", acting_user=world["technician"]
        )
    assert "reason" in no_reason.value.message_dict
    assert snapshot() == before

    back = services.part_return(
        work_order=order,
        part=compressor,
        quantity=2,
        reason="故障判断有误",
        acting_user=world["technician"],
        now=NOW,
    )

    assert (back.kind, back.quantity, back.value_amount, back.reason) == (
        MovementKind.RETURN,
        2,
        Decimal("220.00"),
        "故障判断有误",
    )
    assert level(world["wh_a"], compressor) == (2, Decimal("220.00"))
    statuses = list(DefectiveReturn.objects.order_by("pk").values_list("status", flat=True))
    assert statuses == [
        DefectiveReturnStatus.OPEN,
        DefectiveReturnStatus.CANCELLED,
        DefectiveReturnStatus.CANCELLED,
    ]
    assert services.issued_quantity(work_order=order, part=compressor) == 1
    assert account(world["center"]).credit_used_amount == Decimal("220.00")

    services.part_return(
        work_order=order, part=compressor, quantity=1, reason="未使用", acting_user=world["technician"]
    )

    assert level(world["wh_a"], compressor) == (3, Decimal("330.00"))
    assert account(world["center"]).credit_used_amount == Decimal("330.00")
    with override("en"), pytest.raises(ValidationError, match="Only 0 of"):
        services.part_return(
            work_order=order, part=compressor, reason="再退", acting_user=world["technician"]
        )
