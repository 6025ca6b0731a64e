"""A registered unit's 三包 position over the API (GET /api/v1/units/{id}/warranty/): the unit in the user's
scope, the decision the 三包 engine takes for it today (or as of a date), its extended warranties."""

from django.shortcuts import get_object_or_404
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from aftersales.api.schema import ErrorSerializer
from aftersales.fields import ApiDayField
from warranty.api.serializers import UnitWarrantySerializer
from warranty.models import ExtendedWarranty
from warranty.rules import FactsError
from warranty.services import unit_facts, warranty_evaluate

from ..models import ProductUnit


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
