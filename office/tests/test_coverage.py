"""Coverage gaps and standby providers: gaps found from real units against the centres' agreements, the
daily refresh, the one-step activation of a standby provider (manager only), the time to cover, the report
and the dashboard's panel."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from aftersales.celery import app as celery_app
from network.choices import CenterEventKind
from network.coverage import standby_activate
from network.factories import CityFactory, DistrictFactory, ServiceCenterFactory, UserFactory
from network.models import CenterEvent, CoverageGap, ServiceCenter
from office.coverage import coverage_gaps_live, coverage_gaps_refresh, time_to_cover
from office.tasks import coverage_gaps_refresh_daily
from repairs.factories import (
    CustomerAddressFactory,
    ProductCategoryFactory,
    ProductModelFactory,
    ProductUnitFactory,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC)
HOSTILE = ["²", "abc", "-1", "1e999999", "100000000000000000000", "\x00", "9999-12-31", "１２", ""]


@pytest.fixture
def ac():
    return ProductCategoryFactory(code="air_conditioner", name="空调", name_en="Air conditioner")


@pytest.fixture
def washer():
    return ProductCategoryFactory(code="washing_machine", name="洗衣机", name_en="Washing machine")


@pytest.fixture
def people(db):
    supervisor = UserFactory(username="cov_sup", roles=["supervisor"])
    return {
        "manager": UserFactory(username="cov_mgr", roles=["manager"]),
        "supervisor": supervisor,
        "dispatcher": UserFactory(username="cov_disp", roles=["dispatcher"]),
    }


def units_in(district, category, n=1, **unit):
    """`n` units of `category` owned by one customer whose primary address is in `district`."""
    address = CustomerAddressFactory(region=district)
    model = ProductModelFactory(category=category, model_number=f"CV-{category.code}")
    return [ProductUnitFactory(model=model, owner=address.customer, **unit) for _ in range(n)]


def centre(districts=(), categories=(), **kwargs):
    c = ServiceCenterFactory(**kwargs)
    c.coverage.set(districts)
    c.categories.set(categories)
    return c


def standby_centre(**kwargs):
    kwargs.setdefault("agreement_start", dt.date(2026, 1, 1))
    return centre(standby=True, active=False, **kwargs)


def snapshot(center):
    center = ServiceCenter.objects.get(pk=center.pk)
    return (
        center.active,
        center.standby,
        sorted(center.coverage.values_list("pk", flat=True)),
        sorted(center.categories.values_list("pk", flat=True)),
        CenterEvent.objects.count(),
        sorted(CoverageGap.objects.open().values_list("pk", flat=True)),
    )


# Gaps found --------------------------------------------------------------------------------------------


def test_units_without_an_active_authorised_centre_are_gaps_and_the_agreement_decides(ac, washer):
    d = DistrictFactory()
    units_in(d, ac, 2)
    units_in(d, washer, 1)
    # Covers the district for washing machines only.
    centre([d], [washer])
    # Neither counts for air conditioners: inactive, agreement ended, agreement not started, standby.
    centre([d], [ac], active=False)
    centre([d], [ac], agreement_start=dt.date(2020, 1, 1), agreement_end=dt.date(2025, 12, 31))
    centre([d], [ac], agreement_start=dt.date(2027, 1, 1), agreement_end=None)
    standby_centre(districts=[d], categories=[ac])
    # A centre authorised for air conditioners in another district only.
    centre([DistrictFactory()], [ac])
    day = dt.date(2026, 7, 1)
    assert coverage_gaps_live(day=day) == [(d.pk, ac.pk, 2)]

    centre([d], [ac], agreement_end=None)
    assert coverage_gaps_live(day=day) == []


def test_a_unit_is_located_at_its_owners_primary_address_and_a_replaced_unit_no_longer_counts(ac):
    home, office = DistrictFactory(), DistrictFactory()
    (old,) = units_in(home, ac, 1)
    CustomerAddressFactory(customer=old.owner, region=office, is_primary=False)
    ProductUnitFactory(model=old.model, owner=old.owner, replaces=old, exchanged_on=dt.date(2026, 6, 10))
    # A customer whose only address is a city: not located.
    units_in(CityFactory(), ac, 4)
    assert coverage_gaps_live(day=dt.date(2026, 7, 1)) == [(home.pk, ac.pk, 1)]


# The daily refresh -------------------------------------------------------------------------------------


def test_refresh_twice_opens_one_gap_then_recounts_and_closes_it_when_a_centre_covers_it(ac):
    d = DistrictFactory()
    units_in(d, ac, 2)
    first = coverage_gaps_refresh(now=NOW)
    second = coverage_gaps_refresh(now=NOW + dt.timedelta(days=1))
    assert (first.opened, second.opened) == (1, 0)
    gap = CoverageGap.objects.get()
    assert (gap.region, gap.category, gap.units, gap.found_at, gap.covered_at) == (d, ac, 2, NOW, None)

    units_in(d, ac, 3)
    assert coverage_gaps_refresh(now=NOW + dt.timedelta(days=2)).updated == 1
    gap.refresh_from_db()
    assert gap.units == 5

    # The coverage edited in the admin: the next refresh closes the gap with that centre.
    edited = centre([d], [ac])
    done = coverage_gaps_refresh(now=NOW + dt.timedelta(days=3))
    assert (done.covered, done.emptied) == (1, 0)
    gap.refresh_from_db()
    assert (gap.covered_at, gap.covered_by) == (NOW + dt.timedelta(days=3), edited)
    assert not CoverageGap.objects.open().exists()


def test_the_daily_task_calls_the_refresh_and_beat_runs_it_every_day(ac):
    units_in(DistrictFactory(), ac, 1)
    assert coverage_gaps_refresh_daily().startswith("1 opened")
    entry = celery_app.conf.beat_schedule["office-coverage-gaps-refresh"]
    assert entry["task"] == "office.tasks.coverage_gaps_refresh_daily"
    assert CoverageGap.objects.open().count() == 1


# Activation --------------------------------------------------------------------------------------------


def test_activating_a_standby_provider_covers_the_gaps_with_an_event_and_the_time_is_measured(
    people, ac, washer
):
    d = DistrictFactory()
    units_in(d, ac, 2)
    units_in(d, washer, 1)
    coverage_gaps_refresh(now=NOW)
    provider = standby_centre(categories=[washer])  # the agreement lacks air conditioners
    done = standby_activate(
        center=provider,
        region=d,
        category=ac,
        actor=people["manager"],
        note="按计划启用",
        now=NOW + dt.timedelta(days=12),
    )
    provider.refresh_from_db()
    assert (provider.active, provider.standby) == (True, False)
    assert list(provider.coverage.all()) == [d]
    assert set(provider.categories.all()) == {ac, washer}
    assert done.category_added
    # Both gaps of the district are covered: the one clicked and the washing machines' one.
    assert not CoverageGap.objects.open().exists()
    assert set(CoverageGap.objects.values_list("covered_by", "covered_at")) == {
        (provider.pk, NOW + dt.timedelta(days=12))
    }
    event = CenterEvent.objects.get()
    assert (event.center, event.kind, event.actor, event.note) == (
        provider,
        CenterEventKind.STANDBY_ACTIVATED,
        people["manager"],
        "按计划启用",
    )
    assert event.data["region"] == d.code and event.data["category"] == "air_conditioner"
    assert sorted(event.data["gaps_covered"]) == sorted(CoverageGap.objects.values_list("pk", flat=True))
    assert coverage_gaps_live(day=dt.date(2026, 7, 13)) == []
    stats = time_to_cover(now=NOW + dt.timedelta(days=13))
    assert (stats["covered_count"], str(stats["median_days"]), str(stats["longest_days"])) == (
        2,
        "12.0",
        "12.0",
    )
    assert [str(g.took_days) for g in stats["covered"]] == ["12.0", "12.0"]


def test_the_manager_activates_from_the_report_and_a_second_time_is_refused(client, people, ac):
    d = DistrictFactory()
    units_in(d, ac, 3)
    coverage_gaps_refresh(now=timezone.now() - dt.timedelta(days=5))
    provider = standby_centre(categories=[ac], name="新都备选站")
    client.force_login(people["manager"])
    page = client.get(reverse("office:coverage"))
    assert page.status_code == 200
    body = page.content.decode()
    assert (
        d.name in body and "新都备选站" in body and f'action="{reverse("office:coverage_activate")}"' in body
    )
    form = {"center": provider.pk, "region": d.pk, "category_id": ac.pk, "note": "销量已过计划"}
    response = client.post(reverse("office:coverage_activate"), form, follow=True)
    assert response.status_code == 200
    assert "1 个未覆盖缺口已覆盖" in response.content.decode()
    assert not CoverageGap.objects.open().exists()
    before = snapshot(provider)
    assert _refused(client, form) == [f"{provider} 已在运行：备选服务商只启用一次。"]
    assert snapshot(provider) == before
    assert CenterEvent.objects.count() == 1
    # The covered gap and its days show on the report.
    assert "覆盖用时" in client.get(reverse("office:coverage")).content.decode()


@pytest.mark.parametrize("who", ["supervisor", "dispatcher"])
def test_only_a_manager_sees_the_report_or_activates(client, people, ac, who):
    d = DistrictFactory()
    units_in(d, ac, 1)
    coverage_gaps_refresh(now=NOW)
    provider = standby_centre(categories=[ac])
    # The supervisor runs the standby centre itself: still not theirs to activate.
    provider.supervisors.add(people["supervisor"])
    before = snapshot(provider)
    client.force_login(people[who])
    assert client.get(reverse("office:coverage")).status_code == 403
    response = client.post(
        reverse("office:coverage_activate"), {"center": provider.pk, "region": d.pk, "category_id": ac.pk}
    )
    assert response.status_code == 403
    assert snapshot(provider) == before


def test_the_service_refuses_anyone_but_a_manager(people, ac):
    d = DistrictFactory()
    provider = standby_centre(categories=[ac])
    before = snapshot(provider)
    with pytest.raises(Exception, match="只有经理"):
        standby_activate(center=provider, region=d, category=ac, actor=people["dispatcher"])
    assert snapshot(provider) == before


def _refused(client, form):
    """The messages the report shows after the refused activation (read there, so none is left over)."""
    response = client.post(reverse("office:coverage_activate"), form, follow=True)
    assert response.redirect_chain[0][1] == 302 and response.status_code == 200
    return [str(m) for m in response.context["messages"]]


def test_bad_activations_say_why_in_chinese_and_change_nothing(client, people, ac):
    d = DistrictFactory()
    units_in(d, ac, 1)
    coverage_gaps_refresh(now=NOW)
    client.force_login(people["manager"])
    working = centre([DistrictFactory()], [ac], name="在岗网点")
    before = snapshot(working)
    assert _refused(client, {"center": working.pk, "region": d.pk, "category_id": ac.pk}) == [
        f"{working} 已在运行：备选服务商只启用一次。"
    ]
    assert snapshot(working) == before

    closed = centre([], [ac], active=False, name="停用网点")
    assert _refused(client, {"center": closed.pk, "region": d.pk, "category_id": ac.pk}) == [
        f"{closed} 不是备选服务商。"
    ]
    provider = standby_centre(categories=[ac])
    before = snapshot(provider)
    assert _refused(client, {"center": provider.pk, "region": d.parent.pk, "category_id": ac.pk}) == [
        f"备选服务商按区县启用；{d.parent.full_name}不是区县。"
    ]
    ended = standby_centre(
        categories=[ac], agreement_start=dt.date(2024, 1, 1), agreement_end=dt.date(2025, 1, 1)
    )
    assert _refused(client, {"center": ended.pk, "region": d.pk, "category_id": ac.pk}) == [
        f"{ended} 的协议已于 2025-01-01 结束：请先准备新协议。"
    ]
    nul = {"center": "\x00", "region": d.pk, "category_id": ac.pk}
    assert client.post(reverse("office:coverage_activate"), nul).status_code == 400  # refused before the view
    for value in (v for v in HOSTILE if v != "\x00"):
        messages = _refused(client, {"center": value, "region": value, "category_id": value, "note": value})
        assert messages == ["请选择要启用的备选服务商。"]
        messages = _refused(client, {"center": provider.pk, "region": value, "category_id": ac.pk})
        assert messages == ["缺口的地区或产品类别不存在。"]
    assert snapshot(provider) == before
    assert CoverageGap.objects.open().count() == 1


# The report and the dashboard ----------------------------------------------------------------------------


def test_the_report_filters_and_hostile_values_and_its_queries_do_not_grow(
    client, people, ac, washer, django_assert_max_num_queries
):
    client.force_login(people["manager"])
    a, b = DistrictFactory(), DistrictFactory()
    units_in(a, ac, 1)
    units_in(b, washer, 2)
    coverage_gaps_refresh(now=NOW)
    standby_centre(categories=[ac])
    url = reverse("office:coverage")
    province = a.parent.parent
    body = client.get(url, {"province": province.pk}).content.decode()
    assert a.name in body and b.name not in body
    body = client.get(url, {"category": washer.pk, "view": "all"}).content.decode()
    assert b.name in body and a.name not in body
    for name in ("province", "category", "view", "page", "page_size"):
        for value in HOSTILE:
            # A NUL byte is refused (400) before the view; anything else shows the report unfiltered.
            assert client.get(url, {name: value}).status_code == (400 if value == "\x00" else 200), (
                name,
                value,
            )

    with django_assert_max_num_queries(12) as few:
        client.get(url)
    for _ in range(15):
        d = DistrictFactory()
        units_in(d, ac, 1)
        units_in(d, washer, 1)
    coverage_gaps_refresh(now=NOW)
    centre([DistrictFactory()], [ac])
    standby_centre(categories=[washer])
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(url, {"view": "all"})
    assert response.content.decode().count('name="category_id"') == 32


def test_the_dashboard_panel_shows_the_open_gaps_and_links_the_report(client, people, ac):
    d = DistrictFactory(name="新都区")
    units_in(d, ac, 4)
    coverage_gaps_refresh(now=timezone.now())
    client.force_login(people["manager"])
    body = client.get(reverse("office:dashboard")).content.decode()
    panel = body[body.index('id="coverage-panel"') :]
    panel = panel[: panel.index("</section>")]
    assert "新都区" in panel and reverse("office:coverage") in panel
    assert '<span class="n">1</span><span class="l">未覆盖缺口' in panel


def test_the_demo_makes_a_standby_provider_an_open_gap_and_a_covered_one_once(ac, washer):
    from demo.coverage import seed_coverage  # the demo sits above every app; its tests may reach it

    city = CityFactory(code="510100", name="成都市")
    fridge = ProductCategoryFactory(code="refrigerator", name="冰箱", name_en="Refrigerator")
    for category in (ac, washer, fridge):
        ProductModelFactory(category=category, model_number=f"DEMO-{category.code}")
    UserFactory(username="manager", roles=["manager"])
    now = timezone.now()
    assert seed_coverage(now=now, network=None).startswith("Coverage: standby provider SC-CD-S1")
    assert seed_coverage(now=now, network=None) == ""
    standby = ServiceCenter.objects.get(code="SC-CD-S1")
    assert (standby.standby, standby.active, standby.agreement_start <= timezone.localdate(now)) == (
        True,
        False,
        True,
    )
    open_gaps = {
        (g.region.name, g.category.code, g.units) for g in CoverageGap.objects.open().select_related("region")
    }
    assert open_gaps == {("新都区", "air_conditioner", 5), ("新都区", "washing_machine", 2)}
    assert all(
        r.parent == city for r in standby.region.__class__.objects.filter(code__in=["510114", "510116"])
    )
    stats = time_to_cover(now=now)
    assert (stats["covered_count"], str(stats["median_days"])) == (1, "12.0")
    assert CenterEvent.objects.get().kind == CenterEventKind.STANDBY_ACTIVATED
    # Activated in the demo, it stays so on the next run.
    manager = UserFactory(username="manager")
    standby_activate(
        center=standby, region=CoverageGap.objects.open().first().region, category=ac, actor=manager
    )
    assert seed_coverage(now=now, network=None) == ""
    assert ServiceCenter.objects.get(code="SC-CD-S1").active
