"""After `seed_demo`, the 三包 remedies are there to be seen: requests in every state, the manager's queue with
one past its three working days (on the SLA breaches page), an exchange's certificate, out-of-box checks that
credited a dealer, refurbished units back in the central warehouse, the rates page, and a repairer's delay
deducted on that centre's draft settlement. A second run adds nothing."""

import io

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db.models import F
from django.urls import reverse
from django.utils import timezone

from aftersales.months import previous_month
from care.choices import Stage
from care.models import Deadline
from conftest import demo_seeded_once
from inventory.choices import WarehouseKind
from inventory.models import StockLevel, UnitSerial
from network.models import SettlementLine
from remedies.choices import Basis, DoaStatus, RefurbStatus, RemedyKind, RemedyStatus
from remedies.models import DealerCredit, DoaCheck, Refurbishment, RemedyRequest

pytestmark = pytest.mark.django_db

CUSTOMERS = 200


def _counts() -> dict:
    return {
        "requests": RemedyRequest.objects.count(),
        "doa": DoaCheck.objects.count(),
        "refurbishments": Refurbishment.objects.count(),
        "credits": DealerCredit.objects.count(),
        "serials": UnitSerial.objects.count(),
    }


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    with demo_seeded_once(django_db_blocker, tmp_path_factory.mktemp("media"), customers=CUSTOMERS):
        yield _counts()


@pytest.fixture
def manager_client(client):
    client.force_login(get_user_model().objects.get(username="manager"))
    return client


def test_requests_in_every_state_opened_and_decided_by_different_people(seeded):
    statuses = set(RemedyRequest.objects.values_list("status", flat=True))
    assert statuses == set(RemedyStatus.values)
    decided = RemedyRequest.objects.filter(decided_by__isnull=False)
    assert decided.filter(status=RemedyStatus.REJECTED).exists()
    assert not decided.filter(decided_by_id=F("opened_by_id")).exists()
    bases = set(RemedyRequest.objects.values_list("basis", flat=True))
    assert {Basis.WINDOW_EXCHANGE, Basis.WINDOW_RETURN, Basis.TWO_REPAIRS, Basis.DELAY_REPAIRER} <= bases
    assert {Basis.GOODWILL, Basis.DOA} <= bases
    opened = RemedyRequest.objects.order_by("opened_at")
    assert (timezone.now() - opened.first().opened_at).days >= 60  # spread over the last three months
    assert not RemedyRequest.objects.filter(opened_at__gt=timezone.now()).exists()


def test_the_queue_and_the_breach_of_an_approval_past_its_three_working_days(seeded, manager_client):
    waiting = RemedyRequest.objects.filter(status=RemedyStatus.AWAITING_APPROVAL)
    late = waiting.filter(approval_due_at__lt=timezone.now())
    assert late.exists() and waiting.exclude(pk__in=late).exists()
    assert waiting.filter(basis=Basis.DELAY_REPAIRER, charged_center__isnull=False).exists()
    assert waiting.filter(basis=Basis.TWO_REPAIRS).exists() and waiting.filter(basis=Basis.GOODWILL).exists()

    page = manager_client.get(reverse("remedies:list"), {"view": "queue"})
    assert page.status_code == 200
    listed = [r.number for r in page.context["rows"]]
    assert sorted(listed) == sorted(waiting.values_list("number", flat=True))
    assert listed[0] == late.order_by("approval_due_at").first().number  # the oldest due first

    overdue = late.first()
    assert Deadline.objects.filter(
        remedy_request=overdue,
        stage=Stage.REMEDY_APPROVAL,
        breached_at__isnull=False,
        stopped_at__isnull=True,
    ).exists()
    breaches = manager_client.get(reverse("care:breaches"), {"stage": Stage.REMEDY_APPROVAL})
    assert breaches.status_code == 200 and overdue.number in breaches.content.decode()


def test_an_exchange_certificate_renders_as_pdf(seeded, manager_client):
    done = RemedyRequest.objects.filter(
        status=RemedyStatus.DONE, remedy=RemedyKind.EXCHANGE, replacement__isnull=False
    )
    row = done.order_by("done_at").first()
    assert row is not None and row.replacement.replaces_id == row.unit_id
    response = manager_client.get(reverse("remedies:certificate", args=[row.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF") and len(response.content) > 5_000


def test_refunds_and_exchanges_carried_out_and_refurbished_stock_in_the_central_warehouse(seeded):
    returns = RemedyRequest.objects.filter(status=RemedyStatus.DONE, remedy=RemedyKind.RETURN)
    assert returns.exists() and all(r.refund.amount > 0 for r in returns)
    assert RemedyRequest.objects.filter(
        status=RemedyStatus.DONE, remedy=RemedyKind.EXCHANGE, source_warehouse__kind=WarehouseKind.DEALER
    ).exists()
    assert RemedyRequest.objects.filter(
        status=RemedyStatus.DONE, source_warehouse__kind=WarehouseKind.CENTRAL
    ).exists()

    statuses = set(Refurbishment.objects.values_list("status", flat=True))
    assert statuses == set(RefurbStatus.values)
    refurbished = UnitSerial.objects.in_stock().filter(
        part__refurbished=True, warehouse__kind=WarehouseKind.CENTRAL
    )
    restocked = Refurbishment.objects.filter(status=RefurbStatus.RESTOCKED)
    assert refurbished.count() == restocked.count() > 0
    level = StockLevel.objects.filter(part__refurbished=True, warehouse__kind=WarehouseKind.CENTRAL)
    assert sum(level.values_list("quantity", flat=True)) == restocked.count()
    # New whole units are in the central warehouse and in the dealers' stock, none of them a registered unit.
    new = UnitSerial.objects.in_stock().filter(part__refurbished=False)
    assert new.filter(warehouse__kind=WarehouseKind.CENTRAL).exists()
    assert new.filter(warehouse__kind=WarehouseKind.DEALER).values("warehouse").distinct().count() >= 2


def test_an_out_of_box_approval_exchanged_at_the_dealer_and_credited_it(seeded):
    approved = DoaCheck.objects.filter(status=DoaStatus.APPROVED).select_related("request")
    credited = [
        c
        for c in approved
        if c.request.status == RemedyStatus.DONE
        and DealerCredit.objects.filter(request=c.request, dealer=c.dealer, amount__gt=0).exists()
    ]
    assert credited
    assert credited[0].request.source_warehouse.dealer_id == credited[0].dealer_id
    rejected = DoaCheck.objects.filter(status=DoaStatus.REJECTED)
    assert rejected.exists() and all(c.missing and c.request_id is None for c in rejected)


def test_the_rates_page_shows_out_of_box_rates(seeded, manager_client):
    response = manager_client.get(reverse("remedies:rates"))
    assert response.status_code == 200
    with_doa = [r for r in response.context["doa"] if r["doa"] > 0]
    assert with_doa and all(r["rate"] > 0 for r in with_doa)
    page = response.content.decode()
    assert 'id="doa-rates"' in page and with_doa[0]["model"] in page
    assert any(r["restocked"] for r in response.context["refurb"])


def test_a_repairers_delay_is_deducted_on_its_centres_draft(seeded):
    charged = RemedyRequest.objects.filter(status=RemedyStatus.DONE, charge_amount__gt=0).select_related(
        "charged_center"
    )
    row = charged.get()
    assert row.basis == Basis.DELAY_REPAIRER and row.work_order.center_id == row.charged_center_id
    line = SettlementLine.objects.select_related("settlement").get(
        kind="remedy_charge", work_order=row.work_order
    )
    assert line.amount == -row.charge_amount
    assert line.settlement.center_id == row.charged_center_id
    assert line.settlement.status == "draft" and line.settlement.month == previous_month(timezone.now())


def test_a_second_run_adds_nothing(seeded):
    call_command("seed_demo", customers=CUSTOMERS, stdout=io.StringIO())
    assert _counts() == seeded
