"""The technician on site, through the tablet's pages on the real PostgreSQL: what the tablet says on arrival,
the fault found recorded after arrival and carried into the closing form, the closing's parts listed by the
unit's category first, and the voucher showing the order's status as it is."""

import datetime as dt
import re
import subprocess
import uuid
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from aftersales import sms
from inventory import services as inventory
from inventory.factories import PartFactory, WarehouseFactory
from network.factories import ServiceCenterFactory, UserFactory
from repairs import services
from repairs.choices import FaultCodeKind, ServiceMode, ServiceType, WorkOrderStatus
from repairs.choices import WorkOrderStatus as S
from repairs.factories import ProductCategoryFactory, WorkOrderFactory
from repairs.models import FaultCode, WorkOrder, WorkOrderEvent

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    sms.outbox.clear()


def washer_order(technician, *, status=S.ON_SITE, **kwargs):
    start = timezone.now().replace(microsecond=0) - dt.timedelta(minutes=30)
    return WorkOrderFactory(
        center=technician.center,
        technician=technician,
        status=status,
        mode=ServiceMode.ON_SITE,
        appointment_start=start,
        appointment_end=start + dt.timedelta(hours=2),
        call__service_type=ServiceType.FREE,
        call__unit__model__category=ProductCategoryFactory(code="washing_machine"),
        **kwargs,
    )


def codes(order, kind):
    return list(
        FaultCode.objects.filter(
            category_id=order.call.unit.model.category_id, kind=kind, active=True
        ).order_by("sort_order")
    )


def other_category_code(kind):
    return FaultCode.objects.filter(kind=kind).exclude(category__code="washing_machine").first()


def diagnosis_state(order):
    order.refresh_from_db()
    return (
        order.diagnosis_fault_id,
        order.diagnosis_cause_id,
        order.diagnosis_note,
        order.diagnosed_at,
        WorkOrderEvent.objects.filter(work_order=order).count(),
    )


def page_messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


# Arrival ------------------------------------------------------------------------------------------------


def test_the_arrival_message_is_a_sentence_of_its_own_not_the_service_modes_name(client, users):
    technician = users["technician"].technician
    order = washer_order(technician, status=S.EN_ROUTE)
    client.force_login(users["technician"])

    response = client.post(reverse("repairs:tablet_step", args=[order.pk]), {"to": S.ON_SITE}, follow=True)

    order.refresh_from_db()
    assert order.status == S.ON_SITE
    [message] = page_messages(response)
    # "On site" names both the status and the service mode: the message must not just repeat it.
    assert str(order.get_mode_display()) not in message
    assert f"{timezone.localtime(order.arrived_at):%H:%M}" in message
    # The page shows the mode once, beside the order's number, and asks for the fault found next.
    html = response.content.decode()
    assert html.count(str(order.get_mode_display())) == 1
    assert 'id="diagnosis-form"' in html


def test_every_step_says_what_happened_with_the_order_or_the_time(client, users):
    technician = users["technician"].technician
    order = washer_order(technician, status=S.DISPATCHED)
    client.force_login(users["technician"])
    said = []
    for step in (S.ACCEPTED, S.EN_ROUTE, S.ON_SITE, S.IN_REPAIR):
        response = client.post(reverse("repairs:tablet_step", args=[order.pk]), {"to": step}, follow=True)
        said.extend(page_messages(response))
    order.refresh_from_db()
    assert order.status == S.IN_REPAIR
    assert len(said) == 4 and len(set(said)) == 4
    assert order.number in said[0] and order.number in said[1]
    assert all(re.search(r"\d\d:\d\d", message) for message in said[1:])


# The fault found on arrival -----------------------------------------------------------------------------


def test_an_untouched_diagnosis_form_is_refused_with_a_message_and_records_nothing(client, users):
    order = washer_order(users["technician"].technician)
    client.force_login(users["technician"])
    before = diagnosis_state(order)
    url = reverse("repairs:tablet_diagnosis", args=[order.pk])

    response = client.post(url, {"diagnosis_fault": "", "diagnosis_cause": "", "diagnosis_note": ""})

    assert response.status_code == 400
    html = response.content.decode()
    assert 'role="alert"' in html and 'aria-invalid="true"' in html
    assert diagnosis_state(order) == before
    # Hostile values are the same as nothing chosen, never a server error.
    for value in ("abc", "-1", "99999999", "\x00", "１２"):
        response = client.post(url, {"diagnosis_fault": value, "diagnosis_cause": value})
        assert response.status_code == 400, value
    assert diagnosis_state(order) == before


def test_the_fault_found_is_recorded_field_by_field_and_kept_in_the_trail(client, users):
    order = washer_order(users["technician"].technician)
    fault, other_fault = codes(order, FaultCodeKind.FAULT)[:2]
    cause = codes(order, FaultCodeKind.CAUSE)[0]
    client.force_login(users["technician"])
    url = reverse("repairs:tablet_diagnosis", args=[order.pk])

    # The fault alone is enough.
    response = client.post(url, {"diagnosis_fault": fault.pk, "diagnosis_cause": "", "diagnosis_note": ""})
    assert response.status_code == 302
    fault_id, cause_id, note, at, events = diagnosis_state(order)
    assert (fault_id, cause_id, note) == (fault.pk, None, "") and at is not None and events == 1
    page = client.get(reverse("repairs:tablet_order", args=[order.pk])).content.decode()
    assert fault.local_name in page

    # Then its cause, then a note: each replaces what was found, each a line in the trail.
    client.post(url, {"diagnosis_fault": other_fault.pk, "diagnosis_cause": cause.pk, "diagnosis_note": ""})
    assert diagnosis_state(order)[:3] == (other_fault.pk, cause.pk, "")
    client.post(
        url,
        {
            "diagnosis_fault": other_fault.pk,
            "diagnosis_cause": cause.pk,
            "diagnosis_note": "  排水泵叶轮卡异物  ",
        },
    )
    assert diagnosis_state(order)[:3] == (other_fault.pk, cause.pk, "排水泵叶轮卡异物")
    trail = list(WorkOrderEvent.objects.filter(work_order=order).order_by("pk"))
    assert len(trail) == 3 and all(e.from_status == e.to_status == S.ON_SITE for e in trail)
    assert "排水泵叶轮卡异物" in trail[-1].note and trail[-1].actor == users["technician"]
    assert order.status == S.ON_SITE  # recording what was found moves nothing along


def test_another_products_codes_and_a_cause_given_as_the_fault_are_refused(client, users):
    order = washer_order(users["technician"].technician)
    client.force_login(users["technician"])
    url = reverse("repairs:tablet_diagnosis", args=[order.pk])
    before = diagnosis_state(order)
    cause = codes(order, FaultCodeKind.CAUSE)[0]
    for data in (
        {"diagnosis_fault": other_category_code(FaultCodeKind.FAULT).pk},
        {"diagnosis_fault": cause.pk},
        {
            "diagnosis_fault": codes(order, FaultCodeKind.FAULT)[0].pk,
            "diagnosis_cause": codes(order, FaultCodeKind.FAULT)[1].pk,
        },
        {"diagnosis_fault": codes(order, FaultCodeKind.FAULT)[0].pk, "diagnosis_note": "长" * 501},
    ):
        response = client.post(url, data)
        assert response.status_code == 400, data
        assert 'role="alert"' in response.content.decode()
    assert diagnosis_state(order) == before


def test_no_diagnosis_before_arrival_nor_after_the_closing(client, users):
    technician = users["technician"].technician
    client.force_login(users["technician"])
    for status in (S.DISPATCHED, S.ACCEPTED, S.EN_ROUTE, S.COMPLETED):
        order = washer_order(technician, status=status)
        before = diagnosis_state(order)
        page = client.get(reverse("repairs:tablet_order", args=[order.pk])).content.decode()
        assert 'id="diagnosis-form"' not in page, status
        response = client.post(
            reverse("repairs:tablet_diagnosis", args=[order.pk]),
            {"diagnosis_fault": codes(order, FaultCodeKind.FAULT)[0].pk},
            follow=True,
        )
        assert response.status_code == 200
        assert page_messages(response), status  # told why, on the order's page
        assert diagnosis_state(order) == before


def test_only_the_orders_technician_or_its_centres_supervisor_records_the_fault(client, users):
    order = washer_order(users["technician"].technician)
    fault = codes(order, FaultCodeKind.FAULT)[0]
    url = reverse("repairs:tablet_diagnosis", args=[order.pk])
    other_center = ServiceCenterFactory(code="SC-B", name="乙网点")
    stranger = UserFactory(username="sup_b", roles=["supervisor"])
    other_center.supervisors.add(stranger)
    before = diagnosis_state(order)

    client.force_login(stranger)  # another centre's supervisor
    assert client.post(url, {"diagnosis_fault": fault.pk}).status_code == 404
    client.force_login(users["nobody"])  # no role
    assert client.post(url, {"diagnosis_fault": fault.pk}).status_code in (302, 403)
    client.force_login(users["dispatcher"])  # not a tablet role
    assert client.post(url, {"diagnosis_fault": fault.pk}).status_code in (302, 403)
    assert diagnosis_state(order) == before

    client.force_login(users["supervisor"])  # the centre's supervisor
    assert client.post(url, {"diagnosis_fault": fault.pk}).status_code == 302
    assert diagnosis_state(order)[0] == fault.pk
    assert client.get(url).status_code == 405


def test_the_closing_form_starts_from_the_fault_found_on_arrival(client, users):
    order = washer_order(users["technician"].technician, status=S.IN_REPAIR)
    fault = codes(order, FaultCodeKind.FAULT)[1]
    cause = codes(order, FaultCodeKind.CAUSE)[1]
    client.force_login(users["technician"])
    client.post(
        reverse("repairs:tablet_diagnosis", args=[order.pk]),
        {"diagnosis_fault": fault.pk, "diagnosis_cause": cause.pk, "diagnosis_note": "门锁开关失灵"},
    )

    html = client.get(reverse("repairs:tablet_close", args=[order.pk])).content.decode()

    assert re.search(rf'<option value="{fault.pk}"\s+selected>', html)
    assert re.search(rf'<option value="{cause.pk}"\s+selected>', html)
    assert "门锁开关失灵" in html
    # The office's closing of the same order starts from it too.
    client.force_login(users["supervisor"])
    office = client.get(reverse("repairs:office_close", args=[order.pk])).content.decode()
    assert re.search(rf'<option value="{fault.pk}"\s+selected>', office)


# The closing's parts ------------------------------------------------------------------------------------


@pytest.fixture
def centre_stock(users):
    """Centre A stocks a washing machine's drain pump (fits every washer), another washer model's motor,
    and a refrigerator's compressor."""
    center, manager = users["center"], users["manager"]
    central = WarehouseFactory(central=True)
    WarehouseFactory(defective=True)
    own = WarehouseFactory(center=center)
    washer = ProductCategoryFactory(code="washing_machine")
    pump = PartFactory(code="WM-DRP", name="排水泵", category=washer, unit_cost_amount=Decimal("40.00"))
    motor = PartFactory(code="WM-MTR", name="变频电机", category=washer, unit_cost_amount=Decimal("300.00"))
    fridge = ProductCategoryFactory(code="refrigerator")
    compressor = PartFactory(
        code="RF-CMP", name="冰箱压缩机", category=fridge, unit_cost_amount=Decimal("300.00")
    )
    inventory.deposit_pay(center=center, amount="5000.00", acting_user=manager)
    lines = [(pump, 5, "40.00"), (motor, 2, "300.00"), (compressor, 2, "300.00")]
    inventory.stock_receive(warehouse=central, lines=lines, reference="RK-1", acting_user=manager)
    inventory.stock_transfer(
        source=central, destination=own, lines=[(p, q) for p, q, _c in lines], acting_user=manager
    )
    return {"pump": pump, "motor": motor, "compressor": compressor}


def _groups(html: str) -> list[tuple[str, list[str], bool]]:
    """The first part picker's groups: (label, part codes, behind "show all")."""
    picker = re.search(r'<select name="part".*?</select>', html, re.S).group(0)
    return [
        (label, re.findall(r">\s*(\S+) ", body), "data-other-parts" in attrs)
        for label, attrs, body in re.findall(
            r'<optgroup label="([^"]*)"([^>]*)>(.*?)</optgroup>', picker, re.S
        )
    ]


def test_the_parts_of_the_units_category_come_first_and_others_behind_show_all(client, users, centre_stock):
    order = washer_order(users["technician"].technician, status=S.IN_REPAIR)
    motor = centre_stock["motor"]
    motor.compatible_models.add(
        WorkOrderFactory(
            call__unit__model__category=ProductCategoryFactory(code="washing_machine")
        ).call.unit.model
    )
    client.force_login(users["technician"])

    html = client.get(reverse("repairs:tablet_close", args=[order.pk])).content.decode()

    groups = _groups(html)
    assert [(codes_, hidden) for _label, codes_, hidden in groups] == [
        (["WM-DRP"], False),  # listed for the unit (the whole category)
        (["WM-MTR"], False),  # the category's, listed for another model: a reason is asked
        (["RF-CMP"], True),  # another category's: behind "show all"
    ]
    assert 'id="parts-show-all"' in html


def test_a_closing_sent_back_keeps_the_parts_picked_even_from_other_categories(client, users, centre_stock):
    order = washer_order(users["technician"].technician, status=S.IN_REPAIR)
    client.force_login(users["technician"])
    data = {
        "client_id": str(uuid.uuid4()),
        "fault_code": "",  # missing: the form comes back
        "part": [str(centre_stock["pump"].pk), str(centre_stock["compressor"].pk)],
        "part_quantity": ["2", "1"],
        "serial_number": ["", ""],
        "old_serial": ["", ""],
        "part_reason": ["", "借用冰箱压缩机试机"],
    }

    response = client.post(reverse("repairs:tablet_close", args=[order.pk]), data)

    assert response.status_code == 400
    html = response.content.decode()
    rows = re.findall(r'<div class="t-part">.*?</div>', html, re.S)
    assert len(rows) == 2
    assert re.search(rf'<option value="{centre_stock["pump"].pk}"[^>]*selected', rows[0])
    assert 'value="2"' in rows[0]
    assert re.search(rf'<option value="{centre_stock["compressor"].pk}"[^>]*selected', rows[1])
    assert "借用冰箱压缩机试机" in rows[1]
    assert re.search(r'id="parts-show-all"[^>]*data-shown', html)  # the other group stays open
    assert WorkOrder.objects.get(pk=order.pk).status == S.IN_REPAIR


# The voucher's status -----------------------------------------------------------------------------------


def _voucher_text(client, order, tmp_path) -> str:
    response = client.get(reverse("repairs:work_order_voucher", args=[order.pk]))
    assert response.status_code == 200
    path = tmp_path / f"voucher-{order.pk}.pdf"
    path.write_bytes(response.content)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def test_the_voucher_shows_the_orders_status_when_it_is_printed(client, users, tmp_path):
    order = washer_order(users["technician"].technician, status=S.COMPLETED)
    client.force_login(users["technician"])

    page = client.get(reverse("repairs:tablet_order", args=[order.pk])).content.decode()
    voucher = re.search(r'<section class="t-card voucher".*?</section>', page, re.S).group(0)
    assert str(WorkOrderStatus.COMPLETED.label) in voucher
    assert str(WorkOrderStatus.CLOSED.label) not in voucher  # completed is not closed yet
    text = _voucher_text(client, order, tmp_path)
    assert re.search(r"工单状态\s*已完工", text) and "已关闭" not in text

    # Closed after the callback: the same voucher, printed again, says so.
    services.work_order_transition(work_order=order, to_status=S.CLOSED, acting_user=users["manager"])
    page = client.get(reverse("repairs:tablet_order", args=[order.pk])).content.decode()
    voucher = re.search(r'<section class="t-card voucher".*?</section>', page, re.S).group(0)
    assert str(WorkOrderStatus.CLOSED.label) in voucher
    text = _voucher_text(client, order, tmp_path)
    assert re.search(r"工单状态\s*已关闭", text) and "已完工" not in text


def test_a_voucher_printed_before_the_visit_shows_the_open_status(client, users, tmp_path):
    order = washer_order(users["technician"].technician, status=S.ON_SITE)
    client.force_login(users["technician"])
    text = _voucher_text(client, order, tmp_path)
    assert re.search(r"工单状态\s*技术员已到达", text)
    assert "上门服务" in text  # the service mode, in its own field
