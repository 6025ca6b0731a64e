"""Defective-part returns, the FilterSets and the query counts."""

import datetime as dt
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from inventory import services
from inventory.choices import DefectiveReturnStatus
from inventory.models import (
    DefectiveReturn,
    DefectiveReturnPhoto,
    PartRequest,
)
from repairs.choices import WorkOrderStatus
from repairs.factories import WorkOrderFactory

from .helpers import PARTIES, RETURN_ACTIONS, _count, _level, _png, _scrap_requested, _shipped, _submit

pytestmark = pytest.mark.django_db


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
