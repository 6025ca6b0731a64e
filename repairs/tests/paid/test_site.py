"""The fee schedule and the quote, consent on the tablet, a declined quote, paid now or later."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse

from inventory.factories import PartFactory
from repairs import paid, services
from repairs.choices import (
    ConsentMethod,
    QuoteLineKind,
    Resolution,
    ServiceMode,
    ServiceType,
)
from repairs.choices import WorkOrderStatus as S
from repairs.factories import close_with_record
from repairs.models import (
    LabourRate,
    Quote,
    Receivable,
    WorkOrder,
    WorkOrderClosing,
)

from .helpers import closing_post, errors_of, nothing_closed, paid_order, quoted, signature_data

pytestmark = pytest.mark.django_db


def test_the_call_out_fee_is_the_schedules_and_nothing_without_a_visit(world):
    visited = paid_order(world["tech"])
    on_the_way = paid_order(world["tech"], status=S.ACCEPTED, arrived=False)  # quoted before the visit
    brought_in = paid_order(world["tech"], status=S.ACCEPTED, arrived=False, mode=ServiceMode.CARRY_IN)
    phone = paid_order(world["tech"], call__unit__phone=True)

    assert paid.call_out_fee(order=visited) == Decimal("50.00")  # 上门检测费 of the air-conditioner schedule
    assert paid.call_out_fee(order=on_the_way) == Decimal("50.00")
    assert paid.call_out_fee(order=brought_in) == Decimal("0.00")
    assert paid.call_out_fee(order=phone) == Decimal("0.00")  # the phone schedule has it at 0.00
    assert (
        LabourRate.objects.filter(code="call_out").count()
        == LabourRate.objects.values("category").distinct().count()
    )
    assert not LabourRate.objects.filter(code="visit").exists()


def test_the_tablet_quote_prices_labour_parts_and_call_out_fee_by_the_schedule_not_by_the_browser(
    client, world
):
    order = paid_order(world["tech"])
    minor = LabourRate.objects.get(category=order.call.unit.model.category, code="repair_minor")
    capacitor = PartFactory(code="DR-9", name="启动电容", category=order.call.unit.model.category)
    client.force_login(world["technician"])
    url = reverse("repairs:tablet_quote", args=[order.pk])

    response = client.post(
        url,
        {
            "step": "quote",
            "rate": [minor.pk],
            "part": [capacitor.pk, ""],
            "part_quantity": ["2", "1"],
            "unit_amount": "0.01",  # not a field: prices are never taken from the form
        },
    )

    assert response.status_code == 302
    quote = order.quotes.get()
    assert [
        (line.kind, line.quantity, line.unit_amount, line.amount) for line in quote.lines.order_by("pk")
    ] == [
        (QuoteLineKind.TRAVEL, 1, Decimal("50.00"), Decimal("50.00")),
        (QuoteLineKind.LABOUR, 1, Decimal("80.00"), Decimal("80.00")),
        (QuoteLineKind.PART, 2, Decimal("150.00"), Decimal("300.00")),
    ]
    assert quote.total_amount == Decimal("430.00")
    page = client.get(url).content.decode()
    assert "430.00" in page and 'id="consent-pad"' in page


def test_the_quote_form_untouched_and_each_field_wrong_is_refused_and_writes_nothing(client, world):
    order = paid_order(world["tech"])
    client.force_login(world["technician"])
    url = reverse("repairs:tablet_quote", args=[order.pk])
    assert (
        client.post(url, {"step": "quote", "part": ["", ""], "part_quantity": ["1", "1"]}).status_code == 400
    )
    assert client.post(url, {"step": "quote", "rate": ["abc"]}).status_code == 400
    assert client.post(url, {"step": "quote", "part": ["999999"], "part_quantity": ["1"]}).status_code == 400
    part = PartFactory(category=order.call.unit.model.category)
    assert client.post(url, {"step": "quote", "part": [part.pk], "part_quantity": ["-1"]}).status_code == 400
    assert (
        client.post(url, {"step": "quote", "part": [part.pk], "part_quantity": ["１e9"]}).status_code == 400
    )
    assert not order.quotes.exists()


def test_a_free_order_has_no_quote_page_and_another_technician_gets_404(client, world):
    free = paid_order(world["tech"], service_type=ServiceType.FREE)
    client.force_login(world["technician"])
    response = client.get(reverse("repairs:tablet_quote", args=[free.pk]))
    assert response.status_code == 302
    order = paid_order(world["tech"])
    client.force_login(world["other_tech"].user)
    assert client.get(reverse("repairs:tablet_quote", args=[order.pk])).status_code == 404
    assert client.post(reverse("repairs:tablet_quote", args=[order.pk]), {"step": "quote"}).status_code == 404


def test_the_customer_signs_the_quote_on_the_tablet_and_the_signature_is_kept(client, world):
    order = paid_order(world["tech"])
    quote = quoted(order, world["technician"], consent=False)
    client.force_login(world["technician"])
    url = reverse("repairs:tablet_quote", args=[order.pk])

    untouched = client.post(
        url, {"step": "consent", "quote": quote.pk, "given_by": "张三", "signature_data": ""}
    )
    blank = client.post(
        url,
        {"step": "consent", "quote": quote.pk, "given_by": "张三", "signature_data": signature_data(False)},
    )
    nameless = client.post(
        url, {"step": "consent", "quote": quote.pk, "given_by": " ", "signature_data": signature_data()}
    )
    assert untouched.status_code == blank.status_code == nameless.status_code == 400
    assert set(untouched.context["errors"]) == {"signature"} and set(nameless.context["errors"]) == {
        "given_by"
    }
    assert not hasattr(Quote.objects.get(pk=quote.pk), "consent")

    signed = client.post(
        url, {"step": "consent", "quote": quote.pk, "given_by": "张三", "signature_data": signature_data()}
    )

    assert signed.status_code == 302
    consent = Quote.objects.get(pk=quote.pk).consent
    assert (
        consent.method == ConsentMethod.SIGNATURE
        and consent.signature
        and consent.recorded_by == world["technician"]
    )
    picture = client.get(reverse("repairs:consent_signature", args=[quote.pk]))
    assert picture.status_code == 200 and picture["Content-Type"] == "image/png"
    client.force_login(world["other_supervisor"])
    assert client.get(reverse("repairs:consent_signature", args=[quote.pk])).status_code == 404
    moved = services.work_order_transition(
        work_order=order, to_status=S.IN_REPAIR, acting_user=world["technician"]
    )
    assert moved.status == S.IN_REPAIR


def test_a_consent_signed_on_site_is_refused_without_its_signature_in_the_office_too(world):
    order = paid_order(world["tech"])
    quote = quoted(order, world["dispatcher"], consent=False)
    with pytest.raises(ValidationError) as info:
        services.consent_record(
            quote=quote, given_by="张三", method=ConsentMethod.SIGNATURE, acting_user=world["dispatcher"]
        )
    assert set(info.value.message_dict) == {"signature"}
    assert not hasattr(Quote.objects.get(pk=quote.pk), "consent")


def test_the_customer_declines_the_repair_stays_out_and_the_order_closes_with_the_call_out_fee_only(
    client, world
):
    order = paid_order(world["tech"])
    quote = quoted(order, world["technician"], consent=False)
    client.force_login(world["technician"])

    response = client.post(
        reverse("repairs:tablet_quote", args=[order.pk]),
        {"step": "decline", "quote": quote.pk, "declined_note": "嫌贵，不修了"},
    )

    assert response.status_code == 302 and response["Location"] == reverse(
        "repairs:tablet_decline", args=[order.pk]
    )
    quote.refresh_from_db()
    assert (
        quote.is_declined
        and quote.declined_by == world["technician"]
        and quote.declined_note == "嫌贵，不修了"
    )
    with pytest.raises(ValidationError) as info:
        services.work_order_transition(
            work_order=order, to_status=S.IN_REPAIR, acting_user=world["technician"]
        )
    assert info.value.error_dict["consent"][0].code == "quote_declined"
    with pytest.raises(ValidationError):
        services.consent_record(
            quote=quote, given_by="张三", method=ConsentMethod.PHONE, acting_user=world["dispatcher"]
        )

    page = client.get(reverse("repairs:tablet_decline", args=[order.pk])).content.decode()
    assert "50.00" in page and 'name="part"' not in page
    url = reverse("repairs:tablet_decline", args=[order.pk])
    nothing = client.post(
        url, closing_post(order, collected_amount="", payment_method=None), HTTP_ACCEPT="application/json"
    )
    assert nothing.status_code == 400 and {"collected_amount", "payment_method"} <= set(errors_of(nothing))
    too_much = client.post(
        url,
        closing_post(order, collected_amount="130.00", payment_method="cash"),
        HTTP_ACCEPT="application/json",
    )
    assert "collected_amount" in errors_of(too_much)
    assert nothing_closed(order) == (S.ON_SITE, False, False)

    done = client.post(
        url,
        closing_post(
            order, resolution="repaired", collected_amount="50", payment_method="cash"
        ),  # the resolution is the page's
        HTTP_ACCEPT="application/json",
    )

    assert done.json()["ok"], done.json()
    order.refresh_from_db()
    closing = order.closing
    assert order.status == S.COMPLETED
    assert closing.resolution == Resolution.DECLINED
    assert (closing.collected_amount, closing.outstanding_amount, closing.payment_method) == (
        Decimal("50.00"),
        Decimal("0.00"),
        "cash",
    )
    assert "¥50.00" in order.events.filter(to_status=S.COMPLETED).get().note
    assert order.quotes.get().declined_at is not None
    closed = services.work_order_transition(
        work_order=order, to_status=S.CLOSED, acting_user=world["dispatcher"]
    )
    assert closed.status == S.CLOSED


def test_declined_with_no_call_out_fee_collects_nothing(world):
    order = paid_order(world["tech"], arrived=False, status=S.ACCEPTED)
    services.carry_in_receive(work_order=order, acting_user=world["technician"])
    quote = quoted(order, world["technician"], consent=False)
    paid.quote_decline(quote=quote, acting_user=world["technician"])

    closing = close_with_record(
        WorkOrder.objects.get(pk=order.pk),
        world["technician"],
        resolution=Resolution.DECLINED,
        collected_amount="",
    )

    assert closing.charged_amount == Decimal("0.00") and closing.payment_method == ""


def test_declining_is_refused_when_it_does_not_fit(world):
    free = paid_order(world["tech"], service_type=ServiceType.FREE)
    agreed = paid_order(world["tech"])
    quoted(agreed, world["technician"])
    unquoted = paid_order(world["tech"])
    in_repair = paid_order(world["tech"])
    quoted(in_repair, world["technician"])
    services.work_order_transition(
        work_order=in_repair, to_status=S.IN_REPAIR, acting_user=world["technician"]
    )
    part = PartFactory(category=unquoted.call.unit.model.category)

    for order, field in (
        (free, "resolution"),
        (agreed, "resolution"),
        (unquoted, "resolution"),
        (in_repair, "status"),
    ):
        with pytest.raises(ValidationError) as info:
            close_with_record(
                order, world["technician"], resolution=Resolution.DECLINED, collected_amount="0"
            )
        assert field in info.value.message_dict, (order, info.value.message_dict)
        assert not WorkOrderClosing.objects.filter(work_order=order).exists()
    quoted(unquoted, world["technician"], consent=False)
    from repairs.closing import PartUse

    with pytest.raises(ValidationError) as info:
        close_with_record(
            unquoted,
            world["technician"],
            resolution=Resolution.DECLINED,
            collected_amount="50",
            parts=[PartUse(part, 1)],
        )
    assert "parts" in info.value.message_dict


def test_a_repair_that_could_not_be_fixed_charges_the_call_out_fee_only(world):
    order = paid_order(world["tech"])
    quoted(order, world["technician"], amount="200.00")
    services.work_order_transition(work_order=order, to_status=S.IN_REPAIR, acting_user=world["technician"])

    with pytest.raises(ValidationError) as info:
        close_with_record(
            order, world["technician"], resolution=Resolution.NOT_FIXED, collected_amount="250.00"
        )
    assert "collected_amount" in info.value.message_dict
    closing = close_with_record(
        order, world["technician"], resolution=Resolution.NOT_FIXED, collected_amount="50.00"
    )

    assert closing.charged_amount == Decimal("50.00")


def test_what_is_not_collected_is_owed_later_as_a_receivable_and_never_silently(world):
    order = paid_order(world["tech"], status=S.IN_REPAIR)
    quoted(order, world["technician"], amount="150.00")  # 50 + 150

    with pytest.raises(ValidationError) as info:
        close_with_record(order, world["technician"], collected_amount="30.00", payment_method="cash")
    assert "collected_amount" in info.value.message_dict and not Receivable.objects.exists()

    closing = close_with_record(
        order,
        world["technician"],
        collected_amount="30.00",
        payment_method="alipay",
        payment_reference="2026120422001400001",
        pay_later=True,
        receivable_note="发票抬头：某某科技有限公司，月底转账",
    )

    assert (closing.collected_amount, closing.outstanding_amount) == (Decimal("30.00"), Decimal("170.00"))
    receivable = order.receivable
    assert (receivable.amount, receivable.center, receivable.note) == (
        Decimal("170.00"),
        world["center"],
        "发票抬头：某某科技有限公司，月底转账",
    )
    assert receivable.paid_at is None


def test_all_later_collects_nothing_now_and_owes_the_whole_amount(world):
    order = paid_order(world["tech"], status=S.IN_REPAIR)
    quoted(order, world["technician"])
    closing = close_with_record(
        order, world["technician"], collected_amount="0", payment_method="", pay_later=True
    )
    assert (closing.collected_amount, closing.outstanding_amount, closing.payment_method) == (
        Decimal("0.00"),
        Decimal("130.00"),
        "",
    )


@pytest.mark.parametrize(
    ("typed", "field"),
    [
        ("-5", "collected_amount"),
        ("abc", "collected_amount"),
        ("1e3", "collected_amount"),
        ("12.345", "collected_amount"),
    ],
)
def test_amounts_that_are_not_money_are_refused_and_nothing_is_written(world, typed, field):
    order = paid_order(world["tech"], status=S.IN_REPAIR)
    quoted(order, world["technician"])
    with pytest.raises(ValidationError) as info:
        close_with_record(
            order, world["technician"], collected_amount=typed, payment_method="cash", pay_later=True
        )
    assert field in info.value.message_dict
    assert nothing_closed(order) == (S.IN_REPAIR, False, False)


def test_an_app_payment_needs_its_transaction_number_and_cash_does_not(world):
    order = paid_order(world["tech"], status=S.IN_REPAIR)
    quoted(order, world["technician"])
    for method in ("wechat", "alipay"):
        with pytest.raises(ValidationError) as info:
            close_with_record(order, world["technician"], payment_method=method)
        assert set(info.value.message_dict) == {"payment_reference"}
    with pytest.raises(ValidationError) as info:
        close_with_record(order, world["technician"], payment_method="wechat", payment_reference="42\x00")
    assert "payment_reference" in info.value.message_dict
    closing = close_with_record(order, world["technician"], payment_method="cash")
    assert closing.collected_amount == Decimal("130.00") and closing.payment_reference == ""


def test_the_database_refuses_a_closing_owing_money_without_its_receivable(world):
    order = paid_order(world["tech"], status=S.IN_REPAIR)
    quoted(order, world["technician"])
    closing = close_with_record(order, world["technician"], collected_amount="0", pay_later=True)
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        Receivable.objects.filter(pk=order.receivable.pk).update(amount=Decimal("1.00"))
        cursor.execute(
            "UPDATE repairs_workorderclosing SET outstanding_amount = 129 WHERE id = %s", [closing.pk]
        )
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_the_closing_page_shows_what_is_owed_and_takes_a_later_payment(client, world):
    order = paid_order(world["tech"], status=S.IN_REPAIR)
    quoted(order, world["technician"])
    client.force_login(world["technician"])
    url = reverse("repairs:tablet_close", args=[order.pk])
    page = client.get(url).content.decode()
    assert "130.00" in page and 'name="pay_later"' in page and 'name="payment_reference"' in page

    response = client.post(
        url,
        closing_post(order, collected_amount="0", pay_later="1", receivable_note="月底付"),
        HTTP_ACCEPT="application/json",
    )

    assert response.json()["ok"], response.json()
    assert order.receivable.amount == Decimal("130.00")
