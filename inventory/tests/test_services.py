"""Spare parts as the people who handle them live it: the central warehouse receiving and shipping, a centre
issuing parts to its work orders and sending the old ones back, managers deciding requests, deposits and
scrapping. Everything goes through inventory.services, on the real PostgreSQL."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError, connection, transaction
from django.db.models import Sum
from django.utils.translation import gettext, override
from PIL import Image

from inventory import services
from inventory.choices import (
    CreditEntryKind,
    DefectiveReturnStatus,
    InspectionOutcome,
    MovementKind,
    OverCreditPolicy,
    PartRequestStatus,
)
from inventory.factories import PartFactory, WarehouseFactory
from inventory.models import (
    CreditEntry,
    DefectiveReturn,
    DefectiveReturnPhoto,
    DepositAccount,
    DepositEntry,
    InventorySettings,
    PartRequest,
    PartRequestEvent,
    StockLevel,
    StockMovement,
)
from inventory.services import CreditLimitExceeded, InsufficientStock
from network.factories import ServiceCenterFactory, UserFactory
from repairs.choices import ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.factories import ProductCategoryFactory, ProductModelFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db

# 2026-03-01 17:30 UTC is already 2 March in Shanghai: day boundaries are Chinese ones.
NOW = dt.datetime(2026, 3, 1, 17, 30, tzinfo=dt.UTC)


@pytest.fixture
def world(users):
    """The central warehouse, the defective-parts store, centre A (the `users` fixture's, with its supervisor)
    and centre B (with a supervisor of its own), each with a warehouse; three parts of the air-conditioner
    category."""
    other = ServiceCenterFactory(code="SC-B", name="乙网点")
    other_supervisor = UserFactory(username="sup_b", roles=["supervisor"])
    other.supervisors.add(other_supervisor)
    return {
        **users,
        "central": WarehouseFactory(central=True),
        "defective": WarehouseFactory(defective=True),
        "wh_a": WarehouseFactory(center=users["center"]),
        "other": other,
        "other_supervisor": other_supervisor,
        "wh_b": WarehouseFactory(center=other),
        "compressor": PartFactory(code="YSJ-01", name="压缩机", unit_cost_amount=Decimal("100.00")),
        "board": PartFactory(code="ZB-01", name="主板", unit_cost_amount=Decimal("50.00")),
        "fan": PartFactory(code="FS-01", name="风扇电机", unit_cost_amount=Decimal("10.00")),
    }


def level(warehouse, part) -> tuple[int, Decimal]:
    row = StockLevel.objects.filter(warehouse=warehouse, part=part).first()
    return (row.quantity, row.value_amount) if row else (0, Decimal("0.00"))


def receive(world, warehouse, part, quantity, cost, reference="RK-1"):
    return services.stock_receive(
        warehouse=warehouse,
        lines=[(part, quantity, cost)],
        reference=reference,
        acting_user=world["manager"],
        now=NOW,
    )


def stock_centre(world, part, quantity, cost="100.00", center_key="a"):
    """Central receives the parts and transfers them to a centre (which uses its credit)."""
    receive(world, world["central"], part, quantity, cost)
    services.stock_transfer(
        source=world["central"],
        destination=world[f"wh_{center_key}"],
        lines=[(part, quantity)],
        acting_user=world["manager"],
        now=NOW,
    )


def work_order(world, *, service_type=ServiceType.FREE, status=S.IN_REPAIR, center=None):
    return WorkOrderFactory(center=center or world["center"], status=status, call__service_type=service_type)


def account(center) -> DepositAccount:
    return DepositAccount.objects.get_or_create(center=center)[0]


def fund(world, center, deposit="1000.00", ratio="3"):
    services.deposit_pay(center=center, amount=deposit, acting_user=world["manager"], now=NOW)
    services.deposit_set_ratio(center=center, ratio=ratio, acting_user=world["manager"], now=NOW)


def png(name="part.png") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, format="PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def snapshot():
    """Everything a refused operation must leave as it was."""
    return (
        list(
            StockLevel.objects.order_by("pk").values_list(
                "warehouse_id", "part_id", "quantity", "value_amount"
            )
        ),
        StockMovement.objects.count(),
        list(DepositAccount.objects.order_by("pk").values_list("deposit_amount", "credit_used_amount")),
        CreditEntry.objects.count(),
        DepositEntry.objects.count(),
        list(PartRequest.objects.order_by("pk").values_list("status", flat=True)),
        list(DefectiveReturn.objects.order_by("pk").values_list("status", flat=True)),
    )


# --------------------------------------------------------------------------------------------------------
# Receipt
# --------------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------------
# Transfer
# --------------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------------
# Adjustment
# --------------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------------
# Issue to a work order
# --------------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------------
# Return from a work order
# --------------------------------------------------------------------------------------------------------


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


# --------------------------------------------------------------------------------------------------------
# Part requests
# --------------------------------------------------------------------------------------------------------


@pytest.fixture
def limits(db):
    settings = InventorySettings.current()
    settings.auto_approve_max_quantity = 10
    settings.auto_approve_max_amount = Decimal("1000.00")
    settings.over_credit_policy = OverCreditPolicy.REFUSE
    settings.save()
    return settings


def submit(world, lines, center=None, user=None, **kwargs):
    return services.part_request_submit(
        center=center or world["center"],
        lines=lines,
        acting_user=user or world["supervisor"],
        now=NOW,
        **kwargs,
    )


def test_a_request_under_both_limits_and_within_the_credit_is_approved_at_once(world, limits):
    fund(world, world["center"], deposit="1000.00", ratio="3")

    request = submit(world, [(world["compressor"], 5), (world["fan"], 5)])

    assert request.status == PartRequestStatus.APPROVED and request.auto_approved
    assert request.amount == Decimal("550.00")
    assert request.number.startswith("BJ20260302-")
    assert list(request.events.values_list("from_status", "to_status", "actor")) == [
        ("", PartRequestStatus.PENDING, world["supervisor"].pk),
        (PartRequestStatus.PENDING, PartRequestStatus.APPROVED, None),
    ]


@pytest.mark.parametrize(
    ("lines", "max_amount", "why"),
    [
        ([("fan", 11)], "1000.00", "11 pieces, over the 10 approved automatically."),
        (
            [("compressor", 6), ("board", 1)],
            "600.00",
            "650.00 yuan, over the 600.00 yuan approved automatically.",
        ),
    ],
)
def test_a_request_above_a_limit_waits_for_a_manager_and_says_why(world, limits, lines, max_amount, why):
    fund(world, world["center"], deposit="1000.00", ratio="3")
    limits.auto_approve_max_amount = Decimal(max_amount)
    limits.save()

    with override("en"):
        request = submit(world, [(world[code], q) for code, q in lines])

    assert request.status == PartRequestStatus.PENDING and not request.auto_approved
    assert request.approval_reason == why
    assert request.decided_at is None


def test_a_request_over_the_credit_is_refused_with_the_numbers(world, limits):
    fund(world, world["center"], deposit="200.00", ratio="2.5")  # limit 500
    stock_centre(world, world["board"], 4, "50.00")  # 200 used
    submit(world, [(world["fan"], 10)])  # 100 awaiting shipment
    before = snapshot()

    with override("en"), pytest.raises(CreditLimitExceeded) as refused:
        submit(world, [(world["compressor"], 3)])  # 300 more: 600 in all

    message = refused.value.messages[0]
    assert message == (
        "Parts credit exceeded: limit 500.00 yuan (deposit 200.00 × 2.5), used 200.00, awaiting shipment "
        "100.00, this request 300.00 — 600.00 in all, 100.00 over."
    )
    assert snapshot() == before


def test_a_ratio_of_ten_reads_as_ten_in_the_credit_message(world, limits):
    fund(world, world["center"], deposit="10.00", ratio="10")

    with override("en"), pytest.raises(CreditLimitExceeded) as refused:
        submit(world, [(world["compressor"], 2)])

    assert "(deposit 10.00 × 10)" in refused.value.messages[0]


def test_with_the_manager_policy_a_request_over_the_credit_goes_to_a_manager(world, limits):
    limits.over_credit_policy = OverCreditPolicy.MANAGER
    limits.save()
    fund(world, world["center"], deposit="100.00", ratio="3")

    with override("en"):
        request = submit(world, [(world["compressor"], 4)])

    assert request.status == PartRequestStatus.PENDING
    assert request.approval_reason.startswith("Parts credit exceeded: limit 300.00 yuan")
    assert "this request 400.00" in request.approval_reason


def test_a_centre_asks_for_parts_only_for_itself(world, limits):
    fund(world, world["center"])
    before = snapshot()

    for outsider in (world["other_supervisor"], world["technician"], world["nobody"]):
        with pytest.raises(ValidationError) as refused:
            submit(world, [(world["fan"], 1)], user=outsider)
        assert refused.value.code == "forbidden"
    assert snapshot() == before


def test_only_a_manager_approves_or_rejects_and_a_rejection_needs_a_reason(world, limits):
    fund(world, world["center"])
    request = submit(world, [(world["fan"], 20)])
    assert request.status == PartRequestStatus.PENDING
    before = snapshot()

    for outsider in (world["supervisor"], world["other_supervisor"], world["nobody"]):
        with pytest.raises(ValidationError):
            services.part_request_approve(request=request, acting_user=outsider)
        with pytest.raises(ValidationError):
            services.part_request_reject(request=request, reason="不需要", acting_user=outsider)
    with override("en"), pytest.raises(ValidationError) as no_reason:
        services.part_request_reject(request=request, reason="  ", acting_user=world["manager"])
    assert no_reason.value.message_dict == {"reason": ["Say why the request is rejected."]}
    assert snapshot() == before

    approved = services.part_request_approve(
        request=request, acting_user=world["manager"], note="旺季备货", now=NOW
    )
    assert approved.status == PartRequestStatus.APPROVED and approved.decided_by == world["manager"]
    assert not approved.auto_approved

    second = submit(world, [(world["board"], 11)])
    rejected = services.part_request_reject(
        request=second, reason="库存充足", acting_user=world["manager"], now=NOW
    )
    assert (rejected.status, rejected.rejection_reason) == (PartRequestStatus.REJECTED, "库存充足")
    assert (
        PartRequestEvent.objects.filter(request=second, to_status=PartRequestStatus.REJECTED).get().note
        == "库存充足"
    )


def test_shipping_takes_the_parts_out_of_central_and_uses_the_credit_at_the_value_shipped(world, limits):
    fund(world, world["center"], deposit="1000.00", ratio="3")
    receive(world, world["central"], world["compressor"], 2, "90.00")
    receive(world, world["central"], world["compressor"], 2, "120.00")  # average 105, catalogue 100
    receive(world, world["central"], world["fan"], 10, "10.00")
    request = submit(world, [(world["compressor"], 3), (world["fan"], 4)])

    services.part_request_ship(request=request, acting_user=world["manager"], now=NOW)

    request.refresh_from_db()
    assert request.status == PartRequestStatus.SHIPPED and request.shipped_by == world["manager"]
    assert level(world["central"], world["compressor"]) == (1, Decimal("105.00"))
    assert level(world["central"], world["fan"]) == (6, Decimal("60.00"))
    assert level(world["wh_a"], world["compressor"]) == (0, Decimal("0.00"))
    assert account(world["center"]).credit_used_amount == Decimal("355.00")
    shipped = CreditEntry.objects.get(kind=CreditEntryKind.SHIPPED)
    assert (shipped.amount, shipped.part_request) == (Decimal("355.00"), request)

    services.part_request_receive(request=request, acting_user=world["supervisor"], now=NOW)

    request.refresh_from_db()
    assert request.status == PartRequestStatus.RECEIVED and request.received_by == world["supervisor"]
    assert level(world["wh_a"], world["compressor"]) == (3, Decimal("315.00"))
    assert level(world["wh_a"], world["fan"]) == (4, Decimal("40.00"))
    assert account(world["center"]).credit_used_amount == Decimal("355.00")
    assert request.movements.filter(kind=MovementKind.TRANSFER_IN).aggregate(v=Sum("value_amount"))[
        "v"
    ] == Decimal("355.00")


def test_shipping_more_than_central_holds_is_refused_and_changes_nothing(world, limits):
    fund(world, world["center"])
    receive(world, world["central"], world["compressor"], 1, "100.00")
    request = submit(world, [(world["compressor"], 2), (world["fan"], 3)])
    before = snapshot()

    with override("en"), pytest.raises(InsufficientStock) as refused:
        services.part_request_ship(request=request, acting_user=world["manager"], now=NOW)

    assert [(p.code, want, have) for _w, p, want, have in refused.value.shortages] == [
        ("YSJ-01", 2, 1),
        ("FS-01", 3, 0),
    ]
    assert snapshot() == before


def test_an_automatically_approved_request_is_checked_against_the_credit_again_when_shipped(world, limits):
    fund(world, world["center"], deposit="100.00", ratio="3")  # limit 300
    receive(world, world["central"], world["compressor"], 2, "100.00")
    request = submit(world, [(world["compressor"], 2)])  # 200, approved
    assert request.status == PartRequestStatus.APPROVED
    stock_centre(world, world["board"], 3, "50.00")  # meanwhile 150 of parts reach the centre another way
    before = snapshot()

    with override("en"), pytest.raises(CreditLimitExceeded) as refused:
        services.part_request_ship(request=request, acting_user=world["manager"], now=NOW)

    message = refused.value.messages[0]
    assert "limit 300.00 yuan" in message and "used 150.00" in message and "this request 200.00" in message
    assert snapshot() == before


def test_requests_move_only_along_their_transitions(world, limits):
    fund(world, world["center"])
    receive(world, world["central"], world["fan"], 10, "10.00")
    manager, supervisor = world["manager"], world["supervisor"]
    approved = submit(world, [(world["fan"], 2)])
    pending = submit(world, [(world["fan"], 11)])
    before = snapshot()

    attempts = [
        lambda: services.part_request_receive(request=approved, acting_user=supervisor),
        lambda: services.part_request_ship(request=pending, acting_user=manager),
        lambda: services.part_request_approve(request=approved, acting_user=manager),
    ]
    for attempt in attempts:
        with override("en"), pytest.raises(ValidationError) as refused:
            attempt()
        assert refused.value.code == "invalid_transition"
    assert snapshot() == before

    services.part_request_ship(request=approved, acting_user=manager)
    with override("en"), pytest.raises(ValidationError) as late:
        services.part_request_cancel(request=approved, acting_user=supervisor)
    assert late.value.messages == [f"Part request {approved.number} is Shipped and cannot be Cancelled."]
    with pytest.raises(ValidationError):
        services.part_request_reject(request=approved, reason="晚了", acting_user=manager)
    services.part_request_receive(request=approved, acting_user=supervisor)
    with pytest.raises(ValidationError):
        services.part_request_receive(request=approved, acting_user=supervisor)
    assert level(world["wh_a"], world["fan"]) == (2, Decimal("20.00"))


def test_the_centre_cancels_its_own_request_before_it_is_shipped(world, limits):
    fund(world, world["center"])
    request = submit(world, [(world["fan"], 2)])
    before = snapshot()

    for outsider in (world["other_supervisor"], world["technician"], world["nobody"]):
        with pytest.raises(ValidationError):
            services.part_request_cancel(request=request, acting_user=outsider)
        with pytest.raises(ValidationError):
            services.part_request_receive(request=request, acting_user=outsider)
    assert snapshot() == before

    cancelled = services.part_request_cancel(request=request, acting_user=world["supervisor"], now=NOW)

    assert cancelled.status == PartRequestStatus.CANCELLED
    assert services.credit_position(center=world["center"])["committed"] == Decimal("0.00")
    assert list(cancelled.events.values_list("to_status", "actor"))[-1] == (
        PartRequestStatus.CANCELLED,
        world["supervisor"].pk,
    )


# --------------------------------------------------------------------------------------------------------
# Deposits and credit
# --------------------------------------------------------------------------------------------------------


def test_deposit_payments_refunds_and_the_ratio_make_the_credit(world):
    center, manager = world["center"], world["manager"]

    paid = services.deposit_pay(center=center, amount="5000", acting_user=manager, reference="HK-1", now=NOW)
    services.deposit_set_ratio(center=center, ratio="2.5", acting_user=manager, now=NOW)
    refund = services.deposit_refund(center=center, amount=Decimal("1000.00"), acting_user=manager, now=NOW)

    assert (paid.kind, paid.amount, paid.balance_after) == ("payment", Decimal("5000.00"), Decimal("5000.00"))
    assert (refund.kind, refund.amount, refund.balance_after) == (
        "refund",
        Decimal("-1000.00"),
        Decimal("4000.00"),
    )
    acc = account(center)
    assert (acc.deposit_amount, acc.leverage_ratio, acc.credit_limit) == (
        Decimal("4000.00"),
        Decimal("2.50"),
        Decimal("10000.00"),
    )
    assert acc.entries.aggregate(s=Sum("amount"))["s"] == acc.deposit_amount


def test_a_refund_larger_than_the_deposit_is_refused(world):
    fund(world, world["center"], deposit="800.00")
    before = snapshot()

    with override("en"), pytest.raises(ValidationError) as refused:
        services.deposit_refund(center=world["center"], amount="800.01", acting_user=world["manager"])

    assert refused.value.message_dict == {
        "amount": ["The refund of 800.01 yuan is more than the deposit of 800.00 yuan."]
    }
    assert snapshot() == before


def test_a_refund_that_would_leave_less_credit_than_is_used_is_refused_with_the_numbers(world):
    fund(world, world["center"], deposit="1000.00", ratio="3")  # limit 3000
    stock_centre(world, world["compressor"], 25, "100.00")  # 2500 used
    before = snapshot()

    with override("en"), pytest.raises(ValidationError) as refused:
        services.deposit_refund(center=world["center"], amount="300", acting_user=world["manager"])

    assert refused.value.message_dict == {
        "amount": [
            "After this refund the parts credit would be 2100.00 yuan (700.00 × 3) but 2500.00 yuan of credit "
            "is in use: refund at most 166.66 yuan."
        ]
    }
    assert snapshot() == before
    services.deposit_refund(center=world["center"], amount="166.66", acting_user=world["manager"])
    acc = account(world["center"])
    assert acc.credit_limit >= acc.credit_used_amount


def test_a_parts_payment_frees_credit_but_never_more_than_is_used(world):
    stock_centre(world, world["board"], 6, "50.00")  # 300 used
    before = snapshot()

    with override("en"), pytest.raises(ValidationError) as refused:
        services.parts_payment_record(center=world["center"], amount="300.01", acting_user=world["manager"])
    assert refused.value.message_dict == {
        "amount": ["The payment of 300.01 yuan is more than the 300.00 yuan of credit in use."]
    }
    assert snapshot() == before

    entry = services.parts_payment_record(
        center=world["center"], amount="120.50", acting_user=world["manager"], reference="FK-3", now=NOW
    )

    assert (entry.kind, entry.amount, entry.used_after) == (
        CreditEntryKind.PAID,
        Decimal("-120.50"),
        Decimal("179.50"),
    )
    assert account(world["center"]).credit_used_amount == Decimal("179.50")


BAD_AMOUNTS = ["0", "-5", Decimal("0.001"), "abc", "", None, "NaN", "Infinity", "1e30", "10000000000000"]


@pytest.mark.parametrize("amount", BAD_AMOUNTS)
@pytest.mark.parametrize("operation", ["deposit_pay", "deposit_refund", "parts_payment_record"])
def test_money_amounts_that_are_not_positive_numbers_are_refused(world, operation, amount):
    fund(world, world["center"], deposit="1000.00")
    stock_centre(world, world["fan"], 1, "10.00")
    before = snapshot()

    with override("en"), pytest.raises(ValidationError) as refused:
        getattr(services, operation)(center=world["center"], amount=amount, acting_user=world["manager"])

    (message,) = refused.value.message_dict["amount"]
    assert message in (
        "The amount must be greater than zero.",
        "Enter an amount in yuan, e.g. 1200.00.",
        "The amount is too large.",
    )
    assert snapshot() == before


def test_amount_errors_are_given_in_the_users_language(world):
    """The message is made when the error is raised, in the language active then (the catalogue supplies
    the Chinese)."""
    for language in ("zh-hans", "en"):
        with override(language):
            with pytest.raises(ValidationError) as refused:
                services.deposit_pay(center=world["center"], amount="-1", acting_user=world["manager"])
            assert refused.value.message_dict["amount"] == [gettext("The amount must be greater than zero.")]
            with pytest.raises(ValidationError) as refused:
                services.deposit_pay(center=world["center"], amount="一千", acting_user=world["manager"])
            assert refused.value.message_dict["amount"] == [gettext("Enter an amount in yuan, e.g. 1200.00.")]


def test_money_is_moved_only_by_a_manager(world):
    fund(world, world["center"])
    before = snapshot()

    for outsider in (world["supervisor"], world["other_supervisor"], world["nobody"]):
        for call in (
            lambda u: services.deposit_pay(center=world["center"], amount="1", acting_user=u),
            lambda u: services.deposit_refund(center=world["center"], amount="1", acting_user=u),
            lambda u: services.deposit_set_ratio(center=world["center"], ratio="5", acting_user=u),
            lambda u: services.parts_payment_record(center=world["center"], amount="1", acting_user=u),
        ):
            with pytest.raises(ValidationError):
                call(outsider)
    assert snapshot() == before
    assert account(world["center"]).leverage_ratio == Decimal("3.00")


@pytest.mark.parametrize("ratio", ["0", "-1", "abc", "1000"])
def test_a_leverage_ratio_must_be_a_positive_number(world, ratio):
    fund(world, world["center"], ratio="3")

    with pytest.raises(ValidationError) as refused:
        services.deposit_set_ratio(center=world["center"], ratio=ratio, acting_user=world["manager"])

    assert "leverage_ratio" in refused.value.message_dict
    assert account(world["center"]).leverage_ratio == Decimal("3.00")


# --------------------------------------------------------------------------------------------------------
# Defective-part returns (旧件返还)
# --------------------------------------------------------------------------------------------------------


@pytest.fixture
def tag(world, settings, tmp_path):
    """An open tag of centre A: a returnable compressor issued to one of its work orders."""
    settings.MEDIA_ROOT = tmp_path
    compressor = world["compressor"]
    compressor.return_required = True
    compressor.save()
    receive(world, world["wh_a"], compressor, 1, "100.00")
    services.part_issue(
        work_order=work_order(world),
        part=compressor,
        old_serial="OLD-9",
        acting_user=world["technician"],
        now=NOW,
    )
    return DefectiveReturn.objects.get()


def test_shipping_an_old_part_back_needs_a_tracking_number(world, tag):
    with override("en"), pytest.raises(ValidationError) as refused:
        services.defective_return_ship(
            tag=tag, courier="顺丰", tracking_number="  ", acting_user=world["supervisor"]
        )
    assert refused.value.message_dict == {"tracking_number": ["Enter the courier's tracking number."]}
    tag.refresh_from_db()
    assert tag.status == DefectiveReturnStatus.OPEN

    shipped = services.defective_return_ship(
        tag=tag, courier="顺丰", tracking_number=" SF1234567890 ", acting_user=world["supervisor"], now=NOW
    )

    assert (shipped.status, shipped.courier, shipped.tracking_number, shipped.shipped_at) == (
        DefectiveReturnStatus.SHIPPED,
        "顺丰",
        "SF1234567890",
        NOW,
    )


def test_only_the_owning_centres_supervisor_or_a_manager_acts_on_a_tag(world, tag):
    for outsider in (world["other_supervisor"], world["technician"], world["nobody"]):
        with pytest.raises(ValidationError) as refused:
            services.defective_return_ship(
                tag=tag, courier="顺丰", tracking_number="SF1", acting_user=outsider
            )
        assert refused.value.code == "forbidden"
        with pytest.raises(ValidationError):
            services.defective_return_request_scrap(
                tag=tag, reason="烧毁", photos=[png()], acting_user=outsider
            )
        for manager_only in (
            lambda u: services.defective_return_receive(tag=tag, acting_user=u),
            lambda u: services.defective_return_decide_scrap(tag=tag, approve=True, acting_user=u),
        ):
            with pytest.raises(ValidationError):
                manager_only(outsider)
    tag.refresh_from_db()
    assert tag.status == DefectiveReturnStatus.OPEN and not tag.tracking_number
    assert not DefectiveReturnPhoto.objects.exists()
    assert not StockMovement.objects.filter(kind=MovementKind.DEFECTIVE_IN).exists()

    services.defective_return_ship(tag=tag, courier="", tracking_number="SF1", acting_user=world["manager"])
    tag.refresh_from_db()
    assert tag.status == DefectiveReturnStatus.SHIPPED


def test_scrapping_on_site_needs_a_reason_and_a_photo_and_a_managers_approval(world, tag):
    with override("en"), pytest.raises(ValidationError) as refused:
        services.defective_return_request_scrap(
            tag=tag, reason="", photos=[], acting_user=world["supervisor"]
        )
    assert refused.value.message_dict == {
        "scrap_reason": ["Say why the part cannot be sent back."],
        "photos": ["Add at least one photo of the part."],
    }
    not_a_photo = SimpleUploadedFile("part.png", b"not an image at all", content_type="image/png")
    with override("en"), pytest.raises(ValidationError) as bad_photo:
        services.defective_return_request_scrap(
            tag=tag, reason="外壳烧毁", photos=[not_a_photo], acting_user=world["supervisor"]
        )
    assert "photos" in bad_photo.value.message_dict
    tag.refresh_from_db()
    assert tag.status == DefectiveReturnStatus.OPEN and not DefectiveReturnPhoto.objects.exists()

    requested = services.defective_return_request_scrap(
        tag=tag,
        reason="外壳烧毁，无法运输",
        photos=[png(), png("b.png")],
        acting_user=world["supervisor"],
        now=NOW,
    )

    assert requested.status == DefectiveReturnStatus.SCRAP_REQUESTED
    assert requested.photos.count() == 2
    assert all(p.image.name.startswith(f"defective/{tag.pk}/") for p in requested.photos.all())
    with pytest.raises(ValidationError):
        services.defective_return_decide_scrap(tag=tag, approve=True, acting_user=world["supervisor"])

    refused_scrap = services.defective_return_decide_scrap(
        tag=tag, approve=False, note="照片不清楚，请寄回", acting_user=world["manager"]
    )
    assert refused_scrap.status == DefectiveReturnStatus.OPEN
    assert refused_scrap.inspection_note == "照片不清楚，请寄回"

    services.defective_return_request_scrap(
        tag=tag, reason="外壳烧毁", photos=[png()], acting_user=world["supervisor"]
    )
    approved = services.defective_return_decide_scrap(
        tag=tag, approve=True, acting_user=world["manager"], now=NOW
    )
    assert (approved.status, approved.scrap_approved_by, approved.scrapped_at) == (
        DefectiveReturnStatus.SCRAPPED,
        world["manager"],
        NOW,
    )


def test_the_old_part_is_received_worth_nothing_and_inspected(world, tag):
    services.defective_return_ship(
        tag=tag, courier="顺丰", tracking_number="SF1", acting_user=world["supervisor"]
    )

    received = services.defective_return_receive(tag=tag, acting_user=world["manager"], now=NOW)

    movement = received.receipt_movement
    assert (movement.kind, movement.warehouse, movement.quantity, movement.value_amount) == (
        MovementKind.DEFECTIVE_IN,
        world["defective"],
        1,
        Decimal("0.00"),
    )
    assert (movement.serial_number, movement.reference) == ("OLD-9", tag.number)
    assert level(world["defective"], world["compressor"]) == (1, Decimal("0.00"))
    assert received.status == DefectiveReturnStatus.RECEIVED

    with override("en"), pytest.raises(ValidationError) as no_note:
        services.defective_return_inspect(
            tag=tag, outcome=InspectionOutcome.NOT_FAULTY, acting_user=world["manager"]
        )
    assert no_note.value.message_dict == {"inspection_note": ["Describe what was found."]}
    with pytest.raises(ValidationError):
        services.defective_return_inspect(tag=tag, outcome="broken", acting_user=world["manager"])

    inspected = services.defective_return_inspect(
        tag=tag, outcome=InspectionOutcome.FAULTY, acting_user=world["manager"], now=NOW
    )
    assert (inspected.status, inspected.outcome, inspected.inspected_by) == (
        DefectiveReturnStatus.INSPECTED,
        InspectionOutcome.FAULTY,
        world["manager"],
    )


def test_tags_move_only_from_the_states_that_allow_it(world, tag):
    manager, supervisor = world["manager"], world["supervisor"]
    attempts = [
        lambda: services.defective_return_inspect(
            tag=tag, outcome=InspectionOutcome.FAULTY, acting_user=manager
        ),
        lambda: services.defective_return_decide_scrap(tag=tag, approve=True, acting_user=manager),
    ]
    for attempt in attempts:
        with override("en"), pytest.raises(ValidationError) as refused:
            attempt()
        assert refused.value.messages == [f"Tag {tag.number} is Awaiting return."]

    services.defective_return_receive(tag=tag, acting_user=manager)
    for attempt in (
        lambda: services.defective_return_ship(
            tag=tag, courier="", tracking_number="SF1", acting_user=supervisor
        ),
        lambda: services.defective_return_request_scrap(
            tag=tag, reason="烧毁", photos=[png()], acting_user=supervisor
        ),
        lambda: services.defective_return_receive(tag=tag, acting_user=manager),
    ):
        with pytest.raises(ValidationError) as refused:
            attempt()
        assert refused.value.code == "invalid_transition"
    assert level(world["defective"], world["compressor"]) == (1, Decimal("0.00"))
    assert not DefectiveReturnPhoto.objects.exists()


# --------------------------------------------------------------------------------------------------------
# The ledgers are append-only
# --------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "table", ["inventory_stockmovement", "inventory_depositentry", "inventory_creditentry"]
)
@pytest.mark.parametrize("statement", ["UPDATE {table} SET created_at = created_at", "DELETE FROM {table}"])
def test_the_database_refuses_to_change_or_delete_ledger_rows(world, table, statement):
    fund(world, world["center"])
    stock_centre(world, world["fan"], 2, "10.00")
    counts = (StockMovement.objects.count(), DepositEntry.objects.count(), CreditEntry.objects.count())

    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(statement.format(table=table))

    assert (
        StockMovement.objects.count(),
        DepositEntry.objects.count(),
        CreditEntry.objects.count(),
    ) == counts


def test_the_orm_refuses_to_change_or_delete_a_movement(world):
    (movement,) = receive(world, world["central"], world["fan"], 2, "10.00")

    movement.quantity = 200
    with pytest.raises(ValidationError):
        movement.save()
    with pytest.raises(ValidationError):
        movement.delete()
    with pytest.raises(DatabaseError), transaction.atomic():
        StockMovement.objects.filter(pk=movement.pk).update(quantity=200)
    entry = services.deposit_pay(center=world["center"], amount="10", acting_user=world["manager"])
    entry.amount = Decimal("99.00")
    with pytest.raises(ValidationError):
        entry.save()
    with pytest.raises(ValidationError):
        entry.delete()

    assert StockMovement.objects.get().quantity == 2
    assert DepositEntry.objects.get().amount == Decimal("10.00")
