import datetime as dt
from collections import Counter

from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone

from aftersales.dbrouting import replica_view
from aftersales.roles import Role, role_required
from care.choices import CallbackStatus
from care.models import Callback
from insight.rates import dashboard_rates
from network.choices import CenterLevel
from network.models import CenterTask, Dealer, ServiceCenter
from office.coverage import coverage_panel
from office.selectors import network_overview
from remedies.selectors import RATE_FORMULAS, remedies_summary
from repairs.choices import OPEN_STATUSES, WorkOrderStatus
from repairs.field import supervisor_board
from repairs.models import ProductUnit, WorkOrder
from repairs.timesheet import time_splits


@role_required(Role.MANAGER)
@replica_view
def dashboard(request):
    overview = network_overview(user=request.user)
    levels = [(value, label, overview["by_level"].get(value, 0)) for value, label in CenterLevel.choices]
    remedies = remedies_summary(today=timezone.localdate(), now=timezone.now())
    coverage = coverage_panel(now=timezone.now())  # the open coverage gaps: count, worst regions
    return render(
        request,
        "network/dashboard.html",
        {**overview, "levels": levels, "remedies": remedies, "formulas": RATE_FORMULAS, "coverage": coverage}
        | {"rates": dashboard_rates()},
    )


SUPERVISOR_LIST = 50  # rows in each of the supervisor's lists per centre; the counts above them are of all


@role_required(Role.SUPERVISOR)
def my_center(request):
    """The supervisor's home: each centre they run, its technicians' load (open orders, today's visits) and
    their time this month by service type (A/B/C from their closed work orders, D administrative), today's
    visits, the open orders past their appointment, and the callbacks due by the end of the day. A fixed
    number of queries however many centres, technicians and orders: each list and each count is one query
    over all the supervisor's centres (the lists cut per centre by a window), shared out here."""

    def first_per_center(rows, *order):
        # The first rows of each centre, each centre's read from its own index range up to the list's size
        # (one query, a UNION ALL of one range per centre), then only the rows shown are joined to their
        # customer, unit and technician: a centre's thousands of overdue orders are neither read nor ranked.
        ranges = [
            rows.filter(center_id=pk).order_by(*order).values_list("pk", flat=True)[:SUPERVISOR_LIST]
            for pk in ids
        ]
        if not ranges:
            return []
        shown = ranges[0].union(*ranges[1:], all=True) if len(ranges) > 1 else ranges[0]
        return list(rows.filter(pk__in=list(shown)).order_by(*order))

    def per(rows, key):
        return dict(rows.order_by().values_list(key).annotate(n=Count("pk")).values_list(key, "n"))

    now = timezone.now()
    day_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    day_end = day_start + dt.timedelta(days=1)
    centers = list(
        ServiceCenter.objects.filter(supervisors=request.user)
        .select_related("region__parent__parent")  # the address's full name: district, city, province
        .prefetch_related("technicians__categories", "coverage")
        .order_by("code")
    )
    ids = [c.pk for c in centers]
    orders = WorkOrder.objects.filter(center_id__in=ids)
    today = orders.filter(appointment_start__gte=day_start, appointment_start__lt=day_end).exclude(
        status__in=[WorkOrderStatus.CANCELLED, WorkOrderStatus.PHONE_GUIDED]
    )
    due = Callback.objects.filter(center_id__in=ids, status=CallbackStatus.PENDING, due_at__lt=day_end)
    shown = ("call__customer", "call__unit__model__category", "technician")
    visits = first_per_center(today.select_related(*shown), "appointment_start", "pk")
    overdue = first_per_center(orders.overdue(now).select_related(*shown), "appointment_end", "pk")
    callbacks = first_per_center(
        due.select_related("call__customer", "work_order", "technician"), "due_at", "pk"
    )
    # The open orders counted in one pass over the centres' index of open orders (centre, appointment's end,
    # technician): by technician, unassigned, and past their window; today's visits likewise.
    open_by_technician, unassigned, overdue_counts = Counter(), Counter(), Counter()
    for center_id, technician_id, n, late in (
        orders.filter(status__in=OPEN_STATUSES)
        .order_by()
        .values("center_id", "technician_id")
        .annotate(n=Count("pk"), late=Count("pk", filter=Q(appointment_end__lt=now)))
        .values_list("center_id", "technician_id", "n", "late")
    ):
        if technician_id is None:
            unassigned[center_id] += n
        else:
            open_by_technician[technician_id] += n
        overdue_counts[center_id] += late
    today_by_technician, visit_counts = Counter(), Counter()
    for center_id, technician_id, n in (
        today.order_by()
        .values("center_id", "technician_id")
        .annotate(n=Count("pk"))
        .values_list("center_id", "technician_id", "n")
    ):
        visit_counts[center_id] += n
        if technician_id is not None:
            today_by_technician[technician_id] += n
    callback_counts = per(due, "center_id")
    # The tasks the system handed the centres (certificates to renew, contracts to renew), soonest due first.
    open_tasks = CenterTask.objects.for_user(request.user).open().filter(center_id__in=ids)
    tasks = first_per_center(open_tasks, "due_on", "pk")
    task_counts = per(open_tasks, "center_id")
    # The field's exceptions: orders to be rescheduled after nobody was at home, or moved twice already.
    field = supervisor_board(center_ids=ids, size=SUPERVISOR_LIST)
    # Each technician's time of this month by service type, A/B/C/D (two queries for them all).
    month_splits = {
        split.technician.pk: split
        for split in time_splits(
            technicians=[t for c in centers for t in c.technicians.all()], month=timezone.localdate(now)
        )
    }
    desks = []
    for center in centers:
        technicians = sorted(center.technicians.all(), key=lambda t: (not t.active, t.employee_no))
        for technician in technicians:
            technician.open_count = open_by_technician.get(technician.pk, 0)
            technician.today_count = today_by_technician.get(technician.pk, 0)
            technician.month_time = month_splits[technician.pk]
        desks.append(
            {
                "center": center,
                "technicians": technicians,
                "visits": [o for o in visits if o.center_id == center.pk],
                "visit_count": visit_counts.get(center.pk, 0),
                "overdue": [o for o in overdue if o.center_id == center.pk],
                "overdue_count": overdue_counts.get(center.pk, 0),
                "callbacks": [c for c in callbacks if c.center_id == center.pk],
                "callback_count": callback_counts.get(center.pk, 0),
                "unassigned": unassigned.get(center.pk, 0),
                "field": field[center.pk],
                "tasks": [t for t in tasks if t.center_id == center.pk],
                "task_count": task_counts.get(center.pk, 0),
            }
        )
    return render(
        request,
        "network/my_center.html",
        {
            "desks": desks,
            "now": now,
            "today": timezone.localdate(now),
            "list_size": SUPERVISOR_LIST,
            "month": timezone.localdate(now),
        },
    )


DEALER_RECENT = 10  # rows in each of the dealer's lists; the counts above them are of all rows


def _dealer_desk(user, dealer) -> dict:
    """One dealer's page: its calls (through their work orders, which carry the selling dealer and are
    indexed by it, newest first), the calls still open, and its registered units. Each read is scoped by
    the user as well as by the dealer, so a dealer's page never shows another dealer's rows."""
    orders = (
        WorkOrder.objects.for_user(user)
        .filter(unit_dealer=dealer)
        .select_related("call__unit__model__category", "call__symptom", "center")
        .order_by("-created_at", "-id")
    )
    units = ProductUnit.objects.for_user(user).filter(dealer=dealer)
    open_orders = orders.open()
    return {
        "dealer": dealer,
        "recent_orders": orders[:DEALER_RECENT],
        "open_orders": open_orders[:DEALER_RECENT],
        "open_count": open_orders.values("call_id").distinct().count(),
        "unit_count": units.count(),
        "recent_units": units.select_related("model__category", "owner").order_by("-created_at", "-pk")[
            :DEALER_RECENT
        ],
    }


@role_required(Role.DEALER)
def dealer_home(request):
    dealers = Dealer.objects.for_user(request.user).select_related("region", "region__parent")
    if not dealers:
        raise Http404
    desks = [_dealer_desk(request.user, dealer) for dealer in dealers]
    return render(request, "network/dealer_home.html", {"desks": desks, "shown": DEALER_RECENT})
