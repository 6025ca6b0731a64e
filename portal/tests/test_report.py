"""The customer reports a fault at /my/report/: the call lands in the register as a web call to confirm, with
its photos and the window the customer asked for; every refusal changes nothing (the owner, another
customer's account, a dispatcher). The dispatcher sees it to confirm, confirms it, and dispatches it in the
customer's window."""

import datetime as dt
import io
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from network.factories import UserFactory
from portal.factories import customer_with_account
from portal.report import ReportInput, web_call_report
from repairs import services
from repairs.choices import CallChannel, WorkOrderStatus
from repairs.factories import CustomerAddressFactory, ProductUnitFactory
from repairs.models import (
    CustomerAddress,
    FaultSymptom,
    RepairCall,
    RepairCallPhoto,
    WorkOrder,
    WorkOrderEvent,
)

pytestmark = pytest.mark.django_db


def jpeg(name="fault.jpg", size=(2400, 1800)) -> SimpleUploadedFile:
    """A JPEG as a phone sends it: large, with the camera's EXIF."""
    exif = Image.Exif()
    exif[0x0110] = "Phone X"  # the camera model
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 80, 40)).save(buffer, "JPEG", quality=80, exif=exif.tobytes())
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


@pytest.fixture
def world(customer_account, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    customer, account = customer_account
    today = timezone.localdate()
    unit = ProductUnitFactory(
        owner=customer,
        sale_date=today - dt.timedelta(days=40),
        invoice_date=today - dt.timedelta(days=40),
        factory_date=today - dt.timedelta(days=90),
    )
    address = CustomerAddressFactory(customer=customer)
    symptom = FaultSymptom.objects.filter(category=unit.model.category).first()
    other_customer, other_account = customer_with_account(name="李四")
    return SimpleNamespace(
        customer=customer,
        account=account,
        unit=unit,
        address=address,
        symptom=symptom,
        other_account=other_account,
        other_unit=ProductUnitFactory(owner=other_customer),
        dispatcher=UserFactory(roles=["dispatcher"]),
        media=Path(settings.MEDIA_ROOT),
    )


def form(world, **changes) -> dict:
    data = {
        "unit": world.unit.pk,
        "symptom": world.symptom.pk,
        "symptom_text": "开机十分钟后不制冷",
        "day": (timezone.localdate() + dt.timedelta(days=1)).isoformat(),
        "slot": "afternoon",
        "address": world.address.pk,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def state(world) -> tuple:
    files = sorted(p.name for p in world.media.rglob("*") if p.is_file()) if world.media.exists() else []
    return (
        RepairCall.objects.count(),
        WorkOrder.objects.count(),
        RepairCallPhoto.objects.count(),
        CustomerAddress.objects.count(),
        files,
    )


def test_a_report_logs_a_web_call_to_confirm_with_its_photos_and_window(client, world):
    client.force_login(world.account.user)
    response = client.post(
        reverse("portal:report"), {**form(world), "photos": [jpeg("a.jpg"), jpeg("b.jpg")]}
    )

    call = RepairCall.objects.get()
    order = call.work_orders.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("portal:order_detail", args=[order.pk])
    assert order.status == WorkOrderStatus.NEW
    assert call.channel == CallChannel.WEB and call.to_confirm and call.confirmed_at is None
    assert (call.customer, call.unit, call.caller_phone) == (world.customer, world.unit, world.account.phone)
    assert call.logged_by == world.account.user
    assert call.warranty_decision is not None  # 三包 decided as for the hotline: in warranty, free service
    assert call.service_type == call.suggested_service_type == "C"
    assert (call.service_region, call.service_address) == (world.address.region, world.address.detail)
    start = timezone.localtime(call.preferred_start)
    assert (start.date(), start.hour, timezone.localtime(call.preferred_end).hour) == (
        timezone.localdate() + dt.timedelta(days=1),
        13,
        18,
    )
    photos = list(call.photos.all())
    assert len(photos) == 2
    with Image.open(photos[0].image.path) as stored:
        assert max(stored.size) == 1600  # resized
        assert not stored.getexif()  # the camera's metadata is gone


def test_a_new_address_is_kept_with_the_customer(client, world):
    client.force_login(world.account.user)
    district = world.address.region
    client.post(
        reverse("portal:report"),
        form(world, address="new", region=district.pk, address_detail="新港路 8 号 2 栋 301"),
    )
    call = RepairCall.objects.get()
    assert call.service_address == "新港路 8 号 2 栋 301"
    assert world.customer.addresses.filter(detail="新港路 8 号 2 栋 301", is_primary=False).exists()


def test_the_untouched_form_is_refused_field_by_field(client, world):
    client.force_login(world.account.user)
    before = state(world)
    # What a browser sends for the page as it opens: the only unit and the primary address are chosen.
    response = client.post(
        reverse("portal:report"),
        {"unit": world.unit.pk, "symptom": "", "symptom_text": "", "day": "", "address": world.address.pk},
    )
    assert response.status_code == 400
    errors = response.context["errors"]
    assert set(errors) == {"symptom_text", "window"}
    assert state(world) == before


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"symptom": "", "symptom_text": "  "}, "symptom_text"),
        ({"day": (dt.date.today() - dt.timedelta(days=1)).isoformat()}, "window"),
        ({"day": (dt.date.today() + dt.timedelta(days=20)).isoformat()}, "window"),
        ({"slot": "midnight"}, "window"),
        ({"address": "new", "region": "", "address_detail": ""}, "region"),
    ],
)
def test_bad_input_changes_nothing(client, world, changes, field):
    client.force_login(world.account.user)
    before = state(world)
    response = client.post(reverse("portal:report"), form(world, **changes))
    assert response.status_code == 400
    assert field in response.context["errors"]
    assert state(world) == before


def test_bad_photos_are_refused_by_name_and_nothing_is_saved(client, world):
    client.force_login(world.account.user)
    before = state(world)
    fake = SimpleUploadedFile("invoice.pdf.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    big = SimpleUploadedFile("huge.jpg", b"\xff" * (10 * 1024 * 1024 + 1), content_type="image/jpeg")
    response = client.post(reverse("portal:report"), {**form(world), "photos": [jpeg("ok.jpg"), fake, big]})
    assert response.status_code == 400
    problems = " ".join(response.context["errors"]["photos"])
    assert "invoice.pdf.jpg" in problems and "huge.jpg" in problems and "ok.jpg" not in problems
    assert state(world) == before

    seven = [jpeg(f"p{n}.jpg", size=(40, 30)) for n in range(7)]
    response = client.post(reverse("portal:report"), {**form(world), "photos": seven})
    assert response.status_code == 400 and response.context["errors"]["photos"]
    assert state(world) == before


def test_a_failure_while_storing_photos_removes_the_files_already_written(world, monkeypatch):
    before = state(world)
    real_save = RepairCallPhoto.save
    calls = {"n": 0}

    def second_fails(self, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 2:
            raise RuntimeError("disk full")
        return real_save(self, *args, **kwargs)

    monkeypatch.setattr(RepairCallPhoto, "save", second_fails)
    with pytest.raises(RuntimeError):
        web_call_report(
            account=world.account,
            data=ReportInput(
                unit=world.unit,
                symptom=world.symptom,
                day=timezone.localdate() + dt.timedelta(days=1),
                slot="morning",
                address=world.address,
                photos=[jpeg("1.jpg"), jpeg("2.jpg")],
            ),
        )
    assert state(world) == before


def test_another_customers_unit_or_address_is_unknown_and_changes_nothing(client, world):
    before = state(world)
    client.force_login(world.account.user)
    assert client.post(reverse("portal:report"), form(world, unit=world.other_unit.pk)).status_code == 404
    other_address = CustomerAddressFactory(customer=world.other_unit.owner)
    before = state(world)  # (with the other customer's address)
    assert client.post(reverse("portal:report"), form(world, address=other_address.pk)).status_code == 404
    # The other customer cannot report on this customer's unit either.
    client.force_login(world.other_account.user)
    assert client.post(reverse("portal:report"), form(world)).status_code == 404
    # The service itself refuses a unit outside the account.
    with pytest.raises(ValidationError):
        web_call_report(account=world.other_account, data=ReportInput(unit=world.unit, symptom_text="x"))
    assert state(world) == before


def test_a_dispatcher_is_not_a_customer_here(client, world):
    before = state(world)
    client.force_login(world.dispatcher)
    response = client.post(reverse("portal:report"), form(world))
    assert response.status_code == 302 and response["Location"].startswith(reverse("portal:home"))
    assert state(world) == before


def test_a_duplicate_shows_the_open_call_and_changes_nothing(client, world):
    client.force_login(world.account.user)
    client.post(reverse("portal:report"), form(world))
    first = RepairCall.objects.get()
    before = state(world)
    response = client.post(reverse("portal:report"), {**form(world), "photos": [jpeg()]})
    assert response.status_code == 409
    body = response.content.decode()
    assert first.number in body
    assert reverse("portal:order_detail", args=[first.work_orders.get().pk]) in body
    assert state(world) == before


def test_the_report_page_offers_the_units_and_stays_light(client, world):
    client.force_login(world.account.user)
    response = client.get(reverse("portal:report") + f"?unit={world.unit.pk}")
    assert response.status_code == 200
    assert response.context["values"]["unit"] == str(world.unit.pk)
    html = response.content
    assert str(world.unit.serial_number).encode() in html
    assert world.other_unit.serial_number.encode() not in html
    root = Path(__file__).resolve().parents[2] / "static"
    weight = (
        len(html) + (root / "css/portal.css").stat().st_size + (root / "js/portal_photos.js").stat().st_size
    )
    assert weight < 60 * 1024, weight


def test_the_customer_sees_their_own_photos_only(client, world):
    client.force_login(world.account.user)
    client.post(reverse("portal:report"), {**form(world), "photos": [jpeg()]})
    photo = RepairCallPhoto.objects.get()
    url = reverse("portal:call_photo", args=[photo.pk])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    client.force_login(world.other_account.user)
    assert client.get(url).status_code == 404
    client.force_login(world.dispatcher)
    assert client.get(reverse("repairs:call_photo", args=[photo.pk])).status_code == 200


def test_the_register_shows_the_web_call_to_confirm_and_the_dispatcher_confirms_it(client, world):
    client.force_login(world.account.user)
    client.post(reverse("portal:report"), {**form(world), "photos": [jpeg()]})
    call = RepairCall.objects.get()
    client.force_login(world.dispatcher)

    page = client.get(reverse("repairs:register"), {"to_confirm": "on"})
    assert [o.call_id for o in page.context["orders"]] == [call.pk]
    assert b"to-confirm" in page.content
    detail = client.get(reverse("repairs:call_detail", args=[call.pk]))
    html = detail.content.decode()
    assert reverse("repairs:call_confirm", args=[call.pk]) in html
    assert reverse("repairs:call_photo", args=[call.photos.get().pk]) in html
    # The dispatch form starts at the customer's window.
    form_ = detail.context["orders"][0].dispatch["dispatch_form"]
    assert form_.initial["day"] == timezone.localdate(call.preferred_start)
    assert form_.initial["start"] == dt.time(13) and form_.initial["end"] == dt.time(18)

    # Another customer, or the customer themselves, cannot confirm.
    for user in (world.other_account.user, world.account.user):
        client.force_login(user)
        client.post(reverse("repairs:call_confirm", args=[call.pk]))
        call.refresh_from_db()
        assert call.confirmed_at is None
    client.force_login(world.dispatcher)
    client.post(reverse("repairs:call_confirm", args=[call.pk]), {"note": "地址、时间已核实"})
    call.refresh_from_db()
    assert call.confirmed_by == world.dispatcher and not call.to_confirm
    assert WorkOrderEvent.objects.filter(work_order__call=call, note__contains="地址、时间已核实").exists()
    page = client.get(reverse("repairs:register"), {"to_confirm": "on"})
    assert list(page.context["orders"]) == []
    with pytest.raises(ValidationError):  # twice: refused, says by whom
        services.repair_call_confirm(call=call, acting_user=world.dispatcher)
