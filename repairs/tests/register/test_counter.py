"""Paid service (quotes and consent), carry-in and loaners."""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from network.factories import (
    ServiceCenterFactory,
    UserFactory,
)
from repairs import services
from repairs.choices import LoanerStatus, QuoteLineKind, ServiceMode
from repairs.choices import WorkOrderStatus as S
from repairs.models import (
    CarryIn,
    LoanerLoan,
)
from repairs.services import QuoteLineInput

from .helpers import consent, errors_of, move, order_in, quote, repaired, today

pytestmark = pytest.mark.django_db


def test_paid_repair_does_not_start_without_a_quote(paid_order, dispatcher):
    with pytest.raises(ValidationError) as info:
        move(paid_order, S.IN_REPAIR, dispatcher)

    assert set(errors_of(info)) == {"quote"}
    paid_order.refresh_from_db()
    assert paid_order.status == S.ACCEPTED
    assert paid_order.repair_started_at is None


def test_paid_repair_does_not_start_on_a_quote_the_customer_has_not_agreed_to(paid_order, dispatcher):
    quote(paid_order, dispatcher)

    with pytest.raises(ValidationError) as info:
        move(paid_order, S.IN_REPAIR, dispatcher)

    assert "#1" in errors_of(info)["consent"][0]
    paid_order.refresh_from_db()
    assert paid_order.status == S.ACCEPTED


def test_paid_repair_starts_once_the_customer_agreed(paid_order, dispatcher):
    consent(quote(paid_order, dispatcher), dispatcher)

    move(paid_order, S.IN_REPAIR, dispatcher)

    paid_order.refresh_from_db()
    assert paid_order.status == S.IN_REPAIR


def test_an_additional_quote_without_consent_blocks_completion(paid_order, dispatcher):
    consent(quote(paid_order, dispatcher), dispatcher)
    move(paid_order, S.IN_REPAIR, dispatcher)
    extra = quote(
        paid_order, dispatcher, QuoteLineInput(QuoteLineKind.PART, "压缩机电容", 1, Decimal("45.00"))
    )
    assert (extra.sequence, extra.is_additional) == (2, True)

    with pytest.raises(ValidationError) as info:
        move(paid_order, S.COMPLETED, dispatcher)

    message = errors_of(info)["consent"][0]
    assert "#2" in message and "#1" not in message
    paid_order.refresh_from_db()
    assert paid_order.status == S.IN_REPAIR

    consent(extra, dispatcher)
    move(paid_order, S.COMPLETED, dispatcher)
    paid_order.refresh_from_db()
    assert paid_order.status == S.COMPLETED


def test_quote_lines_and_total_add_up_to_the_fen(paid_order, dispatcher):
    q = quote(
        paid_order,
        dispatcher,
        QuoteLineInput(QuoteLineKind.LABOUR, "小修工时费", 1, Decimal("80.00")),
        QuoteLineInput(QuoteLineKind.PART, "电容", 3, Decimal("33.34")),
        QuoteLineInput(QuoteLineKind.PART, "垫片", 1, Decimal("0.5")),
    )

    q.refresh_from_db()
    amounts = list(q.lines.values_list("amount", flat=True))
    assert amounts == [Decimal("80.00"), Decimal("100.02"), Decimal("0.50")]
    assert q.total_amount == Decimal("180.52")
    for value in [*amounts, q.total_amount]:
        assert isinstance(value, Decimal)
        assert value.as_tuple().exponent == -2


def test_a_price_below_the_fen_is_refused_and_no_quote_is_written(paid_order, dispatcher):
    with pytest.raises(ValidationError) as info:
        quote(paid_order, dispatcher, QuoteLineInput(QuoteLineKind.PART, "电容", 3, Decimal("33.335")))

    assert "lines[0].unit_amount" in info.value.message_dict
    assert not paid_order.quotes.exists()


def test_a_price_given_as_a_float_is_refused(paid_order, dispatcher):
    with pytest.raises(ValidationError) as info:
        quote(paid_order, dispatcher, QuoteLineInput(QuoteLineKind.PART, "电容", 1, 33.3))

    assert "lines[0].unit_amount" in errors_of(info)
    assert not paid_order.quotes.exists()


def test_free_service_is_not_quoted(dispatcher):
    order = order_in(S.ACCEPTED)

    with pytest.raises(ValidationError) as info:
        quote(order, dispatcher)

    assert "quote" in errors_of(info)
    assert not order.quotes.exists()


def test_a_quote_is_agreed_to_once(paid_order, dispatcher):
    q = quote(paid_order, dispatcher)
    consent(q, dispatcher)

    with pytest.raises(ValidationError) as info:
        consent(q, dispatcher)

    assert "consent" in errors_of(info)


def test_taking_the_product_in_gives_a_carry_in_receipt(taken_in):
    order, carry_in = taken_in["order"], taken_in["carry_in"]

    assert carry_in.receipt_number == f"SJ{today()}-00001"
    assert carry_in.received_by == taken_in["technician"]
    order.refresh_from_db()
    assert order.mode == ServiceMode.CARRY_IN
    assert order.status == S.ACCEPTED
    assert carry_in.receipt_number in order.events.last().note


def test_a_product_is_taken_in_once(taken_in):
    with pytest.raises(ValidationError) as info:
        services.carry_in_receive(work_order=taken_in["order"], acting_user=taken_in["technician"])

    assert "carry_in" in errors_of(info)
    assert CarryIn.objects.count() == 1


def test_the_product_does_not_go_back_before_the_supervisors_inspection(taken_in):
    carry_in = repaired(taken_in["carry_in"], taken_in["technician"])

    with pytest.raises(ValidationError) as info:
        services.carry_in_return(carry_in=carry_in, returned_to="张三", acting_user=taken_in["technician"])

    assert "inspected_by" in errors_of(info)
    carry_in.refresh_from_db()
    assert (carry_in.returned_at, carry_in.receipt_voided_at) == (None, None)


@pytest.mark.parametrize("who", ["technician", "supervisor of another centre"])
def test_only_the_centres_supervisor_inspects(taken_in, who):
    if who == "technician":
        user = taken_in["technician"]
    else:
        user = UserFactory(roles=["supervisor"])
        ServiceCenterFactory().supervisors.add(user)
    carry_in = repaired(taken_in["carry_in"], taken_in["technician"])

    with pytest.raises(ValidationError) as info:
        services.carry_in_inspect(carry_in=carry_in, acting_user=user)

    assert "inspected_by" in errors_of(info)
    carry_in.refresh_from_db()
    assert (carry_in.inspected_at, carry_in.inspected_by) == (None, None)


def test_a_manager_may_inspect_too(taken_in):
    manager = UserFactory(roles=["manager"])
    carry_in = repaired(taken_in["carry_in"], taken_in["technician"])

    carry_in = services.carry_in_inspect(carry_in=carry_in, acting_user=manager)

    carry_in.refresh_from_db()
    assert carry_in.inspected_by == manager
    assert carry_in.inspected_at is not None


def test_the_inspection_needs_the_repair_card(taken_in):
    with pytest.raises(ValidationError) as info:
        services.carry_in_inspect(carry_in=taken_in["carry_in"], acting_user=taken_in["supervisor"])

    assert "repair_minutes" in errors_of(info)


def test_handing_the_product_back_voids_the_receipt(taken_in):
    carry_in = repaired(taken_in["carry_in"], taken_in["technician"])
    carry_in = services.carry_in_inspect(
        carry_in=carry_in, acting_user=taken_in["supervisor"], note="试机正常"
    )
    assert carry_in.inspected_by == taken_in["supervisor"]
    now = timezone.now()

    services.carry_in_return(
        carry_in=carry_in, returned_to=" 张三 ", acting_user=taken_in["technician"], now=now
    )

    carry_in.refresh_from_db()
    assert (carry_in.returned_at, carry_in.receipt_voided_at, carry_in.returned_to) == (now, now, "张三")
    assert carry_in.receipt_number in taken_in["order"].events.last().note


def test_a_carry_in_order_is_not_closed_while_the_product_is_in_the_workshop(taken_in):
    order, tech = taken_in["order"], taken_in["technician"]
    move(order, S.IN_REPAIR, tech)
    carry_in = repaired(taken_in["carry_in"], tech)
    move(order, S.COMPLETED, tech)

    with pytest.raises(ValidationError) as info:
        move(order, S.CLOSED, tech)

    assert "status" in errors_of(info)
    order.refresh_from_db()
    assert order.status == S.COMPLETED

    carry_in = services.carry_in_inspect(carry_in=carry_in, acting_user=taken_in["supervisor"])
    services.carry_in_return(carry_in=carry_in, returned_to="张三", acting_user=tech)
    move(order, S.CLOSED, tech)
    order.refresh_from_db()
    assert order.status == S.CLOSED


def test_lending_a_loaner_marks_it_lent(dispatcher, centre, loaner):
    order = order_in(S.ACCEPTED, center=centre)

    loan = services.loaner_lend(work_order=order, loaner=loaner, acting_user=dispatcher)

    loaner.refresh_from_db()
    assert loaner.status == LoanerStatus.LENT
    assert (loan.work_order, loan.lent_by, loan.returned_at) == (order, dispatcher, None)


def test_a_lent_loaner_cannot_be_lent_again(dispatcher, centre, loaner):
    services.loaner_lend(
        work_order=order_in(S.ACCEPTED, center=centre), loaner=loaner, acting_user=dispatcher
    )
    other = order_in(S.ACCEPTED, center=centre)

    with pytest.raises(ValidationError) as info:
        services.loaner_lend(work_order=other, loaner=loaner, acting_user=dispatcher)

    assert "loaner" in errors_of(info)
    assert LoanerLoan.objects.count() == 1
    assert not other.loaner_loans.exists()


def test_a_loaner_of_another_centre_is_not_lent(dispatcher, loaner):
    order = order_in(S.ACCEPTED)

    with pytest.raises(ValidationError) as info:
        services.loaner_lend(work_order=order, loaner=loaner, acting_user=dispatcher)

    assert "loaner" in errors_of(info)
    loaner.refresh_from_db()
    assert loaner.status == LoanerStatus.AVAILABLE


def test_a_returned_loaner_is_available_again(dispatcher, centre, loaner):
    loan = services.loaner_lend(
        work_order=order_in(S.ACCEPTED, center=centre), loaner=loaner, acting_user=dispatcher
    )

    services.loaner_return(loan=loan, acting_user=dispatcher)

    loaner.refresh_from_db()
    loan.refresh_from_db()
    assert loaner.status == LoanerStatus.AVAILABLE
    assert loan.returned_at is not None and loan.received_by == dispatcher
    again = services.loaner_lend(
        work_order=order_in(S.ACCEPTED, center=centre), loaner=loaner, acting_user=dispatcher
    )
    assert again.pk != loan.pk
    with pytest.raises(ValidationError):
        services.loaner_return(loan=loan, acting_user=dispatcher)


def test_a_finished_order_gets_no_loaner(dispatcher, centre, loaner):
    order = order_in(S.CLOSED, center=centre)

    with pytest.raises(ValidationError) as info:
        services.loaner_lend(work_order=order, loaner=loaner, acting_user=dispatcher)

    assert "loaner" in errors_of(info)
    loaner.refresh_from_db()
    assert loaner.status == LoanerStatus.AVAILABLE and not LoanerLoan.objects.exists()


def test_an_order_is_not_cancelled_while_the_product_is_in_the_workshop(taken_in):
    order = taken_in["order"]

    with pytest.raises(ValidationError) as info:
        move(order, S.CANCELLED, taken_in["technician"], note="客户不修了")

    assert "status" in errors_of(info)
    order.refresh_from_db()
    assert order.status == S.ACCEPTED


def test_phone_guidance_without_a_note_is_refused_on_every_path(dispatcher):
    order = order_in(S.NEW)

    with pytest.raises(ValidationError) as info:
        move(order, S.PHONE_GUIDED, dispatcher, note="  ")

    assert "note" in errors_of(info)
    order.refresh_from_db()
    assert order.status == S.NEW and order.call.callback_due_at is None
