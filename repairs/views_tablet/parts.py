"""The tablet's parts: the centre's stock and asking for parts; the carry-in and the code resend."""

from __future__ import annotations

from itertools import zip_longest

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.parsing import parse_id, parse_int
from aftersales.roles import Role, role_required
from inventory.choices import WarehouseKind
from inventory.models import Part, StockLevel

from .. import closing as closing_services
from .. import services
from ..models import LoanerUnit, WorkOrder
from .orders import TABLET_ROLES, _order


def _center_stock(order: WorkOrder) -> dict:
    """The parts on hand in the order's centre, for the closing's pickers (code, name, on hand, serials), in
    three groups: those listed for the unit's model (or for its whole category), the category's others (a
    reason is asked for them), and other categories' parts — a centre stocks phones' screens and washing
    machines' pumps alike, and the last group stays behind "show all"."""
    groups: dict = {"fitting": [], "category": [], "other": []}
    if not order.center_id:
        return groups
    model = order.call.unit.model
    fitting = set(Part.objects.compatible_with(model).values_list("pk", flat=True))
    levels = (
        StockLevel.objects.filter(
            warehouse__center_id=order.center_id,
            warehouse__kind=WarehouseKind.CENTER,
            quantity__gt=0,
            part__active=True,
        )
        .select_related("part")
        .only(
            "quantity",
            "part__code",
            "part__name",
            "part__category_id",
            "part__serialized",
            "part__return_required",
        )
        .order_by("part__code")
    )
    for level in levels:
        if level.part_id in fitting:
            groups["fitting"].append(level)
        elif level.part.category_id == model.category_id:
            groups["category"].append(level)
        else:
            groups["other"].append(level)
    return groups


@role_required(*TABLET_ROLES)
def order_need_parts(request, pk):
    """需要备件: asks the central warehouse for parts for this order; the order then waits for them."""
    order = _order(request, pk)
    errors: list[str] = []
    if request.method == "POST":
        lines = []
        ids, quantities = request.POST.getlist("part"), request.POST.getlist("quantity")
        for part_id, quantity in zip_longest(ids, quantities, fillvalue=""):
            if not part_id:
                continue
            part = Part.objects.filter(pk=parse_id(part_id), active=True).first()
            q = parse_int(quantity, default=0)
            if part is None:
                errors.append(_("Choose a part from the list."))
            elif not 1 <= q <= 1000:
                errors.append(
                    _("%(part)s: the quantity must be a whole number from 1 to 1000.") % {"part": part}
                )
            else:
                lines.append((part, q))
        if not lines and not errors:
            errors.append(_("Add at least one part."))
        if not errors:
            try:
                request_ = closing_services.work_order_need_parts(
                    work_order=order,
                    lines=lines,
                    acting_user=request.user,
                    note=request.POST.get("note", "")[:300],
                )
            except ValidationError as exc:
                errors.extend(exc.messages)
            else:
                messages.success(
                    request,
                    _("Part request %(number)s sent: %(status)s.")
                    % {"number": request_.number, "status": request_.get_status_display()},
                )
                return redirect("repairs:tablet_order", pk=order.pk)
    compatible = Part.objects.compatible_with(order.call.unit.model).filter(active=True).order_by("code")
    return render(
        request,
        "repairs/tablet/need_parts.html",
        {
            "order": order,
            "parts": list(compatible.only("code", "name")[:300]),
            "errors": errors,
            "preselect": request.GET.get("part", ""),
        },
    )


@require_POST
@role_required(*TABLET_ROLES)
def order_carry_in(request, pk):
    """转为送修: the product goes to the workshop with a carry-in receipt; a loaner when chosen."""
    order = _order(request, pk)
    loaner = None
    if request.POST.get("loaner", "").strip():
        loaner = LoanerUnit.objects.filter(
            pk=parse_id(request.POST["loaner"]), center_id=order.center_id
        ).first()
        if loaner is None:
            messages.error(request, _("Choose one of your centre's loaners from the list."))
            return redirect("repairs:tablet_order", pk=order.pk)
    try:
        with transaction.atomic():  # the receipt and the loan together, or neither
            carry_in = services.carry_in_receive(
                work_order=order,
                acting_user=request.user,
                condition_note=request.POST.get("condition_note", "")[:300],
            )
            if loaner is not None:
                services.loaner_lend(work_order=order, loaner=loaner, acting_user=request.user)
        messages.success(
            request, _("Carry-in receipt %(number)s issued.") % {"number": carry_in.receipt_number}
        )
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    return redirect("repairs:tablet_order", pk=order.pk)


@require_POST
@role_required(*TABLET_ROLES, Role.DISPATCHER, Role.MANAGER)
def order_code_resend(request, pk):
    office = request.POST.get("office") == "1"
    order = (
        get_object_or_404(WorkOrder.objects.for_user(request.user), pk=pk) if office else _order(request, pk)
    )
    try:
        sent = closing_services.confirmation_code_resend_request(work_order=order, acting_user=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        if sent:
            messages.success(request, _("A new confirmation code is on its way to the customer's mobile."))
        else:
            messages.error(
                request,
                _("No code can be sent: the caller gave no mobile number, or the order is no longer open."),
            )
    return redirect("repairs:office_close" if office else "repairs:tablet_close", pk=order.pk)
