from django.db import models
from django.utils.translation import gettext_lazy as _


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
    """The four service types of seed 000 §(六)."""

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
    ON_SITE = "on_site", _("On site")
    IN_REPAIR = "in_repair", _("In repair")
    WAITING_FOR_PARTS = "waiting_for_parts", _("Waiting for parts")
    COMPLETED = "completed", _("Completed")
    CLOSED = "closed", _("Closed")
    CANCELLED = "cancelled", _("Cancelled")
    PHONE_GUIDED = "phone_guided", _("Guided by phone")


S = WorkOrderStatus
# Which status may follow which. Every transition goes through repairs.services.work_order_transition.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.NEW: frozenset({S.DISPATCHED, S.PHONE_GUIDED, S.CANCELLED}),
    S.DISPATCHED: frozenset({S.ACCEPTED, S.PHONE_GUIDED, S.CANCELLED}),
    S.ACCEPTED: frozenset({S.EN_ROUTE, S.IN_REPAIR, S.PHONE_GUIDED, S.CANCELLED}),
    S.EN_ROUTE: frozenset({S.ON_SITE, S.CANCELLED}),
    S.ON_SITE: frozenset({S.IN_REPAIR, S.CANCELLED}),
    S.IN_REPAIR: frozenset({S.WAITING_FOR_PARTS, S.COMPLETED}),
    S.WAITING_FOR_PARTS: frozenset({S.IN_REPAIR, S.COMPLETED}),
    S.COMPLETED: frozenset({S.CLOSED}),
    S.PHONE_GUIDED: frozenset({S.CLOSED}),
    S.CLOSED: frozenset(),
    S.CANCELLED: frozenset(),
}
# Statuses in which the work is still to be done (the register's "open" and the duplicate guard).
OPEN_STATUSES = frozenset(
    {S.NEW, S.DISPATCHED, S.ACCEPTED, S.EN_ROUTE, S.ON_SITE, S.IN_REPAIR, S.WAITING_FOR_PARTS}
)
# Statuses a technician's work has not yet started in: the appointment can still be moved.
BEFORE_VISIT = frozenset({S.NEW, S.DISPATCHED, S.ACCEPTED})
del S


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


class PaymentMethod(models.TextChoices):
    CASH = "cash", _("Cash")
    WECHAT = "wechat", _("WeChat Pay")
    ALIPAY = "alipay", _("Alipay")
    CARD = "card", _("Bank card")


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
