"""Three parties for the API: dealer A (its key), dealer B (its key), centre X with its supervisor and
technician, centre Y; a dispatcher, a manager. Each dealer sold a unit with a call and its work order."""

import datetime as dt
from types import SimpleNamespace

import pytest
from django.utils import timezone

from integrations.models import WebhookDelivery
from integrations.services import api_key_create, webhook_endpoint_create
from inventory.models import Part
from network.factories import (
    DealerFactory,
    DistrictFactory,
    ServiceCenterFactory,
    TechnicianFactory,
    UserFactory,
)
from network.models import Settlement
from repairs.choices import WorkOrderStatus
from repairs.factories import (
    CustomerAddressFactory,
    CustomerPhoneFactory,
    ProductUnitFactory,
    RepairCallFactory,
    WorkOrderFactory,
)
from repairs.models import WorkOrderEvent

# A webhook URL that passes the registration check without a name server: an address literal of a public
# host (the check resolves host names, and CI's machine has no DNS). Nothing is ever sent to it: the
# tests that deliver run their own local receiver.
PUBLIC_HOOK_URL = "https://1.1.1.1/hooks"


def _sale(dealer, n, center=None, technician=None, status=WorkOrderStatus.NEW):
    unit = ProductUnitFactory(dealer=dealer)
    CustomerPhoneFactory(customer=unit.owner)
    CustomerAddressFactory(customer=unit.owner)
    call = RepairCallFactory(unit=unit)
    order = WorkOrderFactory(call=call, center=center, technician=technician, status=status)
    return unit, call, order


@pytest.fixture
def api_world(db):
    district = DistrictFactory()
    center_x = ServiceCenterFactory(code="SC-X", name="X 网点", region=district)
    center_y = ServiceCenterFactory(code="SC-Y", name="Y 网点", region=district)
    supervisor_x = UserFactory(username="sup_x", roles=["supervisor"])
    center_x.supervisors.add(supervisor_x)
    tech_x = TechnicianFactory(user=UserFactory(username="tech_x", roles=["technician"]), center=center_x)
    tech_y = TechnicianFactory(user=UserFactory(username="tech_y", roles=["technician"]), center=center_y)
    dealer_a = DealerFactory(code="DL-A", name="甲经销商")
    dealer_b = DealerFactory(code="DL-B", name="乙经销商")
    dealer_a_user = UserFactory(username="dealer_a_user", roles=["dealer"])
    dealer_a.users.add(dealer_a_user)
    unit_a, call_a, order_a = _sale(
        dealer_a, 1, center=center_x, technician=tech_x, status=WorkOrderStatus.DISPATCHED
    )
    unit_b, call_b, order_b = _sale(
        dealer_b, 2, center=center_y, technician=tech_y, status=WorkOrderStatus.DISPATCHED
    )
    key_a = api_key_create(dealer=dealer_a, name="A 门店系统")
    key_b = api_key_create(dealer=dealer_b, name="B 门店系统")
    return SimpleNamespace(
        district=district,
        center_x=center_x,
        center_y=center_y,
        supervisor_x=supervisor_x,
        tech_x=tech_x,
        tech_y=tech_y,
        dealer_a=dealer_a,
        dealer_b=dealer_b,
        dealer_a_user=dealer_a_user,
        unit_a=unit_a,
        call_a=call_a,
        order_a=order_a,
        unit_b=unit_b,
        call_b=call_b,
        order_b=order_b,
        key_a=key_a,
        key_b=key_b,
        dispatcher=UserFactory(username="disp_x", roles=["dispatcher"]),
        manager=UserFactory(username="mgr_x", roles=["manager"]),
        today=timezone.localdate(),
        later=timezone.now() + dt.timedelta(days=1),
    )


@pytest.fixture
def key_client(client):
    """`key_client(raw_key)`: the test client sending an API key."""

    def make(raw_key):
        client.defaults["HTTP_AUTHORIZATION"] = f"Api-Key {raw_key}"
        return client

    return make


@pytest.fixture
def many(api_world, settings):
    """60 of everything in dealer A's and centre X's scope."""
    settings.WEBHOOK_MAX_ENDPOINTS = 60
    now = timezone.now()
    for n in range(60):
        unit, call, order = _sale(
            api_world.dealer_a, n, center=api_world.center_x, technician=api_world.tech_x
        )
        WorkOrderFactory(call=call)  # a second order on the call
        RepairCallFactory(unit=unit)
        WorkOrderEvent.objects.create(work_order=order, to_status="new")
        center = ServiceCenterFactory()
        Settlement.objects.create(
            center=center, month=dt.date(2026, 10, 1), center_level="a", computed_at=now
        )
        Part.objects.create(code=f"P{n:03d}", name="件", category=unit.model.category)
        endpoint = webhook_endpoint_create(dealer=api_world.dealer_a, url=f"{PUBLIC_HOOK_URL}/{n}")
        WebhookDelivery.objects.create(endpoint=endpoint, event_type="x", payload={})
    return api_world
