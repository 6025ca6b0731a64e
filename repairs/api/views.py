"""Work orders and the product catalogue over the API (units and repair calls: integrations/api/sales.py).
Reads go through for_user(); writes validate, then call the same services the HTML views call; `status`
changes only through the transition actions."""

import base64
import binascii
import uuid

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.files.base import ContentFile
from django.db.models import F, Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.api.errors import error_body, service_errors
from aftersales.api.filtering import UserFilterBackend
from aftersales.api.pagination import OrderedCursorPagination
from aftersales.api.permissions import ActionRoles
from aftersales.api.schema import ACTION_ERRORS, LIST_ERRORS, READ_ERRORS
from aftersales.api.scoping import EVERYONE, ScopedViewSet
from aftersales.api.statements import StatementListMixin
from aftersales.dbrouting import ReplicaListMixin
from aftersales.roles import Role
from inventory.models import Part

from .. import closing as closing_services
from .. import field, services
from ..choices import ClosingChannel, FaultCodeKind, WorkOrderStatus
from ..filters import ProductModelFilterSet, WorkOrderFilterSet
from ..models import (
    FaultCode,
    ProductModel,
    WorkOrder,
    WorkOrderEvent,
)
from .serializers import (
    ClosingSerializer,
    DispatchSerializer,
    NotHomeSerializer,
    ProductModelSerializer,
    RedispatchSerializer,
    RescheduleSerializer,
    TransitionSerializer,
    WorkOrderDetailSerializer,
    WorkOrderSerializer,
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

    if not encoded:
        return None
    try:
        return ContentFile(base64.b64decode(encoded, validate=True), name="door.jpg")
    except (binascii.Error, ValueError):
        raise serializers.ValidationError({"photo": [_("The photo is not base64.")]}) from None


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
class WorkOrderViewSet(ReplicaListMixin, StatementListMixin, ScopedViewSet):
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
    list_rows = queryset.values(*LIST_COLUMNS, *LIST_ANNOTATIONS)
    filterset_class = WorkOrderFilterSet
    pagination_class = OrderedCursorPagination
    # A dealer system's plain requests (one status, a page) run the SQL kept for their shape: see
    # aftersales/api/statements.py.
    statement_filters = ("status",)
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
        if self.action == "list" and self.list_rows_as_values:
            # The rows' shape is the same on every request (values() resolves its 17 names through the
            # joins each time): made once, then scoped as every queryset is, on a copy (the class's own is
            # never evaluated). The SQL is that of for_user() first, values() after.
            return self.list_rows.all().for_user(self.request.user)
        queryset = super().get_queryset()
        if self.action == "list":
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
