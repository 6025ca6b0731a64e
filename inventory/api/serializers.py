from rest_framework import serializers

from aftersales.api.rows import RowListSerializer
from inventory.models import Part


class PartSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.code", read_only=True)
    component = serializers.CharField(source="component.code", read_only=True, allow_null=True, default=None)

    class Meta:
        list_serializer_class = RowListSerializer
        model = Part
        fields = [
            "id",
            "code",
            "name",
            "category",
            "component",
            "unit_cost_amount",
            "retail_price_amount",
            "serialized",
            "return_required",
            "return_within_days",
            "is_major",
            "lead_time_days",
            "active",
        ]
        read_only_fields = fields
