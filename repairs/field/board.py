"""The supervisor's board of what waits for a new appointment."""

from __future__ import annotations

from django.db.models import Count, F, Q, Window
from django.db.models.functions import RowNumber

from ..choices import (
    RESCHEDULABLE,
    RESCHEDULES_WITHOUT_SUPERVISOR,
    WorkOrderStatus,
)
from ..models import WorkOrder
from .common import supervisor_decides

# The supervisor's board ------------------------------------------------------------------------------------


def supervisor_board(*, center_ids: list[int], size: int) -> dict[int, dict]:
    """Per centre, the orders waiting on the field's exceptions: those to be rescheduled after nobody was at
    home, and those moved twice already (the next move is the supervisor's) — the first `size` of each centre,
    longest waiting first, with how many there are and whether the supervisor decides. Two queries for all
    the centres."""
    waiting = WorkOrder.objects.filter(center_id__in=center_ids).filter(
        Q(status=WorkOrderStatus.TO_RESCHEDULE)
        # Written as the index work_order_center_waiting's condition, so that the planner reads that index.
        | Q(status__in=sorted(RESCHEDULABLE), reschedule_count__gte=RESCHEDULES_WITHOUT_SUPERVISOR)
    )
    counts = dict(
        waiting.order_by().values_list("center_id").annotate(n=Count("pk")).values_list("center_id", "n")
    )
    rows = list(
        waiting.select_related("call__customer", "technician")
        .annotate(
            visits=Count("not_home_visits"),
            rank=Window(RowNumber(), partition_by=F("center_id"), order_by=[F("status_changed_at"), F("pk")]),
        )
        .filter(rank__lte=size)
        .order_by("status_changed_at", "pk")
    )
    board: dict[int, dict] = {pk: {"orders": [], "count": counts.get(pk, 0)} for pk in center_ids}
    for order in rows:
        order.supervisor_decides = supervisor_decides(order, not_home_visits=order.visits)
        board[order.center_id]["orders"].append(order)
    return board
