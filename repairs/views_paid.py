"""Paid service's pages: on the tablet, the quote the customer is shown and their answer (consent signed on the
screen, or a decline, closed with the call-out fee only); in the office, a centre's receivables and a call's
change of service type. Every write goes through repairs.paid, repairs.services or repairs.closing."""

from __future__ import annotations

from itertools import zip_longest

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from aftersales.money import ZERO, yuan
from aftersales.paging import page_window
from aftersales.parsing import parse_id, parse_int
from aftersales.roles import Role, role_required
from inventory.models import Part
from network.models import ServiceCenter

from . import paid, services
from .choices import ClosingChannel, ConsentMethod, PaymentMethod, ServiceType
from .models import Quote, Receivable, RepairCall, WorkOrder
from .views_tablet import TABLET_ROLES, _closing_page, _file_response, _order, _signature_bytes

MAX_QUOTE_ROWS = 20


def _parts_for(order: WorkOrder):
    return list(
        Part.objects.compatible_with(order.call.unit.model)
        .filter(active=True)
        .only("code", "name", "retail_price_amount")
        .order_by("code")[:300]
    )


def _quote_from_post(request, order: WorkOrder, errors: dict) -> list[services.QuoteLineInput]:
    """The quote's lines from the form: labour rates ticked (with their quantity) and parts picked, priced by
    the fee schedule and the parts' list prices — never by what the browser sends."""
    post = request.POST
    rates = {str(r.pk): r for r in paid.labour_rates(category_id=order.call.unit.model.category_id)}
    picked_rates = []
    for rate_id in post.getlist("rate")[:MAX_QUOTE_ROWS]:
        rate = rates.get(str(parse_id(rate_id)))
        if rate is None:
            errors.setdefault("rate", []).append(_("Choose the labour from the fee standard's list."))
            continue
        quantity = parse_int(
            post.get(f"rate_quantity_{rate.pk}", "1"), low=1, high=services.QUOTE_MAX_QUANTITY
        )
        if quantity is None:
            errors.setdefault("rate", []).append(
                _("%(rate)s: the quantity must be a whole number from 1 to %(most)s.")
                % {"rate": rate.name, "most": services.QUOTE_MAX_QUANTITY}
            )
            continue
        picked_rates.append((rate, quantity))
    parts = {str(p.pk): p for p in _parts_for(order)}
    picked_parts = []
    rows = zip_longest(post.getlist("part")[:MAX_QUOTE_ROWS], post.getlist("part_quantity")[:MAX_QUOTE_ROWS])
    for part_id, quantity in rows:
        if not part_id:
            continue
        part = parts.get(str(parse_id(part_id)))
        if part is None:
            errors.setdefault("part", []).append(_("Choose a part from the list."))
            continue
        number = parse_int(quantity or "1", low=1, high=1000)
        if number is None:
            errors.setdefault("part", []).append(
                _("%(part)s: the quantity must be a whole number from 1 to 1000.") % {"part": part}
            )
            continue
        picked_parts.append((part, number))
    lines = paid.quote_lines_from_schedule(order=order, rates=picked_rates, parts=picked_parts)
    if not errors and not picked_rates and not picked_parts:
        errors["rate"] = [_("Tick the labour and pick the parts the repair needs.")]
    return [
        services.QuoteLineInput(line.kind, line.description, line.quantity, line.unit_amount)
        for line in lines
    ]


def _errors_of(exc: ValidationError) -> dict[str, list[str]]:
    if hasattr(exc, "error_dict"):
        return {field: list(messages_) for field, messages_ in exc.message_dict.items()}
    return {"status": exc.messages}


@role_required(*TABLET_ROLES)
def tablet_quote(request, pk):
    """报价: the quote shown to the customer on the tablet, and their answer — consent signed on the screen, or
    a decline (then the order closes with the call-out fee only)."""
    order = _order(request, pk)
    if not paid.is_paid(order):
        messages.error(request, _("Only paid service (A) is quoted to the customer."))
        return redirect("repairs:tablet_order", pk=order.pk)
    errors: dict[str, list[str]] = {}
    step = request.POST.get("step", "") if request.method == "POST" else ""
    if step == "quote":
        lines = _quote_from_post(request, order, errors)
        if not errors:
            try:
                services.quote_create(
                    work_order=order,
                    lines=lines,
                    acting_user=request.user,
                    note=request.POST.get("note", "")[:300],
                )
            except ValidationError as exc:
                errors = _errors_of(exc)
            else:
                messages.success(
                    request, _("Quote ready: show it to the customer and ask for their signature.")
                )
                return redirect("repairs:tablet_quote", pk=order.pk)
    elif step in ("consent", "decline"):
        quote = Quote.objects.filter(pk=parse_id(request.POST.get("quote")), work_order=order).first()
        if quote is None:
            errors["quote"] = [_("That quote is not one of this work order's: the page is refreshed.")]
        elif step == "consent":
            try:
                services.consent_record(
                    quote=quote,
                    given_by=request.POST.get("given_by", "")[:100],
                    method=ConsentMethod.SIGNATURE,
                    signature_png=_signature_bytes(request),
                    acting_user=request.user,
                )
            except ValidationError as exc:
                errors = _errors_of(exc)
            else:
                messages.success(
                    request,
                    _("The customer signed quote #%(n)s: the repair can start.") % {"n": quote.sequence},
                )
                return redirect("repairs:tablet_order", pk=order.pk)
        else:
            try:
                paid.quote_decline(
                    quote=quote, acting_user=request.user, note=request.POST.get("declined_note", "")[:300]
                )
            except ValidationError as exc:
                errors = _errors_of(exc)
            else:
                order.refresh_from_db()
                if paid.may_decline(order):
                    messages.success(
                        request,
                        _("Quote #%(n)s declined: close the order — only the call-out fee is charged.")
                        % {"n": quote.sequence},
                    )
                    return redirect("repairs:tablet_decline", pk=order.pk)
                messages.success(
                    request, _("Quote #%(n)s declined: nothing is done on it.") % {"n": quote.sequence}
                )
                return redirect("repairs:tablet_order", pk=order.pk)
    elif request.method == "POST":
        errors["status"] = [_("Unknown step: the page is refreshed.")]
    context = paid.tablet_view(order)
    category_id = order.call.unit.model.category_id
    post = request.POST if request.method == "POST" else {}
    return render(
        request,
        "repairs/paid/tablet_quote.html",
        {
            "order": order,
            "call": order.call,
            "paid": context,
            "rates": paid.labour_rates(category_id=category_id),
            "ticked": set(post.getlist("rate")) if post else set(),
            "parts": _parts_for(order),
            "part_rows": range(
                max(2, len([p for p in post.getlist("part") if p][:MAX_QUOTE_ROWS]) if post else 0)
            ),
            "call_out_fee": paid.call_out_fee(order=order),
            "first_quote": not order.quotes.exists(),
            "errors": errors,
            "post": post,
        },
        status=400 if errors else 200,
    )


@role_required(*TABLET_ROLES)
def tablet_decline(request, pk):
    """The customer declined the paid repair: the closing record with the call-out fee only, nothing repaired
    (the same form and service as the closing, its resolution fixed)."""
    order = _order(request, pk)
    if request.method != "POST" and not paid.may_decline(order):
        messages.error(
            request,
            _(
                "Work order %(number)s cannot be closed as declined: it is not a paid order waiting for the "
                "customer's answer to a quote."
            )
            % {"number": order.number},
        )
        return redirect("repairs:tablet_order", pk=order.pk)
    return _closing_page(request, order, channel=ClosingChannel.TABLET, declined=True)


@role_required(*TABLET_ROLES, Role.DISPATCHER, Role.MANAGER)
def consent_signature(request, pk):
    """The customer's signature under a quote, only to those who may see the work order."""
    quote = get_object_or_404(
        Quote.objects.filter(
            work_order__in=WorkOrder.objects.for_user(request.user).values("pk")
        ).select_related("consent"),
        pk=pk,
    )
    consent = getattr(quote, "consent", None)
    if consent is None or not consent.signature:
        raise Http404
    return _file_response(consent.signature)


# Receivables --------------------------------------------------------------------------------------------

RECEIVABLE_STATES = {
    "open": gettext_lazy("Owed"),
    "paid": gettext_lazy("Paid"),
    "all": gettext_lazy("All"),
}


@role_required(Role.SUPERVISOR, Role.MANAGER)
def receivables(request):
    """应收款: what customers of paid orders still owe the centre (the invoice asked for, the money to come),
    oldest first, and what they paid later. A supervisor sees their centres', a manager every centre's."""
    state = request.GET.get("state", "open")
    if state not in RECEIVABLE_STATES:
        state = "open"
    scope = Receivable.objects.for_user(request.user)
    centers = ServiceCenter.objects.for_user(request.user).order_by("code")
    center = None
    if request.GET.get("center"):
        center = centers.filter(pk=parse_id(request.GET.get("center"))).first()
        if center is not None:
            scope = scope.filter(center=center)
    rows = scope.select_related(
        "work_order__call__customer", "work_order__technician", "center", "created_by", "paid_by"
    )
    if state == "open":
        rows = rows.filter(paid_at__isnull=True).order_by("created_at", "pk")
    elif state == "paid":
        rows = rows.filter(paid_at__isnull=False).order_by("-paid_at", "-pk")
    else:
        rows = rows.order_by("-created_at", "-pk")
    window = page_window(request, rows)
    now = timezone.now()
    for row in window["rows"]:
        row.days = (now - row.created_at).days
    return render(
        request,
        "repairs/paid/receivables.html",
        {
            **window,
            "receivables": window["rows"],
            "state": state,
            "states": RECEIVABLE_STATES.items(),
            "centers": centers,
            "center": center,
            "owed": scope.open().aggregate(s=Sum("amount"))["s"] or ZERO,
            "owed_count": scope.open().count(),
            "payment_methods": PaymentMethod.choices,
        },
    )


@require_POST
@role_required(Role.SUPERVISOR, Role.MANAGER)
def receivable_paid(request, pk):
    receivable = get_object_or_404(Receivable.objects.for_user(request.user), pk=pk)
    try:
        row = paid.receivable_mark_paid(
            receivable=receivable,
            method=request.POST.get("payment_method", ""),
            reference=request.POST.get("payment_reference", "")[:100],
            note=request.POST.get("paid_note", "")[:300],
            acting_user=request.user,
        )
    except ValidationError as exc:
        for field_messages in _errors_of(exc).values():
            for message in field_messages:
                messages.error(request, message)
    else:
        messages.success(
            request,
            _("%(number)s: the customer paid %(amount)s.")
            % {"number": row.work_order.number, "amount": yuan(row.amount)},
        )
    back = reverse("repairs:receivables")
    query = request.POST.get("back_query", "")
    return redirect(
        f"{back}?{query}" if query and url_has_allowed_host_and_scheme(f"{back}?{query}", None) else back
    )


# The office's change of service type ----------------------------------------------------------------------


@require_POST
@role_required(Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER)
def call_service_type(request, pk):
    """A dispatcher, a manager or the call's centre's supervisor gives the call another service type, with the
    reason (kept as a decision change and in the order's history)."""
    call = get_object_or_404(RepairCall.objects.for_user(request.user), pk=pk)
    try:
        paid.call_service_type_change(
            call=call,
            service_type=request.POST.get("service_type", ""),
            reason=request.POST.get("reason", "")[:400],
            acting_user=request.user,
        )
    except ValidationError as exc:
        for field_messages in _errors_of(exc).values():
            for message in field_messages:
                messages.error(request, message)
    else:
        call.refresh_from_db()
        messages.success(
            request,
            _("Call %(number)s is now %(type)s.")
            % {"number": call.number, "type": ServiceType(call.service_type).label},
        )
    return redirect(reverse("repairs:call_detail", args=[call.pk]) + "#service-type")
