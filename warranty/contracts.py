"""Maintenance contracts (保养合同, service type B): created as drafts, activated, renewed, cancelled with the
unused part refunded pro rata, expired by the daily job; instalments recorded as paid.

Every write locks the contract (and, where units are checked for overlap, the units, in primary-key order),
checks its guard under the lock, appends a ContractEvent and publishes `maintenance_contract.changed` so the
inspection plans follow."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales import events, sms
from aftersales.money import money
from aftersales.numbering import next_number
from network.choices import CenterTaskKind
from network.models import CenterTask

from .choices import CONTRACT_TRANSITIONS, ContractPaymentKind, ContractStatus, PaymentSchedule
from .models import ContractEvent, ContractPayment, MaintenanceContract, MaintenanceContractUnit
from .rules import add_months

CONTRACT_PREFIX = "BY"  # 保养
RENEWAL_NOTICE_DAYS = 30  # the responsible centre and the customer are told 30 days before the end
MAX_TERM_DAYS = 5 * 366  # a contract runs five years at most
MAX_PRICE = Decimal("9999999.99")
CENT = Decimal("0.01")
# Contracts that hold a unit: a new one may not overlap them.
HOLDING = (ContractStatus.DRAFT, ContractStatus.ACTIVE)


def instalment_days(*, starts_on: dt.date, ends_on: dt.date, schedule: str) -> list[dt.date]:
    """When each instalment is due: the start day, then every month or quarter after it, within the term."""
    if schedule == PaymentSchedule.ONCE:
        return [starts_on]
    step = 1 if schedule == PaymentSchedule.MONTHLY else 3
    days, n = [], 0
    while (day := add_months(starts_on, n * step)) <= ends_on:
        days.append(day)
        n += 1
    return days


def split_amount(total: Decimal, parts: int) -> list[Decimal]:
    """`total` in `parts` instalments of whole cents; the last takes the remainder, so they add up exactly."""
    share = (total / parts).quantize(CENT, rounding=ROUND_HALF_UP)
    if share * (parts - 1) > total:
        share = (total / parts).quantize(CENT, rounding="ROUND_DOWN")
    return [share] * (parts - 1) + [total - share * (parts - 1)]


def _event(contract, old: str, new: str, *, actor, now, note: str = "") -> None:
    ContractEvent.objects.create(
        contract=contract, from_status=old, to_status=new, actor=actor, at=now, note=note
    )


def _publish(contract, previous: str, now) -> None:
    events.publish(events.MAINTENANCE_CONTRACT_CHANGED, contract=contract, previous=previous, now=now)


def _overlapping(units: list, starts_on: dt.date, ends_on: dt.date, exclude_pk: int | None = None):
    return (
        MaintenanceContract.objects.filter(
            status__in=HOLDING, units__in=units, starts_on__lte=ends_on, ends_on__gte=starts_on
        )
        .exclude(pk=exclude_pk)
        .distinct()
        .order_by("number")
    )


def _refuse_overlap(units: list, starts_on: dt.date, ends_on: dt.date, exclude_pk: int | None = None) -> None:
    clash = list(_overlapping(units, starts_on, ends_on, exclude_pk))
    if clash:
        raise ValidationError(
            {
                "units": _(
                    "A unit is already covered in these dates by contract %(numbers)s: one contract per unit "
                    "at a time."
                )
                % {"numbers": "、".join(f"{c.number}（{c.starts_on} – {c.ends_on}）" for c in clash)}
            },
            code="contract_overlap",
        )


def _check_terms(
    *,
    customer,
    units,
    starts_on,
    ends_on,
    price_amount,
    annual_cap_amount,
    inspections_per_year,
    first_inspection_on,
    sold_by_dealer,
    sold_by_center,
    center,
) -> None:
    errors: dict[str, str] = {}
    if not units:
        errors["units"] = _("Name at least one unit the contract covers.")
    elif any(u.owner_id != customer.pk for u in units):
        errors["units"] = _("Every unit covered must belong to the contract's customer.")
    elif starts_on and (late := [u for u in units if u.sale_date and u.sale_date > starts_on]):
        errors["units"] = _(
            "A unit is covered from its sale on: %(units)s sold after the contract starts."
        ) % {"units": "、".join(f"{u.serial_number or u.imei}（{u.sale_date}）" for u in late[:5])}
    if starts_on and ends_on:
        if ends_on <= starts_on:
            errors["ends_on"] = _(
                "The contract cannot end before it starts (the end must come after the start)."
            )
        elif (ends_on - starts_on).days > MAX_TERM_DAYS:
            errors["ends_on"] = _("A contract runs five years at most.")
    if (
        price_amount is None
        or price_amount < 0
        or price_amount > MAX_PRICE
        or price_amount != price_amount.quantize(CENT)
    ):
        errors["price_amount"] = _(
            "The price is an amount in yuan from 0.00 to 9,999,999.99, with at most two decimal places."
        )
    if annual_cap_amount is not None and (
        annual_cap_amount < 0
        or annual_cap_amount > MAX_PRICE
        or annual_cap_amount != annual_cap_amount.quantize(CENT)
    ):
        errors["annual_cap_amount"] = _(
            "The cap is an amount in yuan from 0.00 to 9,999,999.99, with at most two decimal places, or empty."
        )
    if not inspections_per_year or inspections_per_year < 1 or inspections_per_year > 52:
        errors["inspections_per_year"] = _(
            "The visit plan needs 1 to 52 inspections a year (12 by the policy)."
        )
    if first_inspection_on and starts_on and ends_on and not (starts_on <= first_inspection_on <= ends_on):
        errors["first_inspection_on"] = _("The first inspection falls within the contract's term.")
    if bool(sold_by_dealer) == bool(sold_by_center):
        errors["sold_by"] = _("Name exactly one seller: a dealer or a service centre.")
    if center is None or not center.active:
        errors["center"] = _("The responsible centre must be an active centre under agreement.")
    if errors:
        raise ValidationError(errors)


def contract_create(
    *,
    customer,
    units: list,
    starts_on: dt.date,
    ends_on: dt.date,
    price_amount: Decimal,
    center,
    first_inspection_on: dt.date | None = None,
    payment_schedule: str = PaymentSchedule.ONCE,
    covers: str = "both",
    annual_cap_amount: Decimal | None = None,
    inspections_per_year: int = 12,
    visit_mode: str = "on_site",
    sold_by_dealer=None,
    sold_by_center=None,
    renews: MaintenanceContract | None = None,
    acting_user=None,
    now: dt.datetime | None = None,
) -> MaintenanceContract:
    """A draft contract with its instalments. Refused (ValidationError, in Chinese, nothing written) for an
    end before the start, a negative price, a plan with no visit, units of another customer, or a unit
    another draft or active contract covers in overlapping dates."""
    now = now or timezone.now()
    first_inspection_on = first_inspection_on or starts_on
    units = list(units)
    _check_terms(
        customer=customer,
        units=units,
        starts_on=starts_on,
        ends_on=ends_on,
        price_amount=price_amount,
        annual_cap_amount=annual_cap_amount,
        inspections_per_year=inspections_per_year,
        first_inspection_on=first_inspection_on,
        sold_by_dealer=sold_by_dealer,
        sold_by_center=sold_by_center,
        center=center,
    )
    price_amount = money(price_amount)
    with transaction.atomic():
        # The units, locked in a fixed order: two contracts for the same unit are checked one after the other.
        locked = list(
            type(units[0]).objects.select_for_update().filter(pk__in=[u.pk for u in units]).order_by("pk")
        )
        _refuse_overlap(locked, starts_on, ends_on)
        contract = MaintenanceContract.objects.create(
            number=next_number(CONTRACT_PREFIX, day=timezone.localdate(now)),
            customer=customer,
            starts_on=starts_on,
            ends_on=ends_on,
            price_amount=price_amount,
            payment_schedule=payment_schedule,
            covers=covers,
            annual_cap_amount=money(annual_cap_amount) if annual_cap_amount is not None else None,
            inspections_per_year=inspections_per_year,
            first_inspection_on=first_inspection_on,
            visit_mode=visit_mode,
            sold_by_dealer=sold_by_dealer,
            sold_by_center=sold_by_center,
            center=center,
            renews=renews,
            created_at=now,
            created_by=acting_user,
        )
        MaintenanceContractUnit.objects.bulk_create(
            [MaintenanceContractUnit(contract=contract, unit=u) for u in locked]
        )
        days = instalment_days(starts_on=starts_on, ends_on=ends_on, schedule=payment_schedule)
        ContractPayment.objects.bulk_create(
            [
                ContractPayment(contract=contract, due_on=day, amount=amount)
                for day, amount in zip(days, split_amount(price_amount, len(days)), strict=True)
            ]
        )
        _event(contract, "", ContractStatus.DRAFT, actor=acting_user, now=now)
        _publish(contract, "", now)
    return contract


def _lock(contract: MaintenanceContract) -> MaintenanceContract:
    return MaintenanceContract.objects.select_for_update().get(pk=contract.pk)


def _guard(contract: MaintenanceContract, to_status: str) -> None:
    if to_status not in CONTRACT_TRANSITIONS[contract.status]:
        raise ValidationError(
            {
                "status": _("Contract %(number)s is %(status)s: it cannot become %(to)s.")
                % {
                    "number": contract.number,
                    "status": contract.get_status_display(),
                    "to": ContractStatus(to_status).label,
                }
            },
            code="contract_transition",
        )


def contract_activate(*, contract: MaintenanceContract, acting_user=None, now=None) -> MaintenanceContract:
    """Draft → active (the customer signed): checked again for overlap under the units' locks."""
    now = now or timezone.now()
    with transaction.atomic():
        contract = _lock(contract)
        _guard(contract, ContractStatus.ACTIVE)
        if contract.ends_on < timezone.localdate(now):
            raise ValidationError({"status": _("This contract's term is over: it cannot be activated.")})
        units = list(contract.units.select_for_update().order_by("pk"))
        _refuse_overlap(units, contract.starts_on, contract.ends_on, exclude_pk=contract.pk)
        previous = contract.status
        contract.status, contract.activated_at = ContractStatus.ACTIVE, now
        contract.save(update_fields=["status", "activated_at"])
        _event(contract, previous, contract.status, actor=acting_user, now=now)
        _publish(contract, previous, now)
    return contract


def paid_total(contract: MaintenanceContract) -> Decimal:
    return money(
        contract.payments.filter(kind=ContractPaymentKind.INSTALMENT, paid_at__isnull=False).aggregate(
            s=Sum("amount")
        )["s"]
        or 0
    )


def unused_share(contract: MaintenanceContract, day: dt.date) -> tuple[int, int]:
    """(days left after `day`, days of the term): the term counts its first and last days; the cancellation
    day is used."""
    term = (contract.ends_on - contract.starts_on).days + 1
    if day < contract.starts_on:
        return term, term
    return max((contract.ends_on - day).days, 0), term


def refund_due(contract: MaintenanceContract, day: dt.date) -> Decimal:
    """The unused part of what was paid, pro rata by days: paid − price × days used / days of the term,
    never below 0.00 (rounded half up to the cent)."""
    unused, term = unused_share(contract, day)
    used_value = (contract.price_amount * (term - unused) / term).quantize(CENT, rounding=ROUND_HALF_UP)
    return max(paid_total(contract) - used_value, Decimal("0.00"))


def contract_cancel(
    *, contract: MaintenanceContract, reason: str, acting_user=None, method: str = "", now=None
) -> MaintenanceContract:
    """Draft or active → cancelled, with a reason. An active contract refunds the unused part of what was
    paid pro rata (recorded as a refund payment); instalments not yet paid are no longer due."""
    now = now or timezone.now()
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the contract is cancelled.")}, code="reason_missing")
    today = timezone.localdate(now)
    with transaction.atomic():
        contract = _lock(contract)
        _guard(contract, ContractStatus.CANCELLED)
        previous = contract.status
        note = reason[:200]
        if previous == ContractStatus.ACTIVE:
            refund = refund_due(contract, today)
            contract.payments.filter(kind=ContractPaymentKind.INSTALMENT, paid_at__isnull=True).delete()
            if refund > 0:
                ContractPayment.objects.create(
                    contract=contract,
                    kind=ContractPaymentKind.REFUND,
                    due_on=today,
                    amount=refund,
                    method=method[:40],
                    recorded_by=acting_user,
                )
            unused, term = unused_share(contract, today)
            note = f"{note}（{_('refund')} ¥{refund}: {unused}/{term}）"
        else:
            contract.payments.filter(paid_at__isnull=True).delete()
        contract.status, contract.cancelled_at, contract.cancel_reason = (
            ContractStatus.CANCELLED,
            now,
            reason[:200],
        )
        contract.save(update_fields=["status", "cancelled_at", "cancel_reason"])
        _event(contract, previous, contract.status, actor=acting_user, now=now, note=note)
        _publish(contract, previous, now)
    return contract


def contract_payment_record(
    *, payment: ContractPayment, acting_user=None, method: str = "", reference: str = "", now=None
) -> ContractPayment:
    """An instalment (or a refund) paid: once."""
    now = now or timezone.now()
    with transaction.atomic():
        payment = ContractPayment.objects.select_for_update().select_related("contract").get(pk=payment.pk)
        if payment.paid_at is not None:
            raise ValidationError(
                {"payment": _("This payment is already recorded as paid.")}, code="already_paid"
            )
        if (
            payment.contract.status == ContractStatus.CANCELLED
            and payment.kind == ContractPaymentKind.INSTALMENT
        ):
            raise ValidationError({"payment": _("The contract is cancelled: no instalment is due.")})
        payment.paid_at, payment.method, payment.reference = now, method.strip()[:40], reference.strip()[:60]
        payment.recorded_by = acting_user
        payment.save(update_fields=["paid_at", "method", "reference", "recorded_by"])
    return payment


def contract_renew(
    *, contract: MaintenanceContract, price_amount: Decimal | None = None, acting_user=None, now=None
) -> MaintenanceContract:
    """A draft renewal: the same customer, units, cover and visit plan, from the day after the end for a term
    as long as the last one; linked to the contract it renews (once)."""
    now = now or timezone.now()
    with transaction.atomic():
        # Locked, as it is now: two clerks renewing at once make one renewal.
        contract = _lock(contract)
        if MaintenanceContract.objects.filter(renews=contract).exists():
            raise ValidationError(
                {"renews": _("This contract already has a renewal.")}, code="already_renewed"
            )
        if contract.status not in (ContractStatus.ACTIVE, ContractStatus.EXPIRED):
            raise ValidationError({"renews": _("Only an active or expired contract is renewed.")})
        return _renewal(contract, price_amount, acting_user, now)


def _renewal(contract, price_amount, acting_user, now) -> MaintenanceContract:
    starts_on = contract.ends_on + dt.timedelta(days=1)
    ends_on = starts_on + (contract.ends_on - contract.starts_on)
    return contract_create(
        customer=contract.customer,
        units=list(contract.units.order_by("pk")),
        starts_on=starts_on,
        ends_on=ends_on,
        price_amount=contract.price_amount if price_amount is None else price_amount,
        center=contract.center,
        first_inspection_on=starts_on,
        payment_schedule=contract.payment_schedule,
        covers=contract.covers,
        annual_cap_amount=contract.annual_cap_amount,
        inspections_per_year=contract.inspections_per_year,
        visit_mode=contract.visit_mode,
        sold_by_dealer=contract.sold_by_dealer,
        sold_by_center=contract.sold_by_center,
        renews=contract,
        acting_user=acting_user,
        now=now,
    )


def contracts_expire(*, now=None) -> int:
    """Active contracts whose last day has passed become expired (the daily job)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    done = 0
    for pk in MaintenanceContract.objects.filter(status=ContractStatus.ACTIVE, ends_on__lt=today).values_list(
        "pk", flat=True
    ):
        with transaction.atomic():
            contract = MaintenanceContract.objects.select_for_update().get(pk=pk)
            if contract.status != ContractStatus.ACTIVE or contract.ends_on >= today:
                continue
            contract.status = ContractStatus.EXPIRED
            contract.save(update_fields=["status"])
            _event(contract, ContractStatus.ACTIVE, ContractStatus.EXPIRED, actor=None, now=now)
            _publish(contract, ContractStatus.ACTIVE, now)
            done += 1
    return done


def renewal_text(contract: MaintenanceContract) -> str:
    return (
        f"【售后服务】您的保养合同 {contract.number} 将于 {contract.ends_on:%Y年%m月%d日} 到期。"
        f"如需续签，{contract.center.name} 将与您联系，电话 {contract.center.phone_display}。"
    )


def contract_renewal_tasks(*, now=None) -> int:
    """Contracts ending within 30 days and not renewed: the responsible centre gets a renewal task and the
    customer an SMS — once per contract (the task's (kind, subject) is unique, so a second run, or two at
    once, adds nothing)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    due = MaintenanceContract.objects.filter(
        status=ContractStatus.ACTIVE,
        ends_on__gte=today,
        ends_on__lte=today + dt.timedelta(days=RENEWAL_NOTICE_DAYS),
        renewed_by__isnull=True,
    ).select_related("center", "customer")
    created = 0
    for contract in due:
        with transaction.atomic():
            task, made = CenterTask.objects.get_or_create(
                kind=CenterTaskKind.CONTRACT_RENEWAL,
                subject_key=f"contract:{contract.pk}",
                defaults={
                    "center": contract.center,
                    "title": _("Renew maintenance contract %(number)s (ends %(day)s)")
                    % {"number": contract.number, "day": contract.ends_on},
                    "link": f"/contracts/{contract.pk}/",
                    "due_on": contract.ends_on,
                    "created_at": now,
                },
            )
            if made:
                created += 1
                phone = (
                    contract.customer.phones.order_by("-is_primary", "pk")
                    .values_list("number", flat=True)
                    .first()
                )
                if phone:
                    transaction.on_commit(partial(sms.send_sms, phone, renewal_text(contract)), robust=True)
    return created


def fees_by_center(*, centers=None, since: dt.date | None = None, until: dt.date | None = None):
    """Contract fees due and paid per responsible centre (the contracts page's summary)."""
    rows = ContractPayment.objects.filter(kind=ContractPaymentKind.INSTALMENT)
    if centers is not None:
        rows = rows.filter(contract__center__in=centers)
    if since:
        rows = rows.filter(due_on__gte=since)
    if until:
        rows = rows.filter(due_on__lte=until)
    return (
        rows.values("contract__center__code", "contract__center__name")
        .annotate(
            due=Sum("amount"),
            paid=Sum("amount", filter=Q(paid_at__isnull=False)),
            outstanding=Sum("amount", filter=Q(paid_at__isnull=True)),
        )
        .order_by("contract__center__code")
    )
