from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, serializers
from rest_framework.decorators import (
    api_view,
    authentication_classes,
    permission_classes,
    schema,
    throttle_classes,
)
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.roles import Role, dealer_ids, user_roles
from network.models import Dealer


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


@api_view(["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@authentication_classes([])
@permission_classes([])
@throttle_classes([])
@schema(None)
def api_not_found(request, *args, **kwargs):
    """Any path under /api/v1/ that names no endpoint: 404 in the one error shape."""
    raise exceptions.NotFound()
