"""Units, repair calls and work orders over the API. Reads go through for_user(); writes validate, then call
the same services the HTML views call; `status` changes only through the transition actions."""

import uuid

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import F, Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.api.errors import error_body, service_errors
from aftersales.api.filtering import UserFilterBackend
from aftersales.api.pagination import OrderedCursorPagination
from aftersales.api.permissions import ActionRoles
from aftersales.api.schema import ACTION_ERRORS, LIST_ERRORS, READ_ERRORS, WRITE_ERRORS
from aftersales.api.scoping import EVERYONE, ScopedViewSet
from aftersales.roles import Role
from aftersales.validators import normalize_phone
from integrations.dealers import request_dealer
from integrations.idempotency import HEADER as IDEMPOTENCY_HEADER
from integrations.idempotency import IdempotentCreateMixin
from inventory.models import Part

from .. import closing as closing_services
from .. import field, services
from ..choices import CallChannel, ClosingChannel, FaultCodeKind, WorkOrderStatus
from ..filters import ProductModelFilterSet, ProductUnitFilterSet, RepairCallFilterSet, WorkOrderFilterSet
from ..models import (
    Customer,
    FaultCode,
    FaultSymptom,
    ProductModel,
    ProductUnit,
    RepairCall,
    WorkOrder,
    WorkOrderEvent,
)
from .serializers import (
    ClosingSerializer,
    DispatchSerializer,
    NotHomeSerializer,
    ProductModelSerializer,
    RedispatchSerializer,
    RepairCallCreateSerializer,
    RepairCallSerializer,
    RescheduleSerializer,
    TransitionSerializer,
    UnitCreateSerializer,
    UnitSerializer,
    WorkOrderDetailSerializer,
    WorkOrderSerializer,
)

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    str,
    location=OpenApiParameter.HEADER,
    required=False,
    description="a unique key per intended request (e.g. a UUID): a retry with the same key and body returns "
    "the first answer (a retry sent while the first is running waits for it); the same key with another body "
    "answers 422",
)


@extend_schema_view(
    list=extend_schema(
        summary="List product models (the catalogue: the model id of a sale)",
        responses={200: ProductModelSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One product model", responses={200: ProductModelSerializer, **READ_ERRORS}
    ),
)
class ProductModelViewSet(viewsets.ReadOnlyModelViewSet):
    """The catalogue is the same for every role."""

    queryset = ProductModel.objects.select_related("category").order_by("brand", "model_number", "pk")
    serializer_class = ProductModelSerializer
    filterset_class = ProductModelFilterSet
    filter_backends = [UserFilterBackend]
    permission_classes = [ActionRoles]
    action_roles = {"*": EVERYONE}


@extend_schema_view(
    list=extend_schema(
        summary="List product units in scope (a dealer: the units it sold)",
        responses={200: UnitSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(summary="One product unit", responses={200: UnitSerializer, **READ_ERRORS}),
    create=extend_schema(
        summary="Register a sale (dealers): the unit and its buyer",
        request=UnitCreateSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: UnitSerializer, **WRITE_ERRORS},
    ),
)
class UnitViewSet(IdempotentCreateMixin, ScopedViewSet):
    """Product units: a dealer sees the units it sold and registers sales (the 三包 clock starts at the
    invoice date); a service centre sees the units of its work orders."""

    queryset = ProductUnit.objects.select_related("model__category", "dealer", "owner")
    serializer_class = UnitSerializer
    filterset_class = ProductUnitFilterSet
    pagination_class = OrderedCursorPagination
    action_roles = {"list": EVERYONE, "retrieve": EVERYONE, "create": (Role.DEALER,)}

    def get_serializer_class(self):
        return UnitCreateSerializer if self.action == "create" else UnitSerializer

    def create_resource(self, request):
        serializer = UnitCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        dealer = request_dealer(request, data.pop("dealer", None))
        buyer = data.pop("customer")
        with service_errors(), transaction.atomic():
            customer = _known_customer(request.user, buyer) or services.customer_register(
                name=buyer["name"],
                phone=buyer["phone"],
                region=buyer["region"],
                address_detail=buyer["address"],
                acting_user=request.user,
            )
            unit = services.unit_register(owner=customer, dealer=dealer, visible_to=request.user, **data)
        unit = self.get_queryset().get(pk=unit.pk)
        return Response(UnitSerializer(unit).data, status=status.HTTP_201_CREATED)


def _known_customer(user, buyer) -> Customer | None:
    """The buyer, when the dealer already sold them something (same name, same phone)."""
    return (
        Customer.objects.for_user(user)
        .filter(name=buyer["name"].strip(), phones__number=normalize_phone(buyer["phone"]))
        .order_by("pk")
        .first()
    )


@extend_schema_view(
    list=extend_schema(
        summary="List repair calls in scope (a dealer: calls on the units it sold)",
        responses={200: RepairCallSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(summary="One repair call", responses={200: RepairCallSerializer, **READ_ERRORS}),
    create=extend_schema(
        summary="Log a repair call for a unit (dealers for their customers; dispatchers, managers)",
        description="The call gets its first work order (status new) and the 三包 decision of today. An open "
        "call on the unit answers 400 with errors.duplicate_of unless confirm_duplicate_of names it.",
        request=RepairCallCreateSerializer,
        parameters=[IDEMPOTENCY_PARAMETER],
        responses={201: RepairCallSerializer, **WRITE_ERRORS},
    ),
)
class RepairCallViewSet(IdempotentCreateMixin, ScopedViewSet):
    """Repair calls (叫修): a dealer logs calls for the units it sold and follows them."""

    queryset = RepairCall.objects.select_related(
        "service_region", "symptom", "dealer", "component", "warranty_decision"
    ).prefetch_related(
        Prefetch("work_orders", queryset=WorkOrder.objects.only("pk", "call_id").order_by("pk"))
    )
    serializer_class = RepairCallSerializer
    filterset_class = RepairCallFilterSet
    pagination_class = OrderedCursorPagination
    cursor_ordering = ("-logged_at", "-pk")
    action_roles = {
        "list": EVERYONE,
        "retrieve": EVERYONE,
        "create": (Role.DEALER, Role.DISPATCHER, Role.MANAGER),
    }

    def get_serializer_class(self):
        return RepairCallCreateSerializer if self.action == "create" else RepairCallSerializer

    def create_resource(self, request):
        serializer = RepairCallCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        unit = (
            ProductUnit.objects.for_user(request.user)
            .select_related("model__category", "owner", "dealer")
            .filter(pk=data["unit"])
            .first()
        )
        if unit is None:
            raise serializers.ValidationError({"unit": [_("No such product unit.")]})
        # A dealer logs the call as the dealer that sold the unit (one of its own: the unit is in its scope),
        # also when its user acts for several dealers.
        dealer = unit.dealer if _acts_as_dealer(request) else None
        symptom = None
        if data["symptom"]:
            symptom = FaultSymptom.objects.filter(
                category_id=unit.model.category_id, code=data["symptom"]
            ).first()
            if symptom is None:
                raise serializers.ValidationError({"symptom": [_("Not a symptom of this product category.")]})
        duplicate_of = None
        if data["confirm_duplicate_of"]:
            duplicate_of = RepairCall.objects.filter(pk=data["confirm_duplicate_of"], unit=unit).first()
        owner = unit.owner
        phone = owner.phones.order_by("-is_primary", "pk").first()
        address = owner.addresses.select_related("region").order_by("-is_primary", "pk").first()
        region = data["service_region"] or (address.region if address else None)
        if region is None:
            raise serializers.ValidationError(
                {"service_region": [_("Name the district of the service address.")]}
            )
        with service_errors():
            call = services.repair_call_register(
                customer=owner,
                unit=unit,
                caller_name=data["caller_name"] or owner.name,
                caller_phone=normalize_phone(data["caller_phone"]) or (phone.number if phone else ""),
                service_region=region,
                service_address=data["service_address"] or (address.detail if address else ""),
                symptom=symptom,
                symptom_text=data["symptom_text"],
                customer_request=data["customer_request"],
                component=data["component"],
                channel=CallChannel.DEALER if dealer else CallChannel.HOTLINE,
                confirm_duplicate_of=duplicate_of,
                dealer=dealer,
                acting_user=request.user,
            )
        call = self.get_queryset().get(pk=call.pk)
        return Response(RepairCallSerializer(call).data, status=status.HTTP_201_CREATED)


def _codes(exc: DjangoValidationError) -> set[str]:
    errors = exc.error_dict.values() if hasattr(exc, "error_dict") else [exc.error_list]
    return {e.code for errs in errors for e in errs if e.code}


def _closing_input(order, data) -> closing_services.ClosingInput:
    """The API's closing as the closing service takes it: codes of the product's category and parts of the
    catalogue, looked up; anything unknown is a field error."""
    category_id = order.call.unit.model.category_id
    codes = {(c.kind, c.code): c for c in FaultCode.objects.filter(category_id=category_id, active=True)}
    errors = {}
    fault = codes.get((FaultCodeKind.FAULT, data["fault_code"]))
    cause = codes.get((FaultCodeKind.CAUSE, data["cause"]))
    if fault is None:
        errors["fault_code"] = [_("Not a fault code of this product's category.")]
    if cause is None:
        errors["cause"] = [_("Not a cause code of this product's category.")]
    wanted = [p["part"] for p in data["parts"]]
    parts = {p.code: p for p in Part.objects.filter(code__in=wanted, active=True)}
    uses = []
    for line in data["parts"]:
        part = parts.get(line["part"])
        if part is None:
            errors.setdefault("parts", []).append(_("%(code)s: no such part.") % {"code": line["part"]})
            continue
        uses.append(
            closing_services.PartUse(
                part, line["quantity"], line["serial_number"], line["old_serial"], line["reason"]
            )
        )
    if errors:
        raise serializers.ValidationError(errors)
    return closing_services.ClosingInput(
        client_id=str(data["client_id"] or uuid.uuid4()),
        fault_code=fault,
        cause=cause,
        resolution=data["resolution"],
        resolution_note=data["resolution_note"],
        labour_minutes=data["labour_minutes"],
        parts=uses,
        collected_amount=data["collected_amount"],
        payment_method=data["payment_method"],
        payment_reference=data["payment_reference"],
        pay_later=data["pay_later"],
        receivable_note=data["receivable_note"],
        signature_png=data["signature_png"] or None,
        confirmation_code=data["confirmation_code"],
        satisfaction=data["satisfaction"],
        travel_km=data["travel_km"],
        proof_exception_reason=data["proof_exception_reason"],
        channel=ClosingChannel.OFFICE,
    )


def _photo_file(encoded: str):
    """A photo sent in base64 as the file the service takes; not base64: a field error."""
    import base64
    import binascii

    from django.core.files.base import ContentFile

    if not encoded:
        return None
    try:
        return ContentFile(base64.b64decode(encoded, validate=True), name="door.jpg")
    except (binascii.Error, ValueError):
        raise serializers.ValidationError({"photo": [_("The photo is not base64.")]}) from None


def _acts_as_dealer(request) -> bool:
    from aftersales.roles import user_roles

    roles = user_roles(request.user)
    return Role.DEALER in roles and not roles & {Role.DISPATCHER, Role.MANAGER}


# Work orders: each transition is one POST action calling repairs.services, for the roles the HTML views
# allow it (the register: dispatchers, supervisors, managers; the tablet's steps: technicians too).
REGISTER = (Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER)
ON_SITE_STEP = (*REGISTER, Role.TECHNICIAN)
TRANSITION_VERBS = {
    "accept": (WorkOrderStatus.ACCEPTED, ON_SITE_STEP, "Accept the work order"),
    "set_off": (WorkOrderStatus.EN_ROUTE, ON_SITE_STEP, "The technician sets off"),
    "arrive": (WorkOrderStatus.ON_SITE, ON_SITE_STEP, "The technician arrived on site"),
    "start_repair": (WorkOrderStatus.IN_REPAIR, ON_SITE_STEP, "Start the repair"),
    "wait_for_parts": (WorkOrderStatus.WAITING_FOR_PARTS, REGISTER, "Wait for parts"),
    "close": (WorkOrderStatus.CLOSED, REGISTER, "Close the work order"),
    "cancel": (WorkOrderStatus.CANCELLED, REGISTER, "Cancel the work order (note required)"),
    "guide_by_phone": (WorkOrderStatus.PHONE_GUIDED, REGISTER, "Solved by phone guidance (note required)"),
}


LIST_COLUMNS = [
    "id",
    "number",
    "call_id",
    "status",
    "mode",
    "center_id",
    "technician_id",
    "appointment_start",
    "appointment_end",
    "created_at",
    "status_changed_at",
    "completed_at",
    "closed_at",
]
LIST_ANNOTATIONS = ["call_number", "unit_id", "center_code", "technician_employee_no"]


@extend_schema_view(
    list=extend_schema(
        summary="List work orders in scope (dealer: on its units; centre: its own; technician: theirs)",
        responses={200: WorkOrderSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One work order with its timeline", responses={200: WorkOrderDetailSerializer, **READ_ERRORS}
    ),
)
class WorkOrderViewSet(ScopedViewSet):
    # The list reads only its columns and the three it shows from related rows, as annotations, into
    # plain rows (values()): no work order, call, centre or technician objects are built for a page (a
    # dealer's page at 1M orders: see bench/).
    queryset = WorkOrder.objects.annotate(
        call_number=F("call__number"),
        unit_id=F("call__unit_id"),
        center_code=F("center__code"),
        technician_employee_no=F("technician__employee_no"),
    )
    serializer_class = WorkOrderSerializer
    list_rows_as_values = True  # the same page as work orders: see integrations/tests/test_api_rows.py
    filterset_class = WorkOrderFilterSet
    pagination_class = OrderedCursorPagination
    action_roles = {
        "list": EVERYONE,
        "retrieve": EVERYONE,
        "dispatch_order": (Role.DISPATCHER, Role.MANAGER),
        "complete": REGISTER,
        # The field's exceptions, for the office (a technician moves and records on the tablet).
        "reschedule": REGISTER,
        "redispatch": REGISTER,
        "not_home": REGISTER,
        **{verb: roles for verb, (_status, roles, _summary) in TRANSITION_VERBS.items()},
    }

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "list":
            if self.list_rows_as_values:
                return queryset.values(*LIST_COLUMNS, *LIST_ANNOTATIONS)
            return queryset.only(*LIST_COLUMNS)
        return queryset.prefetch_related(
            Prefetch("events", queryset=WorkOrderEvent.objects.order_by("at", "pk"))
        )

    def get_serializer_class(self):
        return WorkOrderSerializer if self.action == "list" else WorkOrderDetailSerializer

    def _answer(self, order):
        return Response(WorkOrderDetailSerializer(self.get_queryset().get(pk=order.pk)).data)

    @extend_schema(
        summary="Dispatch to a service centre and technician with an appointment window (派工)",
        request=DispatchSerializer,
        responses={200: WorkOrderDetailSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="dispatch")
    def dispatch_order(self, request, pk=None):
        order = self.get_object()
        serializer = DispatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            order = services.work_order_dispatch(
                work_order=order, acting_user=request.user, **serializer.validated_data
            )
        return self._answer(order)

    @extend_schema(
        summary="Complete the work with its closing record (完工)",
        description="The only way to “completed”: fault, cause, what was done, labour, parts from the centre's "
        "stock, and the customer's proof — their signature (signature_png) or the confirmation code they were "
        "sent (confirmation_code; after 5 wrong codes the code is locked). Without either, a supervisor of the "
        "order's centre or a manager gives proof_exception_reason: the work is then held out of the settlement "
        "until a manager clears it. The same client_id sent again returns the first answer.",
        request=ClosingSerializer,
        responses={200: WorkOrderDetailSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="complete")
    def complete(self, request, pk=None):
        order = self.get_object()
        serializer = ClosingSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            closing_input = _closing_input(order, data)
            closing_services.work_order_close(work_order=order, data=closing_input, acting_user=request.user)
        except DjangoValidationError as exc:
            if closing_services.WRONG_CODE in _codes(exc):
                # Answered, not raised: a raised error rolls the request back, and the wrong code must stay
                # counted.
                return Response(error_body(exc), status=status.HTTP_400_BAD_REQUEST)
            with service_errors():
                raise
        return self._answer(order)

    @extend_schema(
        summary="Move the appointment (改约)",
        description="A new window inside the centre's service hours, for a reason; the customer is texted the "
        "new window. From the third move on, and after two visits where nobody was at home, only the centre's "
        "supervisor or a manager moves it. From to_reschedule the order is dispatched again.",
        request=RescheduleSerializer,
        responses={200: WorkOrderDetailSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="reschedule")
    def reschedule(self, request, pk=None):
        order = self.get_object()
        serializer = RescheduleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        with service_errors():
            field.work_order_reschedule(
                work_order=order,
                appointment_start=data["appointment_start"],
                appointment_end=data["appointment_end"],
                reason=data["reason"],
                note=data["note"],
                seen_reschedules=data["reschedule_count"],
                acting_user=request.user,
            )
        return self._answer(order)

    @extend_schema(
        summary="Give the order to another technician or centre (改派)",
        description="Before its work is finished. A supervisor moves it among the technicians of his centre; "
        "another centre (its agreement in force and covering the call's district and product) needs a "
        "dispatcher or a manager, and is refused when parts were already issued to the order from its centre's "
        "stock.",
        request=RedispatchSerializer,
        responses={200: WorkOrderDetailSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="redispatch")
    def redispatch(self, request, pk=None):
        order = self.get_object()
        serializer = RedispatchSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            field.work_order_redispatch(
                work_order=order, acting_user=request.user, **serializer.validated_data
            )
        return self._answer(order)

    @extend_schema(
        summary="Nobody at home (上门未遇)",
        description="On the way or at the door only: the arrival, the calls made (at least one), a photo of "
        "the door or a note, the distance one way. The order becomes to_reschedule and the customer is texted.",
        request=NotHomeSerializer,
        responses={200: WorkOrderDetailSerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="not-home")
    def not_home(self, request, pk=None):
        order = self.get_object()
        serializer = NotHomeSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        photo = _photo_file(data.pop("photo"))
        with service_errors():
            field.work_order_not_home(work_order=order, photo=photo, acting_user=request.user, **data)
        return self._answer(order)

    def _transition(self, request, to_status):
        order = self.get_object()
        serializer = TransitionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        note = serializer.validated_data["note"]
        with service_errors():
            if to_status == WorkOrderStatus.PHONE_GUIDED:
                order = services.work_order_guide_by_phone(
                    work_order=order, acting_user=request.user, note=note
                )
            else:
                order = services.work_order_transition(
                    work_order=order, to_status=to_status, acting_user=request.user, note=note
                )
        return self._answer(order)


def _transition_action(verb, to_status, summary):
    def handler(self, request, pk=None):
        return self._transition(request, to_status)

    handler.__name__ = verb
    handler = action(detail=True, methods=["post"], url_path=verb.replace("_", "-"))(handler)
    return extend_schema(
        summary=summary,
        description=f"Moves the work order to “{to_status}” through repairs.services; a status it cannot "
        "come from answers 400 with errors.status.",
        request=TransitionSerializer,
        responses={200: WorkOrderDetailSerializer, **ACTION_ERRORS},
    )(handler)


for _verb, (_to_status, _roles, _summary) in TRANSITION_VERBS.items():
    setattr(WorkOrderViewSet, _verb, _transition_action(_verb, _to_status, _summary))
