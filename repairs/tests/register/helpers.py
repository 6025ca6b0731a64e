"""Helpers of the register tests."""

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from demo.repairs import signature_png
from network.factories import (
    DistrictFactory,
    ServiceCenterFactory,
    TechnicianFactory,
    authorise,
)
from repairs import services
from repairs.choices import ConsentMethod, QuoteLineKind
from repairs.choices import WorkOrderStatus as S
from repairs.factories import ProductUnitFactory, WorkOrderFactory, close_with_record
from repairs.models import (
    FaultSymptom,
    ProductCategory,
)
from repairs.services import QuoteLineInput


def certified(center, category="air_conditioner"):
    technician = TechnicianFactory(center=center)
    authorise(technician, ProductCategory.objects.get(code=category))
    return technician


def symptom(code="no_cooling", category="air_conditioner"):
    return FaultSymptom.objects.get(category__code=category, code=code)


def unit_sold(days_ago: int, **fields):
    sold = timezone.localdate() - dt.timedelta(days=days_ago)
    return ProductUnitFactory(
        sale_date=sold, invoice_date=sold, factory_date=sold - dt.timedelta(days=30), **fields
    )


def log_call(unit, user, **changes):
    kwargs = {
        "customer": unit.owner,
        "unit": unit,
        "caller_name": "张三",
        "caller_phone": "138 1234 5678",
        "service_region": DistrictFactory(),
        "service_address": "中山路 100 号",
        "symptom": symptom(),
        "acting_user": user,
    }
    return services.repair_call_register(**{**kwargs, **changes})


def at(days_from_today: int, hour: int, minute: int = 0) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days_from_today)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def dispatch(order, center, user, technician=None, **changes):
    """Dispatch within the centre's agreement (its coverage includes the call's district and category)."""
    center.coverage.add(order.call.service_region)
    center.categories.add(order.call.unit.model.category)
    kwargs = {
        "work_order": order,
        "center": center,
        "technician": technician,
        "appointment_start": at(1, 10),
        "appointment_end": at(1, 12),
        "acting_user": user,
    }
    return services.work_order_dispatch(**{**kwargs, **changes})


def move(order, to_status, user, note="", now=None):
    """The way the register moves an order: guidance by phone has its own service, completion is a closing
    record (signed by the customer), the rest the generic transition."""
    if to_status == S.COMPLETED:
        return close_with_record(order, user, now=now).work_order
    if to_status == S.PHONE_GUIDED:
        return services.work_order_guide_by_phone(
            work_order=order, acting_user=user, note=note or "指导客户重新设置遥控器", now=now
        )
    return services.work_order_transition(
        work_order=order, to_status=to_status, acting_user=user, note=note, now=now
    )


def order_in(status, **fields):
    """A work order already in `status` (dispatched ones have a centre), on a free-service call."""
    if status not in (S.NEW, S.CANCELLED, S.PHONE_GUIDED):
        fields.setdefault("center", ServiceCenterFactory())
    if status == S.PHONE_GUIDED:
        fields.setdefault("guided_at", timezone.now())
    return WorkOrderFactory(status=status, **fields)


def errors_of(info) -> dict:
    return info.value.message_dict


def today() -> str:
    return f"{timezone.localdate():%Y%m%d}"


# What the register lets follow what (the maker's service procedure); new → dispatched goes through dispatch (below).
ALLOWED = [
    (S.NEW, S.PHONE_GUIDED),
    (S.NEW, S.CANCELLED),
    (S.DISPATCHED, S.ACCEPTED),
    (S.DISPATCHED, S.PHONE_GUIDED),
    (S.DISPATCHED, S.CANCELLED),
    (S.ACCEPTED, S.EN_ROUTE),
    (S.ACCEPTED, S.IN_REPAIR),
    (S.ACCEPTED, S.PHONE_GUIDED),
    (S.ACCEPTED, S.CANCELLED),
    (S.EN_ROUTE, S.ON_SITE),
    (S.EN_ROUTE, S.CANCELLED),
    (S.ON_SITE, S.IN_REPAIR),
    (S.ON_SITE, S.CANCELLED),
    (S.IN_REPAIR, S.WAITING_FOR_PARTS),
    (S.WAITING_FOR_PARTS, S.IN_REPAIR),
    (S.COMPLETED, S.CLOSED),
    (S.PHONE_GUIDED, S.CLOSED),
    (S.TO_RESCHEDULE, S.CANCELLED),
]

TIMESTAMP = {
    S.ACCEPTED: "accepted_at",
    S.EN_ROUTE: "en_route_at",
    S.ON_SITE: "arrived_at",
    S.IN_REPAIR: "repair_started_at",
    S.COMPLETED: "completed_at",
    S.CLOSED: "closed_at",
    S.CANCELLED: "cancelled_at",
    S.PHONE_GUIDED: "guided_at",
}

# Completed is reached only with a closing record (repairs.closing), never through the generic transition;
# "to be rescheduled" only by recording a visit where nobody was at home (repairs.field, its own tests).
REFUSED = [
    (a, b)
    for a in S.values
    for b in S.values
    if a != b and b not in (S.DISPATCHED, S.COMPLETED, S.TO_RESCHEDULE) and (a, b) not in ALLOWED
]


def _past(center):
    return {"appointment_start": at(-1, 10), "appointment_end": at(-1, 12)}


def _before_opening(center):
    return {"appointment_start": at(1, 8), "appointment_end": at(1, 10)}


def _after_closing(center):
    return {"appointment_start": at(1, 17), "appointment_end": at(1, 19)}


def _end_before_start(center):
    return {"appointment_start": at(1, 12), "appointment_end": at(1, 10)}


def _technician_of_another_centre(center):
    return {"technician": certified(ServiceCenterFactory())}


def _technician_not_certified(center):
    return {"technician": certified(center, category="refrigerator")}


def _agreement_ended(center):
    center.agreement_end = timezone.localdate()  # the appointment is tomorrow
    center.save()
    return {}


def _centre_inactive(center):
    center.active = False
    center.save()
    return {}


def quote(order, user, *lines):
    lines = lines or (QuoteLineInput(QuoteLineKind.LABOUR, "小修工时费", 1, Decimal("80.00")),)
    return services.quote_create(work_order=order, lines=list(lines), acting_user=user)


def consent(q, user):
    return services.consent_record(
        quote=q,
        given_by="张三",
        method=ConsentMethod.SIGNATURE,
        signature_png=signature_png(),
        acting_user=user,
    )


def repaired(carry_in, user):
    return services.carry_in_record_repair(carry_in=carry_in, minutes=90, parts="四通阀", acting_user=user)
