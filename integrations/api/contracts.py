"""Maintenance contracts (保养合同, service type B) over the API: read-only lists and details, in the caller's
scope (the office every contract; a centre the contracts it is responsible for or sold; a dealer those it
sold). Money is a string, dates ISO days."""

from django.db.models import Prefetch
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers

from aftersales.api.pagination import OrderedCursorPagination
from aftersales.api.rows import RowListSerializer
from aftersales.api.schema import LIST_ERRORS, READ_ERRORS
from aftersales.api.scoping import ScopedViewSet
from aftersales.dbrouting import ReplicaListMixin
from aftersales.roles import Role
from repairs.models import ProductUnit
from warranty.filters import MaintenanceContractFilterSet
from warranty.models import ContractPayment, MaintenanceContract

CONTRACT_ROLES = (Role.DISPATCHER, Role.SUPERVISOR, Role.MANAGER, Role.DEALER)


class MaintenanceContractSerializer(serializers.ModelSerializer):
    customer = serializers.CharField(
        source="customer.number", read_only=True, help_text="the customer's number"
    )
    center = serializers.CharField(source="center.code", read_only=True, help_text="the responsible centre")
    sold_by_dealer = serializers.CharField(source="sold_by_dealer.code", read_only=True, allow_null=True)
    sold_by_center = serializers.CharField(source="sold_by_center.code", read_only=True, allow_null=True)
    renews = serializers.CharField(source="renews.number", read_only=True, allow_null=True)

    class Meta:
        list_serializer_class = RowListSerializer
        model = MaintenanceContract
        fields = [
            "id",
            "number",
            "status",
            "customer",
            "starts_on",
            "ends_on",
            "price_amount",
            "payment_schedule",
            "covers",
            "annual_cap_amount",
            "inspections_per_year",
            "first_inspection_on",
            "visit_mode",
            "center",
            "sold_by_dealer",
            "sold_by_center",
            "renews",
            "created_at",
        ]
        read_only_fields = fields


class ContractUnitSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    serial = serializers.CharField(source="serial_number")
    model = serializers.CharField(source="model.model_number")


class ContractPaymentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContractPayment
        fields = ["kind", "due_on", "amount", "paid_at", "method", "reference"]
        read_only_fields = fields


class MaintenanceContractDetailSerializer(MaintenanceContractSerializer):
    units = ContractUnitSerializer(many=True, read_only=True)
    payments = ContractPaymentSerializer(many=True, read_only=True)

    class Meta(MaintenanceContractSerializer.Meta):
        fields = [
            *MaintenanceContractSerializer.Meta.fields,
            "units",
            "payments",
            "cancelled_at",
            "cancel_reason",
        ]
        read_only_fields = fields


@extend_schema_view(
    list=extend_schema(
        summary="List maintenance contracts in scope (a dealer: those it sold)",
        responses={200: MaintenanceContractSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One maintenance contract with its units and payments",
        responses={200: MaintenanceContractDetailSerializer, **READ_ERRORS},
    ),
)
class MaintenanceContractViewSet(ReplicaListMixin, ScopedViewSet):
    queryset = MaintenanceContract.objects.select_related(
        "customer", "center", "sold_by_dealer", "sold_by_center", "renews"
    )
    serializer_class = MaintenanceContractSerializer
    filterset_class = MaintenanceContractFilterSet
    pagination_class = OrderedCursorPagination
    action_roles = {"list": CONTRACT_ROLES, "retrieve": CONTRACT_ROLES}

    def get_serializer_class(self):
        return (
            MaintenanceContractDetailSerializer
            if self.action == "retrieve"
            else MaintenanceContractSerializer
        )

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related(
                Prefetch("units", queryset=ProductUnit.objects.select_related("model")),
                "payments",
            )
        return queryset
