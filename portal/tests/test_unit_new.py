"""The customer registers a unit at /my/units/new/ (on the way to reporting its fault): a number the hotline
never saw gets its customer record; a serial number or IMEI already registered is the account's own unit, or
refused without saying whose; bad dates and photos change nothing."""

import datetime as dt
import io
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from aftersales.validators import imei_with_check_digit
from network.factories import DistrictFactory, UserFactory
from portal.factories import PortalAccountFactory, customer_with_account
from repairs.factories import ProductModelFactory, ProductUnitFactory
from repairs.models import Customer, ProductCategory, ProductUnit

pytestmark = pytest.mark.django_db


def jpeg(name="invoice.jpg") -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 1600), "white").save(buffer, "JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def world(customer_account, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    customer, account = customer_account
    air_conditioner = ProductModelFactory(model_number="KFR-35GW/NEW", category__code="air_conditioner")
    phone = ProductModelFactory(
        brand="小米",
        model_number="M2101",
        category=ProductCategory.objects.get(code="mobile_phone"),
    )
    other_customer, other_account = customer_with_account(name="李四")
    return SimpleNamespace(
        customer=customer,
        account=account,
        air_conditioner=air_conditioner,
        phone=phone,
        other_account=other_account,
        others_unit=ProductUnitFactory(owner=other_customer, model=air_conditioner, serial_number="TAKEN-1"),
        dispatcher=UserFactory(roles=["dispatcher"]),
        media=Path(settings.MEDIA_ROOT),
    )


def form(world, **changes) -> dict:
    data = {
        "model": world.air_conditioner.pk,
        "identifier": "gr 2026 0001",
        "purchase_date": (timezone.localdate() - dt.timedelta(days=30)).isoformat(),
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def state(world) -> tuple:
    files = sorted(str(p) for p in world.media.rglob("*") if p.is_file()) if world.media.exists() else []
    return ProductUnit.objects.count(), Customer.objects.count(), files


def test_a_unit_is_registered_with_its_invoice_photo_and_the_report_continues_with_it(client, world):
    client.force_login(world.account.user)
    response = client.post(
        reverse("portal:unit_new"), {**form(world), "next": "report", "invoice_photo": jpeg()}
    )
    unit = ProductUnit.objects.get(serial_number="GR20260001")
    assert response.status_code == 302
    assert response["Location"] == f"{reverse('portal:report')}?unit={unit.pk}"
    assert unit.owner == world.customer and unit.sale_date == timezone.localdate() - dt.timedelta(days=30)
    assert unit.invoice_photo and (world.media / unit.invoice_photo.name).exists()
    # The dispatcher reads the invoice through the scoped view; another customer cannot.
    client.force_login(world.dispatcher)
    assert client.get(reverse("repairs:unit_invoice_photo", args=[unit.pk])).status_code == 200


def test_a_number_the_hotline_never_saw_gets_its_customer(client, world):
    account = PortalAccountFactory(phone="13600001111")
    client.force_login(account.user)
    district = DistrictFactory()
    page = client.get(reverse("portal:unit_new"))
    assert page.context["needs_customer"]
    imei = imei_with_check_digit("86123456789012")
    client.post(
        reverse("portal:unit_new"),
        form(
            world,
            model=world.phone.pk,
            identifier=imei,
            name="王五",
            region=district.pk,
            address_detail="人民路 1 号",
        ),
    )
    unit = ProductUnit.objects.get(imei=imei)
    customer = unit.owner
    assert customer.name == "王五"
    assert customer.phones.get().number == "13600001111"
    assert customer.addresses.get().region == district


def test_the_model_can_be_typed(client, world):
    client.force_login(world.account.user)
    client.post(reverse("portal:unit_new"), form(world, model="", model_code="kfr-35gw/new"))
    assert ProductUnit.objects.get(serial_number="GR20260001").model == world.air_conditioner


def test_a_serial_on_another_customers_unit_is_refused_without_saying_whose(client, world):
    client.force_login(world.account.user)
    before = state(world)
    response = client.post(reverse("portal:unit_new"), form(world, identifier="taken-1"))
    assert response.status_code == 400
    body = response.content.decode()
    assert "李四" not in body and world.others_unit.owner.number not in body
    assert response.context["errors"]["identifier"]
    assert state(world) == before


def test_a_serial_on_the_accounts_own_unit_goes_to_that_unit(client, world):
    own = ProductUnitFactory(owner=world.customer, model=world.air_conditioner, serial_number="MINE-1")
    client.force_login(world.account.user)
    before = state(world)
    response = client.post(reverse("portal:unit_new"), form(world, identifier="mine-1"))
    assert response["Location"] == reverse("portal:unit_card", args=[own.pk])
    assert state(world) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"purchase_date": (dt.date.today() + dt.timedelta(days=2)).isoformat()}, "purchase_date"),
        ({"purchase_date": "1999-01-01"}, "purchase_date"),
        ({"purchase_date": ""}, "purchase_date"),
        ({"identifier": ""}, "identifier"),
        ({"model": ""}, "model"),
        ({"model": "", "model_code": "NO-SUCH"}, "model"),
    ],
)
def test_bad_input_changes_nothing(client, world, changes, field):
    client.force_login(world.account.user)
    before = state(world)
    response = client.post(reverse("portal:unit_new"), form(world, **changes))
    assert response.status_code == 400
    assert field in response.context["errors"]
    assert state(world) == before


def test_a_bad_imei_or_invoice_photo_changes_nothing(client, world):
    client.force_login(world.account.user)
    before = state(world)
    response = client.post(
        reverse("portal:unit_new"), form(world, model=world.phone.pk, identifier="861234567890123")
    )
    assert response.status_code == 400 and response.context["errors"]["identifier"]
    fake = SimpleUploadedFile("invoice.jpg", b"not a photo", content_type="image/jpeg")
    response = client.post(reverse("portal:unit_new"), {**form(world), "invoice_photo": fake})
    assert response.status_code == 400 and "invoice.jpg" in " ".join(
        response.context["errors"]["invoice_photo"]
    )
    assert state(world) == before


def test_only_a_customer_registers_here(client, world):
    before = state(world)
    client.force_login(world.dispatcher)
    response = client.post(reverse("portal:unit_new"), form(world))
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:home"))
    assert state(world) == before
