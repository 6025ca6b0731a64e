"""WeasyPrint rendering of templates/repairs/pdf/*.html: the service voucher (服务凭证) of a work order.

The voucher is a Chinese form filed with the order (the appliance service standard, items 九–十二): the technician takes it to
the customer, the customer signs it, the clerk files it. Its labels are written in Chinese in the template
and it is rendered under zh-hans whatever the user's UI language, so a voucher printed from an English
session is the same document.
"""

import base64
import datetime as dt

import weasyprint
from django.conf import settings
from django.db.models import Prefetch, Sum
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.cache import add_never_cache_headers
from django.utils.http import content_disposition_header

from aftersales.roles import Role, role_required
from aftersales.validators import format_phone
from inventory.choices import MovementKind
from inventory.models import StockMovement
from warranty.choices import Remedy

from .choices import (
    ConsentMethod,
    PaymentMethod,
    PhoneLabel,
    QuoteLineKind,
    Resolution,
    Satisfaction,
    ServiceMode,
    ServiceType,
    WorkOrderStatus,
)
from .models import CustomerPhone, DecisionChange, Quote, WorkOrder

VOUCHER_LANGUAGE = "zh-hans"

# The form's own vocabulary (the appliance service standard names the four service types). Written here rather than
# taken from the UI catalogue: the printed form must not change with a translation of the UI.
SERVICE_TYPE_ZH = {
    ServiceType.PAID: "A · 有费服务",
    ServiceType.CONTRACT: "B · 合同服务",
    ServiceType.FREE: "C · 免费服务（保修期内）",
    ServiceType.ADMIN: "D · 一般行政工作",
}
SERVICE_MODE_ZH = {ServiceMode.ON_SITE: "上门服务", ServiceMode.CARRY_IN: "送修（带回维修）"}
# The order's status as it stands when the voucher is printed (a completed order is not yet closed: it
# closes after the callback). "On site" is the arrival, not the service mode.
STATUS_ZH = {
    WorkOrderStatus.NEW: "新建",
    WorkOrderStatus.DISPATCHED: "已派工",
    WorkOrderStatus.ACCEPTED: "已接单",
    WorkOrderStatus.EN_ROUTE: "技术员在途",
    WorkOrderStatus.ON_SITE: "技术员已到达",
    WorkOrderStatus.IN_REPAIR: "维修中",
    WorkOrderStatus.WAITING_FOR_PARTS: "待件",
    WorkOrderStatus.COMPLETED: "已完工",
    WorkOrderStatus.CLOSED: "已关闭",
    WorkOrderStatus.CANCELLED: "已取消",
    WorkOrderStatus.PHONE_GUIDED: "电话指导",
    WorkOrderStatus.TO_RESCHEDULE: "上门未遇，待改约",
}
QUOTE_LINE_KIND_ZH = {
    QuoteLineKind.LABOUR: "工时费",
    QuoteLineKind.PART: "零件费",
    QuoteLineKind.TRAVEL: "上门费",
}
CONSENT_METHOD_ZH = {ConsentMethod.SIGNATURE: "现场签字", ConsentMethod.PHONE: "电话确认"}
RESOLUTION_ZH = {
    Resolution.REPAIRED: "已修复",
    Resolution.PART_REPLACED: "更换零件",
    Resolution.ADJUSTED: "调整或清洁",
    Resolution.NO_FAULT: "未发现故障",
    Resolution.ADVICE: "指导使用",
    Resolution.NOT_FIXED: "未能修复（仅收上门费）",
    Resolution.DECLINED: "客户不同意有偿维修（仅收上门费）",
}
PAYMENT_METHOD_ZH = {
    PaymentMethod.CASH: "现金",
    PaymentMethod.WECHAT: "微信支付",
    PaymentMethod.ALIPAY: "支付宝",
    PaymentMethod.CARD: "银行卡",
}
SATISFACTION_ZH = {
    Satisfaction.VERY_SATISFIED: "非常满意",
    Satisfaction.SATISFIED: "满意",
    Satisfaction.NEUTRAL: "一般",
    Satisfaction.DISSATISFIED: "不满意",
}
PHONE_LABEL_ZH = {PhoneLabel.MOBILE: "手机", PhoneLabel.HOME: "住宅", PhoneLabel.WORK: "单位"}


def _voucher_queryset(user):
    return (
        WorkOrder.objects.for_user(user)
        .select_related(
            "call__customer",
            "call__unit__model__category",
            "call__service_region__parent__parent",
            "call__symptom",
            "call__warranty_decision",
            "center",
            "technician",
            "carry_in",
            "closing__fault_code",
            "closing__cause",
            "closing__closed_by",
        )
        .prefetch_related(
            Prefetch(
                "call__customer__phones",
                queryset=CustomerPhone.objects.order_by("-is_primary", "pk"),
            ),
            Prefetch(
                "quotes",
                queryset=Quote.objects.select_related("consent")
                .prefetch_related("lines")
                .order_by("sequence"),
            ),
        )
    )


def _money(amount) -> str:
    return f"¥{amount:,.2f}"


def _phones(call) -> list[str]:
    """The customer's phones, primary first, each with its label; the caller's phone too when it is
    another number (a relative calling for the owner)."""
    phones = [
        f"{format_phone(p.number)}（{PHONE_LABEL_ZH.get(p.label, p.label)}）"
        for p in call.customer.phones.all()
    ]
    known = {p.number for p in call.customer.phones.all()}
    if call.caller_phone and call.caller_phone not in known:
        phones.append(f"{format_phone(call.caller_phone)}（报修人 {call.caller_name}）")
    return phones


def _warranty(call) -> dict | None:
    """The 三包 decision in force: the one taken again on site (another faulty part, exclusions found), else
    the intake's — the voucher of an order found outside 三包 must not read "free repair"."""
    change = (
        DecisionChange.objects.filter(work_order__call_id=call.pk, decision__isnull=False)
        .select_related("decision")
        .order_by("-at", "-pk")
        .first()
    )
    decision = change.decision if change else call.warranty_decision
    if decision is None:
        return None
    result = decision.result or {}
    repair_until = result.get("repair_until")
    return {
        "verdict": Remedy(decision.verdict).label,
        "repair_until": dt.date.fromisoformat(repair_until) if repair_until else None,
        "reasons": [reason["zh"] for reason in result.get("reasons", []) if reason.get("zh")],
        "policy_version": decision.policy_version,
        "decided_at": decision.decided_at,
        "on_site": change is not None,
    }


def _quotes(order) -> list[dict]:
    quotes = []
    for quote in order.quotes.all():
        consent = getattr(quote, "consent", None)
        quotes.append(
            {
                "sequence": quote.sequence,
                "is_additional": quote.is_additional,
                "lines": [
                    {
                        "kind": QUOTE_LINE_KIND_ZH.get(line.kind, line.kind),
                        "description": line.description,
                        "quantity": line.quantity,
                        "unit_amount": _money(line.unit_amount),
                        "amount": _money(line.amount),
                    }
                    for line in quote.lines.all()
                ],
                "total": _money(quote.total_amount),
                "declined_at": quote.declined_at,
                "consent": consent
                and {
                    "given_by": consent.given_by,
                    "method": CONSENT_METHOD_ZH.get(consent.method, consent.method),
                    "given_at": consent.given_at,
                },
            }
        )
    return quotes


def voucher_context(order: WorkOrder, *, now=None) -> dict:
    call = order.call
    unit = call.unit
    return {
        "order": order,
        "call": call,
        "unit": unit,
        "printed_at": now or timezone.now(),
        "status": STATUS_ZH.get(order.status, order.status),
        "phones": _phones(call),
        "service_address": f"{call.service_region.full_name}{call.service_address}",
        "service_type": SERVICE_TYPE_ZH.get(call.service_type, call.service_type),
        "is_paid": call.service_type == ServiceType.PAID,
        "mode": SERVICE_MODE_ZH.get(order.mode, order.mode),
        "is_carry_in": order.mode == ServiceMode.CARRY_IN,
        "carry_in": getattr(order, "carry_in", None),
        "warranty": _warranty(call),
        "quotes": _quotes(order),
        **_closing(order),
    }


def _closing(order: WorkOrder) -> dict:
    """The technician's closing, filled into the form's results; the signature embedded as an image."""
    closing = getattr(order, "closing", None)
    if closing is None:
        return {"closing": None}
    signature_uri = ""
    if closing.signature:
        try:
            with closing.signature.open("rb") as handle:
                signature_uri = "data:image/png;base64," + base64.b64encode(handle.read()).decode()
        except FileNotFoundError:
            signature_uri = ""
    rows = (
        StockMovement.objects.filter(work_order=order, kind__in=[MovementKind.ISSUE, MovementKind.RETURN])
        .values("part__code", "part__name")
        .annotate(quantity=Sum("quantity"))
        .order_by("part__code")
    )
    return {
        "closing": closing,
        "signature_uri": signature_uri,
        "resolution": RESOLUTION_ZH.get(closing.resolution, closing.resolution),
        "payment_method": PAYMENT_METHOD_ZH.get(closing.payment_method, closing.payment_method),
        "satisfaction": SATISFACTION_ZH.get(closing.satisfaction, ""),
        "collected": _money(closing.collected_amount),
        "outstanding": _money(closing.outstanding_amount),
        "parts_used": [
            {"code": r["part__code"], "name": r["part__name"], "quantity": -r["quantity"]}
            for r in rows
            if r["quantity"]
        ],
    }


def voucher_pdf(order: WorkOrder, *, now=None) -> bytes:
    with translation.override(VOUCHER_LANGUAGE):
        html = render_to_string("repairs/pdf/voucher.html", voucher_context(order, now=now))
    # Relative URLs (a logo, a stylesheet) resolve to files under static/, never to an HTTP request.
    base_url = (settings.BASE_DIR / "static").as_uri() + "/"
    return weasyprint.HTML(string=html, base_url=base_url).write_pdf()


@role_required(Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER, Role.TECHNICIAN)
def work_order_voucher(request, pk):
    # Read at the request, never cached: the voucher shows the order's status when it is printed.
    order = get_object_or_404(_voucher_queryset(request.user), pk=pk)
    response = HttpResponse(
        voucher_pdf(order),
        content_type="application/pdf",
        headers={
            "Content-Disposition": content_disposition_header(False, f"voucher-{order.number}.pdf"),
        },
    )
    # Names, phones and an address: not for shared caches, not kept by the browser.
    add_never_cache_headers(response)
    return response
