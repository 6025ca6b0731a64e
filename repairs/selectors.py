"""The non-trivial reads of the repair-call register: the dispatcher's look-up, dispatch suggestions,
the register's rows and a call's timeline."""

from __future__ import annotations

import datetime as dt
import re

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from aftersales.validators import normalize_phone
from network.certificates import certified_technicians
from network.models import ServiceCenter, Technician

from .choices import OPEN_STATUSES, WorkOrderStatus
from .models import (
    Customer,
    CustomerAddress,
    CustomerPhone,
    DecisionChange,
    LoanerLoan,
    ProductUnit,
    Quote,
    RepairCall,
    WorkOrder,
    WorkOrderClosing,
    WorkOrderEvent,
)

LOOKUP_LIMIT = 8
_DIGITS = re.compile(r"^\d+$")


def customer_lookup(*, user, query: str, limit: int = LOOKUP_LIMIT) -> dict:
    """What the dispatcher sees while typing: customers whose phone starts with the digits typed (4 or
    more), or units whose IMEI / serial number starts with what was typed (4 or more characters).

    Prefix look-ups on indexed columns (varchar_pattern_ops), a fixed number of queries whatever the
    database size."""
    query = (query or "").strip()
    result = {"query": query, "customers": [], "units": [], "kind": None}
    if len(query) < 4:
        return result
    digits = normalize_phone(query)
    units = ProductUnit.objects.for_user(user).select_related("model__category", "owner")
    if _DIGITS.match(digits) and (digits.startswith("1") or digits.startswith("0")) and len(digits) <= 12:
        # A phone number (mobile 1…, landline 0…) — the common case on the hotline.
        result["kind"] = "phone"
        # Scoped before the limit: the first `limit` matches must be customers the user may see.
        customer_ids = list(
            CustomerPhone.objects.filter(
                number__startswith=digits, customer__in=Customer.objects.for_user(user).values("pk")
            )
            .order_by("number")
            .values_list("customer_id", flat=True)[:limit]
        )
        customers = Customer.objects.for_user(user).filter(pk__in=customer_ids)
        found = list(
            customers.prefetch_related(
                "phones",
                Prefetch("addresses", queryset=_addresses()),
                Prefetch("units", queryset=units.order_by("-sale_date", "-pk")),
            ).order_by("number")
        )
        for customer in found:
            # The full number the typed digits belong to: picking a unit completes the caller's phone.
            customer.matched_phone = next(
                (p.number for p in customer.phones.all() if p.number.startswith(digits)), digits
            )
        result["customers"] = found
    if not result["customers"]:
        # IMEI (15 digits) or serial number (letters and digits), prefix match.
        key = query.replace(" ", "").upper()
        by_imei = list(units.filter(imei__startswith=key).order_by("imei")[:limit]) if key.isdigit() else []
        by_serial = list(units.filter(serial_number__startswith=key).order_by("serial_number")[:limit])
        found = {u.pk: u for u in by_imei + by_serial}
        result["units"] = list(found.values())[:limit]
        # Picking a unit found by its serial fills in the owner's phone when none was typed (the form
        # needs the caller's number; the visit's confirmation code goes to it): the owner's primary number,
        # of an owner the user may see, one query for all the units shown.
        phones: dict[int, str] = {}
        for owner_id, number in (
            CustomerPhone.objects.filter(
                customer_id__in={u.owner_id for u in result["units"]},
                customer__in=Customer.objects.for_user(user).values("pk"),
            )
            .order_by("customer_id", "-is_primary", "pk")
            .values_list("customer_id", "number")
        ):
            phones.setdefault(owner_id, number)
        for unit in result["units"]:
            unit.owner_phone = phones.get(unit.owner_id, "")
        if result["units"]:
            result["kind"] = "unit"
    return result


def _addresses():

    return CustomerAddress.objects.select_related("region__parent__parent").order_by("-is_primary", "pk")


def dispatch_suggestions(*, unit: ProductUnit, region, day: dt.date, limit: int = 5) -> list[dict]:
    """Service centres whose agreement covers the district and the unit's category, active on `day`, with an
    active technician certified for the category (a 上岗证 in force on `day`), least open work first; each with
    its technicians, least loaded (appointments that day) first. The first centre and its first technician are the suggestion."""
    category_id = unit.model.category_id
    # Skilled for the category and holding a 上岗证 for it in force on the day (the maker's service standard).
    certified = Technician.objects.filter(center=OuterRef("pk"), active=True, categories=category_id).filter(
        certified_technicians(category=category_id, day=day)
    )
    centers = list(
        ServiceCenter.objects.active_on(day)
        .filter(coverage=region, categories=category_id)
        .filter(Exists(certified))
        .annotate(open_load=Count("work_orders", filter=Q(work_orders__status__in=OPEN_STATUSES)))
        .order_by("open_load", "code")[:limit]
    )
    if not centers:
        return []
    start = timezone.make_aware(dt.datetime.combine(day, dt.time.min))
    end = start + dt.timedelta(days=1)
    technicians = (
        Technician.objects.filter(center__in=centers, active=True, categories=category_id)
        .filter(certified_technicians(category=category_id, day=day))
        .annotate(
            day_load=Count(
                "work_orders",
                filter=Q(
                    work_orders__appointment_start__gte=start,
                    work_orders__appointment_start__lt=end,
                    work_orders__status__in=OPEN_STATUSES,
                ),
            )
        )
        .order_by("day_load", "employee_no")
    )
    by_center: dict[int, list] = {}
    for tech in technicians:
        by_center.setdefault(tech.center_id, []).append(tech)
    return [{"center": c, "technicians": by_center.get(c.pk, [])} for c in centers]


def register_rows(*, user):
    """The register's rows: work orders with their call, unit, customer, centre and technician joined."""
    return WorkOrder.objects.for_user(user).select_related(
        "call__unit__model__category",
        "call__customer",
        "call__symptom",
        "center",
        "technician",
    )


def call_detail(*, user, pk: int) -> RepairCall:
    """A call with everything its page shows, in a fixed number of queries."""

    orders = WorkOrder.objects.for_user(user).select_related(
        "center",
        "technician",
        "dispatched_by",
        "carry_in__inspected_by",
        "closing__proof_cleared_by",
        "closing__fault_code",
        "closing__cause",
    )
    return (
        RepairCall.objects.for_user(user)
        .select_related(
            "unit__model__category",
            "customer",
            "symptom",
            "service_region__parent__parent",
            "logged_by",
            "warranty_decision",
            "duplicate_of",
            "confirmed_by",
        )
        .prefetch_related(
            "photos",
            Prefetch("work_orders", queryset=orders.order_by("pk")),
            Prefetch("work_orders__events", queryset=WorkOrderEvent.objects.select_related("actor")),
            Prefetch(
                "work_orders__quotes",
                queryset=Quote.objects.select_related("consent__recorded_by", "created_by").prefetch_related(
                    "lines"
                ),
            ),
            Prefetch(
                "work_orders__loaner_loans",
                queryset=LoanerLoan.objects.select_related("loaner", "lent_by", "received_by"),
            ),
            Prefetch("customer__phones"),
        )
        .get(pk=pk)
    )


def call_timeline(call: RepairCall) -> list[dict]:
    """Everything that happened to a call, in time order: each work-order event (the first is the call
    being logged), quotes, consents and loaners."""

    items = []
    for order in call.work_orders.all():
        for event in order.events.all():
            if event.from_status == event.to_status or not event.from_status:
                what = event.note or WorkOrderStatus(event.to_status).label
                note = ""
            else:
                what = (
                    f"{WorkOrderStatus(event.from_status).label} → {WorkOrderStatus(event.to_status).label}"
                )
                note = event.note
            items.append({"at": event.at, "who": event.actor, "what": what, "note": note, "order": order})
        for quote in order.quotes.all():
            items.append(
                {
                    "at": quote.created_at,
                    "who": quote.created_by,
                    "order": order,
                    "what": _("Quote #%(n)s: ¥%(total)s")
                    % {"n": quote.sequence, "total": quote.total_amount},
                }
            )
            consent = getattr(quote, "consent", None)
            if consent is not None:
                items.append(
                    {
                        "at": consent.given_at,
                        "who": consent.recorded_by,
                        "order": order,
                        "what": _("Consent to quote #%(n)s by %(who)s (%(how)s)")
                        % {"n": quote.sequence, "who": consent.given_by, "how": consent.get_method_display()},
                    }
                )
        for loan in order.loaner_loans.all():
            items.append(
                {
                    "at": loan.lent_at,
                    "who": loan.lent_by,
                    "order": order,
                    "what": _("Loaner lent: %(loaner)s") % {"loaner": loan.loaner},
                }
            )
            if loan.returned_at:
                items.append(
                    {
                        "at": loan.returned_at,
                        "who": loan.received_by,
                        "order": order,
                        "what": _("Loaner returned: %(loaner)s") % {"loaner": loan.loaner},
                    }
                )
    items.sort(key=lambda item: item["at"])
    return items


# The technician's tablet -------------------------------------------------------------------------------

TABLET_VIEWS = ("today", "tomorrow", "overdue")


def with_verdict_in_force(queryset):
    """Each order's latest 三包 verdict taken again at the unit (`verdict_on_site`, None when intake's stands):
    one subquery in the same SELECT, whatever the page size."""
    return queryset.annotate(
        verdict_on_site=Subquery(
            DecisionChange.objects.filter(work_order=OuterRef("pk"), decision__isnull=False)
            .order_by("-at", "-pk")
            .values("decision__verdict")[:1]
        )
    )


def tablet_scope(user):
    """The work orders a tablet user sees: a technician their own, a supervisor their centres'. One filter
    on indexed columns (technician_id / center_id) rather than joins, so the day's range is an index scan."""
    technician_id = Technician.objects.filter(user=user).values_list("pk", flat=True).first()
    centers = list(ServiceCenter.objects.filter(supervisors=user).values_list("pk", flat=True))
    scope = Q(pk__in=[])
    if technician_id is not None:
        scope |= Q(technician_id=technician_id)
    if centers:
        scope |= Q(center_id__in=centers)
    return WorkOrder.objects.filter(scope), technician_id, centers


TABLET_PAGE = (
    50  # a day's orders fit one page; more (a supervisor's centre, a long overdue list) go on the next
)


def tablet_orders(*, user, view: str, now, page: int = 1):
    """(orders, counts) for the tablet's lists: today's and tomorrow's by appointment (done ones included),
    or the overdue ones (open, the appointment window over). Counts of the three lists for the tabs.
    A fixed number of queries whatever the number of orders."""
    base, _tech, _centers = tablet_scope(user)
    today = timezone.localdate(now)
    day_start = timezone.make_aware(dt.datetime.combine(today, dt.time.min))
    tomorrow_start = day_start + dt.timedelta(days=1)
    after_tomorrow = day_start + dt.timedelta(days=2)
    windows = {
        "today": Q(appointment_start__gte=day_start, appointment_start__lt=tomorrow_start)
        & ~Q(status=WorkOrderStatus.CANCELLED),
        "tomorrow": Q(appointment_start__gte=tomorrow_start, appointment_start__lt=after_tomorrow)
        & ~Q(status=WorkOrderStatus.CANCELLED),
        "overdue": Q(status__in=sorted(OPEN_STATUSES), appointment_end__lt=now),
    }
    # One count per tab, each an index range ((technician|center, appointment_start) and the open orders'
    # (technician, appointment_end)): a FILTERed aggregate would read every order the technician ever had.
    counts = {name: base.filter(condition).count() for name, condition in windows.items()}
    orders = (
        with_verdict_in_force(base.filter(windows[view]))
        .select_related(
            "call__customer",
            "call__unit__model__category",
            "call__symptom",
            "call__warranty_decision",
            "call__service_region__parent__parent",
            "technician",
        )
        .only(
            "number",
            "status",
            "mode",
            "appointment_start",
            "appointment_end",
            "technician__name",
            "call__caller_name",
            "call__caller_phone",
            "call__service_address",
            "call__symptom_text",
            "call__service_type",
            "call__priority",
            "call__customer__name",
            "call__unit__model__name",
            "call__unit__model__brand",
            "call__unit__model__model_number",
            "call__unit__model__category__name",
            "call__unit__model__category__name_en",
            "call__symptom__name",
            "call__symptom__name_en",
            "call__warranty_decision__verdict",
            "call__service_region__name",
            "call__service_region__parent__name",
            "call__service_region__parent__parent__name",
        )
        .order_by("appointment_start", "pk")[(page - 1) * TABLET_PAGE : page * TABLET_PAGE + 1]
    )
    return list(orders), counts


def proof_pending_closings(*, center_id: int | None = None, until: dt.datetime | None = None):
    """Closings made without the customer's proof that no manager has cleared yet (the settlement holds
    their work), oldest first: of one centre, closed before `until`, when given."""

    rows = WorkOrderClosing.objects.proof_pending().select_related("work_order").order_by("closed_at", "pk")
    if center_id is not None:
        rows = rows.filter(work_order__center_id=center_id)
    if until is not None:
        rows = rows.filter(closed_at__lt=until)
    return rows
