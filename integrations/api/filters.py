import django_filters
from django.utils.translation import gettext_lazy as _

from integrations.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint


class WebhookEndpointFilterSet(django_filters.FilterSet):
    active = django_filters.BooleanFilter(label=_("Active"))

    class Meta:
        model = WebhookEndpoint
        fields = []


class WebhookDeliveryFilterSet(django_filters.FilterSet):
    endpoint = django_filters.NumberFilter(label=_("Endpoint"), field_name="endpoint_id")
    status = django_filters.ChoiceFilter(label=_("Status"), choices=DeliveryStatus.choices)
    event_type = django_filters.CharFilter(label=_("Event type"))
    ordering = django_filters.OrderingFilter(fields=(("created_at", "created"), ("pk", "id")))

    class Meta:
        model = WebhookDelivery
        fields = []
