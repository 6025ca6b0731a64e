from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.api.schema import ErrorSerializer
from aftersales.fields import ApiDayField
from repairs.models import ProductUnit
from warranty.models import ExtendedWarranty
from warranty.rules import FactsError
from warranty.services import unit_facts, warranty_evaluate

from .serializers import UnitWarrantySerializer, WarrantyDecisionSerializer, WarrantyEvaluateRequestSerializer

EXAMPLE_REQUEST = {
    "category": "mobile_phone",
    "component": "main_unit",
    "sale_date": "2026-01-01",
    "invoice_date": "2026-01-01",
    "factory_date": "2025-11-20",
    "report_date": "2026-01-08",
    "performance_fault": True,
    "repairs": [],
    "exclusions": [],
    "exchanged_on": None,
    "extended_warranty_until": None,
    "price": None,
}


class WarrantyEvaluateView(APIView):
    """The 三包 what-if: facts in, an explained decision out. Nothing is stored."""

    @extend_schema(
        summary="Evaluate the 三包 position for a set of facts",
        request=WarrantyEvaluateRequestSerializer,
        responses={200: WarrantyDecisionSerializer, 400: ErrorSerializer, 403: ErrorSerializer},
        examples=[OpenApiExample("A phone on day 7", value=EXAMPLE_REQUEST, request_only=True)],
        tags=["warranty"],
    )
    def post(self, request, *args, **kwargs):
        serializer = WarrantyEvaluateRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            decision, _policy = warranty_evaluate(facts=serializer.to_facts())
        except FactsError as exc:
            raise serializers.ValidationError(exc.errors) from exc
        return Response(WarrantyDecisionSerializer(decision).data)


class UnitWarrantyView(APIView):
    """A registered unit's current 三包 position (main unit, performance fault), with its extended warranties."""

    @extend_schema(
        summary="The unit's current 三包 position",
        parameters=[OpenApiParameter("date", str, description="as of this date (YYYY-MM-DD); default today")],
        responses={200: UnitWarrantySerializer, 400: ErrorSerializer, 404: ErrorSerializer},
        tags=["warranty"],
    )
    def get(self, request, pk, *args, **kwargs):
        unit = get_object_or_404(
            ProductUnit.objects.for_user(request.user).select_related("model__category"), pk=pk
        )
        try:
            as_of = ApiDayField().run_validation(request.query_params.get("date") or timezone.localdate())
        except serializers.ValidationError as exc:
            raise serializers.ValidationError({"date": exc.detail}) from exc
        if unit.sale_date and as_of < unit.sale_date:
            raise serializers.ValidationError({"date": ["查询日期不能早于销售日期"]})
        try:
            decision, _policy = warranty_evaluate(facts=unit_facts(unit=unit, report_date=as_of))
        except FactsError as exc:
            raise serializers.ValidationError(exc.errors) from exc
        contracts = ExtendedWarranty.objects.filter(unit=unit).select_related(
            "sold_by_dealer", "sold_by_center"
        )
        return Response(
            UnitWarrantySerializer(
                {"unit": unit.pk, "as_of": as_of, "decision": decision, "extended_warranties": contracts}
            ).data
        )
