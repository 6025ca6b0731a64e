from rest_framework import serializers

from aftersales.api.rows import RowListSerializer
from integrations.models import WebhookDelivery, WebhookEndpoint


class WebhookEndpointSerializer(serializers.ModelSerializer):
    dealer = serializers.CharField(source="dealer.code", read_only=True)

    class Meta:
        list_serializer_class = RowListSerializer
        model = WebhookEndpoint
        fields = ["id", "dealer", "url", "description", "active", "created_at"]
        read_only_fields = ["id", "dealer", "active", "created_at"]


class WebhookEndpointCreateSerializer(serializers.Serializer):
    url = serializers.URLField(max_length=500, help_text="https:// URL that receives the events")
    description = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    dealer = serializers.CharField(
        required=False, help_text="dealer code; only for a user of several dealers"
    )


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(read_only=True, help_text="the signing secret: shown only in this answer")

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookDeliverySerializer(serializers.ModelSerializer):
    class Meta:
        list_serializer_class = RowListSerializer
        model = WebhookDelivery
        fields = [
            "id",
            "endpoint",
            "event_id",
            "event_type",
            "payload",
            "status",
            "attempts",
            "last_status_code",
            "last_error",
            "response_excerpt",
            "created_at",
            "last_attempt_at",
            "delivered_at",
            "replay_of",
        ]
        read_only_fields = fields
