"""The demo shows paid work as it happens: paid on the spot in cash and by WeChat Pay with its transaction number,
a receivable the home centre is still owed (on its supervisor's list), a customer who declined the quote and paid
the call-out fee, and a call whose service type the office changed with its reason."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

from conftest import demo_seeded_once
from repairs.choices import DecisionChangeKind, PaymentMethod, Resolution, ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.models import DecisionChange, Receivable, WorkOrderClosing

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker, tmp_path_factory):
    with demo_seeded_once(django_db_blocker, tmp_path_factory.mktemp("media"), customers=120):
        yield


def test_paid_orders_are_paid_on_the_spot_or_owed(demo, client):
    paid = WorkOrderClosing.objects.filter(work_order__call__service_type=ServiceType.PAID)
    assert paid.filter(payment_method=PaymentMethod.CASH, collected_amount__gt=0).exists()
    wechat = paid.filter(payment_method=PaymentMethod.WECHAT, collected_amount__gt=0)
    assert wechat.exists() and not wechat.filter(payment_reference="").exists()
    # Every paid closing charged something is covered: collected, owed, or both.
    for closing in paid.filter(outstanding_amount__gt=0):
        assert closing.work_order.receivable.amount == closing.outstanding_amount
    later = Receivable.objects.filter(paid_at__isnull=False)
    assert later.exists() and not later.filter(payment_method="").exists()

    home_owed = Receivable.objects.open().filter(center__supervisors__username="supervisor")
    assert home_owed.exists()
    client.force_login(get_user_model().objects.get(username="supervisor"))
    page = client.get(reverse("repairs:receivables")).content.decode()
    assert home_owed.first().work_order.number in page


def test_a_customer_declined_and_paid_the_call_out_fee(demo):
    declined = WorkOrderClosing.objects.filter(resolution=Resolution.DECLINED, collected_amount__gt=0)
    assert declined.exists()
    closing = declined.first()
    assert closing.work_order.status == S.CLOSED
    assert closing.work_order.quotes.filter(declined_at__isnull=False).exists()
    assert not closing.work_order.quotes.filter(consent__isnull=False).exists()


def test_the_office_changed_a_calls_service_type_with_its_reason(demo):
    change = (
        DecisionChange.objects.filter(kind=DecisionChangeKind.SERVICE_TYPE)
        .select_related("work_order__call")
        .get()
    )
    assert (
        change.reason
        and change.service_type_after == change.work_order.call.service_type == ServiceType.CONTRACT
    )
    assert change.work_order.events.filter(note__contains=change.reason).exists()
