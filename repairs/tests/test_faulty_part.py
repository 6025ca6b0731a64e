"""The faulty part decides the 三包 period: at intake (the dispatcher's panel, the API) and again on site,
when the diagnosis names another part or the technician finds an exclusion (with photos). Each new decision
is stored beside the intake decision and the call's service type follows the latest."""

import datetime as dt
import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from network.factories import DistrictFactory, ServiceCenterFactory, UserFactory
from repairs import findings, services
from repairs.choices import DecisionChangeKind, ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.factories import CustomerAddressFactory, CustomerPhoneFactory, ProductUnitFactory
from repairs.models import DecisionChange, FaultSymptom, RepairCall, SiteFinding, WorkOrder, WorkOrderEvent
from warranty.models import WarrantyDecision

pytestmark = pytest.mark.django_db


def sold(months: int, **fields):
    """A unit sold about `months` ago, its owner with an address (the API's default service address)."""
    day = timezone.localdate() - dt.timedelta(days=round(months * 30.5))
    unit = ProductUnitFactory(
        sale_date=day, invoice_date=day, factory_date=day - dt.timedelta(days=20), **fields
    )
    CustomerAddressFactory(customer=unit.owner)
    CustomerPhoneFactory(customer=unit.owner, number=f"139{unit.pk:08d}")
    return unit


def log(unit, user, **changes):
    symptom = FaultSymptom.objects.filter(category=unit.model.category).first()
    kwargs = {
        "customer": unit.owner,
        "unit": unit,
        "caller_name": "张三",
        "caller_phone": "13812345678",
        "service_region": DistrictFactory(),
        "service_address": "中山路 100 号",
        "symptom": symptom,
        "symptom_text": "" if symptom else "不开机",
        "acting_user": user,
    }
    return services.repair_call_register(**{**kwargs, **changes})


@pytest.fixture
def dispatcher():
    return UserFactory(roles=["dispatcher"])


def test_a_phone_battery_at_eight_months_is_paid_and_the_phone_itself_free(dispatcher):
    phone = sold(8, phone=True)
    battery = log(phone, dispatcher, component="battery")
    assert battery.component.code == "battery"
    assert battery.warranty_decision.verdict == "paid_repair"
    assert battery.warranty_decision.facts["component"] == "battery"
    assert battery.service_type == ServiceType.PAID

    other = sold(8, phone=True)
    whole = log(other, dispatcher)  # the default: the whole unit
    assert whole.component.code == "main_unit"
    assert whole.warranty_decision.verdict == "free_repair"
    assert whole.service_type == ServiceType.FREE


def test_an_air_conditioners_compressor_at_twenty_months_is_free_the_unit_paid(dispatcher):
    compressor = log(sold(20), dispatcher, component="compressor")
    assert compressor.warranty_decision.verdict == "free_repair"
    assert compressor.service_type == ServiceType.FREE
    whole = log(sold(20), dispatcher, component="main_unit")
    assert whole.warranty_decision.verdict == "paid_repair"


def test_a_part_the_category_does_not_have_is_refused_and_nothing_is_logged(dispatcher):
    unit = sold(3)
    with pytest.raises(ValidationError) as refused:
        log(unit, dispatcher, component="battery")  # an air conditioner has no battery
    assert "没有部件“battery”" in " ".join(refused.value.message_dict["component"])
    assert not RepairCall.objects.filter(unit=unit).exists()


def test_the_intake_panel_judges_the_part_picked_and_the_call_keeps_it(client, users):
    phone = sold(8, phone=True)
    address = phone.owner.addresses.get()
    client.force_login(users["dispatcher"])
    panel = client.post(reverse("repairs:intake_panel"), {"unit": phone.pk}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    html = panel.content.decode()
    assert 'name="component"' in html and "电池" in html
    assert "免费修理" in html  # the whole unit, the default
    panel = client.post(
        reverse("repairs:intake_panel"),
        {"unit": phone.pk, "component": "battery"},
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert "收费修理" in panel.content.decode()

    response = client.post(
        reverse("repairs:call_new"),
        {
            "caller_phone": "13911112222",
            "caller_name": "李女士",
            "unit": phone.pk,
            "symptom_text": "电池鼓包",
            "component": "battery",
            "customer_request": "repair",
            "priority": "normal",
            "channel": "hotline",
            "service_type": "",
            "service_region": address.region_id,
            "service_address": address.detail,
            "action": "save",
        },
    )
    assert response.status_code == 302
    call = RepairCall.objects.get(unit=phone)
    assert call.component.code == "battery" and call.service_type == ServiceType.PAID
    page = client.get(reverse("repairs:call_detail", args=[call.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "电池" in page.content.decode()


def test_the_api_takes_the_component_and_answers_with_the_stored_verdict(client, users):
    client.force_login(users["dispatcher"])
    phone = sold(8, phone=True)
    body = {"unit": phone.pk, "symptom_text": "电池不耐用", "component": "battery"}
    response = client.post("/api/v1/repair-calls/", body, content_type="application/json")
    assert response.status_code == 201, response.content
    assert response.json()["component"] == "battery"
    assert response.json()["verdict"] == "paid_repair"

    refused = client.post(
        "/api/v1/repair-calls/",
        {"unit": sold(8, phone=True).pk, "symptom_text": "x", "component": "compressor"},
        content_type="application/json",
        HTTP_ACCEPT_LANGUAGE="zh-hans",
    )
    assert refused.status_code == 400
    assert "没有部件" in " ".join(refused.json()["errors"]["component"])
    assert not RepairCall.objects.filter(symptom_text="x", component__code="compressor").exists()

    default = client.post(
        "/api/v1/repair-calls/",
        {"unit": sold(2, phone=True).pk, "symptom_text": "x"},
        content_type="application/json",
    )
    assert default.json()["component"] == "main_unit" and default.json()["verdict"] == "free_repair"


# On site ------------------------------------------------------------------------------------------------


def on_site(unit, user, status=S.ON_SITE, **call_fields):
    call = log(unit, user, **call_fields)
    order = call.work_orders.get()
    WorkOrder.objects.filter(pk=order.pk).update(
        status=status, arrived_at=timezone.now(), center=ServiceCenterFactory()
    )
    order.refresh_from_db()
    return order


def photo(name="door.jpg"):
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 90, 60)).save(buffer, format="JPEG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/jpeg")


def test_the_technician_names_the_compressor_and_the_paid_order_becomes_free(dispatcher):
    order = on_site(sold(20), dispatcher)
    assert order.call.service_type == ServiceType.PAID
    intake_decision = order.call.warranty_decision
    technician = UserFactory(roles=["technician"])
    change = findings.work_order_component_change(
        work_order=order,
        component_code="compressor",
        reason="压缩机不启动，整机其他正常",
        acting_user=technician,
    )
    order.call.refresh_from_db()
    assert order.call.service_type == ServiceType.FREE
    assert change.service_type_before == ServiceType.PAID and change.service_type_after == ServiceType.FREE
    assert change.decision.verdict == "free_repair" and change.by == technician
    # Both decisions kept: the intake's on the call, the new one on the change.
    assert order.call.warranty_decision == intake_decision
    assert WarrantyDecision.objects.filter(unit=order.call.unit).count() == 2
    assert WorkOrderEvent.objects.filter(work_order=order, note__contains="压缩机不启动").exists()

    with pytest.raises(ValidationError) as same:
        findings.work_order_component_change(
            work_order=order, component_code="compressor", reason="again", acting_user=technician
        )
    assert "component" in same.value.message_dict
    with pytest.raises(ValidationError) as no_reason:
        findings.work_order_component_change(
            work_order=order, component_code="main_unit", reason=" ", acting_user=technician
        )
    assert "reason" in no_reason.value.message_dict


def test_liquid_damage_with_a_photo_turns_a_free_order_paid(dispatcher):
    order = on_site(sold(3, phone=True), dispatcher)
    assert order.call.service_type == ServiceType.FREE
    technician = UserFactory(roles=["technician"])
    change = findings.work_order_findings_record(
        work_order=order,
        findings=[findings.FindingInput(kind="man_made_damage", note="主板进水", photos=[photo()])],
        acting_user=technician,
    )
    order.call.refresh_from_db()
    assert order.call.service_type == ServiceType.PAID
    assert change.kind == DecisionChangeKind.FINDING and change.decision.verdict == "paid_repair"
    finding = SiteFinding.objects.get(work_order=order)
    assert finding.change == change and finding.photos.count() == 1
    assert any("进液" in reason for reason in findings.customer_reasons(change))


def test_a_finding_without_a_photo_or_not_at_the_unit_is_refused_and_nothing_changes(dispatcher):
    order = on_site(sold(3, phone=True), dispatcher)
    technician = UserFactory(roles=["technician"])
    with pytest.raises(ValidationError) as no_photo:
        findings.work_order_findings_record(
            work_order=order, findings=[findings.FindingInput(kind="misuse")], acting_user=technician
        )
    assert "photos_misuse" in no_photo.value.message_dict
    not_a_photo = SimpleUploadedFile("x.jpg", b"not an image", content_type="image/jpeg")
    with pytest.raises(ValidationError) as bad:
        findings.work_order_findings_record(
            work_order=order,
            findings=[findings.FindingInput(kind="misuse", photos=[not_a_photo])],
            acting_user=technician,
        )
    assert "photos_misuse" in bad.value.message_dict
    before_visit = log(sold(3, phone=True), dispatcher).work_orders.get()
    with pytest.raises(ValidationError) as early:
        findings.work_order_findings_record(
            work_order=before_visit,
            findings=[findings.FindingInput(kind="misuse", photos=[photo()])],
            acting_user=technician,
        )
    assert "status" in early.value.message_dict
    assert not SiteFinding.objects.exists() and not DecisionChange.objects.exists()
    order.call.refresh_from_db()
    assert order.call.service_type == ServiceType.FREE


# The tablet page ----------------------------------------------------------------------------------------


def test_the_tablet_records_a_finding_with_its_photo_and_shows_the_customer_why(client, users, dispatcher):
    order = on_site(sold(3, phone=True), dispatcher)
    start = timezone.now() - dt.timedelta(hours=3)
    WorkOrder.objects.filter(pk=order.pk).update(
        center=users["center"],
        technician=users["technician"].technician,
        appointment_start=start,
        appointment_end=start + dt.timedelta(hours=2),
    )
    client.force_login(users["technician"])
    url = reverse("repairs:tablet_findings", args=[order.pk])
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert page.status_code == 200 and 'name="finding"' in page.content.decode()

    # The form as the browser sends it untouched: nothing ticked.
    untouched = client.post(url, {"action": "findings", "note_misuse": ""}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert untouched.status_code == 400
    # Ticked without a photo: refused, nothing recorded.
    no_photo = client.post(
        url, {"action": "findings", "finding": "man_made_damage"}, HTTP_ACCEPT_LANGUAGE="zh-hans"
    )
    assert no_photo.status_code == 400 and not SiteFinding.objects.exists()
    # Unknown finding.
    assert client.post(url, {"action": "findings", "finding": "abc"}).status_code == 400

    done = client.post(
        url,
        {
            "action": "findings",
            "finding": "man_made_damage",
            "note_man_made_damage": "屏幕下有水渍",
            "photos_man_made_damage": photo(),
        },
    )
    assert done.status_code == 302
    order.call.refresh_from_db()
    assert order.call.service_type == ServiceType.PAID
    shown = client.get(url, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "不属于三包范围" in shown and "屏幕下有水渍" in shown
    # The order's header on the tablet (its page and the day's list) reads the verdict in force, not intake's.
    for header in (
        client.get(reverse("repairs:tablet_order", args=[order.pk]), HTTP_ACCEPT_LANGUAGE="zh-hans"),
        client.get(reverse("repairs:my_orders") + "?view=overdue", HTTP_ACCEPT_LANGUAGE="zh-hans"),
    ):
        verdicts = re.findall(r'<span class="t-verdict">([^<]*)', header.content.decode())
        assert verdicts and all(v.startswith("收费修理 ·") for v in verdicts), verdicts
    finding_photo = SiteFinding.objects.get(work_order=order).photos.get()
    assert client.get(reverse("repairs:finding_photo", args=[finding_photo.pk])).status_code == 200

    # The faulty part: untouched (the current part, no reason) is refused; then with a reason.
    untouched = client.post(url, {"action": "component", "component": "main_unit", "reason": ""})
    assert untouched.status_code == 400
    assert (
        client.post(url, {"action": "component", "component": "compressor", "reason": "x"}).status_code == 400
    )
    changed = client.post(url, {"action": "component", "component": "battery", "reason": "电池鼓包"})
    assert changed.status_code == 302
    assert DecisionChange.objects.filter(work_order=order, component__code="battery").exists()


def test_another_technicians_order_and_its_photos_answer_404(client, users, dispatcher):
    order = on_site(sold(3, phone=True), dispatcher)
    findings.work_order_findings_record(
        work_order=order,
        findings=[findings.FindingInput(kind="misuse", photos=[photo()])],
        acting_user=dispatcher,
    )
    client.force_login(users["technician"])
    assert client.get(reverse("repairs:tablet_findings", args=[order.pk])).status_code == 404
    finding_photo = SiteFinding.objects.get(work_order=order).photos.get()
    assert client.get(reverse("repairs:finding_photo", args=[finding_photo.pk])).status_code == 404
