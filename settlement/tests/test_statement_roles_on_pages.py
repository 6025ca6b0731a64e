"""Who does what on the statement pages: the centre's side (its supervisor) raises a dispute on a line, the
manager sees it and decides it but is offered no dispute of his own; the manager's "compute one centre"
field suggests the codes of the centres listed, not a code no centre has."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from care.calendar import CHINA
from network.factories import ServiceCenterFactory, UserFactory
from network.models import Dispute, FeeSchedule
from repairs.choices import ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory
from settlement.services import dispute_raise, settlement_compute

pytestmark = pytest.mark.django_db
OCTOBER = dt.date(2026, 10, 1)
NOW = dt.datetime(2026, 11, 2, 9, 0, tzinfo=CHINA)


@pytest.fixture
def world():
    guangzhou = ServiceCenterFactory(code="GD-GZ-01", name="广州天河服务中心", level="gold")
    nanjing = ServiceCenterFactory(code="JS-NJ-01", name="南京鼓楼服务中心", level="gold")
    when = dt.datetime(2026, 10, 9, 10, tzinfo=CHINA)
    order = WorkOrderFactory(
        center=guangzhou,
        status=S.CLOSED,
        closed_at=when,
        completed_at=when,
        call__service_type=ServiceType.FREE,
    )
    FeeSchedule.objects.create(
        category=order.call.unit.model.category,
        service_kind="on_site_repair",
        center_level="gold",
        valid_from=dt.date(2026, 1, 1),
        fee_amount=Decimal("90.00"),
    )
    supervisor = UserFactory(roles=["supervisor"])
    guangzhou.supervisors.add(supervisor)
    other = UserFactory(roles=["supervisor"])
    nanjing.supervisors.add(other)
    settlement = settlement_compute(center=guangzhou, month=OCTOBER, now=NOW)
    settlement_compute(center=nanjing, month=OCTOBER, now=NOW)
    return {
        "settlement": settlement,
        "line": settlement.lines.get(kind="service_fee"),
        "supervisor": supervisor,
        "other": other,
        "manager": UserFactory(roles=["manager"]),
    }


def test_the_centres_supervisor_is_offered_a_dispute_the_manager_is_not(client, world):
    settlement = world["settlement"]
    raise_url = reverse("settlement:dispute_raise", args=[settlement.pk])
    client.force_login(world["supervisor"])
    page = client.get(reverse("settlement:settlement_detail", args=[settlement.pk])).content.decode()
    assert raise_url in page and "提出异议" in page
    client.force_login(world["manager"])
    page = client.get(reverse("settlement:settlement_detail", args=[settlement.pk])).content.decode()
    assert raise_url not in page and "提出异议" not in page


def test_only_the_centres_side_raises_a_dispute_the_manager_decides_it(client, world):
    settlement, line = world["settlement"], world["line"]
    raise_url = reverse("settlement:dispute_raise", args=[settlement.pk])
    form = {"line": line.pk, "reason": "二次上门未计", "claimed_amount": "130.00"}
    # The manager (who decides disputes) may not raise one, through the page or the service.
    client.force_login(world["manager"])
    assert client.post(raise_url, form).status_code == 403
    with pytest.raises(PermissionDenied):
        dispute_raise(settlement=settlement, line=line, reason="代网点提出", acting_user=world["manager"])
    # Another centre's supervisor: the statement does not exist for him.
    client.force_login(world["other"])
    assert client.post(raise_url, form).status_code == 404
    assert not Dispute.objects.exists()
    # The centre's supervisor raises it; the manager sees it with the form to decide it.
    client.force_login(world["supervisor"])
    client.post(raise_url, form)
    dispute = Dispute.objects.get()
    assert (dispute.raised_by, dispute.claimed_amount) == (world["supervisor"], Decimal("130.00"))
    client.force_login(world["manager"])
    page = client.get(reverse("settlement:settlement_detail", args=[settlement.pk])).content.decode()
    assert reverse("settlement:dispute_resolve", args=[dispute.pk]) in page and "二次上门未计" in page
    assert raise_url not in page


def test_the_centre_code_field_suggests_the_codes_of_the_listed_centres(client, world):
    client.force_login(world["manager"])
    page = client.get(reverse("settlement:settlements"), {"month": "2026-10"}).content.decode()
    field = re.search(r'<input[^>]*name="center"[^>]*>', page).group(0)
    assert 'placeholder="GD-GZ-01"' in field and "SC001" not in page
    listed = re.search(r'<datalist id="([^"]+)">(.*?)</datalist>', page, re.S)
    assert f'list="{listed.group(1)}"' in field
    assert re.findall(r'<option value="([^"]+)"', listed.group(2)) == ["GD-GZ-01", "JS-NJ-01"]
    assert "南京鼓楼服务中心" in listed.group(2)
