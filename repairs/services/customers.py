"""New customers and units, registered inline at intake (and by dealers through the API)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.numbering import next_number
from aftersales.validators import normalize_phone, validate_phone
from warranty.models import WarrantyPolicy

from ..models import (
    Customer,
    CustomerAddress,
    CustomerPhone,
    ProductUnit,
)

# New customers and units, registered inline at intake ------------------------------------------------


def customer_register(
    *, name: str, phone: str, region, address_detail: str, acting_user, now: dt.datetime | None = None
) -> Customer:
    """A new customer with a primary phone and address (the hotline's "new customer")."""

    now = now or timezone.now()
    errors = {}
    if not (name or "").strip():
        errors["name"] = _("Enter the customer's name.")
    try:
        validate_phone(phone)
    except ValidationError as exc:
        errors["phone"] = exc.messages
    if region is None:
        errors["region"] = _("Choose the district of the address.")
    if not (address_detail or "").strip():
        errors["address_detail"] = _("Enter the street address.")
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        customer = Customer.objects.create(
            number=next_number("KH", day=timezone.localdate(now)), name=name.strip(), created_at=now
        )
        CustomerPhone.objects.create(customer=customer, number=normalize_phone(phone), is_primary=True)
        CustomerAddress.objects.create(
            customer=customer, region=region, detail=address_detail.strip(), is_primary=True
        )
    return customer


def unit_register(*, owner: Customer, dealer=None, visible_to=None, **fields) -> ProductUnit:
    """A unit the customer owns, validated as the foundation says (IMEI check digit, dates, invoice), of a
    category the 三包 rules cover on its sale date. `visible_to`: the registering user when they may not see
    every unit (a dealer) — a serial or IMEI of a unit outside their scope is then only "cannot be
    registered", never "already registered for this model"."""

    unit = ProductUnit(owner=owner, dealer=dealer, **fields)
    errors = {}
    own = ProductUnit.objects.for_user(visible_to) if visible_to is not None else ProductUnit.objects.all()
    taken = _("This serial number or IMEI cannot be registered: check it, or call the after-sales hotline.")
    if unit.imei and ProductUnit.objects.filter(imei=unit.imei).exists():
        errors["imei"] = (
            _("This IMEI is already registered: search for it instead of adding the unit again.")
            if own.filter(imei=unit.imei).exists()
            else taken
        )
    serial = (unit.serial_number or "").strip().upper()
    if serial and ProductUnit.objects.filter(model_id=unit.model_id, serial_number=serial).exists():
        errors["serial_number"] = (
            _(
                "This serial number is already registered for this model: search for it instead of adding it again."
            )
            if own.filter(model_id=unit.model_id, serial_number=serial).exists()
            else taken
        )
    if errors:
        raise ValidationError(errors)
    unit.full_clean()
    category = unit.model.category
    if not WarrantyPolicy.objects.effective_on(category.code, unit.sale_date or timezone.localdate()):
        raise ValidationError(
            {
                "model": _(
                    "No 三包 policy covers %(category)s sold on %(day)s: units of it cannot be registered "
                    "until the policy is set up (admin: 三包 policies)."
                )
                % {"category": category.local_name, "day": unit.sale_date or timezone.localdate()}
            }
        )
    try:
        with transaction.atomic():
            unit.save()
    except IntegrityError as exc:
        # The same unit registered by another request between the check above and this insert.
        field = "imei" if "product_unit_imei_unique" in str(exc) else "serial_number"
        if field == "serial_number" and "product_unit_serial_unique" not in str(exc):
            raise
        if (
            visible_to is not None
            and not own.filter(
                pk__in=ProductUnit.objects.filter(
                    Q(imei=unit.imei) if field == "imei" else Q(model_id=unit.model_id, serial_number=serial)
                ).values("pk")
            ).exists()
        ):
            raise ValidationError({field: taken}) from exc
        raise ValidationError({field: _("This unit was registered a moment ago: search for it.")}) from exc
    return unit
