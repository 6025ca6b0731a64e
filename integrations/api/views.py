"""Dealers' webhook endpoints and the deliveries made to them (list, read, replay)."""

from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from aftersales.api.errors import service_errors
from aftersales.api.pagination import OrderedCursorPagination
from aftersales.api.schema import ACTION_ERRORS, LIST_ERRORS, READ_ERRORS, WRITE_ERRORS
from aftersales.api.scoping import ScopedViewSet
from aftersales.roles import Role
from integrations import services
from integrations.dealers import request_dealer
from integrations.models import WebhookDelivery, WebhookEndpoint

from .filters import WebhookDeliveryFilterSet, WebhookEndpointFilterSet
from .serializers import (
    WebhookDeliverySerializer,
    WebhookEndpointCreatedSerializer,
    WebhookEndpointCreateSerializer,
    WebhookEndpointSerializer,
)

WEBHOOK_DESCRIPTION = (
    "Events: repair_call.created, work_order.created (a redo), work_order.status_changed — for the units the "
    "dealer sold. Each is POSTed as JSON with the headers X-Aftersales-Event, X-Aftersales-Event-Id, "
    "X-Aftersales-Delivery and X-Aftersales-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "
    "'<t>.<raw body>' under the endpoint's secret>. Verify by recomputing the HMAC over the raw body, "
    "comparing in constant time, and refusing a t older than 5 minutes. Answer 2xx; any other answer, or "
    "none within 10 s, is retried with exponential backoff (30 s, 1 min, 2 min … 8 attempts)."
)


@extend_schema_view(
    list=extend_schema(
        summary="List the dealer's webhook endpoints",
        description=WEBHOOK_DESCRIPTION,
        responses={200: WebhookEndpointSerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One webhook endpoint", responses={200: WebhookEndpointSerializer, **READ_ERRORS}
    ),
    create=extend_schema(
        summary="Register a webhook endpoint; the signing secret is in this answer only",
        description=WEBHOOK_DESCRIPTION,
        request=WebhookEndpointCreateSerializer,
        responses={201: WebhookEndpointCreatedSerializer, **WRITE_ERRORS},
    ),
    destroy=extend_schema(summary="Remove a webhook endpoint", responses={204: None, **READ_ERRORS}),
)
class WebhookEndpointViewSet(mixins.CreateModelMixin, mixins.DestroyModelMixin, ScopedViewSet):
    queryset = WebhookEndpoint.objects.select_related("dealer")
    serializer_class = WebhookEndpointSerializer
    filterset_class = WebhookEndpointFilterSet
    action_roles = {"*": (Role.DEALER,)}

    def get_serializer_class(self):
        return WebhookEndpointCreateSerializer if self.action == "create" else WebhookEndpointSerializer

    def create(self, request, *args, **kwargs):
        serializer = WebhookEndpointCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        dealer = request_dealer(request, data.get("dealer"))
        with service_errors():
            endpoint = services.webhook_endpoint_create(
                dealer=dealer, url=data["url"], description=data["description"], acting_user=request.user
            )
        return Response(WebhookEndpointCreatedSerializer(endpoint).data, status=status.HTTP_201_CREATED)

    def perform_destroy(self, instance):
        # Deliveries are kept with the endpoint's history: the endpoint is deactivated, not deleted.
        WebhookEndpoint.objects.filter(pk=instance.pk).update(active=False)

    def get_queryset(self):
        queryset = super().get_queryset()
        return queryset.filter(active=True) if self.action == "destroy" else queryset


@extend_schema_view(
    list=extend_schema(
        summary="List webhook deliveries (newest first) with their outcome",
        responses={200: WebhookDeliverySerializer(many=True), **LIST_ERRORS},
    ),
    retrieve=extend_schema(
        summary="One webhook delivery", responses={200: WebhookDeliverySerializer, **READ_ERRORS}
    ),
)
class WebhookDeliveryViewSet(ScopedViewSet):
    queryset = WebhookDelivery.objects.all()
    serializer_class = WebhookDeliverySerializer
    filterset_class = WebhookDeliveryFilterSet
    pagination_class = OrderedCursorPagination
    action_roles = {"*": (Role.DEALER,)}

    @extend_schema(
        summary="Send the delivery's event again (same event id) as a new delivery",
        request=None,
        responses={202: WebhookDeliverySerializer, **ACTION_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def replay(self, request, pk=None):
        with service_errors():
            replay = services.webhook_delivery_replay(delivery=self.get_object())
        return Response(WebhookDeliverySerializer(replay).data, status=status.HTTP_202_ACCEPTED)
