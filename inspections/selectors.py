"""The inspections' reads: a work order's due day (for the SLA board), the supervisor's overview per centre."""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Q

from aftersales.roles import Role, user_roles
from network.models import ServiceCenter
from repairs.choices import WorkOrderStatus

from .models import Inspection


def inspection_due_on(order) -> dt.date | None:
    """The day an inspection work order is due, None for any other order."""
    return Inspection.objects.filter(work_order_id=order.pk).values_list("due_on", flat=True).first()


def centers_for(user):
    roles = user_roles(user)
    if roles & {Role.MANAGER, Role.DISPATCHER}:
        return ServiceCenter.objects.all()
    if Role.SUPERVISOR in roles:
        return user.supervised_centers.all()
    return ServiceCenter.objects.none()


def overview(*, user, today: dt.date, since: dt.date, until: dt.date, center_id: int | None = None) -> dict:
    """Per centre: inspections done (in the period), due (open, due within it from today), overdue (open, past
    their due day). Three aggregates in one query, and the overdue list (at most 100)."""
    live = ~Q(work_order__status=WorkOrderStatus.CANCELLED)
    visits = Inspection.objects.for_user(user).filter(live, work_order__center__in=centers_for(user))
    if center_id is not None:
        visits = visits.filter(work_order__center_id=center_id)
    rows = (
        visits.values("work_order__center_id", "work_order__center__name")
        .annotate(
            done=Count("pk", filter=Q(done_at__isnull=False, due_on__gte=since, due_on__lte=until)),
            due=Count("pk", filter=Q(done_at__isnull=True, due_on__gte=today, due_on__lte=until)),
            overdue=Count("pk", filter=Q(done_at__isnull=True, due_on__lt=today)),
        )
        .order_by("work_order__center__name")
    )
    overdue = list(
        visits.filter(done_at__isnull=True, due_on__lt=today)
        .select_related("work_order__center", "work_order__technician", "plan__unit__model")
        .order_by("due_on", "pk")[:100]
    )
    return {"rows": list(rows), "overdue": overdue}
