"""The repair-call register: calls (叫修) and their work orders (派工单) with their event trail, and the
supervisors' dispatch overrides."""

from django.conf import settings
from django.contrib.postgres.indexes import OpClass
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from aftersales.roles import Role, dealer_ids, user_roles
from aftersales.validators import format_phone
from network.models import PhoneField, Region
from warranty.choices import Remedy

from ..choices import (
    AWAITING_ARRIVAL,
    BEFORE_VISIT,
    CARRY_IN_FROM,
    DONE_STATUSES,
    OPEN_STATUSES,
    PARTS_ISSUABLE,
    RESCHEDULABLE,
    RESCHEDULES_WITHOUT_SUPERVISOR,
    CallChannel,
    CallCustomerRequest,
    Priority,
    ServiceMode,
    ServiceType,
    WorkOrderStatus,
)
from .catalogue import _INTERNAL, Component, Customer, FaultSymptom, ProductUnit


def unit_dealer_field() -> models.ForeignKey:
    """The dealer who sold the call's unit, copied onto a row by database triggers (never written by Django):
    no constraint, no index of its own (each table indexes it with its list's order), not editable."""
    return models.ForeignKey(
        "network.Dealer",
        verbose_name=_("sold by"),
        null=True,
        blank=True,
        editable=False,
        db_index=False,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )


class RepairCallQuerySet(models.QuerySet):
    def for_user(self, user):
        roles = user_roles(user)
        if roles & _INTERNAL:
            return self
        scope = Q(pk__in=[])
        if Role.SUPERVISOR in roles:
            scope |= Q(pk__in=WorkOrder.objects.filter(center__supervisors=user).values("call_id"))
        if Role.TECHNICIAN in roles:
            scope |= Q(pk__in=WorkOrder.objects.filter(technician__user=user).values("call_id"))
        if Role.DEALER in roles:
            # unit_dealer is unit__dealer, kept by triggers: one dealer's calls are a range of an index.
            scope |= Q(unit_dealer_id__in=dealer_ids(user))
        return self.filter(scope)


class RepairCall(models.Model):
    """A repair call (叫修) as logged in the register: who called, about which unit, what is wrong, and the
    三包 decision taken at intake (why the repair is free or not)."""

    number = models.CharField(_("call number"), max_length=20, unique=True)
    channel = models.CharField(
        _("channel"), max_length=10, choices=CallChannel.choices, default=CallChannel.HOTLINE
    )
    caller_name = models.CharField(_("caller"), max_length=50)
    caller_phone = PhoneField(_("caller phone"))
    customer = models.ForeignKey(
        Customer, verbose_name=_("customer"), on_delete=models.PROTECT, related_name="repair_calls"
    )
    unit = models.ForeignKey(
        ProductUnit, verbose_name=_("product unit"), on_delete=models.PROTECT, related_name="repair_calls"
    )
    service_region = models.ForeignKey(
        Region, verbose_name=_("service district"), on_delete=models.PROTECT, related_name="+"
    )
    service_address = models.CharField(_("service address"), max_length=200)
    symptom = models.ForeignKey(
        FaultSymptom,
        verbose_name=_("fault symptom"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    symptom_text = models.CharField(_("symptom details"), max_length=500, blank=True)
    customer_request = models.CharField(
        _("customer's request"),
        max_length=20,
        choices=CallCustomerRequest.choices,
        default=CallCustomerRequest.REPAIR,
    )
    service_type = models.CharField(_("service type"), max_length=1, choices=ServiceType.choices)
    suggested_service_type = models.CharField(
        _("suggested service type"), max_length=1, choices=ServiceType.choices
    )
    service_type_reason = models.CharField(_("reason for another service type"), max_length=200, blank=True)
    priority = models.CharField(
        _("priority"), max_length=10, choices=Priority.choices, default=Priority.NORMAL
    )
    # What is faulty: the 三包 period is the component's (a phone's battery, an air conditioner's
    # compressor). Empty on calls logged before the component was asked: the whole unit.
    component = models.ForeignKey(
        Component,
        verbose_name=_("faulty part"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    warranty_decision = models.ForeignKey(
        "warranty.WarrantyDecision",
        verbose_name=_("warranty decision at intake"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repair_calls",
    )
    duplicate_of = models.ForeignKey(
        "self",
        verbose_name=_("confirmed despite open call"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    dealer = models.ForeignKey(
        "network.Dealer",
        verbose_name=_("logged by dealer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="repair_calls",
    )
    # Phone guidance (the maker's service procedure): the customer is called back 2 hours later.
    callback_due_at = models.DateTimeField(_("callback due"), null=True, blank=True, db_index=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    logged_at = models.DateTimeField(_("logged at"), default=timezone.now)
    # A call the customer reported on their own pages (channel web): the window they would like the visit in,
    # and the dispatcher's check of its details by phone — empty until then, the call is "to confirm".
    preferred_start = models.DateTimeField(_("preferred from"), null=True, blank=True)
    preferred_end = models.DateTimeField(_("preferred until"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("confirmed by"),
        null=True,
        blank=True,
        db_index=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The dealer who sold the unit (unit → dealer), kept by database triggers (migration 0025) on every
    # insert, on a change of the unit and when the unit's dealer changes: a dealer's calls over the API are one
    # index range, newest first, instead of a join to every unit the dealer sold and a sort.
    unit_dealer = unit_dealer_field()

    objects = RepairCallQuerySet.as_manager()

    class Meta:
        verbose_name = _("repair call")
        verbose_name_plural = _("repair calls")
        ordering = ["-logged_at", "-pk"]
        indexes = [
            models.Index(fields=["unit", "-logged_at"], name="repair_call_unit"),
            models.Index(fields=["customer", "-logged_at"], name="repair_call_customer"),
            models.Index(
                OpClass("caller_phone", name="varchar_pattern_ops"), name="repair_call_phone_prefix"
            ),
            # A dealer's calls (the API's list), newest first.
            models.Index(
                fields=["unit_dealer", "-logged_at", "-id"],
                condition=Q(unit_dealer__isnull=False),
                name="repair_call_dealer",
            ),
            # The web calls still to confirm (the register's filter): a handful among a million calls.
            models.Index(
                fields=["-logged_at"],
                condition=Q(channel="web", confirmed_at__isnull=True),
                name="repair_call_to_confirm",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(channel__in=CallChannel.values), name="repair_call_channel_valid"
            ),
            models.CheckConstraint(
                condition=Q(service_type__in=ServiceType.values)
                & Q(suggested_service_type__in=ServiceType.values),
                name="repair_call_service_type_valid",
            ),
            models.CheckConstraint(
                condition=Q(priority__in=Priority.values), name="repair_call_priority_valid"
            ),
            models.CheckConstraint(
                condition=Q(service_type=models.F("suggested_service_type")) | ~Q(service_type_reason=""),
                name="repair_call_override_has_reason",
            ),
            models.CheckConstraint(
                condition=Q(preferred_start__isnull=True, preferred_end__isnull=True)
                | Q(preferred_end__gt=models.F("preferred_start")),
                name="repair_call_preferred_window",
            ),
        ]

    def __str__(self):
        return self.number

    @property
    def caller_phone_display(self) -> str:
        return format_phone(self.caller_phone)

    @property
    def to_confirm(self) -> bool:
        """Reported by the customer on their own pages and not yet checked by a dispatcher by phone."""
        return self.channel == CallChannel.WEB and self.confirmed_at is None


class WorkOrderQuerySet(models.QuerySet):
    def for_user(self, user):
        roles = user_roles(user)
        if roles & _INTERNAL:
            return self
        scope = Q(pk__in=[])
        if Role.SUPERVISOR in roles:
            scope |= Q(center__in=user.supervised_centers.all())
        if Role.TECHNICIAN in roles:
            scope |= Q(technician__user=user)
        if Role.DEALER in roles:
            # unit_dealer is call__unit__dealer, kept by triggers; the ids are read first so that one
            # dealer's list is a range of the work_order_dealer indexes.
            scope |= Q(unit_dealer_id__in=dealer_ids(user))
        return self.filter(scope)

    def open(self):
        return self.filter(status__in=OPEN_STATUSES)

    def overdue(self, now):
        """Open orders whose appointment window has ended."""
        return self.open().filter(appointment_end__lt=now)


class WorkOrder(models.Model):
    """A work order (派工单): the job a service centre and its technician do for a call. Its status changes
    only through repairs.services (TRANSITIONS in choices.py), each change recorded as a WorkOrderEvent."""

    number = models.CharField(_("work order number"), max_length=20, unique=True)
    call = models.ForeignKey(
        RepairCall, verbose_name=_("repair call"), on_delete=models.PROTECT, related_name="work_orders"
    )
    center = models.ForeignKey(
        "network.ServiceCenter",
        verbose_name=_("service centre"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
    )
    technician = models.ForeignKey(
        "network.Technician",
        verbose_name=_("technician"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="work_orders",
    )
    mode = models.CharField(
        _("service mode"), max_length=10, choices=ServiceMode.choices, default=ServiceMode.ON_SITE
    )
    appointment_start = models.DateTimeField(_("appointment from"), null=True, blank=True)
    appointment_end = models.DateTimeField(_("appointment until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=WorkOrderStatus.choices, default=WorkOrderStatus.NEW
    )
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    dispatched_at = models.DateTimeField(_("dispatched"), null=True, blank=True)
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("dispatched by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    accepted_at = models.DateTimeField(_("accepted"), null=True, blank=True)
    en_route_at = models.DateTimeField(_("set off"), null=True, blank=True)
    arrived_at = models.DateTimeField(_("arrived"), null=True, blank=True)
    repair_started_at = models.DateTimeField(_("repair started"), null=True, blank=True)
    completed_at = models.DateTimeField(_("completed"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled"), null=True, blank=True)
    guided_at = models.DateTimeField(_("guided by phone"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)
    # The customer's confirmation code (proof of the visit where no signature can be had): sent by SMS
    # when the order is dispatched, kept only as a hash, typed in by the technician at closing.
    confirmation_code_hash = models.CharField(_("confirmation code (hashed)"), max_length=128, blank=True)
    confirmation_sent_at = models.DateTimeField(_("confirmation code sent"), null=True, blank=True)
    confirmation_failures = models.PositiveSmallIntegerField(_("wrong confirmation codes typed"), default=0)
    # The first time the technician reached the customer (the SLA's first contact), however it happened.
    first_contact_at = models.DateTimeField(_("first contact with the customer"), null=True, blank=True)
    # 退回重办: a callback sent the job back to be redone as a new work order of the same call; this one's
    # payment is held in the settlement until the redo is completed.
    redo_of = models.ForeignKey(
        "self",
        verbose_name=_("redo of"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="redos",
    )
    payment_held = models.BooleanField(_("payment held until redone"), default=False, db_default=False)
    # One-way distance to the customer, entered at closing on the tablet: the settlement's travel fee band.
    travel_km = models.PositiveIntegerField(_("distance to the customer (km)"), null=True, blank=True)
    # 检测: what the technician found once at the product (the fault, its cause if known, a note), recorded
    # on the tablet before the repair (repairs.closing.work_order_diagnose); the closing form starts from it.
    # Fault codes are retired (active=False), never deleted: no index is needed behind PROTECT.
    diagnosis_fault = models.ForeignKey(
        "FaultCode",
        verbose_name=_("fault found"),
        null=True,
        blank=True,
        db_index=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    diagnosis_cause = models.ForeignKey(
        "FaultCode",
        verbose_name=_("cause found"),
        null=True,
        blank=True,
        db_index=False,
        on_delete=models.PROTECT,
        related_name="+",
    )
    diagnosis_note = models.CharField(_("what was found"), max_length=500, blank=True)
    reschedule_count = models.PositiveSmallIntegerField(_("times rescheduled"), default=0, db_default=0)
    # The appointment the centre answers for on the SLA (empty: the current one). A move the customer asked
    # for lets the clock follow the new window; a delay on the service side keeps the first one.
    accountable_start = models.DateTimeField(_("appointment the SLA holds"), null=True, blank=True)
    # Time the customer's own moves added to the completion deadline (the clock waits for the new window).
    customer_wait_seconds = models.PositiveIntegerField(
        _("waiting for the customer (seconds)"), default=0, db_default=0
    )
    diagnosed_at = models.DateTimeField(_("diagnosed"), null=True, blank=True)
    # The dealer who sold the unit (call → unit → dealer), kept by database triggers (migrations 0011–0012) on
    # every insert, on a change of the call, and when the unit's dealer or the call's unit changes: a dealer's list
    # is then one index range (newest first, by status) instead of three joins per candidate row.
    unit_dealer = unit_dealer_field()

    objects = WorkOrderQuerySet.as_manager()

    # The timestamp each status sets when entered.
    STATUS_TIMESTAMP = {
        WorkOrderStatus.DISPATCHED: "dispatched_at",
        WorkOrderStatus.ACCEPTED: "accepted_at",
        WorkOrderStatus.EN_ROUTE: "en_route_at",
        WorkOrderStatus.ON_SITE: "arrived_at",
        WorkOrderStatus.IN_REPAIR: "repair_started_at",
        WorkOrderStatus.COMPLETED: "completed_at",
        WorkOrderStatus.CLOSED: "closed_at",
        WorkOrderStatus.CANCELLED: "cancelled_at",
        WorkOrderStatus.PHONE_GUIDED: "guided_at",
    }

    class Meta:
        verbose_name = _("work order")
        verbose_name_plural = _("work orders")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(fields=["-created_at", "-id"], name="work_order_created"),
            models.Index(fields=["status", "-created_at"], name="work_order_status"),
            models.Index(fields=["center", "-created_at"], name="work_order_center"),
            # The monthly settlement: a centre's closed work by the time it closed.
            models.Index(
                fields=["center", "closed_at"], condition=Q(status="closed"), name="work_order_center_closed"
            ),
            models.Index(fields=["technician", "-created_at"], name="work_order_technician"),
            models.Index(
                fields=["appointment_end"],
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="work_order_open_appointment",
            ),
            # The technician's day (today, tomorrow) and their overdue orders, each one index range.
            # A centre's open orders (the supervisor's page): overdue first, and counted by technician from the
            # index alone, however many orders the centre closed before.
            models.Index(
                fields=["center", "appointment_end", "id"],
                include=["technician"],
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="work_order_center_open",
            ),
            models.Index(fields=["technician", "appointment_start"], name="work_order_tech_day"),
            # A technician's work completed in a month (their time by service type).
            models.Index(
                fields=["technician", "completed_at"],
                condition=Q(completed_at__isnull=False),
                name="work_order_tech_completed",
            ),
            models.Index(
                fields=["technician", "appointment_end"],
                condition=Q(status__in=sorted(OPEN_STATUSES)),
                name="work_order_tech_overdue",
            ),
            models.Index(fields=["center", "appointment_start"], name="work_order_center_day"),
            # The supervisor's board of the field's exceptions (repairs.field.supervisor_board): the orders to
            # be rescheduled after nobody was at home and those moved twice already, longest waiting first.
            models.Index(
                fields=["center", "status_changed_at", "id"],
                condition=Q(status=WorkOrderStatus.TO_RESCHEDULE)
                | Q(status__in=sorted(RESCHEDULABLE), reschedule_count__gte=RESCHEDULES_WITHOUT_SUPERVISOR),
                name="work_order_center_waiting",
            ),
            # A dealer's work orders (the API's list), newest first, all or by status.
            models.Index(
                fields=["unit_dealer", "-created_at", "-id"],
                condition=Q(unit_dealer__isnull=False),
                name="work_order_dealer",
            ),
            models.Index(
                fields=["unit_dealer", "status", "-created_at", "-id"],
                condition=Q(unit_dealer__isnull=False),
                name="work_order_dealer_status",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=WorkOrderStatus.values), name="work_order_status_valid"
            ),
            models.CheckConstraint(condition=Q(mode__in=ServiceMode.values), name="work_order_mode_valid"),
            models.CheckConstraint(
                condition=Q(appointment_start__isnull=True)
                | Q(appointment_end__isnull=True)
                | Q(appointment_end__gt=models.F("appointment_start")),
                name="work_order_appointment_order",
            ),
            models.CheckConstraint(
                condition=Q(
                    status__in=[WorkOrderStatus.NEW, WorkOrderStatus.CANCELLED, WorkOrderStatus.PHONE_GUIDED]
                )
                | Q(center__isnull=False)
                | Q(status=WorkOrderStatus.CLOSED, guided_at__isnull=False),
                name="work_order_dispatched_has_center",
            ),
        ]

    def __str__(self):
        return self.number

    def verdict_in_force_display(self) -> str:
        """The 三包 verdict in force: the one taken again at the unit (annotated as `verdict_on_site` by
        repairs.selectors.with_verdict_in_force), else the intake's; empty when the call has none."""

        code = getattr(self, "verdict_on_site", None)
        if code:
            return str(Remedy(code).label)
        decision = self.call.warranty_decision
        return decision.get_verdict_display() if decision else ""

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def before_visit(self) -> bool:
        """Not visited yet: new, dispatched or accepted (it can still be dispatched again or guided by phone)."""
        return self.status in BEFORE_VISIT

    @property
    def awaits_arrival(self) -> bool:
        """The technician has yet to arrive: a visit past its window is late."""
        return self.status in AWAITING_ARRIVAL

    @property
    def can_take_in(self) -> bool:
        """The product can be taken in to the workshop (carry-in) in this status."""
        return self.status in CARRY_IN_FROM

    @property
    def is_done(self) -> bool:
        """The work is done: completed or closed."""
        return self.status in DONE_STATUSES

    @property
    def accepts_parts(self) -> bool:
        """Whether parts may be issued to (or returned from) the order: open, or completed and not closed."""
        return self.status in PARTS_ISSUABLE

    @property
    def is_free_service(self) -> bool:
        """In-warranty (三包) service: its parts are the maker's cost."""
        return self.call.service_type == ServiceType.FREE

    @property
    def contract_pays(self) -> str | None:
        """On contract service (B) under a maintenance contract: what the contract pays ("labour", "parts" or
        "both"), as the call's stored 三包 decision found it; None on any other order."""
        call = self.call
        if call.service_type != ServiceType.CONTRACT or call.warranty_decision_id is None:
            return None
        decision = call.warranty_decision
        if not any(r.get("rule") == "maintenance_contract" for r in decision.result.get("reasons", ())):
            return None
        return decision.facts.get("contract_covers")

    @property
    def quoted_as_paid(self) -> bool:
        """Whether the customer is quoted and pays for (part of) the work: paid service (A), or contract service
        whose contract pays only labour or only parts — the rest is paid work, quoted and agreed the same way."""
        return self.call.service_type == ServiceType.PAID or self.contract_pays in ("labour", "parts")

    @property
    def quoted_kinds(self) -> frozenset[str]:
        """The quote line kinds the customer pays for: everything on paid service; under a contract that pays
        labour, the parts; under one that pays parts, the labour and the call-out."""
        pays = self.contract_pays
        if pays == "labour":
            return frozenset({"part"})
        if pays == "parts":
            return frozenset({"labour", "travel"})
        return frozenset({"labour", "part", "travel"})


class WorkOrderEvent(models.Model):
    """The audit trail of a work order: every status change (and dispatch, re-dispatch), who, when, why.
    Append-only."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.CASCADE, related_name="events"
    )
    from_status = models.CharField(_("from"), max_length=20, choices=WorkOrderStatus.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=WorkOrderStatus.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("work order event")
        verbose_name_plural = _("work order events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["work_order", "at"], name="work_order_event_order")]

    def __str__(self):
        return f"{self.work_order} {self.from_status or '—'} → {self.to_status}"


class DispatchOverride(models.Model):
    """A dispatch outside the centre's agreement (a district it does not serve, a category it is not
    authorised for), allowed by a manager with a reason. Append-only: the record of who decided, and why."""

    work_order = models.ForeignKey(
        WorkOrder, verbose_name=_("work order"), on_delete=models.PROTECT, related_name="dispatch_overrides"
    )
    center = models.ForeignKey(
        "network.ServiceCenter", verbose_name=_("service centre"), on_delete=models.PROTECT, related_name="+"
    )
    outside = models.CharField(_("outside the agreement"), max_length=300)
    reason = models.CharField(_("reason"), max_length=500)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("allowed by"), on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("dispatch outside the agreement")
        verbose_name_plural = _("dispatches outside the agreement")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="dispatch_override_has_reason"),
        ]

    def __str__(self):
        return f"{self.work_order} → {self.center}: {self.reason}"
