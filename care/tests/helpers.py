"""Shared set-up of the care tests: a centre with its supervisor and technician, a dispatcher, a
manager, and work orders walked through repairs.services at fixed instants (China time)."""

import datetime as dt

from care.calendar import CHINA
from network.factories import ServiceCenterFactory, TechnicianFactory, UserFactory, authorise
from repairs import services
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory, close_with_record


def at(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=CHINA)


# Monday 2026-11-23 10:00 in Shanghai: an ordinary working Monday.
MONDAY_10 = at(2026, 11, 23, 10, 0)


def make_world():
    center = ServiceCenterFactory(code="SC-CARE", name="关怀测试网点")
    supervisor = UserFactory(username="care_sup", roles=["supervisor"], email="sup@example.com")
    center.supervisors.add(supervisor)
    technician = TechnicianFactory(
        center=center, user=UserFactory(username="care_tech", roles=["technician"], email="tech@example.com")
    )
    return {
        "center": center,
        "supervisor": supervisor,
        "technician": technician,
        "dispatcher": UserFactory(username="care_disp", roles=["dispatcher"]),
        "manager": UserFactory(username="care_mgr", roles=["manager"], email="mgr@example.com"),
    }


def dispatched(world, *, now=MONDAY_10, start=None, hours=2, **call):
    """A new order on a free-service call, dispatched at `now` to the world's technician."""
    order = WorkOrderFactory(status=S.NEW, **{f"call__{k}": v for k, v in call.items()})
    authorise(world["technician"], order.call.unit.model.category, order.call.service_region)
    start = start or now.replace(hour=14, minute=0)
    return services.work_order_dispatch(
        work_order=order,
        center=world["center"],
        technician=world["technician"],
        appointment_start=start,
        appointment_end=start + dt.timedelta(hours=hours),
        acting_user=world["dispatcher"],
        now=now,
    )


def move(order, to, user, now, note=""):
    if to == S.COMPLETED:  # completion is a closing record, signed by the customer
        return close_with_record(order, user, now=now).work_order
    if to == S.PHONE_GUIDED:
        return services.work_order_guide_by_phone(
            work_order=order, acting_user=user, note=note or "指导", now=now
        )
    return services.work_order_transition(
        work_order=order, to_status=to, acting_user=user, note=note, now=now
    )
