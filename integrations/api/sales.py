"""Product units and repair calls over the API: dealers register the units they sell and log calls for
their customers (the hotline's dispatchers and managers log calls too); everyone reads what is in their
scope. Writes validate, then call the same repairs services the register's pages call; creates are
idempotent (Idempotency-Key)."""

from django.db import transaction
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import serializers, status
from rest_framework.response import Response

from aftersales.api.errors import service_errors
from aftersales.api.pagination import OrderedCursorPagination
from aftersales.api.schema import LIST_ERRORS, READ_ERRORS, WRITE_ERRORS
from aftersales.api.scoping import EVERYONE, ScopedViewSet
from aftersales.dbrouting import ReplicaListMixin
from aftersales.roles import Role, user_roles
from aftersales.validators import normalize_phone
from integrations.dealers import request_dealer
from integrations.idempotency import HEADER as IDEMPOTENCY_HEADER
from integrations.idempotency import IdempotentCreateMixin
from repairs import services
from repairs.api.serializers import (
    RepairCallCreateSerializer,
    RepairCallSerializer,
    UnitCreateSerializer,
    UnitSerializer,
)
from repairs.choices import CallChannel
from repairs.filters import ProductUnitFilterSet, RepairCallFilterSet
from repairs.models import Customer, FaultSymptom, ProductUnit, RepairCall, WorkOrder

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
class UnitViewSet(ReplicaListMixin, IdempotentCreateMixin, ScopedViewSet):
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
class RepairCallViewSet(ReplicaListMixin, IdempotentCreateMixin, ScopedViewSet):
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
        region, address, phone = services.call_defaults(
            customer=owner,
            service_region=data["service_region"],
            service_address=data["service_address"],
            caller_phone=normalize_phone(data["caller_phone"]),
        )
        if region is None:
            raise serializers.ValidationError(
                {"service_region": [_("Name the district of the service address.")]}
            )
        with service_errors():
            call = services.repair_call_take(
                unit=unit,
                caller_name=data["caller_name"] or owner.name,
                caller_phone=phone,
                service_region=region,
                service_address=address,
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


def _acts_as_dealer(request) -> bool:
    roles = user_roles(request.user)
    return Role.DEALER in roles and not roles & {Role.DISPATCHER, Role.MANAGER}
