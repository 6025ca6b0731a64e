"""Today's list, scope and the on-site steps."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from inventory.models import PartRequest
from repairs.choices import WorkOrderStatus as S
from repairs.models import WorkOrderEvent

from .helpers import closing_post, order_for

pytestmark = pytest.mark.django_db


def test_today_lists_my_orders_by_appointment_with_call_and_map_links(client, world):
    now = timezone.now()
    today = timezone.localdate(now)
    noon = timezone.make_aware(dt.datetime.combine(today, dt.time(12, 0)))
    late = order_for(world["tech"], status=S.DISPATCHED, start=noon + dt.timedelta(hours=3))
    early = order_for(world["tech"], status=S.ACCEPTED, start=noon - dt.timedelta(hours=3))
    tomorrow = order_for(world["tech"], status=S.DISPATCHED, start=noon + dt.timedelta(days=1))
    theirs = order_for(world["colleague"], status=S.DISPATCHED, start=noon)
    client.force_login(world["technician"])

    page = client.get(reverse("repairs:my_orders")).content.decode()

    assert page.index(early.number) < page.index(late.number)
    assert tomorrow.number not in page and theirs.number not in page
    assert f'href="tel:{early.call.caller_phone}"' in page
    assert "uri.amap.com/search?keyword=" in page
    page = client.get(reverse("repairs:my_orders") + "?view=tomorrow").content.decode()
    assert tomorrow.number in page and early.number not in page


def test_overdue_lists_open_orders_whose_window_has_passed(client, world):
    past = timezone.now() - dt.timedelta(days=2)
    overdue = order_for(world["tech"], status=S.ACCEPTED, start=past)
    done = order_for(world["tech"], status=S.COMPLETED, start=past)
    client.force_login(world["technician"])

    response = client.get(reverse("repairs:my_orders") + "?view=overdue")

    page = response.content.decode()
    assert overdue.number in page and done.number not in page
    assert response.context["counts"]["overdue"] == 1


def test_a_supervisor_sees_the_centres_orders_with_the_technician(client, world):
    noon = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(12, 0)))
    mine = order_for(world["tech"], status=S.DISPATCHED, start=noon)
    theirs = order_for(world["colleague"], status=S.DISPATCHED, start=noon + dt.timedelta(minutes=10))
    client.force_login(world["supervisor"])
    page = client.get(reverse("repairs:my_orders")).content.decode()
    assert mine.number in page and theirs.number in page and world["colleague"].name in page
    client.force_login(world["other_supervisor"])
    page = client.get(reverse("repairs:my_orders")).content.decode()
    assert mine.number not in page


def test_the_list_runs_the_same_queries_for_3_or_30_orders(client, world, django_assert_max_num_queries):
    today = timezone.localdate()
    start = timezone.make_aware(dt.datetime.combine(today, dt.time(9, 0)))
    for i in range(3):
        order_for(world["tech"], status=S.DISPATCHED, start=start + dt.timedelta(minutes=i))
    client.force_login(world["technician"])
    with django_assert_max_num_queries(12) as few:
        assert client.get(reverse("repairs:my_orders")).status_code == 200
    for i in range(27):
        order_for(world["tech"], status=S.DISPATCHED, start=start + dt.timedelta(minutes=10 + i))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("repairs:my_orders"))
    assert len(response.context["orders"]) == 30


def test_a_long_list_comes_in_pages_of_50_in_appointment_order(client, world):
    start = timezone.make_aware(dt.datetime.combine(timezone.localdate(), dt.time(8, 0)))
    orders = [
        order_for(world["tech"], status=S.DISPATCHED, start=start + dt.timedelta(minutes=i))
        for i in range(55)
    ]
    client.force_login(world["technician"])
    first = client.get(reverse("repairs:my_orders"))
    assert [o.pk for o in first.context["orders"]] == [o.pk for o in orders[:50]]
    assert first.context["counts"]["today"] == 55
    assert "page=2" in first.content.decode()
    second = client.get(reverse("repairs:my_orders"), {"page": "2"})
    assert [o.pk for o in second.context["orders"]] == [o.pk for o in orders[50:]]
    assert second.context["next_page"] is None
    assert client.get(reverse("repairs:my_orders"), {"page": "-1"}).context["page"] == 1


def test_another_technicians_order_answers_404_and_nothing_changes(client, world):
    theirs = order_for(world["colleague"], status=S.DISPATCHED)
    client.force_login(world["technician"])
    assert client.get(reverse("repairs:tablet_order", args=[theirs.pk])).status_code == 404
    assert (
        client.post(reverse("repairs:tablet_step", args=[theirs.pk]), {"to": S.ACCEPTED}).status_code == 404
    )
    assert (
        client.post(reverse("repairs:tablet_close", args=[theirs.pk]), closing_post(theirs)).status_code
        == 404
    )
    theirs.refresh_from_db()
    assert theirs.status == S.DISPATCHED
    client.force_login(world["other_supervisor"])
    assert client.get(reverse("repairs:tablet_order", args=[theirs.pk])).status_code == 404
    client.force_login(world["dispatcher"])  # no tablet role
    assert client.get(reverse("repairs:tablet_order", args=[theirs.pk])).status_code == 403


def test_the_centres_supervisor_may_act_on_a_technicians_order(client, world):
    order = order_for(world["tech"], status=S.DISPATCHED)
    client.force_login(world["supervisor"])
    client.post(reverse("repairs:tablet_step", args=[order.pk]), {"to": S.ACCEPTED})
    order.refresh_from_db()
    assert order.status == S.ACCEPTED


def test_accept_set_off_arrive_and_start_each_record_their_time(client, world):
    order = order_for(world["tech"], status=S.DISPATCHED)
    client.force_login(world["technician"])
    for step in (S.ACCEPTED, S.EN_ROUTE, S.ON_SITE, S.IN_REPAIR):
        page = client.get(reverse("repairs:tablet_order", args=[order.pk])).content.decode()
        assert f'value="{step}"' in page  # the one button that fits the status
        client.post(reverse("repairs:tablet_step", args=[order.pk]), {"to": step})
    order.refresh_from_db()
    assert order.status == S.IN_REPAIR
    assert order.accepted_at <= order.en_route_at <= order.arrived_at <= order.repair_started_at
    assert list(WorkOrderEvent.objects.filter(work_order=order).values_list("to_status", flat=True)) == [
        S.ACCEPTED,
        S.EN_ROUTE,
        S.ON_SITE,
        S.IN_REPAIR,
    ]


def test_calling_the_customer_records_the_first_contact_once(client, world):
    order = order_for(world["tech"], status=S.DISPATCHED)
    client.force_login(world["colleague"].user)
    assert client.post(reverse("repairs:tablet_contact", args=[order.pk])).status_code == 404
    client.force_login(world["technician"])
    assert (
        "已联系客户（确认预约）"
        in client.get(reverse("repairs:tablet_order", args=[order.pk])).content.decode()
    )
    client.post(reverse("repairs:tablet_contact", args=[order.pk]))
    order.refresh_from_db()
    first = order.first_contact_at
    assert first is not None
    assert (
        "已联系客户（确认预约）"
        not in client.get(reverse("repairs:tablet_order", args=[order.pk])).content.decode()
    )
    client.post(reverse("repairs:tablet_contact", args=[order.pk]))
    order.refresh_from_db()
    assert order.first_contact_at == first
    assert WorkOrderEvent.objects.filter(work_order=order, note="已联系客户").count() == 2


def test_a_step_that_no_longer_fits_is_refused_without_change(client, world):
    order = order_for(world["tech"], status=S.ON_SITE)
    client.force_login(world["technician"])
    response = client.post(reverse("repairs:tablet_step", args=[order.pk]), {"to": S.ACCEPTED}, follow=True)
    order.refresh_from_db()
    assert order.status == S.ON_SITE
    assert "不再符合" in response.content.decode()


def test_late_warning_before_arrival_says_what_to_do(client, world):
    order = order_for(world["tech"], status=S.EN_ROUTE, start=timezone.now() - dt.timedelta(minutes=20))
    client.force_login(world["technician"])
    page = client.get(reverse("repairs:tablet_order", args=[order.pk])).content.decode()
    assert "迟到 20 分钟" in page or "迟到 19 分钟" in page
    assert "经理" in page  # over 15 minutes: the manager visits when the customer refuses
    on_time = order_for(world["tech"], status=S.EN_ROUTE, start=timezone.now() + dt.timedelta(hours=2))
    page = client.get(reverse("repairs:tablet_order", args=[on_time.pk])).content.decode()
    assert "t-late" not in page


def test_need_parts_raises_a_part_request_and_the_order_waits(client, world):
    order = order_for(world["tech"], status=S.IN_REPAIR)
    client.force_login(world["technician"])
    response = client.post(
        reverse("repairs:tablet_need_parts", args=[order.pk]),
        {"part": [world["compressor"].pk, ""], "quantity": ["1", "1"], "note": "压缩机卡缸"},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == S.WAITING_FOR_PARTS
    request = PartRequest.objects.get(work_order=order)
    assert request.center_id == order.center_id and request.lines.get().quantity == 1


def test_need_parts_with_a_bad_quantity_changes_nothing(client, world):
    order = order_for(world["tech"], status=S.IN_REPAIR)
    client.force_login(world["technician"])
    response = client.post(
        reverse("repairs:tablet_need_parts", args=[order.pk]),
        {"part": [world["compressor"].pk], "quantity": ["0"]},
    )
    assert "1 到 1000" in response.content.decode()
    order.refresh_from_db()
    assert order.status == S.IN_REPAIR and not PartRequest.objects.exists()


def test_convert_to_carry_in_issues_the_receipt(client, world):
    order = order_for(world["tech"], status=S.ON_SITE)
    client.force_login(world["technician"])
    response = client.post(
        reverse("repairs:tablet_carry_in", args=[order.pk]),
        {"condition_note": "外观完好，带遥控器"},
        follow=True,
    )
    order.refresh_from_db()
    assert order.mode == "carry_in" and order.carry_in.condition_note == "外观完好，带遥控器"
    assert order.carry_in.receipt_number in response.content.decode()
