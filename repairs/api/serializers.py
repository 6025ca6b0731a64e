import base64
import binascii
from decimal import Decimal

from django.utils.translation import gettext as _
from rest_framework import serializers

from aftersales.api.rows import RowListSerializer
from aftersales.fields import ApiDayField, ApiPhoneField
from network.choices import RegionLevel
from network.models import Region, ServiceCenter, Technician
from warranty.choices import Remedy

from ..choices import (
    CallCustomerRequest,
    PaymentMethod,
    RescheduleReason,
    Resolution,
    Satisfaction,
    ServiceMode,
    WorkOrderStatus,
)
from ..models import ProductModel, ProductUnit, RepairCall, WorkOrder, WorkOrderEvent


class DistrictField(serializers.SlugRelatedField):
    """A district (区/县) by its GB/T 2260 code."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        kwargs.setdefault("queryset", Region.objects.filter(level=RegionLevel.DISTRICT))
        kwargs.setdefault("help_text", "district code (GB/T 2260), e.g. 440106")
        super().__init__(**kwargs)


class ProductModelSerializer(serializers.ModelSerializer):
    category = serializers.CharField(source="category.code", read_only=True)

    class Meta:
        list_serializer_class = RowListSerializer
        model = ProductModel
        fields = ["id", "brand", "model_number", "name", "category", "list_price_amount", "active"]
        read_only_fields = fields


# Units ------------------------------------------------------------------------------------------------


class UnitSerializer(serializers.ModelSerializer):
    model_name = serializers.CharField(source="model.__str__", read_only=True)
    category = serializers.CharField(source="model.category.code", read_only=True)
    dealer = serializers.CharField(source="dealer.code", read_only=True, allow_null=True, default=None)
    owner_name = serializers.CharField(source="owner.name", read_only=True)

    class Meta:
        list_serializer_class = RowListSerializer
        model = ProductUnit
        fields = [
            "id",
            "model",
            "model_name",
            "category",
            "serial_number",
            "imei",
            "sale_date",
            "invoice_number",
            "invoice_date",
            "invoice_amount",
            "factory_date",
            "warranty_card_number",
            "dealer",
            "owner",
            "owner_name",
            "created_at",
        ]
        read_only_fields = fields


class NewCustomerSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=50)
    phone = ApiPhoneField(help_text="mobile or landline with area code")
    region = DistrictField()
    address = serializers.CharField(max_length=200, help_text="street address inside the district")


class UnitCreateSerializer(serializers.Serializer):
    """A sale to register: the unit, its documents and the buyer. A buyer already known to the dealer (same
    name and phone) is reused, otherwise registered."""

    model = serializers.PrimaryKeyRelatedField(queryset=ProductModel.objects.filter(active=True))
    serial_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    imei = serializers.CharField(
        max_length=15, required=False, allow_null=True, default=None, help_text="15 digits, phones only"
    )
    sale_date = ApiDayField()
    invoice_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    invoice_date = ApiDayField(required=False, allow_null=True, default=None)
    invoice_amount = serializers.DecimalField(
        max_digits=14, decimal_places=2, min_value=0, required=False, allow_null=True, default=None
    )
    factory_date = ApiDayField(required=False, allow_null=True, default=None)
    warranty_card_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    customer = NewCustomerSerializer()
    dealer = serializers.CharField(
        required=False, help_text="dealer code; only for a signed-in user of several dealers"
    )


# Repair calls -----------------------------------------------------------------------------------------


class RepairCallSerializer(serializers.ModelSerializer):
    service_region = serializers.CharField(source="service_region.code", read_only=True)
    symptom = serializers.CharField(source="symptom.code", read_only=True, allow_null=True, default=None)
    dealer = serializers.CharField(source="dealer.code", read_only=True, allow_null=True, default=None)
    component = serializers.CharField(
        source="component.code",
        read_only=True,
        default="main_unit",
        help_text="the faulty part the 三包 decision was taken for (main_unit: the whole unit)",
    )
    verdict = serializers.ChoiceField(
        source="warranty_decision.verdict",
        choices=Remedy.choices,
        read_only=True,
        allow_null=True,
        default=None,
        help_text="the 三包 decision stored at intake; null when the unit's dates allowed none",
    )
    work_orders = serializers.SerializerMethodField()

    class Meta:
        list_serializer_class = RowListSerializer
        model = RepairCall
        fields = [
            "id",
            "number",
            "channel",
            "caller_name",
            "customer",
            "unit",
            "service_region",
            "service_address",
            "symptom",
            "symptom_text",
            "component",
            "customer_request",
            "service_type",
            "verdict",
            "priority",
            "dealer",
            "logged_at",
            "work_orders",
        ]
        read_only_fields = fields

    def get_work_orders(self, call) -> list[int]:
        return [order.pk for order in call.work_orders.all()]


class RepairCallCreateSerializer(serializers.Serializer):
    unit = serializers.IntegerField(help_text="id of a unit the caller may see (a dealer: one it sold)")
    symptom = serializers.SlugField(
        required=False, allow_null=True, default=None, help_text="a symptom code of the unit's category"
    )
    symptom_text = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    component = serializers.SlugField(
        max_length=40,
        required=False,
        default="main_unit",
        help_text="the faulty part: a component code of the unit's category (battery, compressor…); "
        "the 三包 period is the part's",
    )
    customer_request = serializers.ChoiceField(
        choices=CallCustomerRequest.choices, required=False, default=CallCustomerRequest.REPAIR
    )
    caller_name = serializers.CharField(
        max_length=50, required=False, default="", help_text="default: the unit's owner"
    )
    caller_phone = ApiPhoneField(
        required=False, allow_blank=True, default="", help_text="default: the owner's primary phone"
    )
    service_region = DistrictField(required=False, allow_null=True, default=None)
    service_address = serializers.CharField(
        max_length=200, required=False, default="", help_text="default: the owner's primary address"
    )
    confirm_duplicate_of = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        help_text="id of the open call on the unit, to log a new fault despite it",
    )


# Work orders ------------------------------------------------------------------------------------------


class StatusOrNoneField(serializers.ChoiceField):
    """A status, or null where there is none (the first event of an order comes from no status)."""

    def __init__(self, **kwargs):
        super().__init__(choices=WorkOrderStatus.choices, allow_null=True, read_only=True, **kwargs)

    def to_representation(self, value):
        return value or None


class WorkOrderEventSerializer(serializers.ModelSerializer):
    from_status = StatusOrNoneField(help_text="null for the event that created the order")

    class Meta:
        list_serializer_class = RowListSerializer
        model = WorkOrderEvent
        fields = ["from_status", "to_status", "at", "note"]
        read_only_fields = fields


# Reads the annotations of WorkOrderViewSet's queryset: no related rows are loaded for a list.
class WorkOrderSerializer(serializers.ModelSerializer):
    call_number = serializers.CharField(read_only=True)
    unit = serializers.IntegerField(source="unit_id", read_only=True)
    center = serializers.CharField(source="center_code", read_only=True, allow_null=True)
    technician = serializers.CharField(
        source="technician_employee_no", read_only=True, allow_null=True, help_text="employee number"
    )

    class Meta:
        list_serializer_class = RowListSerializer
        model = WorkOrder
        fields = [
            "id",
            "number",
            "call",
            "call_number",
            "unit",
            "status",
            "mode",
            "center",
            "technician",
            "appointment_start",
            "appointment_end",
            "created_at",
            "status_changed_at",
            "completed_at",
            "closed_at",
        ]
        read_only_fields = fields


class WorkOrderDetailSerializer(WorkOrderSerializer):
    events = WorkOrderEventSerializer(many=True, read_only=True, help_text="the timeline, oldest first")

    class Meta(WorkOrderSerializer.Meta):
        fields = [*WorkOrderSerializer.Meta.fields, "note", "reschedule_count", "events"]
        read_only_fields = fields


class TransitionSerializer(serializers.Serializer):
    note = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="required to cancel or to record phone guidance",
    )


class DispatchSerializer(serializers.Serializer):
    center = serializers.SlugRelatedField(slug_field="code", queryset=ServiceCenter.objects.all())
    technician = serializers.SlugRelatedField(
        slug_field="employee_no",
        queryset=Technician.objects.all(),
        required=False,
        allow_null=True,
        default=None,
    )
    appointment_start = serializers.DateTimeField()
    appointment_end = serializers.DateTimeField()
    mode = serializers.ChoiceField(choices=ServiceMode.choices, required=False, default=ServiceMode.ON_SITE)
    note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    override_reason = serializers.CharField(
        max_length=500,
        required=False,
        allow_blank=True,
        default="",
        help_text="a manager's reason to dispatch to a centre whose agreement does not cover the call's "
        "district or the product's category (refused without it)",
    )


class RescheduleSerializer(serializers.Serializer):
    appointment_start = serializers.DateTimeField(
        help_text="the new window, inside the centre's service hours"
    )
    appointment_end = serializers.DateTimeField()
    reason = serializers.ChoiceField(
        choices=RescheduleReason.choices,
        help_text="customer and not_home (only after such a visit) let the SLA follow the new window; the others "
        "keep the centre answering for the earlier appointment",
    )
    note = serializers.CharField(
        max_length=300, required=False, allow_blank=True, default="", help_text="required with reason other"
    )
    reschedule_count = serializers.IntegerField(
        min_value=0,
        max_value=32767,
        required=False,
        allow_null=True,
        default=None,
        help_text="the work order's reschedule_count as you read it: a move made meanwhile answers 400 "
        "(errors.status names who made it)",
    )


class RedispatchSerializer(serializers.Serializer):
    center = serializers.SlugRelatedField(
        slug_field="code",
        queryset=ServiceCenter.objects.all(),
        help_text="the order's own centre, or another whose agreement covers the call (dispatchers, managers)",
    )
    technician = serializers.SlugRelatedField(
        slug_field="employee_no",
        queryset=Technician.objects.all(),
        required=False,
        allow_null=True,
        default=None,
        help_text="employee number; null: the new centre assigns it",
    )
    reason = serializers.CharField(max_length=300)


class NotHomeSerializer(serializers.Serializer):
    arrived_at = serializers.DateTimeField(help_text="when the technician was at the door")
    calls_made = serializers.IntegerField(min_value=1, max_value=50, help_text="calls made to the customer")
    travel_km = serializers.IntegerField(min_value=0, max_value=1000, help_text="one way")
    note = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    photo = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=8 * 1024 * 1024,
        help_text="a photo of the door, JPEG or PNG in base64; a photo or a note is required",
    )


class ClosingPartSerializer(serializers.Serializer):
    part = serializers.CharField(max_length=40, help_text="part code, from the centre's stock")
    quantity = serializers.IntegerField(min_value=1, max_value=1000, default=1)
    serial_number = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    old_serial = serializers.CharField(max_length=40, required=False, allow_blank=True, default="")
    reason = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="why, when the part is not listed for the product's model",
    )


class ClosingSerializer(serializers.Serializer):
    """The closing record that completes a work order (完工), as the office records it."""

    client_id = serializers.UUIDField(
        required=False,
        allow_null=True,
        default=None,
        help_text="a unique id per closing (e.g. a UUID): sending the same closing again changes nothing",
    )
    fault_code = serializers.CharField(max_length=20, help_text="fault code of the product's category")
    cause = serializers.CharField(max_length=20, help_text="cause code of the product's category")
    resolution = serializers.ChoiceField(choices=Resolution.choices)
    resolution_note = serializers.CharField(max_length=500, required=False, allow_blank=True, default="")
    labour_minutes = serializers.IntegerField(min_value=1, max_value=1440)
    travel_km = serializers.IntegerField(
        min_value=0,
        max_value=1000,
        required=False,
        allow_null=True,
        default=None,
        help_text="one way, on site",
    )
    parts = ClosingPartSerializer(many=True, required=False, default=list, max_length=20)
    collected_amount = serializers.DecimalField(
        max_digits=8, decimal_places=2, required=False, allow_null=True, default=None, min_value=Decimal("0")
    )
    payment_method = serializers.ChoiceField(
        choices=PaymentMethod.choices, required=False, allow_blank=True, default=""
    )
    payment_reference = serializers.CharField(
        max_length=64,
        required=False,
        allow_blank=True,
        default="",
        help_text="the transaction number of a WeChat Pay or Alipay payment (required for those)",
    )
    pay_later = serializers.BooleanField(
        required=False,
        default=False,
        help_text="paid service: what is not collected now is paid later (invoice requested) and becomes the "
        "centre's receivable; without it the whole amount due must be collected",
    )
    receivable_note = serializers.CharField(
        max_length=200,
        required=False,
        allow_blank=True,
        default="",
        help_text="with pay_later: the invoice title and when the customer will pay",
    )
    signature_png = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=3 * 1024 * 1024,
        help_text="the customer's signature, a PNG in base64",
    )
    confirmation_code = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=20,
        help_text="the code the customer received by SMS (5 wrong codes lock it)",
    )
    proof_exception_reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=500,
        help_text="neither signature nor code: why (a supervisor of the order's centre or a manager); the work "
        "is not paid until a manager clears it",
    )
    satisfaction = serializers.ChoiceField(
        choices=Satisfaction.choices, required=False, allow_blank=True, default=""
    )

    def validate_signature_png(self, value):
        if not value:
            return b""

        try:
            return base64.b64decode(value.split(",", 1)[-1], validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError(_("Not a PNG image in base64.")) from None
