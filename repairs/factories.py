import datetime as dt
from decimal import Decimal

import factory

from aftersales.validators import imei_with_check_digit

from .choices import ComponentKind, ServiceType, WorkOrderStatus
from .models import (
    Component,
    Customer,
    CustomerAddress,
    CustomerPhone,
    FaultSymptom,
    ProductCategory,
    ProductModel,
    ProductUnit,
    RepairCall,
    WorkOrder,
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

    number = factory.Sequence(lambda n: f"PG20260101-{n:05d}")
    call = factory.SubFactory(RepairCallFactory)
    status = WorkOrderStatus.NEW
