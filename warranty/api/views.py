from drf_spectacular.utils import OpenApiExample, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.api.schema import ErrorSerializer
from warranty.rules import FactsError
from warranty.services import warranty_evaluate

from .serializers import WarrantyDecisionSerializer, WarrantyEvaluateRequestSerializer

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
