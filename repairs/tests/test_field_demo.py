"""The demo shows the field's exceptions at the home centre whatever the hour it is seeded: an appointment the
customer moved, one moved twice, an order given to a colleague, one waiting for a new appointment after nobody
was at home and one where nobody was at home twice — on the supervisor's board and the technician's tablet."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from conftest import demo_seeded_once
from repairs.choices import RescheduleReason
from repairs.choices import WorkOrderStatus as S
from repairs.models import NotHomeVisit, Redispatch, Reschedule, WorkOrder

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    with demo_seeded_once(django_db_blocker, tmp_path_factory.mktemp("media"), customers=120):
        yield


def test_the_demo_leaves_each_exception_open_at_the_home_centre(demo, client):
    home = WorkOrder.objects.filter(center__supervisors__username="supervisor")
    moved_by_customer = home.filter(
        reschedule_count=1,
        reschedules__reason=RescheduleReason.CUSTOMER,
        status__in=(S.DISPATCHED, S.ACCEPTED),
    )
    assert moved_by_customer.exists()
    assert home.filter(reschedule_count=2, status=S.ACCEPTED).exists()
    assert Redispatch.objects.filter(work_order__in=home.filter(status=S.DISPATCHED)).exists()
    waiting = home.filter(status=S.TO_RESCHEDULE)
    visits = {o.pk: o.not_home_visits.count() for o in waiting}
    assert sorted(visits.values()) == [1, 2]
    assert not NotHomeVisit.objects.filter(customer_told=True).exists()  # nobody was texted
    assert Reschedule.objects.filter(work_order__in=waiting).count() == 1

    client.force_login(get_user_model().objects.get(username="supervisor"))
    board = client.get(reverse("office:my_center")).content.decode()
    for order in waiting:
        assert f'data-order="{order.number}"' in board
    client.force_login(get_user_model().objects.get(username="tech"))
    twice = waiting.get(pk=max(visits, key=visits.get))
    page = client.get(reverse("repairs:tablet_order", args=[twice.pk])).content.decode()
    assert "st-to_reschedule" in page and "data-field-actions" in page
