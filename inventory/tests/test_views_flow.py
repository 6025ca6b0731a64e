"""The part-request and defective-return pages through the Django test client: the whole request flow,
refusals shown in the form, every action for four parties (manager, the centre's supervisor, another
centre's supervisor, a user without the role), photo upload and the scoped photo view, the FilterSets,
and query counts that do not grow with the page size."""

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from PIL import Image

from inventory import services
from inventory.choices import DefectiveReturnStatus, PartRequestStatus
from inventory.factories import PartFactory, WarehouseFactory
from inventory.models import (
    DefectiveReturn,
    DefectiveReturnPhoto,
    DepositAccount,
    PartRequest,
    PartRequestEvent,
    StockLevel,
)
from network.factories import ServiceCenterFactory, UserFactory
from repairs.choices import WorkOrderStatus
from repairs.factories import WorkOrderFactory

pytestmark = pytest.mark.django_db

PARTIES = ("manager", "own", "other", "nobody")


@pytest.fixture
def shop(users, settings, tmp_path):
    """Centre A (supervised by sup_a) and centre B (sup_b), each with a warehouse and a deposit of 2,000
    yuan at ratio 3 (credit 6,000); the central warehouse holds 100 compressors (300 yuan) and 100 filters
    (20 yuan); compressors must come back when replaced."""
    settings.MEDIA_ROOT = tmp_path / "media"
    manager = users["manager"]
    center_a = users["center"]
    center_b = ServiceCenterFactory(code="SC-B", name="乙网点")
    sup_b = UserFactory(username="sup_b", roles=["supervisor"])
    center_b.supervisors.add(sup_b)
    central = WarehouseFactory(central=True)
    WarehouseFactory(defective=True)
    wh_a = WarehouseFactory(center=center_a)
    WarehouseFactory(center=center_b)
    compressor = PartFactory(
        code="YSJ-001", name="压缩机", unit_cost_amount=Decimal("300.00"), return_required=True
    )
    filter_ = PartFactory(code="LW-002", name="滤网", unit_cost_amount=Decimal("20.00"))
    services.stock_receive(
        warehouse=central,
        lines=[(compressor, 100, "300.00"), (filter_, 100, "20.00")],
        reference="RK-1",
        acting_user=manager,
    )
    for center in (center_a, center_b):
        services.deposit_pay(center=center, amount="2000.00", acting_user=manager)
    return {
        "manager": manager,
        "own": users["supervisor"],
        "other": sup_b,
        "nobody": users["nobody"],
        "center": center_a,
        "center_b": center_b,
        "central": central,
        "wh_a": wh_a,
        "compressor": compressor,
        "filter": filter_,
    }


def _lines(*pairs):
    return {"part": [code for code, _q in pairs], "quantity": [str(q) for _c, q in pairs]}


def _submit(shop, *pairs, **extra):
    return services.part_request_submit(
        center=shop["center"],
        lines=[(shop["compressor"] if code == "YSJ-001" else shop["filter"], q) for code, q in pairs],
        acting_user=shop["own"],
        **extra,
    )


def _level(warehouse, part) -> int:
    level = StockLevel.objects.filter(warehouse=warehouse, part=part).first()
    return level.quantity if level else 0


def _png(name="part.png", size=(64, 48)) -> SimpleUploadedFile:
    buffer = io.BytesIO()
    Image.new("RGB", size, (200, 60, 40)).save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


# The request flow ----------------------------------------------------------------------------------------


def test_a_request_within_the_limits_is_approved_shipped_and_received(client, shop):
    client.force_login(shop["own"])
    response = client.post(
        reverse("inventory:request_new"),
        {**_lines(("YSJ-001", 2), ("LW-002", 3)), "note": "夏季备货"},
    )
    part_request = PartRequest.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("inventory:request_detail", args=[part_request.pk])
    page = client.get(response["Location"])
    assert "自动批准" in page.content.decode()
    assert part_request.status == PartRequestStatus.APPROVED and part_request.auto_approved
    assert part_request.amount == Decimal("660.00") and part_request.note == "夏季备货"

    client.force_login(shop["manager"])
    client.post(reverse("inventory:request_ship", args=[part_request.pk]))
    part_request.refresh_from_db()
    assert part_request.status == PartRequestStatus.SHIPPED
    assert _level(shop["central"], shop["compressor"]) == 98 and _level(shop["central"], shop["filter"]) == 97
    assert DepositAccount.objects.get(center=shop["center"]).credit_used_amount == Decimal("660.00")

    client.force_login(shop["own"])
    response = client.post(reverse("inventory:request_receive", args=[part_request.pk]), follow=True)
    part_request.refresh_from_db()
    assert part_request.status == PartRequestStatus.RECEIVED
    assert _level(shop["wh_a"], shop["compressor"]) == 2 and _level(shop["wh_a"], shop["filter"]) == 3
    assert [e.to_status for e in part_request.events.all()] == [
        "pending",
        "approved",
        "shipped",
        "received",
    ]
    body = response.content.decode()
    assert "已收货" in body or "Received" in body
    assert part_request.number in body


def test_a_request_over_the_limits_waits_for_a_manager_who_sees_why(client, shop):
    client.force_login(shop["own"])
    response = client.post(reverse("inventory:request_new"), _lines(("LW-002", 25)), follow=True)
    part_request = PartRequest.objects.get()
    assert part_request.status == PartRequestStatus.PENDING and not part_request.auto_approved
    assert "25" in part_request.approval_reason
    assert any(part_request.approval_reason in m for m in _messages(response))

    client.force_login(shop["manager"])
    queue = client.get(reverse("inventory:requests")).content.decode()
    assert part_request.number in queue and part_request.approval_reason in queue
    detail = client.get(reverse("inventory:request_detail", args=[part_request.pk]))
    assert detail.context["can_approve"] and not detail.context["can_receive"]
    client.post(reverse("inventory:request_approve", args=[part_request.pk]), {"note": "旺季"})
    part_request.refresh_from_db()
    assert part_request.status == PartRequestStatus.APPROVED
    assert part_request.decided_by == shop["manager"]
    assert part_request.events.last().note == "旺季"


def test_a_request_over_the_credit_is_refused_with_the_numbers_and_keeps_what_was_typed(client, shop):
    # Credit 6,000; 21 compressors are 6,300 yuan.
    client.force_login(shop["own"])
    response = client.post(
        reverse("inventory:request_new"),
        {**_lines(("YSJ-001", 21)), "note": "大单"},
    )
    assert response.status_code == 400
    assert PartRequest.objects.count() == 0
    refusal = " ".join(response.context["form"].non_field_errors())
    for number in ("6000.00", "2000.00", "6300.00", "300.00"):
        assert number in refusal
    body = response.content.decode()
    assert refusal.split("：")[0].split(":")[0] in body
    assert 'value="YSJ-001"' in body and 'value="21"' in body and 'value="大单"' in body


def test_bad_quantities_and_unknown_parts_are_shown_on_their_lines(client, shop):
    client.force_login(shop["own"])
    response = client.post(
        reverse("inventory:request_new"),
        _lines(("YSJ-001", 0), ("LW-002", "1.5"), ("NO-SUCH", 1), ("LW-002", -2)),
    )
    assert response.status_code == 400 and PartRequest.objects.count() == 0
    rows = response.context["form"].rows
    assert [bool(r["error"]) for r in rows[:4]] == [True, True, True, True]
    body = response.content.decode()
    assert "NO-SUCH" in body and 'value="1.5"' in body
    with translation.override("zh-hans"):
        assert rows[0]["error"] == gettext("The quantity must be greater than zero.") == rows[3]["error"]
        assert rows[1]["error"] == gettext("The quantity must be a whole number.")


def test_an_empty_request_and_a_work_order_of_another_centre_are_refused(client, shop):
    client.force_login(shop["own"])
    response = client.post(reverse("inventory:request_new"), _lines(("", ""), ("", "")))
    assert response.status_code == 400 and response.context["form"].non_field_errors()
    theirs = WorkOrderFactory(center=shop["center_b"], status=WorkOrderStatus.DISPATCHED)
    response = client.post(
        reverse("inventory:request_new"), {**_lines(("LW-002", 1)), "work_order": theirs.number}
    )
    assert response.status_code == 400 and "work_order" in response.context["form"].errors
    mine = WorkOrderFactory(center=shop["center"], status=WorkOrderStatus.DISPATCHED)
    response = client.post(
        reverse("inventory:request_new"), {**_lines(("LW-002", 1)), "work_order": mine.number.lower()}
    )
    assert response.status_code == 302
    assert PartRequest.objects.get().work_order == mine


def test_a_supervisor_of_two_centres_picks_one_and_cannot_ask_for_a_centre_not_theirs(client, shop):
    shop["center_b"].supervisors.add(shop["own"])
    client.force_login(shop["own"])
    page = client.get(reverse("inventory:request_new"))
    assert page.context["form"].several_centers and len(page.context["positions"]) == 2
    response = client.post(
        reverse("inventory:request_new"), {**_lines(("LW-002", 1)), "center": shop["center_b"].pk}
    )
    assert response.status_code == 302 and PartRequest.objects.get().center == shop["center_b"]

    client.force_login(shop["other"])
    response = client.post(
        reverse("inventory:request_new"), {**_lines(("LW-002", 1)), "center": shop["center"].pk}
    )
    assert response.status_code == 400 and "center" in response.context["form"].errors
    assert PartRequest.objects.count() == 1


@pytest.mark.parametrize("who", ["manager", "nobody"])
def test_only_a_supervisor_submits_a_request(client, shop, who):
    client.force_login(shop[who])
    assert client.get(reverse("inventory:request_new")).status_code == 403
    response = client.post(
        reverse("inventory:request_new"), {**_lines(("LW-002", 1)), "center": shop["center"].pk}
    )
    assert response.status_code == 403 and PartRequest.objects.count() == 0


# Who may do what on a request ------------------------------------------------------------------------------

# action: (status the request is put in, POST data, {party: expected status code}, status after success)
REQUEST_ACTIONS = {
    "request_approve": (
        PartRequestStatus.PENDING,
        {},
        {"manager": 302, "own": 403, "other": 403, "nobody": 403},
        PartRequestStatus.APPROVED,
    ),
    "request_reject": (
        PartRequestStatus.PENDING,
        {"reason": "本月预算已用完"},
        {"manager": 302, "own": 403, "other": 403, "nobody": 403},
        PartRequestStatus.REJECTED,
    ),
    "request_ship": (
        PartRequestStatus.APPROVED,
        {},
        {"manager": 302, "own": 403, "other": 403, "nobody": 403},
        PartRequestStatus.SHIPPED,
    ),
    "request_receive": (
        PartRequestStatus.SHIPPED,
        {},
        {"manager": 403, "own": 302, "other": 404, "nobody": 403},
        PartRequestStatus.RECEIVED,
    ),
    "request_cancel": (
        PartRequestStatus.APPROVED,
        {},
        {"manager": 403, "own": 302, "other": 404, "nobody": 403},
        PartRequestStatus.CANCELLED,
    ),
}


def _request_in(shop, status) -> PartRequest:
    if status == PartRequestStatus.PENDING:
        return _submit(shop, ("LW-002", 30))
    part_request = _submit(shop, ("LW-002", 2))
    if status == PartRequestStatus.SHIPPED:
        services.part_request_ship(request=part_request, acting_user=shop["manager"])
        part_request.refresh_from_db()
    return part_request


@pytest.mark.parametrize("who", PARTIES)
@pytest.mark.parametrize("action", sorted(REQUEST_ACTIONS))
def test_request_actions_for_each_party(client, shop, action, who):
    start, data, expected, after = REQUEST_ACTIONS[action]
    part_request = _request_in(shop, start)
    events = PartRequestEvent.objects.filter(request=part_request).count()
    central_filters = _level(shop["central"], shop["filter"])
    credit_used = DepositAccount.objects.get(center=shop["center"]).credit_used_amount
    client.force_login(shop[who])

    response = client.post(reverse(f"inventory:{action}", args=[part_request.pk]), data)

    assert response.status_code == expected[who]
    part_request.refresh_from_db()
    if expected[who] == 302:
        assert response["Location"] == reverse("inventory:request_detail", args=[part_request.pk])
        assert part_request.status == after
    else:
        assert part_request.status == start
        assert PartRequestEvent.objects.filter(request=part_request).count() == events
        assert _level(shop["central"], shop["filter"]) == central_filters
        assert _level(shop["wh_a"], shop["filter"]) == 0
        assert DepositAccount.objects.get(center=shop["center"]).credit_used_amount == credit_used


@pytest.mark.parametrize(
    ("who", "expected"), [("manager", 200), ("own", 200), ("other", 404), ("nobody", 403)]
)
def test_request_page_for_each_party(client, shop, who, expected):
    part_request = _submit(shop, ("LW-002", 2))
    client.force_login(shop[who])
    response = client.get(reverse("inventory:request_detail", args=[part_request.pk]))
    assert response.status_code == expected
    if expected == 200:
        body = response.content.decode()
        assert "LW-002" in body and "40.00" in body  # the line and its amount
        assert "6000.00" in body  # the centre's credit limit
    listing = client.get(reverse("inventory:requests"), {"status": "all"})
    if expected == 200:
        assert part_request.number in listing.content.decode()
    elif who == "other":
        assert part_request.number not in listing.content.decode()
    else:
        assert listing.status_code == 403


def test_a_refused_transition_is_shown_as_a_message_and_changes_nothing(client, shop):
    part_request = _submit(shop, ("LW-002", 2))
    services.part_request_ship(request=part_request, acting_user=shop["manager"])
    client.force_login(shop["manager"])
    response = client.post(reverse("inventory:request_ship", args=[part_request.pk]), follow=True)
    assert any(part_request.number in m for m in _messages(response))
    response = client.post(reverse("inventory:request_reject", args=[part_request.pk]), {"reason": "晚了"})
    part_request.refresh_from_db()
    assert part_request.status == PartRequestStatus.SHIPPED and part_request.rejection_reason == ""
    assert _level(shop["central"], shop["filter"]) == 98


def test_a_rejection_needs_a_reason(client, shop):
    part_request = _submit(shop, ("LW-002", 30))
    client.force_login(shop["manager"])
    response = client.post(
        reverse("inventory:request_reject", args=[part_request.pk]), {"reason": " "}, follow=True
    )
    part_request.refresh_from_db()
    assert part_request.status == PartRequestStatus.PENDING
    assert _messages(response)


def test_actions_answer_only_post(client, shop):
    part_request = _submit(shop, ("LW-002", 30))
    client.force_login(shop["manager"])
    assert client.get(reverse("inventory:request_approve", args=[part_request.pk])).status_code == 405
    part_request.refresh_from_db()
    assert part_request.status == PartRequestStatus.PENDING


# Defective-part returns -----------------------------------------------------------------------------------


@pytest.fixture
def tag(shop):
    """One compressor issued at centre A to a work order: one tag owed back."""
    services.stock_receive(
        warehouse=shop["wh_a"],
        lines=[(shop["compressor"], 5, "300.00")],
        reference="RK-A",
        acting_user=shop["manager"],
    )
    order = WorkOrderFactory(center=shop["center"], status=WorkOrderStatus.IN_REPAIR)
    services.part_issue(
        work_order=order,
        part=shop["compressor"],
        quantity=1,
        old_serial="OLD-123",
        serial_number="NEW-456",
        reason="测试",
        acting_user=shop["manager"],
    )
    return DefectiveReturn.objects.get()


def _scrap_requested(shop, tag):
    services.defective_return_request_scrap(
        tag=tag, reason="外壳已烧毁", photos=[_png()], acting_user=shop["own"]
    )
    tag.refresh_from_db()
    return tag


def _shipped(shop, tag):
    services.defective_return_ship(tag=tag, courier="顺丰", tracking_number="SF1", acting_user=shop["own"])
    tag.refresh_from_db()
    return tag


def _received(shop, tag):
    services.defective_return_receive(tag=tag, acting_user=shop["manager"])
    tag.refresh_from_db()
    return tag


RETURN_ACTIONS = {
    "return_ship": (
        None,
        lambda: {"courier": "顺丰速运", "tracking_number": "SF1234567890"},
        {"manager": 403, "own": 302, "other": 404, "nobody": 403},
        DefectiveReturnStatus.SHIPPED,
    ),
    "return_scrap": (
        None,
        lambda: {"scrap_reason": "运输中易碎，现场已拆解", "photos": [_png("a.png"), _png("b.png")]},
        {"manager": 403, "own": 302, "other": 404, "nobody": 403},
        DefectiveReturnStatus.SCRAP_REQUESTED,
    ),
    "return_decide_scrap": (
        _scrap_requested,
        lambda: {"decision": "approve"},
        {"manager": 302, "own": 403, "other": 403, "nobody": 403},
        DefectiveReturnStatus.SCRAPPED,
    ),
    "return_receive": (
        _shipped,
        lambda: {},
        {"manager": 302, "own": 403, "other": 403, "nobody": 403},
        DefectiveReturnStatus.RECEIVED,
    ),
    "return_inspect": (
        _received,
        lambda: {"outcome": "faulty", "inspection_note": ""},
        {"manager": 302, "own": 403, "other": 403, "nobody": 403},
        DefectiveReturnStatus.INSPECTED,
    ),
}


@pytest.mark.parametrize("who", PARTIES)
@pytest.mark.parametrize("action", sorted(RETURN_ACTIONS))
def test_return_actions_for_each_party(client, shop, tag, action, who):
    prepare, data, expected, after = RETURN_ACTIONS[action]
    if prepare:
        tag = prepare(shop, tag)
    before = tag.status
    photos = DefectiveReturnPhoto.objects.count()
    client.force_login(shop[who])

    response = client.post(reverse(f"inventory:{action}", args=[tag.pk]), data())

    assert response.status_code == expected[who]
    tag.refresh_from_db()
    if expected[who] == 302:
        assert response["Location"] == reverse("inventory:return_detail", args=[tag.pk])
        assert tag.status == after
    else:
        assert tag.status == before
        assert DefectiveReturnPhoto.objects.count() == photos
        assert tag.tracking_number in ("", "SF1") and tag.outcome == ""


def test_the_defective_store_receives_the_part_and_the_manager_inspects_it(client, shop, tag):
    _shipped(shop, tag)
    client.force_login(shop["manager"])
    client.post(reverse("inventory:return_receive", args=[tag.pk]))
    assert _level(services.defective_warehouse(), shop["compressor"]) == 1
    response = client.post(
        reverse("inventory:return_inspect", args=[tag.pk]), {"outcome": "not_faulty", "inspection_note": ""}
    )
    assert response.status_code == 400
    assert "inspection_note" in response.context["inspect_form"].errors
    tag.refresh_from_db()
    assert tag.status == DefectiveReturnStatus.RECEIVED
    client.post(
        reverse("inventory:return_inspect", args=[tag.pk]),
        {"outcome": "not_faulty", "inspection_note": "通电测试正常"},
    )
    tag.refresh_from_db()
    assert tag.status == DefectiveReturnStatus.INSPECTED and tag.inspection_note == "通电测试正常"
    page = client.get(reverse("inventory:return_detail", args=[tag.pk])).content.decode()
    assert "通电测试正常" in page and "SF1" in page and "OLD-123" in page and "NEW-456" in page


def test_a_refused_scrapping_reopens_the_tag(client, shop, tag):
    _scrap_requested(shop, tag)
    client.force_login(shop["manager"])
    client.post(
        reverse("inventory:return_decide_scrap", args=[tag.pk]), {"decision": "refuse", "note": "请寄回"}
    )
    tag.refresh_from_db()
    assert tag.status == DefectiveReturnStatus.OPEN and tag.scrap_approved_by is None


def test_shipping_needs_a_tracking_number_and_keeps_the_courier(client, shop, tag):
    client.force_login(shop["own"])
    response = client.post(reverse("inventory:return_ship", args=[tag.pk]), {"courier": "圆通"})
    assert response.status_code == 400
    assert "tracking_number" in response.context["ship_form"].errors
    assert 'value="圆通"' in response.content.decode()
    tag.refresh_from_db()
    assert tag.status == DefectiveReturnStatus.OPEN


def test_scrapping_photos_must_be_images_of_at_most_8_mb(client, shop, tag):
    client.force_login(shop["own"])
    url = reverse("inventory:return_scrap", args=[tag.pk])
    not_an_image = SimpleUploadedFile("part.jpg", b"%PDF-1.4 not a photo", content_type="image/jpeg")
    response = client.post(url, {"scrap_reason": "已烧毁", "photos": [not_an_image]})
    assert response.status_code == 400
    assert "part.jpg" in " ".join(response.context["scrap_form"].errors["photos"])
    assert 'value="已烧毁"' in response.content.decode()

    too_big = SimpleUploadedFile(
        "big.png", b"\x89PNG" + b"\0" * (8 * 1024 * 1024 + 1), content_type="image/png"
    )
    response = client.post(url, {"scrap_reason": "已烧毁", "photos": [too_big]})
    assert response.status_code == 400
    assert "8 MB" in response.content.decode() and "big.png" in response.content.decode()

    response = client.post(url, {"scrap_reason": "已烧毁"})
    assert response.status_code == 400 and "photos" in response.context["scrap_form"].errors

    tag.refresh_from_db()
    assert tag.status == DefectiveReturnStatus.OPEN and tag.scrap_reason == ""
    assert DefectiveReturnPhoto.objects.count() == 0


@pytest.mark.parametrize(
    ("who", "expected"), [("manager", 200), ("own", 200), ("other", 404), ("nobody", 403)]
)
def test_photos_are_served_only_to_those_who_see_the_tag(client, shop, tag, who, expected):
    client.force_login(shop["own"])
    client.post(
        reverse("inventory:return_scrap", args=[tag.pk]),
        {"scrap_reason": "现场拆解", "photos": [_png("one.png"), _png("two.png", (80, 60))]},
    )
    photos = list(DefectiveReturnPhoto.objects.filter(defective_return=tag))
    assert len(photos) == 2

    client.force_login(shop[who])
    response = client.get(reverse("inventory:return_photo", args=[photos[1].pk]))
    assert response.status_code == expected
    if expected == 200:
        assert response["Content-Type"] == "image/png"
        content = b"".join(response.streaming_content)
        assert Image.open(io.BytesIO(content)).size == (80, 60)
    detail = client.get(reverse("inventory:return_detail", args=[tag.pk]))
    assert detail.status_code == expected
    if expected == 200:
        assert reverse("inventory:return_photo", args=[photos[0].pk]) in detail.content.decode()


def test_the_return_list_shows_a_supervisor_their_tags_open_first_and_overdue_marked(client, shop, tag):
    late = DefectiveReturn.objects.create(
        number="JJ-LATE",
        center=shop["center"],
        work_order=tag.work_order,
        part=tag.part,
        issue_movement=tag.issue_movement,
        due_on=timezone.localdate() - dt.timedelta(days=3),
    )
    done = DefectiveReturn.objects.create(
        number="JJ-DONE",
        center=shop["center"],
        work_order=tag.work_order,
        part=tag.part,
        issue_movement=tag.issue_movement,
        due_on=timezone.localdate() - dt.timedelta(days=30),
        status=DefectiveReturnStatus.CANCELLED,
    )
    theirs_order = WorkOrderFactory(center=shop["center_b"], status=WorkOrderStatus.IN_REPAIR)
    theirs = DefectiveReturn.objects.create(
        number="JJ-THEIRS",
        center=shop["center_b"],
        work_order=theirs_order,
        part=tag.part,
        issue_movement=tag.issue_movement,
        due_on=timezone.localdate(),
    )
    client.force_login(shop["own"])
    response = client.get(reverse("inventory:returns"))
    rows = response.context["rows"]
    assert [r.number for r in rows] == [late.number, tag.number, done.number]
    assert rows[0].overdue and not rows[1].overdue and not rows[2].overdue
    assert theirs.number not in response.content.decode()
    assert 'class="overdue"' in response.content.decode()

    client.force_login(shop["manager"])
    everything = [r.number for r in client.get(reverse("inventory:returns")).context["rows"]]
    assert set(everything) == {late.number, tag.number, done.number, theirs.number}


# FilterSets ------------------------------------------------------------------------------------------------


def test_request_filters_status_centre_and_month(client, shop):
    pending = _submit(shop, ("LW-002", 30))
    approved = _submit(shop, ("LW-002", 1))
    rejected = _submit(shop, ("LW-002", 1))
    services.part_request_reject(request=rejected, reason="重复", acting_user=shop["manager"])
    theirs = services.part_request_submit(
        center=shop["center_b"], lines=[(shop["filter"], 1)], acting_user=shop["other"]
    )
    last_year = services.part_request_submit(
        center=shop["center"],
        lines=[(shop["filter"], 1)],
        acting_user=shop["own"],
        now=timezone.now() - dt.timedelta(days=400),
    )
    client.force_login(shop["manager"])

    def numbers(**params):
        return [r.number for r in client.get(reverse("inventory:requests"), params).context["rows"]]

    # The queue: awaiting a manager first, then approved, oldest first.
    assert numbers() == [pending.number, last_year.number, approved.number, theirs.number]
    assert numbers(status="rejected") == [rejected.number]
    assert set(numbers(status="all")) == {p.number for p in PartRequest.objects.all()}
    assert set(numbers(status="all", center=shop["center_b"].pk)) == {theirs.number}
    month = timezone.localtime(last_year.requested_at).strftime("%Y-%m")
    assert numbers(status="all", month=month) == [last_year.number]
    bad = client.get(reverse("inventory:requests"), {"month": "2025-13"})
    assert "month" in bad.context["filterset"].form.errors

    # A supervisor sees every status of their own centre by default, newest first.
    client.force_login(shop["own"])
    mine = numbers()
    assert mine[0] == rejected.number and theirs.number not in mine and len(mine) == 4
    assert numbers(center=shop["center_b"].pk) == mine  # not their centre: the choice is refused


def test_return_filters_status_centre_and_overdue(client, shop, tag):
    late_order = WorkOrderFactory(center=shop["center_b"], status=WorkOrderStatus.IN_REPAIR)
    late = DefectiveReturn.objects.create(
        number="JJ-B-LATE",
        center=shop["center_b"],
        work_order=late_order,
        part=tag.part,
        issue_movement=tag.issue_movement,
        due_on=timezone.localdate() - dt.timedelta(days=1),
    )
    _shipped(shop, tag)
    client.force_login(shop["manager"])

    def numbers(**params):
        return [r.number for r in client.get(reverse("inventory:returns"), params).context["rows"]]

    assert numbers(overdue="on") == [late.number]
    assert numbers(status="shipped") == [tag.number]
    assert numbers(center=shop["center"].pk) == [tag.number]


# Query counts ------------------------------------------------------------------------------------------------


def _count(client, url, **params):
    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url, params)
    assert response.status_code == 200
    return len(ctx.captured_queries), response


def test_the_request_list_query_count_does_not_grow_with_page_size(
    client, shop, django_assert_max_num_queries
):
    services.deposit_pay(center=shop["center"], amount="50000.00", acting_user=shop["manager"])
    for n in range(55):
        pairs = [("LW-002", 1 + n % 3)] + ([("YSJ-001", 1)] if n % 2 else [])
        _submit(shop, *pairs)
    for who in ("manager", "own"):
        client.force_login(shop[who])
        small, response = _count(client, reverse("inventory:requests"), status="all", page_size=20)
        assert len(response.context["rows"]) == 20
        large, response = _count(client, reverse("inventory:requests"), status="all", page_size=50)
        assert len(response.context["rows"]) == 50 and response.context["has_next"]
        assert small == large
        with django_assert_max_num_queries(small):
            client.get(reverse("inventory:requests"), {"status": "all", "page_size": 100})


def test_the_return_list_query_count_does_not_grow_with_page_size(
    client, shop, django_assert_max_num_queries
):
    services.stock_receive(
        warehouse=shop["wh_a"],
        lines=[(shop["compressor"], 60, "300.00")],
        reference="RK",
        acting_user=shop["manager"],
    )
    for _i in range(3):
        order = WorkOrderFactory(center=shop["center"], status=WorkOrderStatus.IN_REPAIR)
        services.part_issue(
            work_order=order, part=shop["compressor"], quantity=20, reason="测试", acting_user=shop["manager"]
        )
    assert DefectiveReturn.objects.count() == 60
    for who in ("manager", "own"):
        client.force_login(shop[who])
        small, response = _count(client, reverse("inventory:returns"), page_size=20)
        assert len(response.context["rows"]) == 20
        large, response = _count(client, reverse("inventory:returns"), page_size=50)
        assert len(response.context["rows"]) == 50
        assert small == large
        with django_assert_max_num_queries(small):
            client.get(reverse("inventory:returns"), {"page_size": 100})
