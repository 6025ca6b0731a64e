"""Dispatch stays inside the centre's agreement: the districts it serves and the product categories it is
authorised for. Outside it, dispatch is refused with a message saying what is not covered, unless a manager
gives a reason — kept as a record and in the order's history. The suggestion offers covering centres only;
the call page's dispatch form offers the right day and the chosen centre's technicians."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from network.factories import DistrictFactory, ServiceCenterFactory, TechnicianFactory, UserFactory, authorise
from repairs import selectors, services
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory
from repairs.models import DispatchOverride, ProductCategory, WorkOrder, WorkOrderEvent

pytestmark = pytest.mark.django_db


def _tomorrow(hour: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


@pytest.fixture
def world():
    """A call on an air conditioner in 梁溪区 (无锡); a centre that covers it; the Guangzhou centre that does
    not (another city), and a 无锡 centre authorised for refrigerators only."""
    air_conditioner = ProductCategory.objects.get(code="air_conditioner")
    fridge = ProductCategory.objects.get(code="refrigerator")
    liangxi = DistrictFactory(name="梁溪区", parent__name="无锡市", parent__parent__name="江苏省")
    tianhe = DistrictFactory(name="天河区", parent__name="广州市", parent__parent__name="广东省")
    order = WorkOrderFactory(
        status=S.NEW, call__service_region=liangxi, call__unit__model__category=air_conditioner
    )
    wuxi = ServiceCenterFactory(code="JS-WX-01", name="无锡梁溪服务中心", region=liangxi)
    guangzhou = ServiceCenterFactory(code="GD-GZ-01", name="广州天河服务中心", region=tianhe)
    fridges_only = ServiceCenterFactory(code="JS-WX-02", name="无锡冰箱服务站", region=liangxi)
    wuxi_tech = TechnicianFactory(center=wuxi, name="钱工")
    gz_tech = TechnicianFactory(center=guangzhou, name="秦工")
    fridge_tech = TechnicianFactory(center=fridges_only, name="孙工")
    authorise(wuxi_tech, air_conditioner, liangxi)
    authorise(gz_tech, air_conditioner, tianhe)
    authorise(fridge_tech, fridge, liangxi)
    fridge_tech.categories.add(air_conditioner)  # certified, but the centre's agreement is for fridges
    return {
        "order": order,
        "wuxi": wuxi,
        "guangzhou": guangzhou,
        "fridges_only": fridges_only,
        "wuxi_tech": wuxi_tech,
        "gz_tech": gz_tech,
        "dispatcher": UserFactory(username="disp", first_name="王调度", roles=["dispatcher"]),
        "manager": UserFactory(username="boss", first_name="赵经理", roles=["manager"]),
    }


def _dispatch(world, center, user, **extra):
    return services.work_order_dispatch(
        work_order=world["order"],
        center=center,
        technician=extra.pop("technician", None),
        appointment_start=_tomorrow(10),
        appointment_end=_tomorrow(12),
        acting_user=user,
        **extra,
    )


def test_a_centre_outside_the_district_is_refused_saying_so_and_nothing_changes(world):
    with pytest.raises(ValidationError) as caught:
        _dispatch(world, world["guangzhou"], world["dispatcher"], technician=world["gz_tech"])
    message = caught.value.message_dict["center"][0]
    assert "广州天河服务中心" in message and "江苏省无锡市梁溪区" in message
    order = WorkOrder.objects.get(pk=world["order"].pk)
    assert order.status == S.NEW and order.center_id is None
    assert not DispatchOverride.objects.exists()


def test_a_centre_not_authorised_for_the_category_is_refused(world):
    with pytest.raises(ValidationError) as caught:
        _dispatch(world, world["fridges_only"], world["dispatcher"])
    message = caught.value.message_dict["center"][0]
    assert "空调" in message and "梁溪区" not in message  # the district is covered


def test_a_dispatcher_cannot_override_even_with_a_reason(world):
    with pytest.raises(ValidationError) as caught:
        _dispatch(world, world["guangzhou"], world["dispatcher"], override_reason="客户坚持")
    assert caught.value.message_dict["override_reason"]
    assert WorkOrder.objects.get(pk=world["order"].pk).status == S.NEW


def test_a_manager_overrides_with_a_reason_and_it_is_recorded(world):
    order = _dispatch(
        world,
        world["guangzhou"],
        world["manager"],
        technician=world["gz_tech"],
        override_reason="无锡网点本周停业装修",
    )
    assert order.status == S.DISPATCHED and order.center == world["guangzhou"]
    record = DispatchOverride.objects.get(work_order=order)
    assert record.by == world["manager"] and record.reason == "无锡网点本周停业装修"
    assert record.center == world["guangzhou"] and "梁溪区" in record.outside
    event = WorkOrderEvent.objects.get(work_order=order, to_status=S.DISPATCHED)
    assert "无锡网点本周停业装修" in event.note and event.actor == world["manager"]


def test_a_manager_without_a_reason_is_refused_too(world):
    with pytest.raises(ValidationError):
        _dispatch(world, world["guangzhou"], world["manager"], override_reason="   ")


def test_within_the_agreement_no_reason_is_asked_and_none_is_recorded(world):
    order = _dispatch(world, world["wuxi"], world["dispatcher"], technician=world["wuxi_tech"])
    assert order.status == S.DISPATCHED and not DispatchOverride.objects.exists()


def test_the_suggestion_offers_only_centres_covering_the_district_and_the_category(world):
    call = world["order"].call
    suggested = selectors.dispatch_suggestions(
        unit=call.unit, region=call.service_region, day=timezone.localdate() + dt.timedelta(days=1)
    )
    assert [s["center"] for s in suggested] == [world["wuxi"]]


# The call page's dispatch form ---------------------------------------------------------------------


def _call_page(client, world, user):
    client.force_login(world[user])
    return client.get(reverse("repairs:call_detail", args=[world["order"].call_id])).content.decode()


def test_the_call_page_offers_the_day_as_a_date_input_reads_it(client, world):
    html = _call_page(client, world, "dispatcher")
    day = re.search(r'<input type="date" name="dispatch-day" value="([^"]*)"', html)
    assert day and re.fullmatch(r"\d{4}-\d{2}-\d{2}", day.group(1)), day and day.group(1)
    assert dt.date.fromisoformat(day.group(1)) >= timezone.localdate()


def test_the_call_page_suggests_the_covering_centre_and_tags_technicians_by_centre(client, world):
    html = _call_page(client, world, "dispatcher")
    center = re.search(r'<select name="dispatch-center".*?</select>', html, re.S).group(0)
    assert re.search(rf'<option value="{world["wuxi"].pk}" selected>', center)
    technicians = re.search(r'<select name="dispatch-technician".*?</select>', html, re.S).group(0)
    tagged = dict(re.findall(r'<option value="(\d+)" data-center="(\d+)"', technicians))
    assert tagged[str(world["wuxi_tech"].pk)] == str(world["wuxi"].pk)
    assert tagged[str(world["gz_tech"].pk)] == str(world["guangzhou"].pk)
    assert "dispatch-override_reason" not in html  # a dispatcher cannot override


def test_the_call_page_form_dispatches_untouched_then_a_manager_overrides(client, world):
    html = _call_page(client, world, "dispatcher")
    form = re.search(r'<form method="post" action="([^"]+/dispatch/)".*?</form>', html, re.S)
    fields = dict(
        re.findall(r'<input type="(?:date|time|hidden)" name="([^"]+)" value="([^"]*)"', form.group(0))
    )
    fields["dispatch-center"] = re.search(r'<option value="(\d+)" selected>', form.group(0)).group(1)
    fields["dispatch-technician"] = str(world["wuxi_tech"].pk)
    fields["dispatch-mode"] = "on_site"
    # Outside the agreement, as the dispatcher: refused, with the reason on the page.
    refused = client.post(form.group(1), {**fields, "dispatch-center": world["guangzhou"].pk}, follow=True)
    flashed = [str(m) for m in refused.context["messages"]]
    assert any("广州天河服务中心" in m and "梁溪区" in m for m in flashed), flashed
    assert WorkOrder.objects.get(pk=world["order"].pk).status == S.NEW
    # A manager sends it to Guangzhou with a reason.
    html = _call_page(client, world, "manager")
    assert 'name="dispatch-override_reason"' in html
    client.post(
        form.group(1),
        {
            **fields,
            "dispatch-center": world["guangzhou"].pk,
            "dispatch-technician": world["gz_tech"].pk,
            "dispatch-override_reason": "无锡网点停业",
        },
    )
    order = WorkOrder.objects.get(pk=world["order"].pk)
    assert order.status == S.DISPATCHED and order.center == world["guangzhou"]
    assert DispatchOverride.objects.get(work_order=order).reason == "无锡网点停业"


def test_the_call_page_form_untouched_dispatches_to_the_suggestion(client, world):
    html = _call_page(client, world, "dispatcher")
    form = re.search(r'<form method="post" action="([^"]+/dispatch/)".*?</form>', html, re.S).group(0)
    fields = dict(re.findall(r'<input type="(?:date|time|hidden)" name="([^"]+)" value="([^"]*)"', form))
    fields["dispatch-center"] = re.search(r'<option value="(\d+)" selected>', form).group(1)
    tech = re.search(r'name="dispatch-technician".*?<option value="(\d+)"[^>]*selected', form, re.S)
    fields["dispatch-technician"] = tech.group(1) if tech else ""
    fields["dispatch-mode"] = re.search(
        r'name="dispatch-mode".*?<option value="(\w+)"[^>]*selected', form, re.S
    ).group(1)
    client.post(re.search(r'action="([^"]+)"', form).group(1), fields)
    order = WorkOrder.objects.get(pk=world["order"].pk)
    assert order.status == S.DISPATCHED and order.center == world["wuxi"]
    assert order.technician == world["wuxi_tech"]


def test_the_api_takes_the_managers_reason(client, world):
    client.force_login(world["manager"])
    body = {
        "center": world["guangzhou"].code,
        "appointment_start": _tomorrow(10).isoformat(),
        "appointment_end": _tomorrow(12).isoformat(),
    }
    url = f"/api/v1/work-orders/{world['order'].pk}/dispatch/"
    refused = client.post(url, body, content_type="application/json")
    assert refused.status_code == 400 and "center" in refused.json()["errors"]
    done = client.post(url, {**body, "override_reason": "客户要求"}, content_type="application/json")
    assert done.status_code == 200, done.content
    assert DispatchOverride.objects.get(work_order=world["order"]).reason == "客户要求"
