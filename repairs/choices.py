from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ComponentKind(models.TextChoices):
    """How a component stands in the 三包 rules: the whole unit, a main component with its own longer
    period, or an accessory with a shorter one."""

    MAIN_UNIT = "main_unit", _("Whole unit")
    MAIN_COMPONENT = "main_component", _("Main component")
    ACCESSORY = "accessory", _("Accessory")


class PhoneLabel(models.TextChoices):
    MOBILE = "mobile", _("Mobile")
    HOME = "home", _("Home")
    WORK = "work", _("Work")


class CallChannel(models.TextChoices):
    HOTLINE = "hotline", _("Hotline")
    WEB = "web", _("Web")
    DEALER = "dealer", _("Dealer")
    WALK_IN = "walk_in", _("Walk-in")


class ServiceType(models.TextChoices):
    """The four service types of the maker's service standard: paid (A), under a maintenance contract (B),
    free under the 三包 regulation (C), administrative work (D)."""

    PAID = "A", _("A · Paid service")
    CONTRACT = "B", _("B · Contract service")
    FREE = "C", _("C · Free service (in warranty)")
    ADMIN = "D", _("D · Administrative work")


class Priority(models.TextChoices):
    NORMAL = "normal", _("Normal")
    HIGH = "high", _("High")
    URGENT = "urgent", _("Urgent")


class CallCustomerRequest(models.TextChoices):
    REPAIR = "repair", _("Repair")
    EXCHANGE = "exchange", _("Exchange")
    RETURN = "return", _("Return")
    INSTALLATION = "installation", _("Installation")
    INSPECTION = "inspection", _("Inspection")
    CONSULTATION = "consultation", _("Consultation")


class ServiceMode(models.TextChoices):
    ON_SITE = "on_site", _("On site")
    CARRY_IN = "carry_in", _("Carry-in")


class WorkOrderStatus(models.TextChoices):
    NEW = "new", _("New")
    DISPATCHED = "dispatched", _("Dispatched")
    ACCEPTED = "accepted", _("Accepted")
    EN_ROUTE = "en_route", _("En route")
    # Not the service mode's "On site" (上门服务): the technician has arrived.
    ON_SITE = "on_site", pgettext_lazy("work order status", "On site")
    IN_REPAIR = "in_repair", _("In repair")
    WAITING_FOR_PARTS = "waiting_for_parts", _("Waiting for parts")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")
    PHONE_GUIDED = "phone_guided", _("Guided by phone")
    # The technician found nobody at home (上门未遇): a new appointment is to be agreed.
    TO_RESCHEDULE = "to_reschedule", _("To be rescheduled")


S = WorkOrderStatus
# Which status may follow which. Every transition goes through repairs.services.work_order_transition.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.DISPATCHED, S.PHONE_GUIDED, S.CANCELLED}),
    S.DISPATCHED: frozenset({S.ACCEPTED, S.PHONE_GUIDED, S.CANCELLED}),
    # Completed straight from accepted (a carry-in waiting for the customer's answer) or on site only with the
    # closing record of a paid repair the customer declined (repairs.closing): nothing was repaired.
    S.ACCEPTED: frozenset({S.EN_ROUTE, S.IN_REPAIR, S.PHONE_GUIDED, S.CANCELLED, S.COMPLETED}),
    S.EN_ROUTE: frozenset({S.ON_SITE, S.TO_RESCHEDULE, S.CANCELLED}),
    S.ON_SITE: frozenset({S.IN_REPAIR, S.TO_RESCHEDULE, S.CANCELLED, S.COMPLETED}),
    S.IN_REPAIR: frozenset({S.WAITING_FOR_PARTS, S.COMPLETED}),
    S.WAITING_FOR_PARTS: frozenset({S.IN_REPAIR, S.COMPLETED}),
    S.COMPLETED: frozenset({S.CLOSED}),
    S.PHONE_GUIDED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
    # Leaves only by a new appointment (repairs.field.work_order_reschedule) or a cancellation.
    S.TO_RESCHEDULE: frozenset({S.DISPATCHED, S.CANCELLED}),
}


def transitions_into(to_status: str) -> frozenset[str]:
    """The statuses TRANSITIONS lets move to `to_status`."""
    return frozenset(source for source, targets in TRANSITIONS.items() if to_status in targets)


# Statuses in which the work is still to be done (the register's "open" and the duplicate guard).
OPEN_STATUSES = frozenset(
    {
        S.NEW,
        S.DISPATCHED,
        S.ACCEPTED,
        S.EN_ROUTE,
        S.ON_SITE,
        S.IN_REPAIR,
        S.WAITING_FOR_PARTS,
        S.TO_RESCHEDULE,
    }
)
# Statuses a product can be taken in from (carry-in: the technician takes it to the workshop).
CARRY_IN_FROM = frozenset({S.ACCEPTED, S.ON_SITE, S.IN_REPAIR})
# Statuses in which the technician has yet to arrive (a visit past its window is late).
AWAITING_ARRIVAL = frozenset({S.DISPATCHED, S.ACCEPTED, S.EN_ROUTE})
# Statuses in which the work is done.
DONE_STATUSES = frozenset({S.COMPLETED, S.CLOSED})
# Statuses parts can be issued to (and returned from): still open, or completed and not yet closed.
PARTS_ISSUABLE = OPEN_STATUSES | {S.COMPLETED}
# Statuses a technician's work has not yet started in: the appointment can still be moved.
BEFORE_VISIT = frozenset({S.NEW, S.DISPATCHED, S.ACCEPTED})
# Statuses an appointment may be moved in (改约): before the visit, on the way, after nobody was at home.
RESCHEDULABLE = frozenset({S.DISPATCHED, S.ACCEPTED, S.EN_ROUTE, S.TO_RESCHEDULE})
# Statuses an order may be given to another technician or centre in (改派): dispatched, work not finished.
REDISPATCHABLE = frozenset(
    {S.DISPATCHED, S.ACCEPTED, S.EN_ROUTE, S.ON_SITE, S.IN_REPAIR, S.WAITING_FOR_PARTS, S.TO_RESCHEDULE}
)
del S


class RescheduleReason(models.TextChoices):
    """Why an appointment moved. Only the customer's own request stops the response clock until the new
    window; a delay on the service side keeps the centre accountable to the first appointment."""

    CUSTOMER = "customer", _("Customer's request")
    TECHNICIAN_DELAYED = "technician_delayed", _("Technician delayed")
    PARTS = "parts", _("Parts not arrived")
    WEATHER = "weather", _("Weather")
    NOT_HOME = "not_home", _("Customer not at home")
    OTHER = "other", _("Other")


# The reasons the customer caused: the SLA waits for the new window.
CUSTOMER_RESCHEDULE_REASONS = frozenset({RescheduleReason.CUSTOMER, RescheduleReason.NOT_HOME})
# From the third move of one order on, a supervisor decides.
RESCHEDULES_WITHOUT_SUPERVISOR = 2


class DecisionChangeKind(models.TextChoices):
    """What made the 三包 decision or the service type of a call change after intake."""

    COMPONENT = "component", _("Faulty part changed after diagnosis")
    FINDING = "finding", _("Exclusion found on site")
    SERVICE_TYPE = "service_type", _("Service type changed")


class SiteFindingKind(models.TextChoices):
    """Exclusions from 三包 a technician can see on site (the national 三包 regulation's exclusions)."""

    MISUSE = "misuse", _("Misuse, improper maintenance or storage")
    MAN_MADE_DAMAGE = "man_made_damage", _("Liquid or man-made damage")
    UNAUTHORIZED_REPAIR = "unauthorized_repair", _("Opened or repaired by an unauthorised party")
    VOLTAGE = "voltage", _("Unstable voltage or non-compliant wiring")
    MODEL_MISMATCH = "model_mismatch", _("The model differs from the proof of purchase")
    NO_VALID_PROOF = "no_valid_proof", _("No valid proof of purchase")


class ConsentMethod(models.TextChoices):
    SIGNATURE = "signature", _("Signed on site")
    PHONE = "phone", _("By phone")


class QuoteLineKind(models.TextChoices):
    LABOUR = "labour", _("Labour")
    PART = "part", _("Part")
    TRAVEL = "travel", _("Travel")


class LoanerStatus(models.TextChoices):
    AVAILABLE = "available", _("Available")
    LENT = "lent", _("Lent")
    RETIRED = "retired", _("Retired")


class FaultCodeKind(models.TextChoices):
    """The technician's closing lists, per category: what the fault was and what caused it."""

    FAULT = "fault", _("Fault")
    CAUSE = "cause", _("Cause")


class Resolution(models.TextChoices):
    REPAIRED = "repaired", _("Repaired")
    PART_REPLACED = "part_replaced", _("Part replaced")
    ADJUSTED = "adjusted", _("Adjusted or cleaned")
    NO_FAULT = "no_fault", _("No fault found")
    ADVICE = "advice", _("Usage advice given")
    # Paid service (A): a repair that failed costs the customer nothing but the call-out fee (the fee schedule);
    # a customer who declines the quote pays the call-out fee only, and nothing is repaired.
    NOT_FIXED = "not_fixed", _("Could not be fixed")
    DECLINED = "declined", _("Customer declined the paid repair")


# What the customer pays for on a paid (A) order that was not repaired: the call-out fee alone.
CALL_OUT_ONLY = frozenset({Resolution.NOT_FIXED, Resolution.DECLINED})


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    CARD = "card", _("Bank card")


# Payments through an app leave a transaction number the customer can show: it is kept with the payment.
PAYMENT_NEEDS_REFERENCE = frozenset({PaymentMethod.WECHAT, PaymentMethod.ALIPAY})


class ClosingChannel(models.TextChoices):
    """Where the closing record was made: the technician's tablet at the customer's, or the office (the
    workshop's carry-in repairs, an order the technician could not close on the tablet)."""

    TABLET = "tablet", _("On the tablet")
    OFFICE = "office", _("In the office")


class Satisfaction(models.TextChoices):
    VERY_SATISFIED = "very_satisfied", _("Very satisfied")
    SATISFIED = "satisfied", _("Satisfied")
    NEUTRAL = "neutral", _("Neutral")
    DISSATISFIED = "dissatisfied", _("Dissatisfied")


class PhotoKind(models.TextChoices):
    BEFORE = "before", _("Before")
    AFTER = "after", _("After")
