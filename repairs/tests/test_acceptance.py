"""Installation acceptance (安装验收): an installation order closes with its acceptance record (the maker's
service standard) — configuration, trial run, documents handed over, the customer's signature."""

import pytest
from django.contrib.admin.sites import site
from django.urls import reverse
from django.utils import timezone

from network.factories import ServiceCenterFactory, TechnicianFactory, UserFactory
from repairs.choices import CallCustomerRequest
from repairs.choices import WorkOrderStatus as S
from repairs.models import (
    AcceptanceDocument,
    InstallationAcceptance,
    ProductCategory,
    WorkOrderClosing,
)

from .tablet.helpers import closing_post, order_for

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"


def installation(technician):
    return order_for(technician, call__customer_request=CallCustomerRequest.INSTALLATION)


def documents(order):
    return list(AcceptanceDocument.objects.filter(category_id=order.call.unit.model.category_id))


def acceptance_post(order, **overrides):
    """The closing form of an installation order, filled: configuration as prefilled, trial run passed, every
    document ticked."""
    unit = order.call.unit
    fields = {
        "resolution": "adjusted",
        "acceptance": "1",
        "model_installed": f"{unit.model.brand} {unit.model.model_number}",
        "acceptance_serial": unit.serial_number,
        "accessories": "连接管3米、挂墙支架",
        "trial_run": "passed",
        "trial_run_note": "制冷正常，出风温度12℃",
        "document": [d.pk for d in documents(order)],
    }
    return closing_post(order, **{**fields, **overrides})


def close(client, order, data):
    return client.post(reverse("repairs:tablet_close", args=[order.pk]), data, HTTP_ACCEPT="application/json")


def test_every_category_ships_the_four_standard_documents_in_order():
    for category in ProductCategory.objects.all():
        names = list(category.acceptance_documents.values_list("name", flat=True))
        assert names == ["验收单", "配置单", "保养手册", "常见问题指南"], category.code


def test_closing_an_installation_with_its_acceptance_accepts_the_unit(client, users):
    order = installation(users["technician"].technician)
    client.force_login(users["technician"])

    response = close(client, order, acceptance_post(order))

    assert response.status_code == 200 and response.json()["ok"] is True
    order.refresh_from_db()
    acceptance = InstallationAcceptance.objects.get(work_order=order)
    assert order.status == S.COMPLETED
    assert response.json()["redirect"] == reverse("repairs:acceptance_detail", args=[acceptance.pk])
    assert acceptance.trial_run_passed and acceptance.signature
    assert acceptance.accessories == "连接管3米、挂墙支架"
    assert acceptance.serial_number == order.call.unit.serial_number
    today = timezone.localdate()
    assert acceptance.accepted_on == today
    order.call.unit.refresh_from_db()
    assert order.call.unit.accepted_on == today
    assert list(acceptance.documents.values_list("handed_over", flat=True)) == [True] * 4
    page = client.get(response.json()["redirect"]).content.decode()
    assert f"安装已于 {today:%Y-%m-%d} 验收" in page
    assert client.get(reverse("repairs:acceptance_signature", args=[acceptance.pk])).status_code == 200


def test_an_installation_closed_without_its_acceptance_is_refused_and_nothing_changes(client, users):
    order = installation(users["technician"].technician)
    client.force_login(users["technician"])
    data = closing_post(order, resolution="adjusted")  # an old form without the acceptance section

    response = close(client, order, data)

    assert response.status_code == 400
    assert response.json()["errors"]["acceptance"] == [
        "安装工单须随安装验收完工：请登记安装配置、试机结果、交付的资料和客户签名。"
    ]
    order.refresh_from_db()
    assert order.status == S.IN_REPAIR
    assert not WorkOrderClosing.objects.filter(work_order=order).exists()
    assert not InstallationAcceptance.objects.exists()
    order.call.unit.refresh_from_db()
    assert order.call.unit.accepted_on is None


def test_a_failed_trial_run_records_the_acceptance_not_accepted_and_links_the_out_of_box_check(client, users):
    order = installation(users["technician"].technician)
    client.force_login(users["technician"])

    response = close(
        client,
        order,
        acceptance_post(order, trial_run="failed", trial_run_note="开机外机不启动，压缩机无反应"),
    )

    assert response.json()["ok"] is True
    acceptance = InstallationAcceptance.objects.get(work_order=order)
    assert not acceptance.trial_run_passed and acceptance.accepted_on is None
    order.call.unit.refresh_from_db()
    assert order.call.unit.accepted_on is None
    page = client.get(response.json()["redirect"]).content.decode()
    assert "试机未通过：安装未验收。" in page and "开机外机不启动" in page
    assert f"{reverse('remedies:doa_new')}?serial={order.call.unit.serial_number}" in page
    tablet = client.get(reverse("repairs:tablet_order", args=[order.pk])).content.decode()
    assert "试机未通过：发起开箱损鉴定" in tablet


def test_a_document_left_unticked_is_recorded_as_not_handed_over(client, users):
    order = installation(users["technician"].technician)
    client.force_login(users["technician"])
    docs = documents(order)

    close(client, order, acceptance_post(order, document=[d.pk for d in docs if d.name != "保养手册"]))

    acceptance = InstallationAcceptance.objects.get(work_order=order)
    assert list(acceptance.documents.values_list("name", "handed_over")) == [
        ("验收单", True),
        ("配置单", True),
        ("保养手册", False),
        ("常见问题指南", True),
    ]
    page = client.get(reverse("repairs:acceptance_detail", args=[acceptance.pk])).content.decode()
    assert "1 份资料未交付。" in page


def test_the_documents_listed_follow_the_categorys_list_edited_in_the_admin(client, users):
    order = installation(users["technician"].technician)
    category = order.call.unit.model.category
    client.force_login(users["technician"])
    inline = next(i for i in site._registry[ProductCategory].inlines if i.model is AcceptanceDocument)
    assert inline.fields == ["position", "name", "name_en"]
    AcceptanceDocument.objects.filter(category=category, name="常见问题指南").delete()
    AcceptanceDocument.objects.create(category=category, name="遥控器说明", position=0)

    form = client.get(reverse("repairs:tablet_close", args=[order.pk])).content.decode()

    assert form.index("遥控器说明") < form.index("验收单") and "常见问题指南" not in form
    close(client, order, acceptance_post(order))
    acceptance = InstallationAcceptance.objects.get(work_order=order)
    assert list(acceptance.documents.values_list("name", flat=True)) == [
        "遥控器说明",
        "验收单",
        "配置单",
        "保养手册",
    ]


def test_the_untouched_form_is_refused_with_clear_errors_then_the_filled_one_closes(client, users):
    order = installation(users["technician"].technician)
    unit = order.call.unit
    client.force_login(users["technician"])
    form = client.get(reverse("repairs:tablet_close", args=[order.pk])).content.decode()
    assert f'value="{unit.model.brand} {unit.model.model_number}"' in form
    assert f'value="{unit.serial_number}"' in form
    # What the browser sends for the untouched form: the prefilled and hidden fields, everything else empty.
    untouched = {
        "client_id": "8f0c6a2e-3b6f-4c56-9f4e-2f0d1b0c9a11",
        "fault_code": "",
        "cause": "",
        "resolution": "",
        "resolution_note": "",
        "labour_minutes": "",
        "travel_km": "",
        "part": ["", ""],
        "part_quantity": ["1", "1"],
        "serial_number": ["", ""],
        "old_serial": ["", ""],
        "part_reason": ["", ""],
        "acceptance": "1",
        "model_installed": f"{unit.model.brand} {unit.model.model_number}",
        "acceptance_serial": unit.serial_number,
        "accessories": "",
        "trial_run_note": "",
        "signature_data": "",
        "confirmation_code": "",
    }

    refused = client.post(reverse("repairs:tablet_close", args=[order.pk]), untouched)

    assert refused.status_code == 400
    page = refused.content.decode()
    assert "请说明试机通过还是未通过。" in page
    assert "请客户在屏幕上签名，或输入客户短信收到的确认码。" in page
    assert "请选择故障代码。" in page and "工时须为整数分钟。" in page
    order.refresh_from_db()
    assert order.status == S.IN_REPAIR and not InstallationAcceptance.objects.exists()

    closed = close(client, order, acceptance_post(order))

    assert closed.json()["ok"] is True
    assert InstallationAcceptance.objects.get(work_order=order).trial_run_passed


def test_a_passed_trial_run_needs_the_customers_signature_not_a_code(client, users):
    order = installation(users["technician"].technician)
    client.force_login(users["technician"])

    response = close(client, order, acceptance_post(order, signature_data="", confirmation_code="123456"))

    assert response.status_code == 400
    assert response.json()["errors"]["signature"] == [
        "客户须在屏幕上签名确认安装验收：确认码不能代替验收签名。"
    ]
    order.refresh_from_db()
    assert order.status == S.IN_REPAIR and order.confirmation_failures == 0


def test_other_requests_close_as_before_without_an_acceptance(client, users):
    order = order_for(users["technician"].technician)  # a repair
    client.force_login(users["technician"])

    form = client.get(reverse("repairs:tablet_close", args=[order.pk])).content.decode()
    response = close(client, order, closing_post(order))

    assert 'name="trial_run"' not in form
    assert response.json()["ok"] is True and not InstallationAcceptance.objects.exists()


def test_the_acceptance_is_read_by_its_technician_the_centre_and_the_office_only(client, users):
    tech = users["technician"].technician
    order = installation(tech)
    client.force_login(users["technician"])
    close(client, order, acceptance_post(order))
    acceptance = InstallationAcceptance.objects.get(work_order=order)
    url = reverse("repairs:acceptance_detail", args=[acceptance.pk])
    signature_url = reverse("repairs:acceptance_signature", args=[acceptance.pk])
    other_center = ServiceCenterFactory(code="SC-B", name="乙网点")
    other_supervisor = UserFactory(username="sup_b", roles=["supervisor"])
    other_center.supervisors.add(other_supervisor)
    colleague = TechnicianFactory(
        user=UserFactory(username="tech_b", roles=["technician"]), center=tech.center
    )

    for user in (users["technician"], users["supervisor"], users["dispatcher"], users["manager"]):
        client.force_login(user)
        assert client.get(url).status_code == 200, user.username
    for user in (colleague.user, other_supervisor):
        client.force_login(user)
        assert client.get(url).status_code == 404, user.username
        assert client.get(signature_url).status_code == 404, user.username
    client.force_login(users["dealer"])
    assert client.get(url).status_code == 403
    client.force_login(users["dispatcher"])
    unit_page = client.get(reverse("repairs:unit_detail", args=[order.call.unit_id])).content.decode()
    assert f"{timezone.localdate():%Y-%m-%d}" in unit_page and url in unit_page
    call_page = client.get(reverse("repairs:call_detail", args=[order.call_id])).content.decode()
    assert url in call_page
    assert InstallationAcceptance.objects.get().pk == acceptance.pk  # nothing changed for the refused
