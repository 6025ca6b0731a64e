"""The screening pages: the manager's month by centre and a centre's flags; who sees what (manager, the
centre's supervisor, another centre's supervisor → 404, dispatcher or no role → 403); the list's queries."""

import pytest

from network.factories import ServiceCenterFactory, UserFactory
from screening.models import ClaimFlag, DistrictDistance
from screening.services import month_screen

from .helpers import NOVEMBER, NOW, at, fee, payable

pytestmark = pytest.mark.django_db


@pytest.fixture
def flags(users):
    center, other = users["center"], ServiceCenterFactory(code="SC-B", name="乙网点")
    for c, n in ((center, 3), (other, 2)):
        for day in range(1, n + 1):
            order = payable(c, at(2026, 11, day + 1, 10), travel_km=80)
            DistrictDistance.objects.get_or_create(
                center=c, district=order.call.service_region, defaults={"km": 8}
            )
            fee(order, "60.00", level=c.level)
    month_screen(month=NOVEMBER, now=NOW)
    return {**users, "other": other}


def test_the_manager_sees_every_centre_with_the_amount_held_and_drills_in(flags, client):
    client.force_login(flags["manager"])

    page = client.get("/screening/?month=2026-11").content.decode()

    assert "甲网点" in page and "乙网点" in page and "¥180.00" in page and "¥120.00" in page
    centre = client.get("/screening/centers/SC-B/?month=2026-11").content.decode()
    assert "超出该区县的距离" in centre or "km" in centre
    assert "放行：结算" in centre and "拒付：不结算" in centre


def test_a_supervisor_sees_their_own_centre_and_not_another(flags, client):
    client.force_login(flags["supervisor"])

    response = client.get("/screening/?month=2026-11")
    assert response.status_code == 302 and "/screening/centers/SC-A/" in response["Location"]
    own = client.get(response["Location"]).content.decode()
    assert own.count('id="flag-') == 3 and "放行：结算" not in own
    assert client.get("/screening/centers/SC-B/?month=2026-11").status_code == 404
    other_flag = ClaimFlag.objects.filter(center=flags["other"]).first()
    assert client.post(f"/screening/flags/{other_flag.pk}/dispute/", {"reason": "x"}).status_code == 404


@pytest.mark.parametrize("role", ["dispatcher", "nobody", "technician", "dealer"])
def test_other_roles_are_refused(flags, client, role):
    client.force_login(flags[role])
    flag = ClaimFlag.objects.first()
    assert client.get("/screening/?month=2026-11").status_code == 403
    assert client.get("/screening/centers/SC-A/").status_code == 403
    assert (
        client.post(f"/screening/flags/{flag.pk}/decide/", {"decision": "clear", "reason": "x"}).status_code
        == 403
    )
    flag.refresh_from_db()
    assert flag.status == "held"


def test_the_lists_queries_do_not_grow_with_the_rows(flags, client, django_assert_max_num_queries):
    client.force_login(flags["manager"])
    for day in range(10, 25):
        order = payable(flags["center"], at(2026, 11, day, 10), travel_km=80)
        DistrictDistance.objects.get_or_create(
            center=flags["center"], district=order.call.service_region, defaults={"km": 8}
        )
    month_screen(month=NOVEMBER, now=NOW)
    with django_assert_max_num_queries(12):
        assert client.get("/screening/?month=2026-11").status_code == 200
    with django_assert_max_num_queries(16):
        page = client.get("/screening/centers/SC-A/?month=2026-11&status=all")
    assert page.content.decode().count('id="flag-') == 18


def test_a_denied_visit_recorded_by_the_manager_holds_the_order(flags, client):
    order = payable(flags["center"], at(2026, 11, 27, 10))
    client.force_login(flags["manager"])

    client.post(
        "/screening/denials/", {"number": order.number, "customer_words": "没人上门", "month": "2026-11"}
    )

    assert ClaimFlag.objects.get(work_order=order).rules == "denied"
    client.force_login(UserFactory(roles=["dispatcher"]))
    assert (
        client.post("/screening/denials/", {"number": order.number, "customer_words": "x"}).status_code == 403
    )


def test_a_supervisor_who_also_dispatches_still_sees_only_their_own_centre(flags, client):
    from django.contrib.auth.models import Group  # noqa: PLC0415 (this test alone adds a role)

    supervisor = flags["supervisor"]
    supervisor.groups.add(Group.objects.get(name="dispatcher"))  # a dispatcher's scope is every centre

    client.force_login(supervisor)
    assert client.get("/screening/centers/SC-B/?month=2026-11").status_code == 404
    assert "¥120.00" not in client.get("/screening/centers/SC-A/?month=2026-11").content.decode()
