from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from aftersales.api.rows import RowListSerializer
from network.models import Adjustment, ServiceCenter, Settlement


@extend_schema_field({"type": "string", "pattern": r"^\d{2}:\d{2}$", "example": "08:00"})
class LocalTimeField(serializers.TimeField):
    """A time of day in China (Asia/Shanghai), HH:MM: OpenAPI's "time" format would demand an offset."""

    def __init__(self, **kwargs):
        super().__init__(format="%H:%M", **kwargs)


class ServiceCenterSerializer(serializers.ModelSerializer):
    opens_at = LocalTimeField(read_only=True, help_text="service hours from (local time)")
    closes_at = LocalTimeField(read_only=True, help_text="service hours until (local time)")
    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        list_serializer_class = RowListSerializer
        model = ServiceCenter
        fields = [
            "id",
            "code",
            "name",
            "level",
            "region",
            "region_name",
            "address",
            "phone",
            "opens_at",
            "closes_at",
            "active",
            "agreement_start",
            "agreement_end",
        ]
        read_only_fields = fields


class AdjustmentSerializer(serializers.ModelSerializer):
    class Meta:
        list_serializer_class = RowListSerializer
        model = Adjustment
        fields = ["kind", "automatic", "reason", "reference", "amount"]
        read_only_fields = fields


class SettlementSerializer(serializers.ModelSerializer):
    center = serializers.CharField(source="center.code", read_only=True)
    center_name = serializers.CharField(source="center.name", read_only=True)

    class Meta:
        list_serializer_class = RowListSerializer
        model = Settlement
        fields = [
            "id",
            "center",
            "center_name",
            "month",
            "status",
            "center_level",
            "lines_amount",
            "adjustments_amount",
            "total_amount",
            "computed_at",
            "confirmed_at",
            "paid_at",
        ]
        read_only_fields = fields


class SettlementDetailSerializer(SettlementSerializer):
    adjustments = AdjustmentSerializer(many=True, read_only=True)
    line_count = serializers.IntegerField(read_only=True, help_text="paid work orders in the statement")

    class Meta(SettlementSerializer.Meta):
        fields = [*SettlementSerializer.Meta.fields, "line_count", "adjustments"]
        read_only_fields = fields
