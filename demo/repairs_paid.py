"""Demo: paid work as it happens — paid on the spot in cash, by WeChat Pay or Alipay (with the transaction
number) or bank card; now and then the customer asks for the invoice and pays later (a receivable, most paid
since, the recent ones still owed — the home centre always has one); customers who decline the quote and pay
the call-out fee; and a call whose service type the office changed, with its reason.

Every choice here draws from a generator of its own (keyed by the work order), so the rest of the demo stays
as it was."""

from __future__ import annotations

import datetime as dt
import random
import uuid

from django.contrib.auth import get_user_model

from repairs.choices import ClosingChannel, PaymentMethod, Resolution, ServiceType, WorkOrderStatus
from repairs.closing import ClosingInput, work_order_close
from repairs.models import Receivable, WorkOrder
from repairs.paid import amount_due, call_service_type_change, quote_decline, receivable_mark_paid
from repairs.services import work_order_transition

_STATE: dict = {}
PAY_LATER_SHARE = 0.08
OWED_RECENT = dt.timedelta(days=12)  # receivables younger than this are still owed; older ones mostly paid
RECEIVABLE_NOTES = [
    "客户要求开具增值税普通发票，发票抬头为个人，下次上门时收款",
    "单位报销需开专票，发票寄出后对公转账",
    "客户手机没电无法付款，约定三天内微信转账",
    "物业统一结算，月底付款",
]
DECLINE_NOTES = ["嫌维修费用高，暂不维修", "考虑换新机，不修了", "家里人商量后再决定"]
SERVICE_TYPE_REASON = "客户出示延保合同（合同号 YB-2026-%(n)04d），登记时未查到，按合同服务结算"


def start(*, network, now: dt.datetime) -> None:
    """Before the calls are played: the home centre (the demo supervisor's) and the instant the demo runs."""
    _STATE.clear()
    _STATE.update(home=network.centers[0].pk, now=now, forced=None, paid_since=False, methods=set())


def _reference(rng: random.Random, method: str, at: dt.datetime) -> str:
    """A transaction number as the customer's phone shows it: WeChat Pay's 28 digits from 4200, Alipay's from
    the day's date."""
    if method == PaymentMethod.WECHAT:
        return "4200" + "".join(rng.choice("0123456789") for _ in range(24))
    if method == PaymentMethod.ALIPAY:
        return f"{at:%Y%m%d}2200" + "".join(rng.choice("0123456789") for _ in range(16))
    return ""


def payment(order: WorkOrder, at: dt.datetime, *, resolution: str = Resolution.REPAIRED) -> dict:
    """The closing's payment fields of a paid order: mostly paid in full on the spot; sometimes (and the home
    centre's first paid closing of the last month) the invoice is asked for and it is paid later."""

    rng = random.Random(f"payment:{order.number}")
    due = amount_due(order=order, resolution=resolution)
    method = rng.choices(
        [PaymentMethod.CASH, PaymentMethod.WECHAT, PaymentMethod.ALIPAY, PaymentMethod.CARD],
        weights=(35, 40, 20, 5),
    )[0]
    later = due > 0 and rng.random() < PAY_LATER_SHARE and resolution not in (Resolution.DECLINED,)
    now = _STATE.get("now")
    if (
        due > 0
        and _STATE.get("forced") is None
        and order.center_id == _STATE.get("home")
        and now is not None
        and at > now - dt.timedelta(days=30)
    ):
        later = True
        _STATE["forced"] = order.number
    elif due > 0 and not _STATE.get("paid_since") and now is not None and at < now - OWED_RECENT * 2:
        later = _STATE["paid_since"] = True  # an older one the customer has paid since (finish())
    if due <= 0:
        return {"collected_amount": "0", "payment_method": ""}
    if later:
        return {
            "collected_amount": "0",
            "payment_method": "",
            "pay_later": True,
            "receivable_note": rng.choice(RECEIVABLE_NOTES),
        }
    # However few paid orders a small demo has, the first paid on the spot are in cash and by WeChat Pay, so
    # both ways (and WeChat's transaction number) are shown whatever day the demo is seeded.
    seen = _STATE.setdefault("methods", set())
    for wanted in (PaymentMethod.CASH, PaymentMethod.WECHAT):
        if wanted not in seen:
            method = wanted
            break
    seen.add(method)
    return {
        "collected_amount": str(due),
        "payment_method": method,
        "payment_reference": _reference(rng, method, at),
    }


def decline(state, worker, dispatcher, at: dt.datetime, *, signature_png, fault_codes) -> None:
    """The customer declined the quote on site: the quote is marked declined, the order closed on the tablet as
    declined with the call-out fee paid, and the register entry closed."""

    order = state["order"]
    rng = random.Random(f"declined:{order.number}")
    quote = order.quotes.order_by("-sequence").first()
    if quote is not None:
        quote_decline(quote=quote, acting_user=worker, note=rng.choice(DECLINE_NOTES), now=at)
    faults, causes = fault_codes(order.call.unit.model.category_id)
    data = ClosingInput(
        client_id=str(uuid.UUID(int=rng.getrandbits(128), version=4)),
        fault_code=order.diagnosis_fault or rng.choice(faults),
        cause=order.diagnosis_cause or rng.choice(causes),
        resolution=Resolution.DECLINED,
        resolution_note="已向客户说明故障原因及维修报价，客户不同意维修，仅收取上门费",
        labour_minutes=rng.randint(15, 40),
        signature_png=signature_png(),
        travel_km=rng.randint(2, 30),
        channel=ClosingChannel.TABLET,
        **payment(order, at, resolution=Resolution.DECLINED),
    )
    closing, _replayed = work_order_close(work_order=order, data=data, acting_user=worker, now=at)
    state["order"] = work_order_transition(
        work_order=closing.work_order,
        to_status=WorkOrderStatus.CLOSED,
        acting_user=dispatcher,
        note="客户拒绝有偿维修，已收上门费，结单",
        now=at,
    )


def finish(*, now: dt.datetime, network, dispatcher) -> None:
    """After the calls: the customers who owed for longer than OWED_RECENT mostly paid since (recorded by the
    centre's supervisor); the home centre's forced one and the recent ones are still owed. One open call of the
    home centre (free service) changes to contract service, with its reason."""

    manager = get_user_model().objects.filter(groups__name="manager", is_active=True).order_by("pk").first()
    settled = 0
    for receivable in (
        Receivable.objects.open()
        .filter(created_at__lt=now - OWED_RECENT)
        .exclude(work_order__number=_STATE.get("forced"))
        .select_related("work_order", "center")
        .order_by("created_at")
    ):
        rng = random.Random(f"paid-later:{receivable.work_order.number}")
        if settled and rng.random() < 0.15:
            continue  # still owed, long after: the list's oldest rows (the oldest of all was paid)
        who = network.supervisors.get(receivable.center_id) or manager
        if who is None:
            continue
        method = rng.choice([PaymentMethod.WECHAT, PaymentMethod.ALIPAY, PaymentMethod.CASH])
        at = min(receivable.created_at + dt.timedelta(days=rng.randint(2, 10), hours=rng.randint(0, 8)), now)
        receivable_mark_paid(
            receivable=receivable,
            method=method,
            reference=_reference(rng, method, at),
            note="客户已付清，发票已开具" if method != PaymentMethod.CASH else "上门收取现金，发票当面交付",
            acting_user=who,
            now=at,
        )
        settled += 1
    order = (
        WorkOrder.objects.filter(
            center_id=_STATE.get("home"),
            status__in=[WorkOrderStatus.DISPATCHED, WorkOrderStatus.ACCEPTED],
            call__service_type=ServiceType.FREE,
        )
        .select_related("call")
        .order_by("created_at", "pk")
        .first()
    ) or (
        WorkOrder.objects.filter(
            status__in=[WorkOrderStatus.DISPATCHED, WorkOrderStatus.ACCEPTED],
            call__service_type=ServiceType.FREE,
        )
        .select_related("call")
        .order_by("created_at", "pk")
        .first()
    )
    if order is not None:
        at = max(order.dispatched_at or order.created_at, now - dt.timedelta(hours=2))
        call_service_type_change(
            call=order.call,
            service_type=ServiceType.CONTRACT,
            reason=SERVICE_TYPE_REASON % {"n": order.pk % 10000},
            acting_user=dispatcher,
            now=min(at, now),
        )
