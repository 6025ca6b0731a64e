"""The stock pages: stock by warehouse × part, a manager's stock operations (receipt, transfer, count
adjustment), the ledger of a part with its running balance, a service centre's page (stock, parts credit,
open requests and defective returns) and its deposit and credit ledgers. Every write goes through
inventory.services; every read is scoped by the user (out of scope answers 404)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from aftersales.paging import page_and_size, page_queries
from aftersales.parsing import parse_id
from aftersales.roles import Role, has_role, role_required
from aftersales.web_errors import add_service_errors

from . import selectors, services
from .choices import CreditEntryKind, DepositEntryKind
from .filters import StockLevelFilterSet
from .forms import (
    AdjustmentForm,
    DepositForm,
    PartsPaymentForm,
    RatioForm,
    ReceiptForm,
    TransferForm,
)
from .models import Part

STOCK_ROLES = (Role.MANAGER, Role.SUPERVISOR)
PAGE_SIZES = (10, 20, 50, 100)
DEFAULT_PAGE_SIZE = 50
LEDGER_PAGE_SIZE = 20


def _work_order_url(order) -> str:
    return reverse("repairs:call_detail", args=[order.call_id]) + f"#wo-{order.pk}"


# Stock -------------------------------------------------------------------------------------------------


@role_required(*STOCK_ROLES)
def stock(request):
    """Stock by warehouse × part: filtered, sorted, totals of the filtered lines, a page at a time.
    A manager sees every warehouse, a supervisor their centre's. A fixed number of queries."""
    base = selectors.stock_levels(user=request.user)
    filterset = StockLevelFilterSet(request.GET or None, queryset=base, user=request.user)
    valid = filterset.is_bound and filterset.is_valid()
    levels = filterset.qs if valid else base
    if valid and filterset.form.cleaned_data.get("ordering"):
        levels = levels.order_by(*levels.query.order_by, "pk")  # ties in a stable order across pages
    else:
        levels = levels.order_by(
            selectors.warehouse_rank("warehouse__"), "warehouse__code", "part__code", "pk"
        )
    totals = selectors.stock_totals(levels)
    page, size = page_and_size(request, sizes=PAGE_SIZES, default=DEFAULT_PAGE_SIZE)
    pages = max(1, -(-totals["lines"] // size))
    page = min(page, pages)
    rows = selectors.stock_rows(
        levels, offset=(page - 1) * size, limit=size, reorder_day=selectors.latest_reorder_day()
    )
    query, sizeless = page_queries(request, "page")
    return render(
        request,
        "inventory/stock/stock.html",
        {
            "filterset": filterset,
            "rows": rows,
            "totals": totals,
            "page": page,
            "pages": pages,
            "page_size": size,
            "page_sizes": PAGE_SIZES,
            "query": query,
            "sizeless_query": sizeless,
            "is_manager": has_role(request.user, Role.MANAGER),
        },
    )


OPERATION_FORMS = {"receipt": ReceiptForm, "transfer": TransferForm, "adjust": AdjustmentForm}


def _operation_initial(request) -> dict:
    """Links from the stock list pre-fill the part and the warehouse."""
    initial = {}
    if request.GET.get("part"):
        initial["part"] = request.GET["part"][:40]
    warehouse = parse_id(request.GET.get("warehouse"))
    if warehouse is not None:
        initial["warehouse"] = initial["source"] = warehouse
    return initial


@role_required(Role.MANAGER)
def stock_operations(request):
    """A manager's stock operations: receipt from a supplier, transfer, count adjustment. Each form posts
    here with `op`; the service's errors show in that form; success redirects back (POST/redirect/GET)."""
    initial = _operation_initial(request)
    forms = {
        op: cls(prefix=op, initial={k: v for k, v in initial.items() if op != "receipt" or k == "part"})
        for op, cls in OPERATION_FORMS.items()
    }
    status = 200
    if request.method == "POST":
        op = request.POST.get("op")
        if op not in OPERATION_FORMS:
            raise Http404
        form = forms[op] = OPERATION_FORMS[op](request.POST, prefix=op)
        if form.is_valid():
            try:
                message = _OPERATIONS[op](request, form.cleaned_data)
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, message)
                return redirect("inventory:stock_operations")
        status = 400
    return render(
        request,
        "inventory/stock/operations.html",
        {"forms": forms, "recent": selectors.recent_operations(), "open_op": request.POST.get("op")},
        status=status,
    )


def _receive(request, data) -> str:
    part = data["part"]
    cost = data["unit_cost"] if data["unit_cost"] is not None else part.unit_cost_amount
    (movement,) = services.stock_receive(
        warehouse=data["warehouse"],
        lines=[(part, data["quantity"], cost)],
        reference=data["reference"].strip(),
        acting_user=request.user,
        idempotency_key=data.get("idempotency_key") or None,
    )
    return _("Received %(quantity)s × %(part)s into %(warehouse)s at %(cost)s yuan each.") % {
        "quantity": movement.quantity,
        "part": part,
        "warehouse": data["warehouse"].name,
        "cost": movement.unit_cost_amount,
    }


def _transfer(request, data) -> str:
    services.stock_transfer(
        source=data["source"],
        destination=data["destination"],
        lines=[(data["part"], data["quantity"])],
        reference=data["reference"].strip(),
        acting_user=request.user,
    )
    return _("Moved %(quantity)s × %(part)s from %(source)s to %(destination)s.") % {
        "quantity": data["quantity"],
        "part": data["part"],
        "source": data["source"].name,
        "destination": data["destination"].name,
    }


def _adjust(request, data) -> str:
    movement = services.stock_adjust(
        warehouse=data["warehouse"],
        part=data["part"],
        quantity=data["quantity"],
        reason=data["reason"],
        acting_user=request.user,
    )
    return _("Count of %(part)s in %(warehouse)s corrected by %(quantity)s.") % {
        "part": data["part"],
        "warehouse": data["warehouse"].name,
        "quantity": f"{movement.quantity:+d}",
    }


_OPERATIONS = {"receipt": _receive, "transfer": _transfer, "adjust": _adjust}


# A part's ledger ---------------------------------------------------------------------------------------


@role_required(*STOCK_ROLES)
def part_ledger(request, pk):
    """The ledger of one part, newest first, with the running balance of each warehouse after every
    movement (computed in the database, right on every page)."""
    part = get_object_or_404(Part.objects.select_related("category", "component"), pk=pk)
    warehouse = None
    raw = request.GET.get("warehouse", "")
    if raw:
        warehouse = get_object_or_404(selectors.warehouses_for(request.user), pk=parse_id(raw, default=0))
    page, size = page_and_size(request, sizes=PAGE_SIZES, default=LEDGER_PAGE_SIZE)
    rows = list(
        selectors.part_ledger_rows(user=request.user, part=part, warehouse=warehouse)[
            (page - 1) * size : page * size + 1
        ]
    )
    has_next = len(rows) > size
    rows = rows[:size]
    for row in rows:
        row.work_order_url = _work_order_url(row.work_order) if row.work_order_id else None
    query, sizeless = page_queries(request, "page")
    levels = selectors.part_levels(user=request.user, part=part)
    return render(
        request,
        "inventory/stock/part_ledger.html",
        {
            "part": part,
            "warehouse": warehouse,
            "levels": levels,
            "rows": rows,
            "page": page,
            "has_next": has_next,
            "page_size": size,
            "page_sizes": PAGE_SIZES,
            "query": query,
            "sizeless_query": sizeless,
            "show_warehouse": warehouse is None,
        },
    )


# A service centre --------------------------------------------------------------------------------------


def _center_for(request, center_pk):
    return get_object_or_404(selectors.centers_for(request.user).select_related("region"), pk=center_pk)


def _center_page(request, center):
    overview = selectors.center_overview(center=center)
    return render(
        request,
        "inventory/stock/center.html",
        {
            **overview,
            "other_centers": selectors.other_centers(user=request.user, center=center),
            "is_manager": has_role(request.user, Role.MANAGER),
        },
    )


@role_required(Role.SUPERVISOR)
def my_center(request):
    """A supervisor's own centre (the first by code, when they run more than one)."""
    center = selectors.centers_for(request.user).filter(supervisors=request.user).order_by("code").first()
    if center is None:
        return render(request, "inventory/stock/no_center.html")
    return _center_page(request, center)


@role_required(*STOCK_ROLES)
def center_detail(request, center_pk):
    return _center_page(request, _center_for(request, center_pk))


# Deposits ----------------------------------------------------------------------------------------------

DEPOSIT_FORMS = {
    "pay": DepositForm,
    "refund": DepositForm,
    "ratio": RatioForm,
    "payment": PartsPaymentForm,
}


@role_required(*STOCK_ROLES)
def deposits(request, center_pk):
    center = _center_for(request, center_pk)
    return _deposits_page(request, center)


def _deposits_page(request, center, *, bound=None, status=200):
    """The deposit ledger and the credit ledger of a centre; the manager's forms (one of them bound when
    a post failed)."""
    dpage, _size = page_and_size(request, param="dpage", sizes=PAGE_SIZES, default=LEDGER_PAGE_SIZE)
    cpage, _size = page_and_size(request, param="cpage", sizes=PAGE_SIZES, default=LEDGER_PAGE_SIZE)
    size = LEDGER_PAGE_SIZE
    deposit_rows = selectors.deposit_ledger(center=center, offset=(dpage - 1) * size, limit=size + 1)
    credit_rows = selectors.credit_ledger(center=center, offset=(cpage - 1) * size, limit=size + 1)
    for row in credit_rows:
        row.work_order_url = _work_order_url(row.work_order) if row.work_order_id else None
    forms = None
    if has_role(request.user, Role.MANAGER):
        forms = {op: cls(prefix=op) for op, cls in DEPOSIT_FORMS.items()}
        forms["ratio"] = RatioForm(
            prefix="ratio", initial={"leverage_ratio": selectors.deposit_account(center).leverage_ratio}
        )
        if bound is not None:
            forms[bound[0]] = bound[1]
    by_kind = selectors.credit_totals(center)
    params = request.GET.copy()
    for key in ("dpage", "cpage"):
        params.pop(key, None)
    return render(
        request,
        "inventory/stock/deposits.html",
        {
            "center": center,
            "credit": selectors.credit_summary(center),
            "deposit_rows": deposit_rows[:size],
            "deposit_has_next": len(deposit_rows) > size,
            "credit_rows": credit_rows[:size],
            "credit_has_next": len(credit_rows) > size,
            "dpage": dpage,
            "cpage": cpage,
            "credit_by_kind": [(kind, label, by_kind.get(kind)) for kind, label in CreditEntryKind.choices],
            "deposit_kinds": DepositEntryKind,
            "forms": forms,
            "open_op": bound[0] if bound else None,
            "other_centers": selectors.other_centers(user=request.user, center=center),
        },
        status=status,
    )


@role_required(Role.MANAGER)
def deposit_action(request, center_pk, op):
    """Pay deposit, refund deposit, change the leverage ratio, record a parts payment (manager only)."""
    if request.method != "POST":
        return redirect("inventory:deposits", center_pk=center_pk)
    center = _center_for(request, center_pk)
    if op not in DEPOSIT_FORMS:
        raise Http404
    form = DEPOSIT_FORMS[op](request.POST, prefix=op)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if op == "pay":
                entry = services.deposit_pay(
                    center=center,
                    amount=data["amount"],
                    reference=data["reference"].strip(),
                    note=data["note"].strip(),
                    via_settlement=data["via_settlement"],
                    acting_user=request.user,
                )
                message = _("Deposit of %(amount)s yuan received; deposit now %(balance)s yuan.") % {
                    "amount": entry.amount,
                    "balance": entry.balance_after,
                }
            elif op == "refund":
                entry = services.deposit_refund(
                    center=center,
                    amount=data["amount"],
                    reference=data["reference"].strip(),
                    note=data["note"].strip(),
                    via_settlement=data["via_settlement"],
                    acting_user=request.user,
                )
                message = _("%(amount)s yuan of deposit refunded; deposit now %(balance)s yuan.") % {
                    "amount": -entry.amount,
                    "balance": entry.balance_after,
                }
            elif op == "ratio":
                account = services.deposit_set_ratio(
                    center=center, ratio=data["leverage_ratio"], acting_user=request.user
                )
                message = _("Leverage ratio set to %(ratio)s: parts credit now %(limit)s yuan.") % {
                    "ratio": account.leverage_ratio.normalize(),
                    "limit": account.credit_limit,
                }
            else:
                entry = services.parts_payment_record(
                    center=center,
                    amount=data["amount"],
                    reference=data["reference"].strip(),
                    acting_user=request.user,
                )
                message = _("Parts payment of %(amount)s yuan recorded; credit used now %(used)s yuan.") % {
                    "amount": -entry.amount,
                    "used": entry.used_after,
                }
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, message)
            return redirect("inventory:deposits", center_pk=center.pk)
    return _deposits_page(request, center, bound=(op, form), status=400)
