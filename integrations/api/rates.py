"""The service rates over the API (GET /api/v1/rates/?month=YYYY-MM&by=model|category|centre): the numbers of the
rates page (insight.rates.rates_report), each rate with its numerator, denominator and formula. Managers only;
every other role is refused (403). Rates and money are strings, as every decimal of the API."""

from django.utils.translation import gettext_lazy
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers, viewsets
from rest_framework.response import Response

from aftersales.api.permissions import ActionRoles
from aftersales.api.schema import LIST_ERRORS
from aftersales.dbrouting import replica_action
from aftersales.parsing import parse_month
from aftersales.roles import Role
from insight import rates


class RateSerializer(serializers.Serializer):
    key = serializers.CharField()
    label = serializers.CharField()
    unit = serializers.CharField(help_text="%, ¥ or pcs (parts per repair)")
    formula = serializers.CharField()


class RateCellSerializer(serializers.Serializer):
    rate = serializers.CharField(source="rate.key")
    value = serializers.DecimalField(
        max_digits=14, decimal_places=2, allow_null=True, help_text="null: no denominator, or not per centre"
    )
    numerator = serializers.CharField(allow_null=True, help_text="a count, or yuan for the cost per repair")
    denominator = serializers.IntegerField(allow_null=True)


class RateRowSerializer(serializers.Serializer):
    key = serializers.IntegerField(help_text="the model's, category's or centre's id")
    label = serializers.CharField()
    cells = RateCellSerializer(many=True)


class RatesReportSerializer(serializers.Serializer):
    month = serializers.CharField()
    by = serializers.ChoiceField(choices=rates.BY_CHOICES)
    rates = RateSerializer(many=True)
    rows = RateRowSerializer(many=True)
    total = RateCellSerializer(many=True)
    counted_at = serializers.DateTimeField(allow_null=True)


class OneReportSchema(AutoSchema):
    """The list action answers one report object, not a list of them."""

    def _is_list_view(self, serializer=None):
        return False


class RatesViewSet(viewsets.ViewSet):
    """The month's service rates per model, category or centre (the rates page's numbers)."""

    permission_classes = [ActionRoles]
    action_roles = {"list": (Role.MANAGER,)}
    schema = OneReportSchema()

    @extend_schema(
        summary="Service rates of a month",
        parameters=[
            OpenApiParameter("month", str, description="YYYY-MM; default last month"),
            OpenApiParameter(
                "by", str, enum=list(rates.BY_CHOICES), description="rows per; default category"
            ),
            OpenApiParameter("category", int, description="only this product category"),
            OpenApiParameter("center", int, description="only this service centre"),
        ],
        responses={200: RatesReportSerializer, **LIST_ERRORS},
        tags=["insight"],
    )
    @replica_action
    def list(self, request, *args, **kwargs):
        data = request.query_params
        errors = {}
        if data.get("month") and parse_month(data["month"]) is None:
            errors["month"] = [gettext_lazy("Enter a month as YYYY-MM.")]
        if data.get("by") and data["by"] not in rates.BY_CHOICES:
            errors["by"] = [gettext_lazy("Choose model, category or centre.")]
        if errors:
            raise serializers.ValidationError(errors)
        params = rates.rates_params(request.user, data)
        report = rates.rates_report(
            month=params["month"], by=params["by"], scope=params["scope"], trend_rate=params["trend_rate"]
        )
        body = {
            **report,
            "month": f"{report['month']:%Y-%m}",
            "rates": [
                {"key": r.key, "label": str(r.label), "unit": r.unit, "formula": str(r.formula)}
                for r in report["rates"]
            ],
        }
        return Response(RatesReportSerializer(body).data)
