"""三包 remedies over the API: remedy requests (an exchange or a return on a 三包 decision) with the manager's
approval, out-of-box (DOA) checks at the dealer, and the dealers' credit notes. Reads go through for_user();
writes validate, then call remedies.services (the same services the remedies' pages call); creates are
idempotent (Idempotency-Key). Bodies are JSON: ids are JSON numbers, money is a string."""

import contextlib

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.response import Response

from aftersales.api.errors import service_errors
from aftersales.api.pagination import OrderedCursorPagination
from aftersales.api.rows import RowListSerializer
from aftersales.api.schema import ACTION_ERRORS, LIST_ERRORS, READ_ERRORS, WRITE_ERRORS
from aftersales.api.scoping import ScopedViewSet
from aftersales.dbrouting import ReplicaListMixin
from aftersales.parsing import MAX_ID
from aftersales.roles import Role
from integrations.idempotency import IdempotentCreateMixin
from network.models import ServiceCenter
from remedies import services
from remedies.choices import Basis, DoaStatus, RemedyKind, RemedyStatus
from remedies.models import DealerCredit, DoaCheck, Refund, RemedyEvent, RemedyRequest
from repairs.models import ProductUnit, WorkOrder
from repairs.services import unit_repair_history
from warranty.choices import Remedy
from warranty.models import WarrantyDecision
from warranty.rules import FactsError
from warranty.services import unit_facts, warranty_decision_record

from .sales import IDEMPOTENCY_PARAMETER

# Who reads and opens requests and checks (the services' own rule: the office and the dealers); a
# technician has none in scope and is refused. Credit notes: the hotline, managers and the dealers.
REMEDY_ROLES = (Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER, Role.DEALER)
CREDIT_ROLES = (Role.DISPATCHER, Role.MANAGER, Role.DEALER)


class IdField(serializers.IntegerField):
    """A primary key as a JSON number from 1 to the largest bigint; a string (even of digits) is refused."""

    def __init__(self, **kwargs):
        super().__init__(min_value=1, max_value=MAX_ID, **kwargs)

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


def _codes(**kwargs):
    return serializers.ListField(
        child=serializers.CharField(max_length=40), max_length=50, required=False, default=list, **kwargs
    )


@contextlib.contextmanager
def remedy_errors(rename=None):
    """service_errors(), and a request in a status the step cannot come from answers 400 with
    errors.status, as a work order's transitions do; `rename` names a service's field as the body does."""
    try:
        yield
    except DjangoValidationError as exc:
        if not hasattr(exc, "error_dict") and any(e.code == "state" for e in exc.error_list):
            raise serializers.ValidationError({"status": exc.messages}) from exc
        if rename and hasattr(exc, "error_dict"):
            exc = DjangoValidationError({rename.get(k, k): v for k, v in exc.error_dict.items()})
        with service_errors():
            raise exc from None


# Read ---------------------------------------------------------------------------------------------------


class _StatusOrNone(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=RemedyStatus.choices, allow_null=True, read_only=True, **kwargs)

    def to_representation(self, value):
        return value or None


class RemedyEventSerializer(serializers.ModelSerializer):
    from_status = _StatusOrNone(help_text="null for the event that opened the request")

    class Meta:
        list_serializer_class = RowListSerializer
        model = RemedyEvent
        fields = ["from_status", "to_status", "at", "note"]
        read_only_fields = fields


class RefundSerializer(serializers.ModelSerializer):
    class Meta:
        model = Refund
        fields = ["amount", "method", "reference", "paid_at"]
        read_only_fields = fields


def _serial(unit) -> str:
    return unit.imei or unit.serial_number


class RemedyRequestSerializer(serializers.ModelSerializer):
    unit_serial = serializers.SerializerMethodField(help_text="the unit's IMEI, else its serial number")
    model_number = serializers.CharField(source="unit.model.model_number", read_only=True)
    verdict = serializers.ChoiceField(
        source="decision.verdict",
        choices=Remedy.choices,
        read_only=True,
        help_text="the 三包 decision's verdict",
    )
    options = serializers.ListField(
        source="decision.result.options",
        child=serializers.ChoiceField(choices=Remedy.choices),
        read_only=True,
        default=list,
        help_text="what the decision allows the customer to choose",
    )
    refund_amount = serializers.DecimalField(
        source="decision.result.refund_amount",
        max_digits=14,
        decimal_places=2,
        read_only=True,
        allow_null=True,
        default=None,
        help_text="the decision's refund on a return (the invoice price less depreciation), CNY",
    )
    documents = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="the checklist codes checked"
    )
    dealer = serializers.CharField(source="dealer.code", read_only=True, allow_null=True, default=None)
    charged_center = serializers.CharField(
        source="charged_center.code",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="the late repairer's centre, charged through its settlement",
    )
    replacement_serial = serializers.SerializerMethodField()
    exchanged_on = serializers.DateField(
        source="replacement.exchanged_on", read_only=True, allow_null=True, default=None
    )
    refund = RefundSerializer(read_only=True, allow_null=True, default=None)
    events = RemedyEventSerializer(many=True, read_only=True, help_text="the audit trail, oldest first")

    class Meta:
        list_serializer_class = RowListSerializer
        model = RemedyRequest
        fields = [
            "id",
            "number",
            "status",
            "remedy",
            "basis",
            "liable",
            "unit",
            "unit_serial",
            "model_number",
            "decision",
            "verdict",
            "options",
            "refund_amount",
            "documents",
            "override_reason",
            "customer_note",
            "dealer",
            "charged_center",
            "charge_amount",
            "opened_at",
            "approval_due_at",
            "decided_at",
            "decision_note",
            "auto_approved",
            "replacement",
            "replacement_serial",
            "exchanged_on",
            "refund",
            "done_at",
            "events",
        ]
        read_only_fields = fields

    def get_unit_serial(self, row) -> str:
        return _serial(row.unit)

    def get_replacement_serial(self, row) -> str | None:
        return _serial(row.replacement) if row.replacement_id else None


class DoaCheckSerializer(serializers.ModelSerializer):
    unit_serial = serializers.SerializerMethodField(help_text="the unit's IMEI, else its serial number")
    checked = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="the checklist codes passed"
    )
    missing = serializers.ListField(
        child=serializers.CharField(), read_only=True, help_text="the checklist items failed, as worded"
    )
    dealer = serializers.CharField(source="dealer.code", read_only=True, allow_null=True, default=None)
    center = serializers.CharField(source="center.code", read_only=True, allow_null=True, default=None)
    request = serializers.CharField(
        source="request.number",
        read_only=True,
        allow_null=True,
        default=None,
        help_text="the exchange opened by an approved check (its remedy request's number)",
    )
    request_status = serializers.ChoiceField(
        source="request.status", choices=RemedyStatus.choices, read_only=True, allow_null=True, default=None
    )

    class Meta:
        list_serializer_class = RowListSerializer
        model = DoaCheck
        fields = [
            "id",
            "number",
            "status",
            "unit",
            "unit_serial",
            "fault",
            "confirmed_by",
            "checked",
            "missing",
            "dealer",
            "center",
            "request",
            "request_status",
            "recorded_at",
        ]
        read_only_fields = fields

    def get_unit_serial(self, check) -> str:
        return _serial(check.unit)


class DealerCreditSerializer(serializers.ModelSerializer):
    dealer = serializers.CharField(source="dealer.code", read_only=True)
    request = serializers.CharField(source="request.number", read_only=True, help_text="the remedy request")

    class Meta:
        list_serializer_class = RowListSerializer
        model = DealerCredit
        fields = ["id", "number", "dealer", "request", "amount", "reason", "created_at"]
        read_only_fields = fields


# Write --------------------------------------------------------------------------------------------------


class RemedyRequestCreateSerializer(serializers.Serializer):
    decision = IdField(
        required=False,
        allow_null=True,
        default=None,
        help_text="id of a stored 三包 decision in scope; or give unit instead",
    )
    unit = IdField(
        required=False,
        allow_null=True,
        default=None,
        help_text="id of a unit in scope (a dealer: one it sold): today's 三包 decision is recorded for it",
    )
    remedy = serializers.ChoiceField(
        choices=RemedyKind.choices,
        error_messages={"invalid_choice": gettext_lazy("Choose exchange or return.")},
    )
    documents = _codes(help_text="the checklist codes checked for the remedy (the unit's category's list)")
    override_reason = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text="a supervisor's or manager's reason to accept missing documents",
    )
    customer_note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    work_order = IdField(
        required=False, allow_null=True, default=None, help_text="id of the unit's repair the remedy follows"
    )

    def validate(self, attrs):
        if (attrs["decision"] is None) == (attrs["unit"] is None):
            raise serializers.ValidationError(
                {"decision": [_("Give either the warranty decision or the unit.")]}
            )
        return attrs


class ApproveSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")


class RejectSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        default="",
        help_text="required; told to the customer",
    )


class DoaCheckCreateSerializer(serializers.Serializer):
    unit = IdField(help_text="id of a unit in scope (a dealer: one it sold)")
    fault = serializers.CharField(max_length=300, allow_blank=True, help_text="the fault found at unpacking")
    confirmed_by = serializers.CharField(
        max_length=50, allow_blank=True, help_text="the technician who confirmed the fault"
    )
    checked = _codes(help_text="the out-of-box checklist codes passed (the unit's category's list)")
    center = serializers.CharField(
        max_length=20, required=False, allow_null=True, default=None, help_text="service centre code"
    )


# Filters ------------------------------------------------------------------------------------------------


class RemedyRequestFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=gettext_lazy("Status"), choices=RemedyStatus.choices)
    remedy = django_filters.ChoiceFilter(label=gettext_lazy("Remedy"), choices=RemedyKind.choices)
    basis = django_filters.ChoiceFilter(label=gettext_lazy("Basis"), choices=Basis.choices)
    ordering = django_filters.OrderingFilter(
        label=gettext_lazy("Sort by"), fields=(("opened_at", "opened"), ("pk", "id"))
    )

    class Meta:
        model = RemedyRequest
        fields = []


class DoaCheckFilterSet(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(label=gettext_lazy("Result"), choices=DoaStatus.choices)
    ordering = django_filters.OrderingFilter(
        label=gettext_lazy("Sort by"), fields=(("recorded_at", "recorded"), ("pk", "id"))
    )

    class Meta:
        model = DoaCheck
        fields = []


# Views --------------------------------------------------------------------------------------------------


def _unit_in_scope(user, pk) -> ProductUnit:
    unit = (
        ProductUnit.objects.for_user(user)
        .select_related("model__category", "owner", "dealer")
        .filter(pk=pk)
        .first()
    )
    if unit is None:
        raise serializers.ValidationError({"unit": [_("No such product unit.")]})
    return unit


def _stored_decision(user, pk) -> WarrantyDecision:
    decision = (
        WarrantyDecision.objects.for_user(user)
        .select_related("unit__model__category", "unit__owner", "unit__dealer")
        .filter(pk=pk)
        .first()
    )
    if decision is None:
        raise serializers.ValidationError({"decision": [_("No such warranty decision.")]})
    return decision


def _todays_decision(user, unit) -> WarrantyDecision:
    """Today's 三包 decision on the unit (its earlier repairs counted), recorded."""
    history = unit_repair_history(unit=unit, symptom=None)
    facts = unit_facts(unit=unit, report_date=timezone.localdate(), repairs=history)
    try:
        return warranty_decision_record(unit=unit, facts=facts, acting_user=user)
    except FactsError as exc:  # the unit's dates allow no decision: the engine says why, in Chinese
        raise serializers.ValidationError({"unit": [m for ms in exc.errors.values() for m in ms]}) from None


def _work_order(user, pk, unit) -> WorkOrder | None:
    if pk is None:
        return None
    order = (
        WorkOrder.objects.for_user(user)
        .select_related("call", "center")
        .filter(pk=pk, call__unit=unit)
        .first()
    )
    if order is None:
        raise serializers.ValidationError({"work_order": [_("Choose one of the unit's work orders.")]})
    return order


REQUEST_QUERYSET = RemedyRequest.objects.select_related(
    "unit__model", "decision", "dealer", "charged_center", "replacement", "refund"
).prefetch_related(Prefetch("events", queryset=RemedyEvent.objects.order_by("at", "pk")))


@extend_schema_view(
    list=extend_schema(
        summary="List remedy requests in scope (a dealer: on the units it sold or that it opened)",
        responses={200: RemedyRequestSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One remedy request with its audit trail",
        responses={200: RemedyRequestSerializer, **READ_ERRORS},
    ),
    create=extend_schema(
        summary="Open an exchange or return on a 三包 decision (dealers, dispatchers, supervisors, managers)",
        description="Name the stored decision, or the unit (today's decision is then recorded). The checklist's "
        "documents must all be given unless a supervisor or manager accepts the missing ones with "
        "override_reason. Approved at once (auto_approved) when a sale window grants exactly the remedy asked; "
        "otherwise it awaits the after-sales manager (approval_due_at, 3 working days). A dealer opens "
        "requests on the units it sold only.",
        request=RemedyRequestCreateSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: RemedyRequestSerializer, **WRITE_ERRORS},
    ),
)
class RemedyRequestViewSet(ReplicaListMixin, IdempotentCreateMixin, ScopedViewSet):
    queryset = REQUEST_QUERYSET
    serializer_class = RemedyRequestSerializer
    filterset_class = RemedyRequestFilterSet
    pagination_class = OrderedCursorPagination
    cursor_ordering = ("-opened_at", "-pk")
    parser_classes = [JSONParser]
    action_roles = {
        "list": REMEDY_ROLES,
        "retrieve": REMEDY_ROLES,
        "create": REMEDY_ROLES,
        "approve": (Role.MANAGER,),
        "reject": (Role.MANAGER,),
    }

    def get_serializer_class(self):
        return RemedyRequestCreateSerializer if self.action == "create" else RemedyRequestSerializer

    def _answer(self, row, code=status.HTTP_200_OK):
        # Read again unscoped: the caller acted on it (a supervisor's request about no work of its centre
        # is not in its list, yet the answer shows what was done).
        return Response(RemedyRequestSerializer(REQUEST_QUERYSET.get(pk=row.pk)).data, status=code)

    def create_resource(self, request):
        serializer = RemedyRequestCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = request.user
        with remedy_errors(), transaction.atomic():
            if data["unit"] is not None:
                # The unit and its work order are checked before today's decision is recorded.
                unit = _unit_in_scope(user, data["unit"])
                work_order = _work_order(user, data["work_order"], unit)
                decision = _todays_decision(user, unit)
            else:
                decision = _stored_decision(user, data["decision"])
                work_order = _work_order(user, data["work_order"], decision.unit)
            row = services.remedy_request_open(
                decision=decision,
                remedy=data["remedy"],
                documents=data["documents"],
                override_reason=data["override_reason"],
                customer_note=data["customer_note"],
                work_order=work_order,
                acting_user=user,
            )
        return self._answer(row, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Approve a request awaiting approval (managers; never one's own)",
        description="Of two managers approving at once, one wins; the other answers 400 with errors.status.",
        request=ApproveSerializer,
        responses={200: RemedyRequestSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def approve(self, request, pk=None):
        row = self.get_object()
        serializer = ApproveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with remedy_errors():
            services.remedy_request_approve(
                request=row, note=serializer.validated_data["note"], acting_user=request.user
            )
        return self._answer(row)

    @extend_schema(
        summary="Reject a request awaiting approval, with the reason (managers; never one's own)",
        description="The customer is told the reason by SMS. A request no longer awaiting approval answers 400 "
        "with errors.status.",
        request=RejectSerializer,
        responses={200: RemedyRequestSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        row = self.get_object()
        serializer = RejectSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with remedy_errors():
            services.remedy_request_reject(
                request=row, reason=serializer.validated_data["reason"], acting_user=request.user
            )
        return self._answer(row)


DOA_QUERYSET = DoaCheck.objects.select_related("unit", "dealer", "center", "request")


@extend_schema_view(
    list=extend_schema(
        summary="List out-of-box checks in scope (a dealer: its own and those on the units it sold)",
        responses={200: DoaCheckSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One out-of-box check", responses={200: DoaCheckSerializer, **READ_ERRORS}
    ),
    create=extend_schema(
        summary="Record an out-of-box (开箱损) check (dealers, dispatchers, supervisors, managers)",
        description="Within the unit's exchange period only (later: 400 naming the period, nothing recorded). "
        "With every item of the category's out-of-box checklist passed the check is approved and an exchange "
        "opened and carried out at once from the dealer's own stock (crediting the dealer); without a unit of "
        "the model there the exchange waits for stock (request_status waiting_stock). A failed item makes it "
        "rejected, naming the items missing.",
        request=DoaCheckCreateSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: DoaCheckSerializer, **WRITE_ERRORS},
    ),
)
class DoaCheckViewSet(ReplicaListMixin, IdempotentCreateMixin, ScopedViewSet):
    queryset = DOA_QUERYSET
    serializer_class = DoaCheckSerializer
    filterset_class = DoaCheckFilterSet
    pagination_class = OrderedCursorPagination
    cursor_ordering = ("-recorded_at", "-pk")
    parser_classes = [JSONParser]
    action_roles = {"list": REMEDY_ROLES, "retrieve": REMEDY_ROLES, "create": REMEDY_ROLES}

    def get_serializer_class(self):
        return DoaCheckCreateSerializer if self.action == "create" else DoaCheckSerializer

    def create_resource(self, request):
        serializer = DoaCheckCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        unit = _unit_in_scope(request.user, data["unit"])
        center = None
        if data["center"]:
            center = ServiceCenter.objects.for_user(request.user).filter(code=data["center"]).first()
            if center is None:
                raise serializers.ValidationError({"center": [_("Choose a service centre.")]})
        # The service names the checklist `documents`; the body calls it `checked`.
        with remedy_errors(rename={"documents": "checked"}), transaction.atomic():
            check = services.doa_check_record(
                unit=unit,
                fault=data["fault"],
                confirmed_by=data["confirmed_by"],
                checked=data["checked"],
                center=center,
                acting_user=request.user,
            )
        # Read again unscoped, as a request: a supervisor's check names no centre of its own unless given.
        return Response(
            DoaCheckSerializer(DOA_QUERYSET.get(pk=check.pk)).data, status=status.HTTP_201_CREATED
        )


@extend_schema_view(
    list=extend_schema(
        summary="List dealer credit notes (a dealer: its own)",
        responses={200: DealerCreditSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One dealer credit note", responses={200: DealerCreditSerializer, **READ_ERRORS}
    ),
)
class DealerCreditViewSet(ReplicaListMixin, ScopedViewSet):
    queryset = DealerCredit.objects.select_related("dealer", "request")
    serializer_class = DealerCreditSerializer
    pagination_class = OrderedCursorPagination
    action_roles = {"list": CREDIT_ROLES, "retrieve": CREDIT_ROLES}
