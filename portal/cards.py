"""The reads behind the customer's home (/my/) and a unit's electronic warranty card (电子保修卡).

Coverage is the warranty app's: the facts of each unit as `warranty.services.unit_facts` states them, its
repairs as `repairs.services.unit_repair_history` counts them, decided by `warranty.rules.decide` under the
policy version the unit was sold under — read for all the account's units at once, so a page costs the same
few queries however many units and orders the account has (the tests compare the result with the warranty
app's own per-unit computation). Dates are counted as the Civil Code counts them (arts. 201–203), inside
the rules."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace

from django.db.models import Exists, F, OuterRef, Prefetch
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from inspections.models import Inspection
from inspections.schedule import due_dates
from inspections.services import running_plan
from remedies.choices import RemedyKind, RemedyStatus
from remedies.models import RemedyRequest
from repairs.choices import OPEN_STATUSES, WorkOrderStatus
from repairs.models import DecisionChange, ProductUnit, WorkOrder
from repairs.repair_spans import repair_spans
from warranty.calendar import rest_days
from warranty.choices import ContractStatus, Remedy
from warranty.models import ExtendedWarranty, MaintenanceContractUnit, WarrantyPolicy
from warranty.rules import (
    ACCESSORY,
    MAIN_UNIT,
    Decision,
    Facts,
    FactsError,
    Period,
    RepairRecord,
    decide,
    effective_policy,
)
from warranty.services import policy_day

from .access import calls_of, customers_of, orders_of, units_of
from .models import VisitRating

S = WorkOrderStatus
# The order's status in the customer's words: what is happening to their repair, not the back office's step.
CUSTOMER_STATUS = {
    S.NEW: _("Request received"),
    S.DISPATCHED: _("Technician assigned"),
    S.ACCEPTED: _("Technician assigned"),
    S.EN_ROUTE: _("Technician on the way"),
    S.ON_SITE: _("Technician at your home"),
    S.IN_REPAIR: _("Being repaired"),
    S.WAITING_FOR_PARTS: _("Waiting for parts to arrive"),
    S.TO_RESCHEDULE: _("New time to be agreed"),
    S.COMPLETED: _("Done"),
    S.CLOSED: _("Done"),
    S.PHONE_GUIDED: _("Solved by phone"),
    S.CANCELLED: _("Cancelled"),
}
STATUS_TONE = {
    S.COMPLETED: "ok",
    S.CLOSED: "ok",
    S.PHONE_GUIDED: "ok",
    S.CANCELLED: "muted",
    S.TO_RESCHEDULE: "warn",
}
del S
# The closed orders the home lists under the open ones.
RECENT_CLOSED = 5
# An inspection not made by its due day is still the next one for this long (the job looks back a week too).
INSPECTION_LOOKBACK_DAYS = 30


def status_words(status: str) -> str:
    return str(CUSTOMER_STATUS.get(status, status))


def tail(unit) -> str:
    """The last four characters of the IMEI or serial number: enough to tell two units apart on a screen."""
    number = unit.imei or unit.serial_number or ""
    return number[-4:]


def period_text(period: Period) -> str:
    if period.unit == "days":
        return ngettext("%(n)s day", "%(n)s days", period.value) % {"n": period.value}
    if period.value % 12 == 0:
        years = period.value // 12
        return ngettext("%(n)s year", "%(n)s years", years) % {"n": years}
    return ngettext("%(n)s month", "%(n)s months", period.value) % {"n": period.value}


# --- coverage --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cover:
    """One period of cover on the card: what it gives, how long, until when, and whether it runs today."""

    key: str
    label: str
    length: str
    until: dt.date | None
    state: str  # "running" | "ended" | "not_started" | "none"
    starts: dt.date | None = None
    note: str = ""


@dataclass
class Coverage:
    decision: Decision | None
    problem: str = ""
    covers: list[Cover] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extended: list = field(default_factory=list)  # the valid extended warranties, latest first
    taken_back: str = ""  # "exchange" | "return" | ""

    def cover(self, key: str) -> Cover | None:
        return next((c for c in self.covers if c.key == key), None)


def _state(today: dt.date, until: dt.date | None, starts: dt.date | None = None) -> str:
    if until is None:
        return "none"
    if starts is not None and today < starts:
        return "not_started"
    return "running" if today <= until else "ended"


def _policies(codes: set[str]) -> dict[str, list[WarrantyPolicy]]:
    """Every version of the categories' policies, newest first (what `effective_on` picks from)."""
    found: dict[str, list[WarrantyPolicy]] = {code: [] for code in codes}
    for policy in (
        WarrantyPolicy.objects.filter(category__code__in=codes)
        .select_related("category")
        .prefetch_related("periods__component")
        .order_by("-effective_from")
    ):
        found[policy.category.code].append(policy)
    return found


def _repairs_by_unit(unit_ids: list[int]) -> dict[int, tuple[RepairRecord, ...]]:
    """The units' repairs as `unit_repair_history(symptom=None)` counts them, for all units in one read."""
    orders = list(
        WorkOrder.objects.filter(call__unit_id__in=unit_ids, repair_started_at__isnull=False)
        .exclude(status=WorkOrderStatus.CANCELLED)
        .select_related("call")
        .order_by("repair_started_at")
    )
    spans = repair_spans(orders=orders) if orders else {}
    records: dict[int, list[RepairRecord]] = {}
    for order in orders:
        records.setdefault(order.call.unit_id, []).append(
            RepairRecord(
                sent_on=spans[order.pk].sent_on,
                returned_on=timezone.localdate(order.completed_at) if order.completed_at else None,
                fixed=True,
                performance_fault=True,
                same_fault=False,
                delay_cause=spans[order.pk].delay_cause,
            )
        )
    return {pk: tuple(rows) for pk, rows in records.items()}


def coverage_of(units: list[ProductUnit], *, today: dt.date, components: bool = False) -> dict[int, Coverage]:
    """Each unit's coverage today; `components`: the main components' and accessories' own periods too (the
    card). Units need `model__category` loaded; `taken_back` annotated (units_with_state) to say so."""
    if not units:
        return {}
    ids = [u.pk for u in units]
    policies = _policies({u.model.category.code for u in units})
    extended: dict[int, list[ExtendedWarranty]] = {}
    for contract in ExtendedWarranty.objects.valid().filter(unit_id__in=ids).order_by("-ends_on", "pk"):
        extended.setdefault(contract.unit_id, []).append(contract)
    contracts: dict[int, dict] = {}
    for row in (
        MaintenanceContractUnit.objects.filter(
            unit_id__in=ids,
            contract__status=ContractStatus.ACTIVE,
            contract__starts_on__lte=today,
            contract__ends_on__gte=today,
        )
        .order_by("unit_id", "-contract__ends_on")
        .values("unit_id", "contract__number", "contract__ends_on", "contract__covers")
    ):
        contracts.setdefault(row["unit_id"], row)
    repairs = _repairs_by_unit(ids)
    holidays = rest_days()
    rules_of: dict[int, object] = {}
    result = {}
    for unit in units:
        ext = extended.get(unit.pk, [])
        contract = contracts.get(unit.pk)
        facts = Facts(
            category=unit.model.category.code,
            component="main_unit",
            report_date=today,
            sale_date=unit.sale_date,
            invoice_date=unit.invoice_date,
            factory_date=unit.factory_date,
            repairs=repairs.get(unit.pk, ()),
            extended_warranty_until=max((c.ends_on for c in ext if c.starts_on <= today), default=None),
            price=unit.invoice_amount,
            exchanged_on=unit.exchanged_on if unit.exchanged_on and unit.exchanged_on <= today else None,
            refurbished=unit.refurbished,
            contract_number=contract["contract__number"] if contract else None,
            contract_until=contract["contract__ends_on"] if contract else None,
            contract_covers=contract["contract__covers"] if contract else None,
        )
        day = policy_day(facts)
        policy = next((p for p in policies[facts.category] if p.effective_from <= day), None)
        rules = None
        if policy is not None:
            rules = rules_of.get(policy.pk) or rules_of.setdefault(policy.pk, policy.to_rules())
        coverage = Coverage(decision=None, extended=ext, taken_back=getattr(unit, "taken_back", "") or "")
        try:
            coverage.decision = decide(facts, rules, holidays)
        except FactsError as exc:
            coverage.problem = "；".join(m for messages in exc.errors.values() for m in messages)
        else:
            _fill(coverage, unit, facts, policy, rules, holidays, today, components)
        result[unit.pk] = coverage
    return result


def _fill(coverage: Coverage, unit, facts, policy, rules, holidays, today, components: bool) -> None:
    decision = coverage.decision
    terms = effective_policy(rules)
    if decision.return_until:
        coverage.covers.append(
            Cover(
                "return",
                str(_("Return (performance fault)")),
                period_text(Period(terms.return_days, "days")),
                decision.return_until,
                _state(today, decision.return_until),
            )
        )
    if decision.exchange_until:
        coverage.covers.append(
            Cover(
                "exchange",
                str(_("Exchange (performance fault)")),
                period_text(Period(terms.exchange_days, "days")),
                decision.exchange_until,
                _state(today, decision.exchange_until),
            )
        )
    main = terms.components.get(MAIN_UNIT)
    length = period_text(rules.refurbished_warranty if unit.refurbished else main.repair) if main else ""
    coverage.covers.append(
        Cover(
            "repair",
            str(_("Free repair of the whole unit")),
            length,
            decision.repair_until,
            _state(today, decision.repair_until),
        )
    )
    if components:
        english = _english()
        names = {
            p.component.code: (p.component.name_en if english and p.component.name_en else p.component.name)
            for p in policy.periods.all()
        }
        for code, part in sorted(
            terms.components.items(), key=lambda item: (item[1].kind == ACCESSORY, item[0])
        ):
            if part.kind == MAIN_UNIT:
                continue
            until = decide(replace(facts, component=code), rules, holidays).repair_until
            label = (
                _("Accessory: %(name)s") if part.kind == ACCESSORY else _("Main component: %(name)s")
            ) % {"name": names.get(code, code)}
            coverage.covers.append(
                Cover(f"part:{code}", str(label), period_text(part.repair), until, _state(today, until))
            )
    for contract in coverage.extended:
        coverage.covers.append(
            Cover(
                f"extended:{contract.number}",
                str(_("Extended warranty %(number)s") % {"number": contract.number}),
                "",
                contract.ends_on,
                _state(today, contract.ends_on, contract.starts_on),
                starts=contract.starts_on,
                note=str(_("Free repair; no return or exchange")),
            )
        )
    # Why the dates are what they are, in the customer's words: no invoice, refurbished, received in exchange,
    # days in repair added.
    for reason in decision.reasons:
        if reason.rule.startswith(("start.", "refurbished", "exchange.restart", "period.repair_days")):
            coverage.notes.append(reason.en if _english() else reason.zh)


def _english() -> bool:
    return (get_language() or "").startswith("en")


def badge(coverage: Coverage, today: dt.date) -> tuple[str, str]:
    """The home's one-line state of a unit: (text, tone)."""
    if coverage.taken_back == "exchange":
        return str(_("Exchanged")), "muted"
    if coverage.taken_back == "return":
        return str(_("Returned")), "muted"
    decision = coverage.decision
    if decision is None:
        return str(_("Warranty to be checked")), "warn"
    if decision.repair_until and today <= decision.repair_until:
        return str(_("In warranty until %(day)s") % {"day": f"{decision.repair_until:%Y-%m-%d}"}), "ok"
    running = [c for c in coverage.extended if c.starts_on <= today <= c.ends_on]
    if running:
        return str(_("Extended warranty until %(day)s") % {"day": f"{running[0].ends_on:%Y-%m-%d}"}), "ok"
    return str(_("Out of warranty")), "bad"


def window_hint(coverage: Coverage, today: dt.date) -> str:
    """The return or exchange window still open, said on the home under the badge."""
    decision = coverage.decision
    if decision is None or coverage.taken_back:
        return ""
    if decision.return_until and today <= decision.return_until:
        return str(
            _("Return or exchange possible until %(day)s") % {"day": f"{decision.return_until:%Y-%m-%d}"}
        )
    if decision.exchange_until and today <= decision.exchange_until:
        return str(_("Exchange possible until %(day)s") % {"day": f"{decision.exchange_until:%Y-%m-%d}"})
    return ""


# --- units, orders, the home ----------------------------------------------------------------------------


def units_with_state(account):
    """The account's units with their model and category, and whether the unit was taken back under 三包
    (exchanged for another, or returned): its own rows, no longer the customer's product."""
    returned = RemedyRequest.objects.filter(
        unit=OuterRef("pk"), status=RemedyStatus.DONE, remedy=RemedyKind.RETURN
    )
    replaced = ProductUnit.objects.filter(replaces=OuterRef("pk"))
    return (
        units_of(account)
        .select_related("model__category", "dealer")
        .annotate(exchanged=Exists(replaced), returned=Exists(returned))
    )


def _taken_back(unit) -> str:
    return "exchange" if unit.exchanged else "return" if unit.returned else ""


def order_rows(orders) -> list[dict]:
    return [
        {
            "order": o,
            "status": status_words(o.status),
            "tone": STATUS_TONE.get(o.status, ""),
            "kind": o.call.get_customer_request_display(),
            # Done, not yet closed after the callback, and not rated: the order's page asks for a rating.
            "to_rate": o.status == WorkOrderStatus.COMPLETED and not getattr(o, "rated", True),
        }
        for o in orders
    ]


def home(account, *, today: dt.date) -> dict:
    """The home's content: the customers under the number, their units with their state today, their open
    orders and the last closed ones."""
    names = list(customers_of(account).values_list("name", flat=True).order_by("pk")[:3])
    units = list(units_with_state(account).order_by(F("sale_date").desc(nulls_last=True), "-pk"))
    for unit in units:
        unit.taken_back = _taken_back(unit)
    coverages = coverage_of(units, today=today)
    inspections = _next_inspections([u.pk for u in units], today)
    rows = []
    for unit in units:
        coverage = coverages[unit.pk]
        text, tone = badge(coverage, today)
        rows.append(
            {
                "unit": unit,
                "tail": tail(unit),
                "badge": text,
                "tone": tone,
                "hint": window_hint(coverage, today),
                "inspection": inspections.get(unit.pk),
            }
        )
    # Current units first, then those taken back.
    rows.sort(key=lambda row: bool(row["unit"].taken_back))
    rated = VisitRating.objects.filter(work_order=OuterRef("pk"))
    orders = orders_of(account).select_related("call__unit__model").annotate(rated=Exists(rated))
    open_orders = list(
        orders.filter(status__in=OPEN_STATUSES).order_by("appointment_start", "-created_at", "-pk")
    )
    closed = list(
        orders.exclude(status__in=OPEN_STATUSES).order_by("-status_changed_at", "-pk")[:RECENT_CLOSED]
    )
    return {
        "names": names,
        "has_customer": bool(names),
        "units": rows,
        "open_orders": order_rows(open_orders),
        "closed_orders": order_rows(closed),
    }


def _next_inspections(unit_ids: list[int], today: dt.date) -> dict[int, Inspection]:
    """The inspection each unit is next due for, among those already planned (one read)."""
    found: dict[int, Inspection] = {}
    for visit in (
        Inspection.objects.filter(
            plan__unit_id__in=unit_ids,
            done_at__isnull=True,
            due_on__gte=today - dt.timedelta(days=INSPECTION_LOOKBACK_DAYS),
        )
        .exclude(work_order__status=WorkOrderStatus.CANCELLED)
        .select_related("plan", "work_order")
        .order_by("due_on", "pk")
    ):
        found.setdefault(visit.plan.unit_id, visit)
    return found


# --- the warranty card -----------------------------------------------------------------------------------


def card_unit(account, pk: int) -> ProductUnit:
    """The unit, in the account's scope (ProductUnit.DoesNotExist otherwise)."""
    unit = units_with_state(account).select_related("replaces").get(pk=pk)
    unit.taken_back = _taken_back(unit)
    return unit


def next_inspection(unit, today: dt.date) -> dict | None:
    """The unit's next inspection: the planned visit (with its order) when the job made it already, else the
    next due day of its running plan."""
    visit = _next_inspections([unit.pk], today).get(unit.pk)
    if visit is not None:
        return {"due_on": visit.due_on, "mode": visit.get_visit_mode_display(), "order": visit.work_order}
    plan = running_plan(unit=unit)
    if plan is None:
        return None
    last = Inspection.objects.filter(plan=plan).order_by("-due_on").values_list("due_on", flat=True).first()
    since = max(d for d in (today, plan.starts_on, last and last + dt.timedelta(days=1)) if d)
    day = next(
        due_dates(
            plan.first_on,
            plan.per_year,
            since=since,
            until=since + dt.timedelta(days=400),
            ends_on=plan.ends_on,
        ),
        None,
    )
    if day is None:
        return None
    return {"due_on": day, "mode": plan.get_visit_mode_display(), "order": None}


def history(account, unit) -> list[dict]:
    """The unit's calls, newest first, each with its orders: when, what was wrong, what was done, the 三包
    verdict (the one taken again at the unit when the technician found another faulty part or an exclusion)."""
    changes = (
        DecisionChange.objects.filter(decision__isnull=False)
        .select_related("decision")
        .order_by("-at", "-pk")
    )
    orders = (
        WorkOrder.objects.select_related("closing__fault_code")
        .prefetch_related(Prefetch("decision_changes", queryset=changes))
        .order_by("created_at", "pk")
    )
    calls = (
        calls_of(account)
        .filter(unit=unit)
        .select_related("symptom", "warranty_decision")
        .prefetch_related(Prefetch("work_orders", queryset=orders))
        .order_by("-logged_at", "-pk")
    )
    rows = []
    for call in calls:
        decision = call.warranty_decision
        entries = []
        for order in call.work_orders.all():
            changed = next(iter(order.decision_changes.all()), None)
            if changed is not None:
                decision = changed.decision
            closing = getattr(order, "closing", None)
            entries.append(
                {
                    "order": order,
                    "status": status_words(order.status),
                    "tone": STATUS_TONE.get(order.status, ""),
                    "done": closing.get_resolution_display() if closing else "",
                    "done_note": closing.resolution_note if closing else "",
                    "fault_found": closing.fault_code.local_name if closing else "",
                    "charged": (closing.collected_amount + closing.outstanding_amount) if closing else None,
                }
            )
        rows.append(
            {
                "call": call,
                "fault": call.symptom.local_name if call.symptom else call.symptom_text,
                "details": call.symptom_text if call.symptom else "",
                "kind": call.get_customer_request_display(),
                "verdict": Remedy(decision.verdict).label if decision else "",
                "orders": entries,
            }
        )
    return rows


def card(account, unit, *, today: dt.date) -> dict:
    coverage = coverage_of([unit], today=today, components=True)[unit.pk]
    # Exchanged: the unit received for it, whose own card carries the warranty on.
    replaced_by = units_of(account).filter(replaces=unit).first() if unit.taken_back == "exchange" else None
    return {
        "unit": unit,
        "tail": tail(unit),
        "coverage": coverage,
        "verdict": Remedy(coverage.decision.verdict).label if coverage.decision else "",
        "options": [Remedy(o).label for o in coverage.decision.options] if coverage.decision else [],
        "history": history(account, unit),
        "inspection": None if unit.taken_back else next_inspection(unit, today),
        "replaced_by": replaced_by,
    }
