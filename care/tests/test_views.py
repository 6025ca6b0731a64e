"""The care pages through the test client: who may see and do what (a centre's supervisor, another
centre's supervisor, a technician), the callback and complaint forms with their Chinese refusals that keep
what was typed, the bell, and lists whose query count does not grow with their length."""

import pytest
from django.urls import reverse

from care import services
from care.models import Callback, CallbackAttempt, Complaint, Notification
from network.factories import ServiceCenterFactory, UserFactory
from repairs.choices import WorkOrderStatus as S

from .helpers import at, dispatched, make_world, move

pytestmark = pytest.mark.django_db


@pytest.fixture
def world():
    world = make_world()
    other = ServiceCenterFactory(code="SC-OTHER", name="别的网点")
    world["other_supervisor"] = UserFactory(username="other_sup", roles=["supervisor"])
    other.supervisors.add(world["other_supervisor"])
    return world


def completed(world):
    order = dispatched(world)
    tech = world["technician"].user
    move(order, S.ACCEPTED, tech, at(2026, 11, 23, 10, 30))
    move(order, S.IN_REPAIR, tech, at(2026, 11, 23, 11, 0))
    move(order, S.COMPLETED, tech, at(2026, 11, 23, 15, 0))
    return Callback.objects.get(work_order=order)


def test_the_queue_shows_due_callbacks_to_the_centre_and_the_clerks_only(client, world):
    callback = completed(world)  # due Tuesday 10:00, long past by now: overdue
    for user, visible in (
        (world["dispatcher"], True),
        (world["supervisor"], True),
        (world["other_supervisor"], False),
    ):
        client.force_login(user)
        html = client.get(reverse("care:callbacks"), {"view": "overdue"}).content.decode()
        assert (callback.call.number in html) is visible, user
    client.force_login(world["other_supervisor"])
    assert client.get(reverse("care:callback_detail", args=[callback.pk])).status_code == 404
    client.force_login(world["technician"].user)
    assert client.get(reverse("care:callbacks")).status_code == 403


def test_a_supervisor_sees_but_may_not_record_a_callback(client, world):
    callback = completed(world)
    client.force_login(world["supervisor"])
    response = client.post(reverse("care:callback_attempt", args=[callback.pk]), {"outcome": "no_answer"})
    assert response.status_code == 403
    assert not CallbackAttempt.objects.exists()


def test_recording_a_reached_callback_without_a_score_is_refused_in_chinese_and_keeps_the_words(
    client, world
):
    callback = completed(world)
    client.force_login(world["dispatcher"])
    response = client.post(
        reverse("care:callback_attempt", args=[callback.pk]),
        {"outcome": "reached", "solved": "yes", "customer_words": "师傅很专业"},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "满意度请打 1 到 5 分。" in html and "师傅很专业" in html
    assert not CallbackAttempt.objects.exists()


def test_a_clerk_calls_reviews_and_closes_through_the_pages(client, world):
    callback = completed(world)
    client.force_login(world["dispatcher"])
    response = client.post(
        reverse("care:callback_attempt", args=[callback.pk]),
        {"outcome": "reached", "satisfaction": "5", "solved": "yes", "customer_words": "很好"},
    )
    assert response.status_code == 302
    page = client.get(reverse("care:callback_detail", args=[callback.pk])).content.decode()
    assert "回访已记录，请在下方审核。" in page and "完成回访" in page
    response = client.post(reverse("care:callback_review", args=[callback.pk]), {"review": "close"})
    assert response.status_code == 302
    callback.refresh_from_db()
    assert callback.status == "done" and callback.work_order.status == S.CLOSED


def test_registering_a_complaint_from_the_call(client, world):
    order = dispatched(world)
    client.force_login(world["dispatcher"])
    page = client.get(reverse("care:complaint_new"), {"call": order.call_id}).content.decode()
    assert order.number in page and world["technician"].name in page
    response = client.post(
        reverse("care:complaint_new"),
        {
            "call": order.call_id,
            "work_order": order.pk,
            "technician": world["technician"].pk,
            "category": "",
            "description": "迟到",
        },
    )
    assert response.status_code == 400 and "请选择投诉类别。" in response.content.decode()
    assert "迟到" in response.content.decode() and not Complaint.objects.exists()
    response = client.post(
        reverse("care:complaint_new"),
        {
            "call": order.call_id,
            "work_order": order.pk,
            "technician": world["technician"].pk,
            "category": "late",
            "description": "迟到",
        },
    )
    complaint = Complaint.objects.get()
    assert response["Location"] == reverse("care:complaint_detail", args=[complaint.pk])
    assert complaint.technician == world["technician"] and complaint.center == world["center"]


def test_an_unknown_call_number_is_said_in_chinese(client, world):
    client.force_login(world["dispatcher"])
    html = client.get(reverse("care:complaint_new"), {"call_number": "BX20990101-00001"}).content.decode()
    assert "没有单号为 BX20990101-00001 的叫修。" in html


def test_only_a_manager_resolves_and_the_staff_page_shows_the_step(client, world):
    order = dispatched(world)
    complaints = [
        services.complaint_register(
            data=services.ComplaintInput(
                call=order.call,
                work_order=order,
                technician=world["technician"],
                category="attitude",
                description=f"第{i}次",
            ),
            acting_user=world["dispatcher"],
        )
        for i in range(2)
    ]
    client.force_login(world["supervisor"])
    assert (
        client.post(
            reverse("care:complaint_resolve", args=[complaints[0].pk]), {"resolution": "x", "upheld": "yes"}
        ).status_code
        == 403
    )
    client.force_login(world["manager"])
    for complaint in complaints:
        response = client.post(
            reverse("care:complaint_resolve", args=[complaint.pk]), {"resolution": "属实", "upheld": "yes"}
        )
        assert response.status_code == 302
    html = client.get(reverse("care:complaint_staff")).content.decode()
    assert world["technician"].name in html and "处罚" in html  # two upheld: the second step
    client.force_login(world["other_supervisor"])
    assert world["technician"].name not in client.get(reverse("care:complaint_staff")).content.decode()
    assert client.get(reverse("care:complaint_detail", args=[complaints[0].pk])).status_code == 404


def test_the_bell_counts_unread_notifications_and_reading_clears_it(client, world):
    dispatched(world)
    services.sla_scan(now=at(2026, 11, 23, 12, 1))  # accept breached: the technician is told
    tech = world["technician"].user
    client.force_login(tech)
    html = client.get(reverse("care:notifications")).content.decode()
    assert 'class="bell has-unread"' in html and '<span class="count">1</span>' in html
    client.post(reverse("care:notifications_read"))
    assert Notification.objects.filter(user=tech, read_at__isnull=True).count() == 0
    assert "has-unread" not in client.get(reverse("care:notifications")).content.decode()


def test_breaches_now_are_scoped_to_the_centre(client, world):
    order = dispatched(world)
    services.sla_scan(now=at(2026, 11, 23, 12, 1))
    client.force_login(world["supervisor"])
    assert order.number in client.get(reverse("care:breaches")).content.decode()
    client.force_login(world["other_supervisor"])
    assert order.number not in client.get(reverse("care:breaches")).content.decode()


@pytest.mark.parametrize("url_name", ["care:callbacks", "care:complaints", "care:breaches"])
def test_lists_run_the_same_queries_for_few_or_many_rows(
    client, world, url_name, django_assert_max_num_queries
):
    def add(n):
        for _ in range(n):
            order = dispatched(world)
            callback = completed(world)
            services.complaint_register(
                data=services.ComplaintInput(
                    call=order.call, work_order=order, category="late", description="迟到"
                ),
                acting_user=world["dispatcher"],
            )
            assert callback
        services.sla_scan(now=at(2026, 11, 23, 12, 30))

    params = {"view": "overdue"} if url_name == "care:callbacks" else {}
    add(1)
    client.force_login(world["manager"])
    with django_assert_max_num_queries(30) as few:
        assert client.get(reverse(url_name), params).status_code == 200
    add(6)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse(url_name), params).status_code == 200


def test_the_staff_page_shows_each_technicians_satisfaction(client, world):
    from django.utils import timezone

    callback = completed(world)
    services.callback_record_attempt(
        callback=callback,
        outcome="reached",
        satisfaction=2,
        solved=False,
        acting_user=world["dispatcher"],
        now=timezone.now(),
    )
    client.force_login(world["manager"])
    html = client.get(reverse("care:complaint_staff")).content.decode()
    assert world["technician"].name in html and "2.00" in html


def test_the_complaints_list_filters_by_the_day_resolved_as_the_dashboard_links_it(client, world):
    order = dispatched(world)
    for day in (10, 20):
        complaint = services.complaint_register(
            data=services.ComplaintInput(
                call=order.call, work_order=order, category="late", description=f"{day}日"
            ),
            acting_user=world["dispatcher"],
            now=at(2026, 11, day - 1, 9, 0),
        )
        services.complaint_resolve(
            complaint=complaint,
            resolution="属实",
            upheld=True,
            acting_user=world["manager"],
            now=at(2026, 11, day, 0, 30),
        )
    client.force_login(world["manager"])
    rows = client.get(reverse("care:complaints"), {"upheld": "1", "resolved_from": "2026-11-20"}).context[
        "rows"
    ]
    assert [c.description for c in rows] == ["20日"]  # 20 November 00:30 counts from that day's start
    assert len(client.get(reverse("care:complaints"), {"resolved_from": "2026-02-30"}).context["rows"]) == 2
