"""Closing on the tablet (and in the office): the form, the signature and photos."""

from __future__ import annotations

import base64
import binascii
import uuid
from itertools import zip_longest

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from aftersales.images import private_image_response
from aftersales.parsing import parse_id, parse_int
from aftersales.roles import Role, role_required
from inventory.models import Part

from .. import closing as closing_services
from .. import paid
from ..choices import (
    CallCustomerRequest,
    ClosingChannel,
    FaultCodeKind,
    PaymentMethod,
    PhotoKind,
    Resolution,
    Satisfaction,
)
from ..models import FaultCode, InstallationAcceptance, WorkOrder, WorkOrderPhoto
from .orders import TABLET_ROLES, _order, _wants_json
from .parts import _center_stock


def _part_rows(request) -> list[dict]:
    """The part lines of a closing sent back with errors, as typed (a plain form keeps its picks)."""
    post = request.POST
    rows = zip_longest(
        post.getlist("part")[:50],
        post.getlist("part_quantity")[:50],
        post.getlist("serial_number")[:50],
        post.getlist("old_serial")[:50],
        post.getlist("part_reason")[:50],
        fillvalue="",
    )
    return [
        {
            "part": str(parse_id(part) or ""),
            "quantity": quantity[:10],
            "serial_number": serial[:40],
            "old_serial": old_serial[:40],
            "part_reason": reason[:200],
        }
        for part, quantity, serial, old_serial, reason in rows
        if part or serial or old_serial or reason
    ]


def _signature_bytes(request) -> bytes | None:
    upload = request.FILES.get("signature")
    if upload is not None:
        return upload.read(2 * 1024 * 1024 + 1)
    data = request.POST.get("signature_data", "")
    if data.startswith("data:image/png;base64,"):
        try:
            return base64.b64decode(data.split(",", 1)[1], validate=True)
        except (binascii.Error, ValueError):
            return b"not a png"
    return None


def _acceptance_input(request, order: WorkOrder) -> closing_services.AcceptanceInput | None:
    """The installation acceptance of the closing form; None when the form had no acceptance section."""
    post = request.POST
    if order.call.customer_request != CallCustomerRequest.INSTALLATION or post.get("acceptance") != "1":
        return None
    return closing_services.AcceptanceInput(
        trial_run_passed={"passed": True, "failed": False}.get(post.get("trial_run", "")),
        model_installed=post.get("model_installed", "")[:200],
        serial_number=post.get("acceptance_serial", "")[:60],
        accessories=post.get("accessories", "")[:600],
        trial_run_note=post.get("trial_run_note", "")[:600],
        documents_handed_over=frozenset(
            i for i in (parse_id(v) for v in post.getlist("document")[:50]) if i is not None
        ),
    )


def _closing_input(
    request, order: WorkOrder, *, channel: str = ClosingChannel.TABLET, declined: bool = False
) -> tuple[closing_services.ClosingInput | None, dict]:
    post = request.POST
    errors: dict[str, list[str]] = {}
    codes = {str(c.pk): c for c in FaultCode.objects.filter(category_id=order.call.unit.model.category_id)}
    parts = []
    rows = zip_longest(
        post.getlist("part"),
        post.getlist("part_quantity"),
        post.getlist("serial_number"),
        post.getlist("old_serial"),
        post.getlist("part_reason"),
        fillvalue="",
    )
    part_ids = [i for i in (parse_id(p) for p in post.getlist("part")) if i is not None]
    known = {str(p.pk): p for p in Part.objects.filter(pk__in=part_ids)}
    for part_id, quantity, serial, old_serial, reason in rows:
        if not part_id:
            continue
        part = known.get(str(parse_id(part_id)))
        q = parse_int(quantity, default=0, low=0, high=100_000)
        if part is None:
            errors.setdefault("parts", []).append(_("Choose a part from your centre's stock."))
            continue
        parts.append(closing_services.PartUse(part, q, serial[:40], old_serial[:40], reason[:200]))
    photos = [
        closing_services.PhotoUpload(kind, f)
        for kind in PhotoKind.values
        for f in request.FILES.getlist(f"photos_{kind}")
    ]
    data = closing_services.ClosingInput(
        client_id=post.get("client_id", ""),
        fault_code=codes.get(post.get("fault_code", "")),
        cause=codes.get(post.get("cause", "")),
        resolution=Resolution.DECLINED if declined else post.get("resolution", ""),
        resolution_note=post.get("resolution_note", "")[:600],
        labour_minutes=post.get("labour_minutes", ""),
        parts=parts,
        photos=photos,
        collected_amount=post.get("collected_amount", ""),
        payment_method=post.get("payment_method", ""),
        payment_reference=post.get("payment_reference", "")[:100],
        pay_later=post.get("pay_later") == "1",
        receivable_note=post.get("receivable_note", "")[:300],
        signature_png=_signature_bytes(request),
        confirmation_code=post.get("confirmation_code", "")[:20],
        satisfaction=post.get("satisfaction", ""),
        travel_km=post.get("travel_km", "")[:10],
        proof_exception_reason=post.get("proof_exception_reason", "")[:600],
        channel=channel,
        acceptance=_acceptance_input(request, order),
    )
    return data, errors


@role_required(*TABLET_ROLES)
def order_close(request, pk):
    """完工 on the tablet: the closing form. A JSON answer for the tablet's script (it keeps the draft until a
    success), a page for a plain form post."""
    return _closing_page(request, _order(request, pk), channel=ClosingChannel.TABLET)


@role_required(Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER)
def office_close(request, pk):
    """完工登记 in the office: the same closing record for work not closed on a tablet — a carry-in repair
    finished in the workshop and handed over at the counter, a job whose technician had no tablet. The
    customer's proof is their signature (drawn, or the signed voucher photographed) or the code they were
    sent; failing both, the centre's supervisor or a manager records the reason, and the work is not paid
    until a manager clears it."""
    order = get_object_or_404(
        WorkOrder.objects.for_user(request.user).select_related(
            "call__customer",
            "call__unit__model__category",
            "center",
            "technician",
            "diagnosis_fault",
            "diagnosis_cause",
        ),
        pk=pk,
    )
    return _closing_page(request, order, channel=ClosingChannel.OFFICE)


def _closing_page(request, order: WorkOrder, *, channel: str, declined: bool = False):
    """The closing form; `declined`: the paid order the customer declined (repairs.views_paid), closed with the
    call-out fee only and nothing repaired."""
    office = channel == ClosingChannel.OFFICE
    back = (
        reverse("repairs:call_detail", args=[order.call_id]) + f"#wo-{order.pk}"
        if office
        else reverse("repairs:tablet_order", args=[order.pk])
    )
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        data, errors = _closing_input(request, order, channel=channel, declined=declined)
        if not errors:
            try:
                closing, replayed = closing_services.work_order_close(
                    work_order=order, data=data, acting_user=request.user
                )
            except ValidationError as exc:
                # Answered here, not raised: a wrong confirmation code stays counted (the request's
                # transaction commits).
                errors = dict(exc.message_dict) if hasattr(exc, "error_dict") else {"general": exc.messages}
                if "__all__" in errors:
                    errors["general"] = errors.pop("__all__")
            else:
                if not replayed:
                    messages.success(request, _("Work order %(number)s closed.") % {"number": order.number})
                # An installation: on to its acceptance (with the out-of-box link when the trial run failed).
                acceptance = InstallationAcceptance.objects.filter(work_order_id=order.pk).first()
                if acceptance is not None:
                    back = reverse("repairs:acceptance_detail", args=[acceptance.pk])
                if _wants_json(request):
                    return JsonResponse({"ok": True, "redirect": back, "replayed": replayed})
                return redirect(back)
        if _wants_json(request):
            return JsonResponse({"ok": False, "errors": errors}, status=400)
    elif not paid.may_decline(order) if declined else order.status not in closing_services.CLOSABLE_STATUSES:
        if office:
            messages.error(
                request,
                _("Work order %(number)s is “%(status)s”: only a job in repair is closed.")
                % {"number": order.number, "status": order.get_status_display()},
            )
        return redirect(back)
    codes = FaultCode.objects.filter(category_id=order.call.unit.model.category_id, active=True).order_by(
        "kind", "sort_order"
    )
    post = request.POST if request.method == "POST" else {}
    if not post and order.diagnosed_at:  # the form starts from what was found on arrival
        post = {
            "fault_code": str(order.diagnosis_fault_id or ""),
            "cause": str(order.diagnosis_cause_id or ""),
        }
    installation = not declined and closing_services.acceptance_required(order, Resolution.REPAIRED)
    if installation and request.method != "POST":  # the configuration starts from the unit's record
        unit = order.call.unit
        post = {
            **post,
            "model_installed": f"{unit.model.brand} {unit.model.model_number}",
            "acceptance_serial": unit.serial_number or unit.imei or "",
        }
    stock = _center_stock(order)
    part_rows = _part_rows(request) if request.method == "POST" else []
    part_rows += [{"quantity": "1"}] * max(2 - len(part_rows), 0)
    picked = {row.get("part") for row in part_rows}
    return render(
        request,
        "repairs/tablet/close.html",
        {
            "order": order,
            "call": order.call,
            "office": office,
            "back": back,
            "faults": [c for c in codes if c.kind == FaultCodeKind.FAULT],
            "causes": [c for c in codes if c.kind == FaultCodeKind.CAUSE],
            "resolutions": Resolution.choices,
            "payment_methods": PaymentMethod.choices,
            "satisfactions": Satisfaction.choices,
            "stock": stock,
            "has_stock": any(stock.values()),
            "part_rows": part_rows,
            # A plain form sent back with errors shows every group when a part was picked from the hidden one.
            "show_all": any(str(level.part_id) in picked for level in stock["other"]),
            "category_name": order.call.unit.model.category.local_name,
            "paid": order.quoted_as_paid,
            "declined": declined,
            "installation": installation,
            "documents": closing_services.acceptance_documents(order) if installation else [],
            "documents_ticked": set(request.POST.getlist("document")) if request.method == "POST" else set(),
            "amount_due": paid.amount_due(
                order=order, resolution=Resolution.DECLINED if declined else Resolution.REPAIRED
            ),
            "call_out_fee": paid.call_out_fee(order=order),
            "client_id": request.POST.get("client_id") or uuid.uuid4(),
            "errors": errors,
            "post": post,
            "photo_max_mb": settings.WORK_ORDER_PHOTO_MAX_BYTES // 1024 // 1024,
            "may_record_exception": closing_services.may_record_proof_exception(request.user, order),
            # Read now: a wrong code just typed may have locked it.
            "code_locked": WorkOrder.objects.filter(
                pk=order.pk, confirmation_failures__gte=closing_services.CONFIRMATION_MAX_FAILURES
            ).exists(),
        },
        status=400 if errors else 200,
    )


_file_response = private_image_response  # the photo and signature views below and in the sibling modules


@role_required(*TABLET_ROLES, Role.DISPATCHER, Role.MANAGER)
def order_signature(request, pk):
    """The customer's signature, only to those who may see the work order (never a public media URL)."""
    order = get_object_or_404(WorkOrder.objects.for_user(request.user).select_related("closing"), pk=pk)
    closing = getattr(order, "closing", None)
    if closing is None or not closing.signature:
        raise Http404
    return _file_response(closing.signature)


@role_required(*TABLET_ROLES, Role.DISPATCHER, Role.MANAGER)
def order_photo(request, pk):
    photo = get_object_or_404(
        WorkOrderPhoto.objects.filter(work_order__in=WorkOrder.objects.for_user(request.user).values("pk")),
        pk=pk,
    )
    return _file_response(photo.image)
