"""Fixtures of the admin_time tests."""

import datetime as dt

import pytest
from django.utils import timezone

from network.choices import AdminWorkKind
from network.factories import ServiceCenterFactory, TechnicianFactory, UserFactory
from network.services import admin_time_cancel
from repairs.choices import WorkOrderStatus
from repairs.factories import WorkOrderFactory

from .helpers import closed, last_month, local, record


@pytest.fixture
def people(users):
    """Centre A: its supervisor and technician 甲 (plus 乙, inactive); centre B next door with its own
    supervisor and technician 丙."""
    center = users["center"]
    first = users["technician"].technician
    first.name, first.employee_no = "甲师傅", "T-A"
    first.save(update_fields=["name", "employee_no"])
    retired = TechnicianFactory(center=center, name="乙师傅", employee_no="T-B", active=False)
    other = ServiceCenterFactory(code="SC-B", name="乙网点")
    other_supervisor = UserFactory(username="sup_b", roles=["supervisor"])
    other.supervisors.add(other_supervisor)
    outsider = TechnicianFactory(center=other, name="丙师傅", employee_no="T-C")
    return {
        "center": center,
        "first": first,
        "retired": retired,
        "supervisor": users["supervisor"],
        "manager": users["manager"],
        "other": other,
        "other_supervisor": other_supervisor,
        "outsider": outsider,
    }


@pytest.fixture
def month_of_work(people):
    """Last month, 甲: paid work 60 + 30 minutes (one closed at 23:30 on the last evening), contract 45, free
    120, an order of a call typed D 15; administrative time 90 + 30 and one of 50 cancelled. Around it: an
    order closed at 00:10 on the first of this month, one the month before, a cancelled order, an entry of
    this month, and 丙's work in the other centre."""
    month = last_month()
    following = (month + dt.timedelta(days=32)).replace(day=1)
    first, outsider = people["first"], people["outsider"]
    closed(first, "A", 60, local(month, 10))
    closed(first, "A", 30, local(following - dt.timedelta(days=1), 23, 30))
    closed(first, "B", 45, local(month + dt.timedelta(days=3), 14))
    closed(first, "C", 120, local(month + dt.timedelta(days=9), 9))
    closed(first, "D", 15, local(month + dt.timedelta(days=9), 16))
    closed(first, "C", 500, local(following, 0, 10))  # this month's
    closed(first, "A", 500, local(month - dt.timedelta(days=1), 18))  # the month before
    WorkOrderFactory(center=first.center, technician=first, status=WorkOrderStatus.CANCELLED)
    closed(outsider, "C", 200, local(month + dt.timedelta(days=2), 11))
    record(first, day=month + dt.timedelta(days=4), minutes=90, kind=AdminWorkKind.WORK_CHECK)
    record(first, day=following - dt.timedelta(days=1), minutes=30, kind=AdminWorkKind.EQUIPMENT)
    wrong = record(first, day=month + dt.timedelta(days=5), minutes=50)
    admin_time_cancel(entry=wrong, reason="重复", acting_user=people["supervisor"])
    record(first, day=timezone.localdate(), minutes=20)  # this month's
    record(outsider, day=month + dt.timedelta(days=4), minutes=70)
    return month
