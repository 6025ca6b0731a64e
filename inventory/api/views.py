from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import viewsets

from aftersales.api.filtering import UserFilterBackend
from aftersales.api.permissions import ActionRoles
from aftersales.api.schema import LIST_ERRORS, READ_ERRORS
from aftersales.api.scoping import INTERNAL
from inventory.filters import PartFilterSet
from inventory.models import Part

from .serializers import PartSerializer


@extend_schema_view(
    list=extend_schema(
        summary="List spare parts (internal roles)", responses={200: PartSerializer(many=True), **LIST_ERRORS}
    ),
    retrieve=extend_schema(summary="One spare part", responses={200: PartSerializer, **READ_ERRORS}),
)
class PartViewSet(viewsets.ReadOnlyModelViewSet):
    """The parts catalogue is the same for every internal role; dealers have no access."""

    queryset = Part.objects.select_related("category", "component").order_by("code")
    serializer_class = PartSerializer
    filterset_class = PartFilterSet
    filter_backends = [UserFilterBackend]
    permission_classes = [ActionRoles]
    action_roles = {"*": INTERNAL}
