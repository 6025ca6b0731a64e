"""Maintenance contracts (保养合同, service type B): the list with the fees due and paid per centre, a new
contract, and a contract's page with its steps (activate, record a payment, renew, cancel with a pro-rata
refund).

Scope: the hotline and managers every contract; a supervisor those of their centres (responsible or
selling); others answer 404. Writes: managers, dispatchers, and the supervisors of the responsible centre.
Every write calls warranty.contracts; a refused one keeps what was typed and says why in Chinese."""

from __future__ import annotations

import re

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.paging import page_window
from aftersales.parsing import parse_amount, parse_day, parse_int
from aftersales.roles import Role, has_role, role_required, supervises
from aftersales.web_errors import error_dict, flash_errors
from network.models import Dealer, ServiceCenter
from repairs.models import Customer, ProductUnit
from warranty import contracts as services
from warranty.choices import ContractCover, ContractStatus, PaymentSchedule, VisitMode
from warranty.filters import MaintenanceContractFilterSet
from warranty.models import ContractPayment, MaintenanceContract

READERS = (Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER)
MAX_UNITS = 200  # serial numbers on one contract (an office's air conditioners)


def _scope(user):
    return MaintenanceContract.objects.for_user(user)


def _may_write(user, contract: MaintenanceContract | None = None) -> bool:
    if has_role(user, Role.MANAGER, Role.DISPATCHER):
        return True
    return contract is not None and supervises(user, contract.center)


@role_required(*READERS)
def contract_list(request):
    rows = _scope(request.user).select_related("customer", "center", "sold_by_dealer", "sold_by_center")
    filterset = MaintenanceContractFilterSet(request.GET, queryset=rows.order_by("-created_at", "-pk"))
    errors = {}
    if filterset.is_valid():
        rows = filterset.qs
    else:
        errors = filterset.errors
        rows = rows.order_by("-created_at", "-pk")
    centers = (
        None
        if has_role(request.user, Role.MANAGER, Role.DISPATCHER)
        else request.user.supervised_centers.all()
    )
    context = page_window(request, rows)
    context.update(
        {
            "filterset": filterset,
            "filter_errors": errors,
            "statuses": ContractStatus.choices,
            "fees": list(services.fees_by_center(centers=centers)),
            "may_create": has_role(request.user, Role.MANAGER, Role.DISPATCHER, Role.SUPERVISOR),
        }
    )
    return render(request, "network/contracts/list.html", context)


SERIALS = re.compile(r"[\s,，;；、]+")


def _form_defaults(request) -> dict:
    today = timezone.localdate()
    return {
        "customer": "",
        "serials": "",
        "starts_on": today.isoformat(),
        "ends_on": "",
        "price_amount": "",
        "payment_schedule": PaymentSchedule.ONCE,
        "covers": ContractCover.BOTH,
        "annual_cap_amount": "",
        "inspections_per_year": "12",
        "first_inspection_on": "",
        "visit_mode": VisitMode.ON_SITE,
        "seller": "",
        "center": "",
    }


def _read_form(request, form: dict) -> tuple[dict, dict]:
    """The typed values → the service's arguments, and {field: [message]} for what cannot be read."""
    errors: dict[str, list[str]] = {}
    args: dict = {}
    customer = Customer.objects.for_user(request.user).filter(number=form["customer"][:20]).first()
    if not form["customer"]:
        errors["customer"] = [_("Enter the customer's number (on the customer's page).")]
    elif customer is None:
        errors["customer"] = [_("No customer with this number.")]
    serials = [s for s in SERIALS.split(form["serials"].replace("\x00", "")) if s][: MAX_UNITS + 1]
    if not serials:
        errors["serials"] = [_("Name at least one unit the contract covers.")]
    elif len(serials) > MAX_UNITS:
        errors["serials"] = [_("At most 200 units on one contract.")]
    elif customer is not None:
        units = list(
            ProductUnit.objects.filter(owner=customer).filter(
                Q(serial_number__in=serials) | Q(imei__in=serials)
            )
        )
        found = {u.serial_number for u in units} | {u.imei for u in units if u.imei}
        unknown = [s for s in serials if s not in found]
        if unknown:
            errors["serials"] = [
                _("These are not units of this customer: %(serials)s") % {"serials": "、".join(unknown[:10])}
            ]
        args["units"] = units
    for field, label in (("starts_on", _("start")), ("ends_on", _("end"))):
        day = parse_day(form[field])
        if not form[field]:
            errors[field] = [_("Give the %(what)s.") % {"what": label}]
        elif day is None:
            errors[field] = [_("Give the %(what)s as a date (YYYY-MM-DD).") % {"what": label}]
        args[field] = day
    first = form["first_inspection_on"].strip()
    args["first_inspection_on"] = parse_day(first) if first else None
    if first and args["first_inspection_on"] is None:
        errors["first_inspection_on"] = [_("Give the first inspection as a date (YYYY-MM-DD).")]
    price = parse_amount(form["price_amount"])
    if not form["price_amount"]:
        errors["price_amount"] = [_("Give the contract's price in yuan.")]
    elif price is None:
        errors["price_amount"] = [
            _("The price is an amount in yuan from 0.00 to 9,999,999.99, with at most two decimal places.")
        ]
    args["price_amount"] = price
    cap = form["annual_cap_amount"].strip()
    args["annual_cap_amount"] = parse_amount(cap) if cap else None
    if cap and args["annual_cap_amount"] is None:
        errors["annual_cap_amount"] = [
            _(
                "The cap is an amount in yuan from 0.00 to 9,999,999.99, with at most two decimal places, or empty."
            )
        ]
    visits = parse_int(form["inspections_per_year"], low=0, high=10_000)
    if visits is None:
        errors["inspections_per_year"] = [
            _("The visit plan needs 1 to 52 inspections a year (12 by the policy).")
        ]
    args["inspections_per_year"] = visits
    for field, choices in (
        ("payment_schedule", PaymentSchedule),
        ("covers", ContractCover),
        ("visit_mode", VisitMode),
    ):
        if form[field] not in choices.values:
            errors[field] = [_("Choose one of the options.")]
        args[field] = form[field]
    centers = ServiceCenter.objects.for_user(request.user)
    args["center"] = centers.filter(code=form["center"][:20], active=True).first()
    if args["center"] is None:
        errors["center"] = [_("Choose the responsible centre (an active centre).")]
    seller = form["seller"][:24]
    if seller.startswith("dealer:"):
        args["sold_by_dealer"] = Dealer.objects.filter(code=seller[7:], active=True).first()
        ok = args["sold_by_dealer"] is not None
    elif seller.startswith("center:"):
        args["sold_by_center"] = centers.filter(code=seller[7:]).first()
        ok = args["sold_by_center"] is not None
    else:
        ok = False
    if not ok:
        errors["seller"] = [_("Name exactly one seller: a dealer or a service centre.")]
    if customer is not None:
        args["customer"] = customer
    return args, errors


@role_required(Role.MANAGER, Role.DISPATCHER, Role.SUPERVISOR)
def contract_new(request):
    form = _form_defaults(request)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        form = {k: (request.POST.get(k) or "").strip() for k in form}
        args, errors = _read_form(request, form)
        if not errors and not _may_write(request.user) and not supervises(request.user, args["center"]):
            errors["center"] = [_("A supervisor makes contracts for their own centre only.")]
        if not errors:
            try:
                contract = services.contract_create(acting_user=request.user, **args)
            except ValidationError as exc:
                errors = error_dict(exc, rest="form")
            else:
                messages.success(
                    request, _("Contract %(number)s saved as a draft.") % {"number": contract.number}
                )
                return redirect("contracts:detail", contract.pk)
    centers = ServiceCenter.objects.for_user(request.user).filter(active=True).order_by("code")
    return render(
        request,
        "network/contracts/new.html",
        {
            "form": form,
            "errors": errors,
            "centers": centers,
            "dealers": Dealer.objects.filter(active=True).order_by("code"),
            "schedules": PaymentSchedule.choices,
            "covers": ContractCover.choices,
            "modes": VisitMode.choices,
        },
        status=400 if errors else 200,
    )


@role_required(*READERS)
def contract_detail(request, pk: int):
    contract = get_object_or_404(
        _scope(request.user).select_related(
            "customer", "center", "sold_by_dealer", "sold_by_center", "renews", "created_by"
        ),
        pk=pk,
    )
    today = timezone.localdate()
    labels = dict(ContractStatus.choices)
    events = list(contract.events.select_related("actor").order_by("at", "pk"))
    for e in events:
        e.from_label, e.to_label = labels.get(e.from_status, ""), labels.get(e.to_status, e.to_status)
    return render(
        request,
        "network/contracts/detail.html",
        {
            "contract": contract,
            "units": contract.units.select_related("model__category").order_by("pk"),
            "payments": contract.payments.select_related("recorded_by").order_by("due_on", "pk"),
            "events": events,
            "renewal": MaintenanceContract.objects.filter(renews=contract).first(),
            "may_write": _may_write(request.user, contract),
            "refund": services.refund_due(contract, today)
            if contract.status == ContractStatus.ACTIVE
            else None,
            "paid": services.paid_total(contract),
            "today": today,
        },
    )


def _contract_for_write(request, pk: int) -> MaintenanceContract:
    contract = get_object_or_404(_scope(request.user).select_related("center"), pk=pk)
    if not _may_write(request.user, contract):
        raise ValidationError(
            _("Only the office or the responsible centre's supervisor changes this contract.")
        )
    return contract


def _step(request, pk: int, run) -> object:
    try:
        contract = _contract_for_write(request, pk)
        run(contract)
    except ValidationError as exc:
        flash_errors(request, exc)
    return redirect("contracts:detail", pk)


@require_POST
@role_required(*READERS)
def contract_activate_view(request, pk: int):
    def run(contract):
        services.contract_activate(contract=contract, acting_user=request.user)
        messages.success(request, _("The contract is active."))

    return _step(request, pk, run)


@require_POST
@role_required(*READERS)
def contract_cancel_view(request, pk: int):
    def run(contract):
        services.contract_cancel(
            contract=contract,
            reason=(request.POST.get("reason") or "")[:200],
            method=(request.POST.get("method") or "")[:40],
            acting_user=request.user,
        )
        messages.success(request, _("The contract is cancelled."))

    return _step(request, pk, run)


@require_POST
@role_required(*READERS)
def contract_renew_view(request, pk: int):
    def run(contract):
        renewal = services.contract_renew(contract=contract, acting_user=request.user)
        messages.success(request, _("Renewal %(number)s saved as a draft.") % {"number": renewal.number})

    return _step(request, pk, run)


@require_POST
@role_required(*READERS)
def contract_payment_view(request, pk: int, payment_pk: int):
    def run(contract):
        payment = get_object_or_404(ContractPayment, pk=payment_pk, contract=contract)
        services.contract_payment_record(
            payment=payment,
            method=(request.POST.get("method") or "")[:40],
            reference=(request.POST.get("reference") or "")[:60],
            acting_user=request.user,
        )
        messages.success(request, _("Payment recorded."))

    return _step(request, pk, run)
