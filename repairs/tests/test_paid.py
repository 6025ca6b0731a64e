"""Paid service as it happens at the customer's: the quote from the fee schedule, the consent signed on the tablet,
the customer who declines (the call-out fee only), a repair that could not be fixed, the payment on the spot or
later (a receivable, the centre's list), and the office's change of a call's service type. Real database."""

from __future__ import annotations

import base64
import datetime as dt
import io
import uuid
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageDraw

from inventory.factories import PartFactory
from network.factories import ServiceCenterFactory, TechnicianFactory, UserFactory
from network.models import FeeSchedule, SettlementRate
from repairs import paid, services
from repairs.choices import (
    ConsentMethod,
    DecisionChangeKind,
    FaultCodeKind,
    QuoteLineKind,
    Resolution,
    ServiceMode,
    ServiceType,
)
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory, close_with_record
from repairs.models import (
    DecisionChange,
    FaultCode,
    LabourRate,
    Quote,
    Receivable,
    RepairCall,
    WorkOrder,
    WorkOrderClosing,
    WorkOrderEvent,
)
from repairs.services import QuoteLineInput
from settlement.services import settlement_compute, settlement_confirm

pytestmark = pytest.mark.django_db
CHINA = ZoneInfo("Asia/Shanghai")


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def world(users):
    other_center = ServiceCenterFactory(code="SC-B", name="乙网点")
    other_supervisor = UserFactory(username="sup_b", roles=["supervisor"])
    other_center.supervisors.add(other_supervisor)
    other_tech = TechnicianFactory(
        user=UserFactory(username="tech_b", roles=["technician"]), center=other_center
    )
    return {
        **users,
        "tech": users["technician"].technician,
        "other_center": other_center,
        "other_supervisor": other_supervisor,
        "other_tech": other_tech,
    }


def paid_order(technician, *, status=S.ON_SITE, arrived=True, service_type=ServiceType.PAID, **kwargs):
    now = timezone.now().replace(microsecond=0)
    return WorkOrderFactory(
        center=technician.center,
        technician=technician,
        status=status,
        appointment_start=now - dt.timedelta(hours=1),
        appointment_end=now + dt.timedelta(hours=1),
        arrived_at=now - dt.timedelta(minutes=30) if arrived else None,
        call__service_type=service_type,
        **kwargs,
    )


def signature_png(ink=True) -> bytes:
    image = Image.new("RGBA", (380, 120), (0, 0, 0, 0))
    if ink:
        ImageDraw.Draw(image).line(
            [(20, 80), (120, 30), (200, 90), (340, 40)], fill=(17, 17, 17, 255), width=4
        )
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def signature_data(ink=True) -> str:
    return "data:image/png;base64," + base64.b64encode(signature_png(ink)).decode()


def quoted(order, user, amount="80.00", *, consent=True):
    quote = services.quote_create(
        work_order=order,
        lines=[
            QuoteLineInput(QuoteLineKind.TRAVEL, "上门检测费", 1, Decimal("50.00")),
            QuoteLineInput(QuoteLineKind.LABOUR, "小修工时费", 1, Decimal(amount)),
        ],
        acting_user=user,
    )
    if consent:
        services.consent_record(
            quote=quote, given_by="张三", method=ConsentMethod.PHONE, acting_user=user, note="电话确认"
        )
    return quote


def fault(order, kind=FaultCodeKind.FAULT):
    return (
        FaultCode.objects.filter(category_id=order.call.unit.model.category_id, kind=kind)
        .order_by("pk")
        .first()
    )


def closing_post(order, **overrides):
    data = {
        "client_id": str(uuid.uuid4()),
        "fault_code": fault(order).pk,
        "cause": fault(order, FaultCodeKind.CAUSE).pk,
        "resolution": "repaired",
        "labour_minutes": "40",
        "signature_data": signature_data(),
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def errors_of(response) -> dict:
    return response.json()["errors"]


def nothing_closed(order):
    order.refresh_from_db()
    return (
        order.status,
        WorkOrderClosing.objects.filter(work_order=order).exists(),
        Receivable.objects.filter(work_order=order).exists(),
    )


# The fee schedule and the quote ----------------------------------------------------------------------------


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


# Consent signed on the tablet --------------------------------------------------------------------------------


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


# Declined ---------------------------------------------------------------------------------------------------


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


# Could not be fixed, paid now or later ------------------------------------------------------------------------


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


# The centre's receivables --------------------------------------------------------------------------------------


def owed(technician, user, amount="80.00"):
    order = paid_order(technician, status=S.IN_REPAIR)
    quoted(order, user, amount=amount)
    close_with_record(order, user, collected_amount="0", pay_later=True, receivable_note="下周转账")
    return order.receivable


def test_the_receivables_list_is_the_centres_and_a_manager_sees_every_centre(
    client, world, django_assert_max_num_queries
):
    mine = [owed(world["tech"], world["supervisor"]) for _ in range(3)]
    theirs = owed(world["other_tech"], world["other_supervisor"], amount="20.00")
    url = reverse("repairs:receivables")

    client.force_login(world["supervisor"])
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    assert all(r.work_order.number in page for r in mine) and theirs.work_order.number not in page
    assert "390.00" in page  # 3 × (50 + 80) owed
    for _ in range(5):
        owed(world["tech"], world["supervisor"])
    with django_assert_max_num_queries(12):
        client.get(url)

    client.force_login(world["manager"])
    page = client.get(url).content.decode()
    assert theirs.work_order.number in page and mine[0].work_order.number in page
    page = client.get(url, {"center": world["other_center"].pk}).content.decode()
    assert theirs.work_order.number in page and mine[0].work_order.number not in page

    for nobody in (world["technician"], world["dispatcher"]):
        client.force_login(nobody)
        assert client.get(url).status_code == 403


def test_marking_paid_is_the_centres_once_and_says_how(client, world):
    receivable = owed(world["tech"], world["supervisor"])
    paid_url = reverse("repairs:receivable_paid", args=[receivable.pk])

    client.force_login(world["other_supervisor"])
    assert client.post(paid_url, {"payment_method": "cash"}).status_code == 404
    client.force_login(world["technician"])
    assert client.post(paid_url, {"payment_method": "cash"}).status_code == 403
    client.force_login(world["supervisor"])
    client.post(paid_url, {"payment_method": "", "payment_reference": "", "paid_note": ""})  # untouched
    client.post(paid_url, {"payment_method": "alipay", "payment_reference": ""})
    client.post(paid_url, {"payment_method": "bitcoin"})
    receivable.refresh_from_db()
    assert receivable.paid_at is None

    response = client.post(
        paid_url, {"payment_method": "wechat", "payment_reference": "4200009999", "paid_note": "客户扫码"}
    )

    assert response.status_code == 302
    receivable.refresh_from_db()
    assert (receivable.payment_method, receivable.payment_reference, receivable.paid_by) == (
        "wechat",
        "4200009999",
        world["supervisor"],
    )
    assert receivable.work_order.events.filter(note__contains="130").exists()
    with pytest.raises(ValidationError) as info:
        paid.receivable_mark_paid(receivable=receivable, method="cash", acting_user=world["manager"])
    assert info.value.error_dict["status"][0].code == "already_paid"
    page = client.get(reverse("repairs:receivables"), {"state": "paid"}).content.decode()
    assert receivable.work_order.number in page and "4200009999" in page


# Why the customer pays, on the tablet ---------------------------------------------------------------------------


def test_the_tablet_tells_the_customer_why_the_order_is_paid(client, world):
    override = paid_order(
        world["tech"],
        call__suggested_service_type=ServiceType.FREE,
        call__service_type_reason="经鉴定为人为损坏",
    )
    no_decision = paid_order(world["tech"])
    free = paid_order(world["tech"], service_type=ServiceType.FREE)
    client.force_login(world["technician"])

    page = client.get(reverse("repairs:tablet_order", args=[override.pk])).content.decode()
    assert "经鉴定为人为损坏" in page and 'class="t-card t-why"' in page
    page = client.get(reverse("repairs:tablet_order", args=[no_decision.pk])).content.decode()
    assert 'class="t-card t-why"' in page and reverse("repairs:tablet_quote", args=[no_decision.pk]) in page
    page = client.get(reverse("repairs:tablet_order", args=[free.pk])).content.decode()
    assert "t-why" not in page and reverse("repairs:tablet_quote", args=[free.pk]) not in page


def test_the_reasons_are_the_intake_decisions_in_chinese(world):
    from warranty.services import unit_facts, warranty_decision_record

    order = paid_order(
        world["tech"],
        call__unit__factory_date=dt.date(2020, 1, 1),
        call__unit__sale_date=dt.date(2020, 3, 1),
        call__unit__invoice_date=dt.date(2020, 3, 1),
    )
    unit = order.call.unit
    decision = warranty_decision_record(
        unit=unit,
        facts=unit_facts(unit=unit, report_date=timezone.localdate()),
        acting_user=world["dispatcher"],
    )
    RepairCall.objects.filter(pk=order.call_id).update(warranty_decision=decision)
    order.refresh_from_db()

    reasons = paid.paid_reasons(order)

    assert reasons == [r["zh"] for r in decision.result["reasons"]] and reasons


# The office changes the service type --------------------------------------------------------------------------


def test_a_dispatcher_changes_the_service_type_with_a_reason_and_it_is_kept(client, world):
    order = paid_order(world["tech"], status=S.ACCEPTED, arrived=False, service_type=ServiceType.FREE)
    url = reverse("repairs:call_service_type", args=[order.call_id])
    client.force_login(world["dispatcher"])

    client.post(url, {"service_type": "B", "reason": ""})
    client.post(url, {"service_type": "X", "reason": "延保"})
    client.post(url, {"service_type": "B", "reason": "很长" * 150})
    client.post(url, {"service_type": "C", "reason": "不变"})
    assert not DecisionChange.objects.exists()

    response = client.post(url, {"service_type": "B", "reason": "客户持有延保合同 YB-2026-0001，登记时漏查"})

    assert response.status_code == 302
    call = RepairCall.objects.get(pk=order.call_id)
    assert call.service_type == ServiceType.CONTRACT and call.service_type_reason.startswith(
        "客户持有延保合同"
    )
    change = DecisionChange.objects.get()
    assert (
        change.kind,
        change.service_type_before,
        change.service_type_after,
        change.by,
        change.work_order,
    ) == (
        DecisionChangeKind.SERVICE_TYPE,
        ServiceType.FREE,
        ServiceType.CONTRACT,
        world["dispatcher"],
        order,
    )
    event = WorkOrderEvent.objects.filter(work_order=order).last()
    assert "YB-2026-0001" in event.note and event.actor == world["dispatcher"]
    page = client.get(reverse("repairs:call_detail", args=[order.call_id])).content.decode()
    assert 'id="service-type"' in page


def test_only_the_calls_own_supervisor_changes_it_and_a_technician_never(client, world):
    order = paid_order(world["tech"], status=S.ACCEPTED, arrived=False, service_type=ServiceType.FREE)
    url = reverse("repairs:call_service_type", args=[order.call_id])
    client.force_login(world["other_supervisor"])
    assert client.post(url, {"service_type": "D", "reason": "内部"}).status_code == 404
    client.force_login(world["technician"])
    assert client.post(url, {"service_type": "D", "reason": "内部"}).status_code == 403
    assert not DecisionChange.objects.exists()
    client.force_login(world["supervisor"])
    client.post(url, {"service_type": "A", "reason": "上门检查发现进水，客户认可收费"})
    assert RepairCall.objects.get(pk=order.call_id).service_type == ServiceType.PAID


def test_a_closed_order_neither_becomes_nor_stops_being_paid(world):
    order = paid_order(world["tech"], status=S.IN_REPAIR)
    quoted(order, world["technician"])
    close_with_record(order, world["technician"])
    with pytest.raises(ValidationError) as info:
        paid.call_service_type_change(
            call=order.call, service_type="C", reason="投诉后改免费", acting_user=world["manager"]
        )
    assert info.value.error_dict["service_type"][0].code == "closed"
    free = paid_order(world["tech"], status=S.COMPLETED, service_type=ServiceType.FREE)
    with pytest.raises(ValidationError):
        paid.call_service_type_change(
            call=free.call, service_type="A", reason="补收费", acting_user=world["manager"]
        )
    change = paid.call_service_type_change(
        call=free.call, service_type="D", reason="内部培训机", acting_user=world["manager"]
    )
    assert change.service_type_after == ServiceType.ADMIN


def test_the_settlement_pays_by_the_final_type_and_a_confirmed_statement_is_never_changed(world):
    SettlementRate.objects.update(base_subsidy_amount=Decimal("0.00"))
    order = paid_order(world["tech"], status=S.IN_REPAIR, service_type=ServiceType.FREE)
    FeeSchedule.objects.create(
        category=order.call.unit.model.category,
        service_kind="on_site_repair",
        center_level=order.center.level,
        fee_amount=Decimal("80.00"),
        valid_from=dt.date(2026, 1, 1),
    )
    october = dt.datetime(2026, 10, 12, 10, 0, tzinfo=CHINA)
    close_with_record(order, world["technician"], now=october)
    services.work_order_transition(
        work_order=order, to_status=S.CLOSED, acting_user=world["dispatcher"], now=october
    )
    after_month = dt.datetime(2026, 11, 2, tzinfo=CHINA)

    draft = settlement_compute(center=world["center"], month=dt.date(2026, 10, 1), now=after_month)
    assert [line.work_order_id for line in draft.lines.all()] == [order.pk]
    paid.call_service_type_change(
        call=order.call,
        service_type="D",
        reason="网点自用样机的检修，按行政工作",
        acting_user=world["dispatcher"],
    )
    draft = settlement_compute(center=world["center"], month=dt.date(2026, 10, 1), now=after_month)
    assert not draft.lines.exists()
    paid.call_service_type_change(
        call=order.call,
        service_type="C",
        reason="核实为客户保内机，恢复免费",
        acting_user=world["dispatcher"],
    )
    draft = settlement_compute(center=world["center"], month=dt.date(2026, 10, 1), now=after_month)
    settlement_confirm(settlement=draft, acting_user=world["manager"], now=after_month)

    with pytest.raises(ValidationError) as info:
        paid.call_service_type_change(
            call=order.call, service_type="B", reason="延保", acting_user=world["dispatcher"]
        )

    assert info.value.error_dict["service_type"][0].code == "settled"
    assert draft.number in info.value.messages[0]
    assert RepairCall.objects.get(pk=order.call_id).service_type == ServiceType.FREE
    assert draft.lines.get().amount == Decimal("80.00")


# The service voucher ------------------------------------------------------------------------------------------


def _pdf_text(pdf: bytes, tmp_path) -> str:
    import subprocess

    path = tmp_path / "voucher.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], check=True, capture_output=True, text=True).stdout


def test_the_voucher_says_declined_the_call_out_fee_and_what_is_owed(world, tmp_path):
    from repairs.pdf import voucher_pdf

    declined = paid_order(world["tech"])
    paid.quote_decline(
        quote=quoted(declined, world["technician"], consent=False), acting_user=world["technician"]
    )
    close_with_record(
        declined,
        world["technician"],
        resolution=Resolution.DECLINED,
        payment_method="wechat",
        payment_reference="4200001",
    )
    owing = paid_order(world["tech"], status=S.IN_REPAIR)
    quoted(owing, world["technician"])
    close_with_record(
        owing, world["technician"], collected_amount="30", payment_method="cash", pay_later=True
    )

    text = "".join(_pdf_text(voucher_pdf(WorkOrder.objects.get(pk=declined.pk)), tmp_path).split())
    assert (
        "客户不同意有偿维修" in text and "客户不同意此报价" in text and "4200001" in text and "¥50.00" in text
    )
    text = "".join(_pdf_text(voucher_pdf(WorkOrder.objects.get(pk=owing.pk)), tmp_path).split())
    assert "待付¥100.00" in text and "¥30.00" in text


# The API ------------------------------------------------------------------------------------------------------


def test_the_api_closes_a_paid_order_owed_later_and_refuses_one_that_is_neither_paid_nor_owed(client, world):
    order = paid_order(world["tech"], status=S.IN_REPAIR)
    quoted(order, world["technician"])
    client.force_login(world["supervisor"])
    url = f"/api/v1/work-orders/{order.pk}/complete/"
    body = {
        "fault_code": fault(order).code,
        "cause": fault(order, FaultCodeKind.CAUSE).code,
        "resolution": "repaired",
        "labour_minutes": 40,
        "signature_png": base64.b64encode(signature_png()).decode(),
    }

    refused = client.post(url, {**body, "collected_amount": "0.00"}, content_type="application/json")
    negative = client.post(
        url, {**body, "collected_amount": "-1.00", "pay_later": True}, content_type="application/json"
    )
    assert refused.status_code == negative.status_code == 400
    assert nothing_closed(order) == (S.IN_REPAIR, False, False)

    response = client.post(
        url,
        {**body, "collected_amount": "0.00", "pay_later": True, "receivable_note": "对公转账"},
        content_type="application/json",
    )

    assert response.status_code == 200, response.json()
    assert order.receivable.amount == Decimal("130.00") and order.receivable.note == "对公转账"
