"""Receivables, why the customer pays, the office changing the service type, the voucher and the API."""

from __future__ import annotations

import base64
import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from network.models import FeeSchedule, SettlementRate
from repairs import paid, services
from repairs.choices import (
    DecisionChangeKind,
    FaultCodeKind,
    Resolution,
    ServiceType,
)
from repairs.choices import WorkOrderStatus as S
from repairs.factories import close_with_record
from repairs.models import (
    DecisionChange,
    RepairCall,
    WorkOrder,
    WorkOrderEvent,
)
from settlement.services import settlement_compute, settlement_confirm

from .helpers import CHINA, _pdf_text, fault, nothing_closed, owed, paid_order, quoted, signature_png

pytestmark = pytest.mark.django_db


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
