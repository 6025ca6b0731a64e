"""The customer reports a fault on their own pages, and registers a unit on the way: the portal's service,
composing the register's (repairs.services: the call with its 三包 decision, taken as for the hotline; the
customer, the unit, the photos). Everything is read and written within the account's scope (portal.access).

A web call is logged "to confirm": a dispatcher checks its details with the customer by phone
(repairs.services.repair_call_confirm), as the maker's procedure has doubtful facts checked before the visit.
Nothing is saved when anything is refused; photo files written before a refusal are deleted."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from network.models import Region
from repairs import services
from repairs.choices import OPEN_STATUSES, CallChannel
from repairs.models import CustomerAddress, FaultSymptom, ProductModel, ProductUnit, RepairCall

from .access import calls_of, customers_of, units_of
from .models import PortalAccount

# The visit windows a customer may ask for, within the service hours of the maker's standard (8:00–20:00).
SLOTS = (
    ("morning", gettext_lazy("Morning 9:00–12:00"), dt.time(9), dt.time(12)),
    ("afternoon", gettext_lazy("Afternoon 13:00–18:00"), dt.time(13), dt.time(18)),
    ("evening", gettext_lazy("Evening 18:00–20:00"), dt.time(18), dt.time(20)),
)
WINDOW_DAYS = 14  # today and the 13 days after it
WINDOW_LEAD = dt.timedelta(hours=1)  # a window must start at least this long after the report
PURCHASE_MAX_YEARS = 20
SYMPTOM_TEXT_MAX = RepairCall._meta.get_field("symptom_text").max_length


# The visit window --------------------------------------------------------------------------------------


def window_days(now: dt.datetime) -> list[dt.date]:
    today = timezone.localdate(now)
    return [today + dt.timedelta(days=n) for n in range(WINDOW_DAYS)]


def slot_window(day: dt.date, slot: str) -> tuple[dt.datetime, dt.datetime]:
    _code, _label, start, end = next(s for s in SLOTS if s[0] == slot)
    return (
        timezone.make_aware(dt.datetime.combine(day, start)),
        timezone.make_aware(dt.datetime.combine(day, end)),
    )


def window_check(day: dt.date | None, slot: str, now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The window asked for, or ValidationError({"window": …}): a day and a slot, not in the past (nor
    starting within the hour), within the next WINDOW_DAYS days."""
    if day is None or slot not in {s[0] for s in SLOTS}:
        raise ValidationError({"window": _("Choose a day and a time for the visit.")})
    start, end = slot_window(day, slot)
    if start < now + WINDOW_LEAD:
        raise ValidationError({"window": _("That time has passed or is too soon: choose a later one.")})
    if day > window_days(now)[-1]:
        raise ValidationError({"window": _("Choose a day within the next %(n)s days.") % {"n": WINDOW_DAYS}})
    return start, end


# What the report page offers -----------------------------------------------------------------------------


def report_options(account: PortalAccount, *, now: dt.datetime | None = None) -> dict:
    """The account's units (each with its open call, if any), the symptoms of their categories, the
    account's addresses, the districts, the days and the slots — a fixed number of queries."""
    now = now or timezone.now()
    units = list(units_of(account).select_related("model__category").order_by("-created_at", "-pk"))
    open_calls: dict[int, RepairCall] = {}
    for call in (
        calls_of(account)
        .filter(unit__in=[u.pk for u in units], work_orders__status__in=OPEN_STATUSES)
        .distinct()
        .order_by("logged_at")
    ):
        open_calls[call.unit_id] = call
    for unit in units:
        unit.open_call = open_calls.get(unit.pk)
    categories = {u.model.category_id: u.model.category for u in units}
    symptoms: dict[int, list[FaultSymptom]] = {}
    for symptom in FaultSymptom.objects.filter(category_id__in=list(categories)):
        symptoms.setdefault(symptom.category_id, []).append(symptom)
    return {
        "units": units,
        "symptom_groups": [(categories[c], rows) for c, rows in symptoms.items()],
        "addresses": account_addresses(account),
        "district_groups": district_groups(),
        "days": window_days(now),
        "slots": [(code, label) for code, label, _start, _end in SLOTS],
    }


def account_addresses(account: PortalAccount):
    return list(
        CustomerAddress.objects.filter(customer__in=customers_of(account).values("pk"))
        .select_related("region__parent__parent")
        .order_by("-is_primary", "pk")
    )


def district_groups() -> list[tuple[str, list[Region]]]:
    """The districts under their city (the hotline's list of districts, grouped for a phone's picker)."""
    groups: dict[str, list[Region]] = {}
    for district in Region.objects.filter(level="district").select_related("parent__parent").order_by("code"):
        city = district.parent
        groups.setdefault(city.full_name if city else "", []).append(district)
    return list(groups.items())


def open_work_order(call: RepairCall):
    """The call's open work order (the one whose page the customer follows)."""
    return call.work_orders.filter(status__in=OPEN_STATUSES).order_by("pk").first()


# Reporting a fault ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportInput:
    unit: ProductUnit | None = None
    symptom: FaultSymptom | None = None
    symptom_text: str = ""
    day: dt.date | None = None
    slot: str = ""
    address: CustomerAddress | None = None  # one of the account's; None: the new one below
    new_region: Region | None = None
    new_detail: str = ""
    photos: Sequence = field(default_factory=tuple)


def web_call_report(
    *, account: PortalAccount, data: ReportInput, now: dt.datetime | None = None
) -> RepairCall:
    """Logs the customer's call (channel web, to confirm) with its first work order, the 三包 decision taken as
    for the hotline, the preferred window and the photos. Raises ValidationError keyed by the form's fields,
    or repairs.services.DuplicateCall when the unit has an open call; nothing is saved then."""
    now = now or timezone.now()
    unit = data.unit
    if unit is not None and not units_of(account).filter(pk=unit.pk).exists():
        raise ValidationError({"unit": _("Choose one of your products.")})
    errors: dict[str, list[str]] = {}

    def add(key, message):
        errors.setdefault(key, []).append(message)

    if unit is None:
        add("unit", _("Choose the product that has the fault."))

    text = (data.symptom_text or "").strip()
    if data.symptom is None and not text:
        add("symptom_text", _("Describe the fault: pick a common problem or say what happens."))
    if len(text) > SYMPTOM_TEXT_MAX:
        add("symptom_text", _("At most %(n)s characters.") % {"n": SYMPTOM_TEXT_MAX})
    if unit is not None and data.symptom is not None and data.symptom.category_id != unit.model.category_id:
        add("symptom", _("This problem is not one of this product's: choose another or describe it."))
    window = None
    try:
        window = window_check(data.day, data.slot, now)
    except ValidationError as exc:
        add("window", exc.message_dict["window"][0])
    address = data.address
    if address is not None and address not in account_addresses(account):
        add("address", _("Choose one of your addresses, or enter a new one."))
    if address is None:
        if data.new_region is None:
            add("region", _("Choose the district of the address."))
        if not (data.new_detail or "").strip():
            add("address_detail", _("Enter the street address."))
    for problem in services.photo_problems(list(data.photos)):
        add("photos", problem)
    if errors:
        raise ValidationError(errors)

    saved_files: list = []
    try:
        with transaction.atomic():
            if address is None:
                address = services.customer_address_add(
                    customer=unit.owner, region=data.new_region, detail=data.new_detail
                )
            call = services.repair_call_register(
                customer=unit.owner,
                unit=unit,
                caller_name=unit.owner.name,
                caller_phone=account.phone,
                service_region=address.region,
                service_address=address.detail,
                symptom=data.symptom,
                symptom_text=text,
                channel=CallChannel.WEB,
                preferred_start=window[0],
                preferred_end=window[1],
                acting_user=account.user,
                now=now,
            )
            services.repair_call_photos_attach(
                call=call, photos=list(data.photos), saved_files=saved_files, now=now
            )
    except BaseException:
        for stored in saved_files:  # the rows went with the rollback: so go their files
            stored.storage.delete(stored.name)
        raise
    return call


# Registering a unit --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class UnitInput:
    model: ProductModel | None = None
    model_code: str = ""  # the model number typed instead of picking the model
    identifier: str = ""  # the serial number, or a phone's IMEI
    purchase_date: dt.date | None = None
    invoice_photo: object | None = None
    invoice_number: str = ""
    owner: object | None = None  # one of the account's customers (a family shares a number)
    name: str = ""  # a number the hotline never saw: the customer's name and address
    region: Region | None = None
    address_detail: str = ""


# Where unit_register's and customer_register's errors show on the form.
UNIT_FIELDS = {
    "imei": "identifier",
    "serial_number": "identifier",
    "sale_date": "purchase_date",
    "invoice_date": "purchase_date",
    "factory_date": "purchase_date",
    "phone": "name",
}


def model_find(model: ProductModel | None, code: str) -> ProductModel:
    if model is not None:
        return model
    code = (code or "").strip()
    if not code:
        raise ValidationError({"model": _("Choose the model, or type the model number on the rating plate.")})
    found = list(
        ProductModel.objects.filter(active=True, model_number__iexact=code).select_related("category")[:2]
    )
    if not found:
        raise ValidationError(
            {"model": _("No model has the number %(code)s: choose it from the list.") % {"code": code}}
        )
    if len(found) > 1:
        raise ValidationError(
            {
                "model": _("Several models have the number %(code)s: choose yours from the list.")
                % {"code": code}
            }
        )
    return found[0]


def unit_taken(model: ProductModel, identifier: str) -> ProductUnit | None:
    """A registered unit with this IMEI (a phone) or this model and serial number."""
    if model.category.requires_imei:
        return ProductUnit.objects.filter(imei=identifier).first()
    return ProductUnit.objects.filter(model=model, serial_number=identifier.upper()).first()


def web_unit_register(
    *, account: PortalAccount, data: UnitInput, now: dt.datetime | None = None
) -> tuple[ProductUnit, bool]:
    """Registers a unit the customer owns: (unit, True). A serial number or IMEI already on one of the
    account's units: (that unit, False), nothing written; on anyone else's: refused without saying whose.
    A number the hotline never saw gets its customer record first (the account's mobile as primary phone)."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    errors: dict[str, list[str]] = {}

    def add(key, message):
        errors.setdefault(key, []).append(message)

    model = None
    try:
        model = model_find(data.model, data.model_code)
    except ValidationError as exc:
        add("model", exc.message_dict["model"][0])
    identifier = "".join((data.identifier or "").split()).upper()
    if not identifier:
        add("identifier", _("Enter the serial number (a phone: its IMEI, dial *#06#)."))
    elif model is not None:
        existing = unit_taken(model, identifier)
        if existing is not None:
            if units_of(account).filter(pk=existing.pk).exists():
                return existing, False
            raise ValidationError(
                {
                    "identifier": _(
                        "This serial number is already registered: please call the service hotline."
                    )
                }
            )
    day = data.purchase_date
    if day is None:
        add("purchase_date", _("Enter the purchase date (on the invoice)."))
    elif day > today:
        add("purchase_date", _("The purchase date cannot be later than today."))
    elif day < today.replace(year=today.year - PURCHASE_MAX_YEARS):
        add(
            "purchase_date",
            _("The purchase date is more than %(n)s years ago: check it.") % {"n": PURCHASE_MAX_YEARS},
        )
    if data.invoice_photo is not None:
        for problem in services.photo_problems([data.invoice_photo], most=1):
            add("invoice_photo", problem)
    customers = list(customers_of(account).order_by("pk"))
    owner = None
    if customers:
        owner = data.owner if data.owner in customers else customers[0]
    else:
        if not (data.name or "").strip():
            add("name", _("Enter your name."))
        if data.region is None:
            add("region", _("Choose the district of the address."))
        if not (data.address_detail or "").strip():
            add("address_detail", _("Enter the street address."))
    if errors:
        raise ValidationError(errors)

    fields = {"model": model, "sale_date": day}
    if (data.invoice_number or "").strip():
        # The 三包 periods count from the invoice date: with the invoice's number, the purchase date the customer
        # states is taken as its date (a dispatcher checks the invoice: its photo, or at the visit).
        fields.update(invoice_number=data.invoice_number.strip(), invoice_date=day)
    fields["imei" if model.category.requires_imei else "serial_number"] = identifier
    saved_files: list = []
    try:
        with transaction.atomic():
            if owner is None:
                owner = services.customer_register(
                    name=data.name,
                    phone=account.phone,
                    region=data.region,
                    address_detail=data.address_detail,
                    acting_user=account.user,
                    now=now,
                )
            try:
                unit = services.unit_register(owner=owner, created_at=now, **fields)
            except ValidationError as exc:
                raise _renamed(exc, taken=unit_taken(model, identifier) is not None) from exc
            if data.invoice_photo is not None:
                services.unit_invoice_photo_attach(
                    unit=unit, photo=data.invoice_photo, saved_files=saved_files
                )
    except BaseException:
        for stored in saved_files:
            stored.storage.delete(stored.name)
        raise
    return unit, True


def _renamed(exc: ValidationError, *, taken: bool) -> ValidationError:
    """The register's errors under the names of the customer's form; a unit registered by someone else a
    moment ago (`taken`) is refused as any other registered one, without saying whose."""
    if taken:
        return ValidationError(
            {"identifier": _("This serial number is already registered: please call the service hotline.")}
        )
    if not hasattr(exc, "error_dict"):
        return exc
    renamed: dict[str, list[str]] = {}
    for key, messages in exc.message_dict.items():
        renamed.setdefault(UNIT_FIELDS.get(key, key), []).extend(messages)
    return ValidationError(renamed)
