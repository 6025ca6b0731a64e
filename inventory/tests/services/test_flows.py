"""Part requests, deposits and credit."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils.translation import gettext, override

from inventory import services
from inventory.choices import (
    CreditEntryKind,
    MovementKind,
    OverCreditPolicy,
    PartRequestStatus,
)
from inventory.models import (
    CreditEntry,
    PartRequestEvent,
)
from inventory.services import CreditLimitExceeded, InsufficientStock

from .helpers import BAD_AMOUNTS, NOW, account, fund, level, receive, snapshot, stock_centre, submit

pytestmark = pytest.mark.django_db


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
