"""The dealer's web home: its recent repair calls (calls about the units it sold), its registered units,
the calls still open, and the way to its API keys — its own and nobody else's."""

import datetime as dt
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from network.factories import DealerFactory, UserFactory
from repairs.choices import WorkOrderStatus as S
from repairs.factories import ProductUnitFactory, WorkOrderFactory

pytestmark = pytest.mark.django_db


def _section(html: str, element_id: str) -> str:
    """The text of the element with this id, up to its closing tag (sections and tables here don't nest)."""
    match = re.search(rf'<(section|div|dd|span)[^>]*\bid="{element_id}"[^>]*>(.*?)</\1>', html, re.S)
    assert match, f"no element #{element_id}"
    return match.group(2)


@pytest.fixture
def shop(users):
    """Dealer A's units: one with an open call, one whose call is closed, one never called about; and a
    unit of dealer B with an open call of its own."""
    dealer = users["dealer_obj"]
    other = DealerFactory(code="DL-B", name="乙经销商")
    other_user = UserFactory(username="dealer_b", roles=["dealer"])
    other.users.add(other_user)
    now = timezone.now()
    staffed = {"center": users["center"], "technician": users["center"].technicians.get()}
    open_unit = ProductUnitFactory(dealer=dealer, serial_number="SN-OPEN-1")
    closed_unit = ProductUnitFactory(dealer=dealer, serial_number="SN-CLOSED-1")
    quiet_unit = ProductUnitFactory(dealer=dealer, serial_number="SN-QUIET-1")
    open_order = WorkOrderFactory(
        call__unit=open_unit, call__number="BX-A-OPEN", status=S.DISPATCHED, call__logged_at=now, **staffed
    )
    closed_order = WorkOrderFactory(
        call__unit=closed_unit,
        call__number="BX-A-DONE",
        status=S.CLOSED,
        call__logged_at=now - dt.timedelta(days=3),
        created_at=now - dt.timedelta(days=3),
        **staffed,
    )
    theirs = WorkOrderFactory(
        call__unit=ProductUnitFactory(dealer=other, serial_number="SN-THEIRS-1"),
        call__number="BX-B-OPEN",
        status=S.NEW,
    )
    return {
        "dealer": dealer,
        "other_user": other_user,
        "open": open_order,
        "closed": closed_order,
        "theirs": theirs,
        "units": [open_unit, closed_unit, quiet_unit],
        "staffed": staffed,
    }


def test_a_dealer_sees_its_recent_calls_open_calls_units_and_the_way_to_its_api_keys(client, users, shop):
    client.force_login(users["dealer"])

    response = client.get(reverse("office:dealer_home"))

    assert response.status_code == 200
    html = response.content.decode()
    dealer = shop["dealer"]
    recent = _section(html, f"recent-calls-{dealer.pk}")
    assert "BX-A-OPEN" in recent and "BX-A-DONE" in recent
    # Newest first: today's open call above the one closed three days ago.
    assert recent.index("BX-A-OPEN") < recent.index("BX-A-DONE")
    open_calls = _section(html, f"open-calls-{dealer.pk}")
    assert "BX-A-OPEN" in open_calls and "BX-A-DONE" not in open_calls
    assert re.sub(r"\s", "", _section(html, f"open-count-{dealer.pk}")) == "1"
    assert re.sub(r"\s", "", _section(html, f"unit-count-{dealer.pk}")) == "3"
    units = _section(html, f"recent-units-{dealer.pk}")
    assert all(serial in units for serial in ("SN-OPEN-1", "SN-CLOSED-1", "SN-QUIET-1"))
    assert f'href="{reverse("integrations:api_keys")}"' in html
    assert f'href="{reverse("api:docs")}"' in html


def test_another_dealers_calls_and_units_stay_out_of_sight(client, users, shop):
    client.force_login(users["dealer"])
    html = client.get(reverse("office:dealer_home")).content.decode()
    assert "BX-B-OPEN" not in html and "SN-THEIRS-1" not in html

    # Dealer B sees its own call and none of dealer A's.
    client.force_login(shop["other_user"])
    html = client.get(reverse("office:dealer_home")).content.decode()
    assert "BX-B-OPEN" in html and "SN-THEIRS-1" in html
    assert "BX-A-OPEN" not in html and "SN-QUIET-1" not in html


@pytest.mark.parametrize("role", ["dispatcher", "supervisor", "manager", "technician", "nobody"])
def test_users_without_the_dealer_role_are_refused(client, users, shop, role):
    client.force_login(users[role])
    assert client.get(reverse("office:dealer_home")).status_code == 403


def test_a_dealer_user_without_a_dealer_finds_nothing(client, shop):
    client.force_login(UserFactory(username="dealer_orphan", roles=["dealer"]))
    assert client.get(reverse("office:dealer_home")).status_code == 404


def test_the_page_runs_the_same_queries_however_many_calls_and_units(
    client, users, shop, django_assert_max_num_queries
):
    client.force_login(users["dealer"])
    with django_assert_max_num_queries(20) as few:
        assert client.get(reverse("office:dealer_home")).status_code == 200
    for n in range(15):
        WorkOrderFactory(
            call__unit=ProductUnitFactory(dealer=shop["dealer"], serial_number=f"SN-MORE-{n}"),
            status=S.IN_REPAIR,
            **shop["staffed"],
        )
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get(reverse("office:dealer_home"))
    html = response.content.decode()
    dealer = shop["dealer"]
    assert re.sub(r"\s", "", _section(html, f"unit-count-{dealer.pk}")) == "18"
    assert re.sub(r"\s", "", _section(html, f"open-count-{dealer.pk}")) == "16"
