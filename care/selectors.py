"""Reads other apps use: what customer care knows about one repair call."""

from django.db.models import Count, F, Max, Q
from django.utils.translation import gettext as _

from aftersales.roles import Role, has_role
from repairs.choices import WorkOrderStatus
from repairs.models import WorkOrder, WorkOrderEvent

from .choices import CONDUCT_CATEGORIES, ComplaintCategory, DisciplineStep, Stage, StopReason
from .models import Callback, Complaint, Deadline


def call_care(*, call, user) -> dict:
    """For the call's page: its complaints, callbacks and the deadlines of its work orders."""
    return {
        "complaints": list(Complaint.objects.for_user(user).filter(call=call).order_by("-received_at")),
        "callbacks": list(Callback.objects.filter(call=call).order_by("due_at", "pk")),
        "deadlines": list(
            Deadline.objects.filter(work_order__call=call)
            .select_related("work_order")
            .order_by("work_order_id", "due_at")
        ),
        "can_complain": has_role(user, Role.DISPATCHER, Role.MANAGER),
    }


def settlement_penalties(*, center_id: int, start, end) -> dict:
    """What a centre's monthly settlement deducts or holds for [start, end): its upheld complaints resolved
    in the period, its deadlines breached in the period (by stage), and its work orders whose payment is
    held until a redo is completed. The settlement (settlement/services.py) prices them by its fee schedule."""

    upheld = list(
        Complaint.objects.filter(
            center_id=center_id, upheld=True, resolved_at__gte=start, resolved_at__lt=end
        )
        .order_by("resolved_at")
        .values("pk", "number", "technician_id", "category", "resolved_at")
    )
    breaches = {
        row["stage"]: row["n"]
        for row in Deadline.objects.filter(center_id=center_id, breached_at__gte=start, breached_at__lt=end)
        .exclude(stop_reason=StopReason.CANCELLED)
        .values("stage")
        .annotate(n=Count("pk"))
    }
    held = list(
        WorkOrder.objects.filter(center_id=center_id, payment_held=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    return {"upheld_complaints": upheld, "breaches_by_stage": breaches, "payment_held_orders": held}


def carry_in_delays(*, order_ids: list[int]) -> dict[int, str]:
    """For the 三包 engine: work orders whose carry-in repair ran past its 30 days, with the cause —
    "parts_supply" when the order waited for parts, else "repairer"."""
    if not order_ids:
        return {}

    late = set(
        Deadline.objects.filter(
            work_order_id__in=order_ids, stage=Stage.CARRY_IN_30, breached_at__isnull=False
        ).values_list("work_order_id", flat=True)
    )
    waited = set(
        WorkOrderEvent.objects.filter(
            work_order_id__in=late, to_status=WorkOrderStatus.WAITING_FOR_PARTS
        ).values_list("work_order_id", flat=True)
    )
    return {pk: "parts_supply" if pk in waited else "repairer" for pk in late}


def complaint_category_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The categories as the complaint forms group them: the staff member's conduct first."""

    conduct = [(v, label) for v, label in ComplaintCategory.choices if v in CONDUCT_CATEGORIES]
    rest = [(v, label) for v, label in ComplaintCategory.choices if v not in CONDUCT_CATEGORIES]
    return [
        (_("The staff member's conduct (counts towards the three steps)"), conduct),
        (_("The product, the repair or the wait"), rest),
    ]


def discipline_step(upheld: int) -> DisciplineStep | None:
    """The appliance service standard (标准 15): the first upheld complaint a warning, the second a penalty, the third dismissal."""
    if upheld <= 0:
        return None
    return DisciplineStep(min(upheld, DisciplineStep.DISMISSAL))


def staff_three_steps(*, user) -> list[dict]:
    """Who is at which of the three steps: per staff member, the upheld complaints about their own conduct
    (CONDUCT_CATEGORIES), which decide the step, and beside them the upheld ones about the product, the
    repair or the wait, which do not count."""
    conduct = Q(category__in=CONDUCT_CATEGORIES)
    rows = list(
        Complaint.objects.for_user(user)
        .filter(upheld=True, technician__isnull=False)
        .values("technician", "technician__name", "technician__employee_no", "technician__center__name")
        .annotate(
            conduct=Count("pk", filter=conduct),
            other=Count("pk", filter=~conduct),
            last=Max("resolved_at", filter=conduct),
        )
        .order_by("-conduct", F("last").desc(nulls_last=True), "-other", "technician__name")
    )
    for row in rows:
        row["step"] = discipline_step(row["conduct"])
    return rows
