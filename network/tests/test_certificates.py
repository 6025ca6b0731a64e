"""上岗证 on the real PostgreSQL: dispatch, re-dispatch and the dispatcher's suggestions take only a technician
holding a certificate for the category in force on the visit's day; the daily job hands a centre a task 30
days before a certificate expires, once; a certificate expiring before it is issued is refused in Chinese; a
centre's task is marked done by its supervisor or a manager only; the certificates' list is scoped and
survives hostile query values."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from network.certificates import certificate_expiry_tasks, certificate_issue, certificate_revoke, certified_on
from network.choices import CenterTaskKind, CertificateKind
from network.factories import (
    DistrictFactory,
    ServiceCenterFactory,
    TechnicianFactory,
    UserFactory,
    authorise,
    certify,
)
from network.models import CenterTask, Certificate
from network.tasks import certificate_expiry_tasks_daily
from repairs import selectors, services
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory
from repairs.field import work_order_redispatch
from repairs.models import ProductCategory, Redispatch, WorkOrder, WorkOrderEvent

pytestmark = pytest.mark.django_db

HOSTILE = ["²", "abc", "-1", "1e999999", "%00", "9999-12-31", "0", "9" * 30]


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def world(users):
    """A call on an air conditioner in a district centre A (the `users` fixture's) covers; 钱工 of centre A is
    skilled in air conditioners but holds no certificate yet; 孙工 of centre A holds one for ever."""
    air_conditioner = ProductCategory.objects.get(code="air_conditioner")
    district = DistrictFactory()
    center = users["center"]
    qian = TechnicianFactory(center=center, name="钱工")
    qian.categories.add(air_conditioner)
    sun = TechnicianFactory(center=center, name="孙工")
    authorise(sun, air_conditioner, district)
    order = WorkOrderFactory(
        status=S.NEW, call__service_region=district, call__unit__model__category=air_conditioner
    )
    return {
        **users,
        "category": air_conditioner,
        "district": district,
        "qian": qian,
        "sun": sun,
        "order": order,
        "day": timezone.localdate() + dt.timedelta(days=3),
    }


def _dispatch(world, technician):
    return services.work_order_dispatch(
        work_order=world["order"],
        center=world["center"],
        technician=technician,
        appointment_start=_at(world["day"], 10),
        appointment_end=_at(world["day"], 12),
        acting_user=world["dispatcher"],
        notify_customer=False,
    )


def _assert_nothing_changed(world):
    order = WorkOrder.objects.get(pk=world["order"].pk)
    assert order.status == S.NEW and order.center_id is None and order.technician_id is None
    assert not WorkOrderEvent.objects.filter(work_order=order, to_status=S.DISPATCHED).exists()


@pytest.mark.parametrize(
    "dates",
    [
        None,  # none at all
        (-800, -1),  # expired the day before the visit
        (1, 400),  # issued the day after the visit
        "revoked",
    ],
    ids=["none", "expired", "not-yet-valid", "revoked"],
)
def test_dispatch_without_a_certificate_in_force_on_the_visits_day_is_refused_and_nothing_changes(
    world, dates
):
    day = world["day"]
    if dates == "revoked":
        certificate = certify(world["qian"], world["category"])
        certificate_revoke(certificate=certificate, acting_user=world["manager"])
    elif dates:
        certify(
            world["qian"],
            world["category"],
            issued_on=day + dt.timedelta(days=dates[0]),
            expires_on=day + dt.timedelta(days=dates[1]),
        )
    with pytest.raises(ValidationError) as caught:
        _dispatch(world, world["qian"])
    assert caught.value.message_dict["technician"] == [f"钱工 没有 空调 的有效上岗证（{day.isoformat()}）。"]
    _assert_nothing_changed(world)


def test_dispatch_is_accepted_with_a_certificate_in_force_on_the_appointments_day_only(world):
    day = world["day"]
    # Issued on the visit's day and expiring on it: both days included, not yet in force today.
    certify(world["qian"], world["category"], issued_on=day, expires_on=day + dt.timedelta(days=1))
    assert not certified_on(technician=world["qian"], category=world["category"], day=timezone.localdate())
    order = _dispatch(world, world["qian"])
    assert order.status == S.DISPATCHED and order.technician_id == world["qian"].pk


def test_redispatch_to_a_colleague_without_a_certificate_is_refused_then_accepted_once_certified(world):
    order = _dispatch(world, world["sun"])

    def redispatch():
        return work_order_redispatch(
            work_order=order,
            center=world["center"],
            technician=world["qian"],
            reason="孙工请假",
            acting_user=world["supervisor"],
        )

    with pytest.raises(ValidationError) as caught:
        redispatch()
    assert "钱工 没有 空调 的有效上岗证（" in caught.value.message_dict["technician"][0]
    assert WorkOrder.objects.get(pk=order.pk).technician_id == world["sun"].pk
    assert not Redispatch.objects.exists()

    certify(world["qian"], world["category"])
    redispatch()
    assert WorkOrder.objects.get(pk=order.pk).technician_id == world["qian"].pk


def test_suggestions_leave_the_uncertified_out_in_a_fixed_number_of_queries(
    world, django_assert_max_num_queries
):
    unit, district, day = world["order"].call.unit, world["district"], world["day"]
    # Centre B covers the district too, with a skilled technician whose certificate expired.
    other = ServiceCenterFactory(code="SC-B")
    lapsed = TechnicianFactory(center=other, name="周工")
    authorise(lapsed, world["category"], district)
    Certificate.objects.filter(holder=lapsed.user).update(
        issued_on=day - dt.timedelta(days=800), expires_on=day - dt.timedelta(days=1)
    )
    world["center"].coverage.add(district)
    world["center"].categories.add(world["category"])
    with CaptureQueriesContext(connection) as few:
        suggestions = selectors.dispatch_suggestions(unit=unit, region=district, day=day)
    assert [s["center"].code for s in suggestions] == ["SC-A"]
    assert [t.name for t in suggestions[0]["technicians"]] == ["孙工"]  # not 钱工 (no certificate)
    # More technicians, certified and not: the same number of queries.
    for n in range(4):
        extra = TechnicianFactory(center=world["center"], name=f"新工{n}")
        extra.categories.add(world["category"])
        if n % 2:
            certify(extra, world["category"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        suggestions = selectors.dispatch_suggestions(unit=unit, region=district, day=day)
    assert sorted(t.name for t in suggestions[0]["technicians"]) == ["孙工", "新工1", "新工3"]


def test_the_daily_job_hands_the_centre_a_task_30_days_before_expiry_once(world):
    today = dt.date(2026, 11, 5)
    qian, category = world["qian"], world["category"]
    soon = certify(qian, category, issued_on=dt.date(2024, 12, 5), expires_on=dt.date(2026, 12, 5))
    later = TechnicianFactory(center=world["center"], name="李工")
    certify(later, category, issued_on=dt.date(2025, 1, 1), expires_on=dt.date(2026, 12, 6))  # 31 days
    revoked = TechnicianFactory(center=world["center"], name="赵工")
    revoked_cert = certify(revoked, category, issued_on=dt.date(2025, 1, 1), expires_on=dt.date(2026, 11, 20))
    revoked_cert.revoked_at = timezone.now()
    revoked_cert.save()
    renewed = TechnicianFactory(center=world["center"], name="吴工")
    certify(renewed, category, issued_on=dt.date(2024, 11, 20), expires_on=dt.date(2026, 11, 20))
    certify(renewed, category, issued_on=dt.date(2026, 11, 1), expires_on=dt.date(2028, 10, 31))
    gone = TechnicianFactory(center=world["center"], name="郑工", active=False)
    certify(gone, category, issued_on=dt.date(2025, 1, 1), expires_on=dt.date(2026, 11, 10))

    assert certificate_expiry_tasks(today=today) == 1
    assert (
        certificate_expiry_tasks_daily(day=today.isoformat()) == 0
    )  # the Celery task: run again, nothing new
    task = CenterTask.objects.get()
    assert task.kind == CenterTaskKind.CERTIFICATE_EXPIRY and task.subject_key == f"certificate:{soon.pk}"
    assert task.center == world["center"] and task.due_on == dt.date(2026, 12, 5)
    assert "钱工" in task.title and soon.number in task.title and "2026-12-05" in task.title
    assert task.link.startswith(reverse("office:certificate_list"))
    # The next day, 李工's comes within the 30 days.
    assert certificate_expiry_tasks(today=today + dt.timedelta(days=1)) == 1


def test_a_certificate_expiring_before_it_is_issued_is_refused_in_chinese_and_nothing_is_written(world):
    issue = {
        "holder": world["qian"].user,
        "kind": CertificateKind.TECHNICIAN,
        "category": world["category"],
        "issued_by": "厂家售后服务部",
        "acting_user": world["manager"],
    }
    with pytest.raises(ValidationError) as caught:
        certificate_issue(**issue, issued_on=dt.date(2026, 12, 5), expires_on=dt.date(2026, 12, 4))
    assert caught.value.message_dict == {"expires_on": ["上岗证的到期日不能早于或等于发证日。"]}
    with pytest.raises(ValidationError) as caught:
        certificate_issue(
            **{**issue, "category": None, "issued_by": " "}, issued_on="²", expires_on="9999-99-99"
        )
    assert caught.value.message_dict == {
        "category": ["服务工程师的上岗证须注明产品品类。"],
        "issued_on": ["请按 YYYY-MM-DD 填写日期，例如 2026-10-01。"],
        "expires_on": ["请按 YYYY-MM-DD 填写日期，例如 2026-10-01。"],
        "issued_by": ["请填写发证单位。"],
    }
    with pytest.raises(ValidationError) as caught:
        certificate_issue(
            **{**issue, "acting_user": world["supervisor"]},
            issued_on=dt.date(2026, 1, 1),
            expires_on=dt.date(2028, 1, 1),
        )
    assert caught.value.messages == ["只有经理可以颁发上岗证。"]
    assert not Certificate.objects.filter(holder=world["qian"].user).exists()

    made = certificate_issue(**issue, issued_on=dt.date(2026, 1, 1), expires_on="2027-12-31")
    assert made.number.startswith("SG") and made.expires_on == dt.date(2027, 12, 31)
    assert certified_on(technician=world["qian"], category=world["category"], day=dt.date(2027, 12, 31))


def test_a_centres_task_is_done_by_its_supervisor_not_by_another_centre_or_a_technician(world, client):
    task = CenterTask.objects.create(
        center=world["center"],
        kind=CenterTaskKind.CERTIFICATE_EXPIRY,
        subject_key="certificate:x",
        title="钱工 的上岗证将到期",
        due_on=timezone.localdate() + dt.timedelta(days=10),
    )
    url = reverse("office:center_task_done", args=[task.pk])
    other_supervisor = UserFactory(username="sup_b", roles=["supervisor"])
    ServiceCenterFactory(code="SC-B").supervisors.add(other_supervisor)
    for intruder, status in ((other_supervisor, 404), (world["technician"], 403), (world["dispatcher"], 403)):
        client.force_login(intruder)
        assert client.post(url).status_code == status
        assert CenterTask.objects.get(pk=task.pk).done_at is None

    # The supervisor sees it on their home page with its button, and marks it done.
    client.force_login(world["supervisor"])
    page = client.get(reverse("office:my_center")).content.decode()
    assert "钱工 的上岗证将到期" in page and f'action="{url}"' in page
    response = client.post(url)
    assert response.status_code == 302 and response["Location"] == reverse("office:my_center")
    task.refresh_from_db()
    assert task.done_at is not None and task.done_by == world["supervisor"]
    page = client.get(reverse("office:my_center")).content.decode()
    assert "任务已完成：钱工 的上岗证将到期" in page and f'data-task="{task.pk}"' not in page
    assert client.post(url).status_code == 302  # again: told it is done, nothing changes
    assert CenterTask.objects.get(pk=task.pk).done_by == world["supervisor"]


def test_certificates_list_is_scoped_and_survives_hostile_values(
    world, client, django_assert_max_num_queries
):
    certify(world["qian"], world["category"], issued_on=dt.date(2025, 1, 1), expires_on=dt.date(2099, 1, 1))
    stranger = TechnicianFactory(center=ServiceCenterFactory(code="SC-B"), name="外网点工")
    certify(stranger, world["category"])
    url = reverse("office:certificate_list")

    client.force_login(world["supervisor"])
    page = client.get(url).content.decode()
    assert "钱工" in page and "孙工" in page and "外网点工" not in page
    client.force_login(world["technician"])
    assert client.get(url).status_code == 403

    client.force_login(world["dispatcher"])
    with CaptureQueriesContext(connection) as few:
        page = client.get(url).content.decode()
    assert "外网点工" in page
    for _ in range(6):
        certify(TechnicianFactory(center=world["center"]), world["category"])
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url, {"page_size": 100}).status_code == 200
    for param in ("state", "kind", "category", "center", "q", "page", "page_size"):
        for value in HOSTILE:
            response = client.get(url, {param: value})
            assert response.status_code == 200, (param, value)
        assert client.get(url, {param: "\x00"}).status_code < 500  # the site answers a raw NUL with 400
    assert "钱工" in client.get(url, {"q": "钱工", "state": "all"}).content.decode()
