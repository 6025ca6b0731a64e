import pytest
from django.core.management import call_command
from stdnum import luhn

from aftersales.validators import validate_imei, validate_phone
from network.models import Dealer, Region, ServiceCenter, Technician
from repairs.models import (
    Component,
    Customer,
    CustomerAddress,
    CustomerPhone,
    ProductCategory,
    ProductModel,
    ProductUnit,
)
from warranty.models import ExtendedWarranty, WarrantyDecision

pytestmark = pytest.mark.django_db

MODELS = [
    Region,
    ServiceCenter,
    Technician,
    Dealer,
    ProductCategory,
    Component,
    ProductModel,
    Customer,
    CustomerPhone,
    CustomerAddress,
    ProductUnit,
    ExtendedWarranty,
    WarrantyDecision,
]


def _counts():
    return {m.__name__: m.objects.count() for m in MODELS}


def test_seed_demo_builds_a_realistic_network_and_twice_creates_nothing_twice(capsys):
    call_command("seed_demo")
    first = _counts()
    output = capsys.readouterr().out
    call_command("seed_demo")
    assert _counts() == first

    assert Region.objects.filter(level="province").count() >= 3
    assert first["ServiceCenter"] >= 12
    assert set(ServiceCenter.objects.values_list("level", flat=True)) == {"diamond", "gold", "a", "general"}
    assert first["Technician"] >= 30
    assert set(ProductCategory.objects.values_list("code", flat=True)) >= {
        "air_conditioner",
        "refrigerator",
        "washing_machine",
        "mobile_phone",
    }
    for category in ProductCategory.objects.all():
        assert category.components.filter(kind="main_unit").exists()
    assert first["ProductModel"] >= 40 and ProductModel.objects.values("brand").distinct().count() >= 8
    assert first["Customer"] >= 500 and first["ProductUnit"] >= 500

    phones = ProductUnit.objects.filter(model__category__code="mobile_phone")
    assert phones.exists()
    for imei in phones.values_list("imei", flat=True):
        validate_imei(imei)
        assert luhn.is_valid(imei)
    for number in CustomerPhone.objects.values_list("number", flat=True)[:200]:
        validate_phone(number)
    without_invoice = ProductUnit.objects.filter(invoice_date__isnull=True).count()
    assert 0 < without_invoice < first["ProductUnit"] / 2
    for unit in ProductUnit.objects.select_related("model__category")[:100]:
        unit.full_clean()

    assert first["ExtendedWarranty"] > 10 and first["WarrantyDecision"] > 10
    assert WarrantyDecision.objects.values("verdict").distinct().count() >= 2

    for username in ("manager", "dispatcher", "supervisor", "tech", "dealer"):
        assert username in output


def test_seed_demo_scale_adds_customers_with_units_once():
    call_command("seed_demo", customers=20, scale=300)
    assert Customer.objects.filter(number__startswith="SC").count() == 300
    scale_units = ProductUnit.objects.filter(owner__number__startswith="SC")
    assert scale_units.count() == 300
    before = _counts()
    call_command("seed_demo", customers=20, scale=300)
    assert _counts() == before
    call_command("seed_demo", customers=20, scale=350)
    assert scale_units.count() == 350
    for imei in scale_units.exclude(imei=None).values_list("imei", flat=True):
        validate_imei(imei)
    # Ids handed out to COPY were taken from the sequences: ordinary inserts afterwards do not collide.
    unit = scale_units.order_by("-pk").first()
    later = ProductUnit.objects.create(model=unit.model, serial_number="AFTER-SCALE", owner=unit.owner)
    assert later.pk > unit.pk
    assert CustomerPhone.objects.create(customer=unit.owner, number="13900000000").pk
