from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from aftersales.fields import ApiDayField
from warranty.choices import Liable, Remedy
from warranty.rules import DELAY_CAUSES, EXCLUSIONS, Facts, RepairRecord

COMPONENTS = [
    "main_unit",
    "compressor",
    "motor",
    "battery",
    "charger",
    "data_cable",
    "earphones",
    "accessory",
]


class RepairInputSerializer(serializers.Serializer):
    sent_on = ApiDayField()
    returned_on = ApiDayField(allow_null=True, required=False, default=None)
    fixed = serializers.BooleanField(required=False, default=True)
    performance_fault = serializers.BooleanField(required=False, default=True)
    same_fault = serializers.BooleanField(required=False, default=False)
    delay_cause = serializers.ChoiceField(
        choices=sorted(DELAY_CAUSES), allow_null=True, required=False, default=None
    )

    def validate(self, attrs):
        if attrs["returned_on"] is not None and attrs["returned_on"] < attrs["sent_on"]:
            raise serializers.ValidationError(
                {"returned_on": _("The return date cannot be before the date sent in.")}
            )
        return attrs


class WarrantyEvaluateRequestSerializer(serializers.Serializer):
    category = serializers.SlugField(
        help_text="mobile_phone, air_conditioner, refrigerator, washing_machine, …"
    )
    component = serializers.ChoiceField(choices=COMPONENTS)
    sale_date = ApiDayField(allow_null=True, required=False, default=None)
    invoice_date = ApiDayField(allow_null=True, required=False, default=None)
    factory_date = ApiDayField(allow_null=True, required=False, default=None)
    report_date = ApiDayField()
    performance_fault = serializers.BooleanField(required=False, default=True)
    repairs = RepairInputSerializer(many=True, required=False, default=list)
    exclusions = serializers.ListField(
        child=serializers.ChoiceField(choices=sorted(EXCLUSIONS)), required=False, default=list
    )
    exchanged_on = ApiDayField(allow_null=True, required=False, default=None)
    extended_warranty_until = ApiDayField(allow_null=True, required=False, default=None)
    price = serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=0,
        allow_null=True,
        required=False,
        default=None,
        help_text="invoice price in CNY, for the refund amount",
    )
    same_model_available = serializers.BooleanField(
        required=False, default=True, help_text="false when the same model can no longer be supplied"
    )

    def validate(self, attrs):
        if attrs["sale_date"] and attrs["report_date"] < attrs["sale_date"]:
            raise serializers.ValidationError(
                {"report_date": _("The report date cannot be before the sale date.")}
            )
        return attrs

    def to_facts(self) -> Facts:
        data = self.validated_data
        return Facts(
            category=data["category"],
            component=data["component"],
            report_date=data["report_date"],
            sale_date=data["sale_date"],
            invoice_date=data["invoice_date"],
            factory_date=data["factory_date"],
            performance_fault=data["performance_fault"],
            repairs=tuple(RepairRecord(**r) for r in data["repairs"]),
            exclusions=tuple(data["exclusions"]),
            exchanged_on=data["exchanged_on"],
            extended_warranty_until=data["extended_warranty_until"],
            price=data["price"],
            same_model_available=data["same_model_available"],
        )


class ReasonSerializer(serializers.Serializer):
    rule = serializers.CharField(help_text="rule identifier, e.g. window.return")
    zh = serializers.CharField()
    en = serializers.CharField()


REMEDIES = Remedy.choices


class WarrantyDecisionSerializer(serializers.Serializer):
    verdict = serializers.ChoiceField(choices=REMEDIES, help_text="the strongest remedy due at no charge")
    options = serializers.ListField(child=serializers.ChoiceField(choices=REMEDIES))
    coverage_start = serializers.DateField(allow_null=True)
    return_until = serializers.DateField(allow_null=True)
    exchange_until = serializers.DateField(allow_null=True)
    repair_until = serializers.DateField(allow_null=True)
    liable = serializers.ChoiceField(choices=Liable.choices)
    refund_amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    reasons = ReasonSerializer(many=True)
    policy_version = serializers.CharField()


class ExtendedWarrantySerializer(serializers.Serializer):
    number = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()
    price_amount = serializers.DecimalField(max_digits=14, decimal_places=2)
    sold_by = serializers.CharField(source="sold_by.code")
    cancelled = serializers.BooleanField()


class UnitWarrantySerializer(serializers.Serializer):
    unit = serializers.IntegerField()
    as_of = serializers.DateField()
    decision = WarrantyDecisionSerializer()
    extended_warranties = ExtendedWarrantySerializer(many=True)
