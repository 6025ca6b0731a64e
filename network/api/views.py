"""Service centres and settlements, read-only, each through its for_user() scope."""

from django.db.models import Count
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.api.permissions import ActionRoles
from aftersales.api.schema import LIST_ERRORS, READ_ERRORS, ErrorSerializer
from aftersales.api.scoping import EVERYONE, ScopedViewSet
from aftersales.roles import Role, dealer_ids, user_roles
from network.models import Dealer, ServiceCenter, Settlement

from .filters import ServiceCenterFilterSet, SettlementFilterSet
from .serializers import ServiceCenterSerializer, SettlementDetailSerializer, SettlementSerializer

E = ErrorSerializer


@extend_schema_view(
    list=extend_schema(
        summary="List service centres in scope (a centre's staff: their own; dealers: the active ones)",
        responses={200: ServiceCenterSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One service centre", responses={200: ServiceCenterSerializer, **READ_ERRORS}
    ),
)
class ServiceCenterViewSet(ScopedViewSet):
    queryset = ServiceCenter.objects.select_related("region").order_by("code")
    serializer_class = ServiceCenterSerializer
    filterset_class = ServiceCenterFilterSet
    permission_classes = [ActionRoles]
    action_roles = {"*": EVERYONE}


@extend_schema_view(
    list=extend_schema(
        summary="List monthly settlements (managers: all; a supervisor: their centres')",
        responses={200: SettlementSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One settlement with its adjustments",
        responses={200: SettlementDetailSerializer, **READ_ERRORS},
    ),
)
class SettlementViewSet(ScopedViewSet):
    queryset = Settlement.objects.select_related("center").order_by("-month", "center__code", "pk")
    serializer_class = SettlementSerializer
    filterset_class = SettlementFilterSet
    action_roles = {"*": (Role.MANAGER, Role.SUPERVISOR)}

    def get_queryset(self):
        queryset = super().get_queryset()
        if self.action == "retrieve":
            queryset = queryset.prefetch_related("adjustments").annotate(line_count=Count("lines"))
        return queryset

    def get_serializer_class(self):
        return SettlementDetailSerializer if self.action == "retrieve" else SettlementSerializer


class MeSerializer(serializers.Serializer):
    username = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())
    service_centers = serializers.ListField(
        child=serializers.CharField(), help_text="codes of the user's centres"
    )
    dealers = serializers.ListField(child=serializers.CharField(), help_text="codes of the user's dealers")


class MeView(APIView):
    """Who the caller is: lets an integrator check its credentials and scope."""

    @extend_schema(summary="The authenticated caller, its roles and scope", responses=MeSerializer)
    def get(self, request, *args, **kwargs):
        user = request.user
        roles = user_roles(user)
        centers = set()
        if Role.SUPERVISOR in roles:
            centers |= set(user.supervised_centers.values_list("code", flat=True))
        technician = getattr(user, "technician", None) if Role.TECHNICIAN in roles else None
        if technician is not None:
            centers.add(technician.center.code)
        data = {
            "username": user.get_username(),
            "roles": sorted(roles),
            "service_centers": sorted(centers),
            "dealers": sorted(Dealer.objects.filter(pk__in=dealer_ids(user)).values_list("code", flat=True)),
        }
        return Response(MeSerializer(data).data)
