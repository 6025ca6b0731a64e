import datetime as dt
from decimal import Decimal

import factory

from aftersales.validators import imei_with_check_digit

from .choices import ComponentKind, FaultCodeKind, Resolution, ServiceType, WorkOrderStatus
from .models import (
    Component,
    Customer,
    CustomerAddress,
    CustomerPhone,
    FaultCode,
    FaultSymptom,
    ProductCategory,
    ProductModel,
    ProductUnit,
    RepairCall,
    WorkOrder,
    WorkOrderClosing,
)


class ProductCategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductCategory
        django_get_or_create = ["code"]

    code = "air_conditioner"
    name = "空调"
    name_en = "Air conditioner"
    requires_imei = factory.LazyAttribute(lambda o: o.code == "mobile_phone")


class ComponentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Component
        django_get_or_create = ["category", "code"]

    category = factory.SubFactory(ProductCategoryFactory)
    code = "main_unit"
    name = "整机"
    name_en = "Whole unit"
    kind = ComponentKind.MAIN_UNIT


class ProductModelFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductModel
        django_get_or_create = ["brand", "model_number"]

    brand = "格力"
    model_number = factory.Sequence(lambda n: f"KFR-{n:04d}GW")
    name = "测试机型"
    category = factory.SubFactory(ProductCategoryFactory)
    list_price_amount = Decimal("2999.00")


class CustomerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Customer
        django_get_or_create = ["number"]

    number = factory.Sequence(lambda n: f"T{n:08d}")
    name = "张三"


class CustomerPhoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerPhone

    customer = factory.SubFactory(CustomerFactory)
    number = factory.Sequence(lambda n: f"138{n:08d}")
    is_primary = True


class ProductUnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProductUnit

    model = factory.SubFactory(ProductModelFactory)
    serial_number = factory.Sequence(lambda n: f"SN{n:010d}")
    owner = factory.SubFactory(CustomerFactory)
    sale_date = dt.date(2026, 6, 1)
    factory_date = dt.date(2026, 4, 1)
    invoice_number = "44001234"
    invoice_date = dt.date(2026, 6, 1)
    invoice_amount = Decimal("2999.00")

    class Params:
        phone = factory.Trait(
            model=factory.SubFactory(
                ProductModelFactory, brand="小米", category__code="mobile_phone", category__name="手机"
            ),
            imei=factory.Sequence(lambda n: imei_with_check_digit(f"86{n:012d}")),
        )


class CustomerAddressFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CustomerAddress

    customer = factory.SubFactory(CustomerFactory)
    region = factory.SubFactory("network.factories.DistrictFactory")
    detail = "中山路 100 号 3 栋 1201 室"
    is_primary = True


class FaultSymptomFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FaultSymptom
        django_get_or_create = ["category", "code"]

    category = factory.SubFactory(ProductCategoryFactory)
    code = "no_cooling"
    name = "不制冷"
    name_en = "Does not cool"


class RepairCallFactory(factory.django.DjangoModelFactory):
    """A logged call, written directly (no 三包 decision): for tests of what comes after intake."""

    class Meta:
        model = RepairCall

    number = factory.Sequence(lambda n: f"BX20260101-{n:05d}")
    caller_name = "张三"
    caller_phone = "13812345678"
    unit = factory.SubFactory(ProductUnitFactory)
    customer = factory.SelfAttribute("unit.owner")
    service_region = factory.SubFactory("network.factories.DistrictFactory")
    service_address = "中山路 100 号"
    symptom_text = "不制冷"
    service_type = ServiceType.FREE
    suggested_service_type = factory.SelfAttribute("service_type")


class WorkOrderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkOrder
        skip_postgeneration_save = True

    number = factory.Sequence(lambda n: f"PG20260101-{n:05d}")
    call = factory.SubFactory(RepairCallFactory)
    status = WorkOrderStatus.NEW

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        # A completed or closed order is inserted in repair and moved on once its closing record exists
        # (below): the database refuses the commit of one without it — at once, outside a transaction.
        status = kwargs.get("status")
        done = status in (WorkOrderStatus.COMPLETED, WorkOrderStatus.CLOSED) and not kwargs.get("guided_at")
        if done:
            kwargs["status"] = WorkOrderStatus.IN_REPAIR
        order = super()._create(model_class, *args, **kwargs)
        order._factory_status = status if done else None
        return order

    @factory.post_generation
    def closing(self, create, extracted, **kwargs):
        """A work order made completed or closed (not after phone guidance) gets its closing record, as
        repairs.closing writes it: confirmed by the customer's code unless `closing__…` says otherwise (e.g.
        closing__proof_exception_reason="…"); closing=False leaves it without one (the database refuses)."""
        status = getattr(self, "_factory_status", None)
        if not create or status is None:
            return
        if extracted is not False:
            WorkOrderClosingFactory(work_order=self, **kwargs)
        WorkOrder.objects.filter(pk=self.pk).update(status=status)
        self.status = status


def _fault_code(order, kind):
    category = order.call.unit.model.category
    code, _created = FaultCode.objects.get_or_create(
        category=category,
        kind=kind,
        code=f"T-{kind}",
        defaults={"name": "测试", "name_en": "Test"},
    )
    return code


class WorkOrderClosingFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = WorkOrderClosing

    work_order = factory.SubFactory(WorkOrderFactory, status=WorkOrderStatus.IN_REPAIR)
    client_id = factory.Faker("uuid4", cast_to=None)
    fault_code = factory.LazyAttribute(lambda o: _fault_code(o.work_order, FaultCodeKind.FAULT))
    cause = factory.LazyAttribute(lambda o: _fault_code(o.work_order, FaultCodeKind.CAUSE))
    resolution = Resolution.REPAIRED
    labour_minutes = 60
    confirmed_by_code = factory.LazyAttribute(lambda o: not o.proof_exception_reason)
    proof_exception_reason = ""
    closed_by = factory.SubFactory("network.factories.UserFactory")
    closed_at = factory.LazyAttribute(
        lambda o: o.work_order.completed_at or o.work_order.closed_at or o.work_order.status_changed_at
    )


def close_with_record(order, acting_user, *, now=None, **fields):
    """Completes `order` (in repair) the one way there is: a closing record through repairs.closing, signed
    by the customer unless `fields` say otherwise. Returns the closing."""
    import uuid

    from demo.repairs import signature_png

    from .closing import ClosingInput, work_order_close

    values = {
        "client_id": str(uuid.uuid4()),
        "fault_code": _fault_code(order, FaultCodeKind.FAULT),
        "cause": _fault_code(order, FaultCodeKind.CAUSE),
        "resolution": Resolution.REPAIRED,
        "labour_minutes": 45,
        "signature_png": signature_png(),
        **fields,
    }
    if order.call.service_type == ServiceType.PAID:
        from .paid import amount_due

        # Paid in full, in cash, unless the test says otherwise.
        values.setdefault("collected_amount", str(amount_due(order=order, resolution=values["resolution"])))
        values.setdefault("payment_method", "cash")
    closing, _replayed = work_order_close(
        work_order=order, data=ClosingInput(**values), acting_user=acting_user, now=now
    )
    return closing


def finish(*orders, status=WorkOrderStatus.CLOSED, **fields):
    """Puts orders straight into completed or closed for a test that needs them out of the way, each with
    the closing record the database wants (confirmed by the customer's code)."""
    for order in orders:
        if not WorkOrderClosing.objects.filter(work_order_id=order.pk).exists():
            WorkOrderClosingFactory(work_order=order)
        WorkOrder.objects.filter(pk=order.pk).update(status=status, **fields)
