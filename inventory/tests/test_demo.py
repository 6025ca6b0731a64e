import datetime as dt
import io
from collections import Counter

import pytest
from django.core.management import call_command
from django.db.models import Count, Q
from django.utils import timezone

from conftest import demo_seeded_once
from inventory.checks import stock_discrepancies
from inventory.choices import MovementKind, PartRequestStatus, WarehouseKind
from inventory.models import (
    CreditEntry,
    DefectiveReturn,
    DepositAccount,
    DepositEntry,
    Part,
    PartRequest,
    StockLevel,
    StockMovement,
    Warehouse,
)
from network.models import ServiceCenter
from repairs.models import WorkOrder

pytestmark = pytest.mark.django_db


def _counts() -> dict:
    return {
        model.__name__: model.objects.count()
        for model in (
            Warehouse,
            Part,
            StockLevel,
            StockMovement,
            PartRequest,
            DepositEntry,
            CreditEntry,
            DefectiveReturn,
        )
    }


def _seed_demo():
    call_command("seed_demo", customers=200, stdout=io.StringIO())


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, tmp_path_factory):
    """The demo seeded once for the module (scrapping photos under a temporary media root). Returns the row
    counts after the first run."""
    with demo_seeded_once(django_db_blocker, tmp_path_factory.mktemp("media"), customers=200):
        yield _counts()


def test_a_second_run_adds_nothing(seeded):
    _seed_demo()

    assert _counts() == seeded
    assert seeded["StockMovement"] > 500


def test_warehouses_parts_and_deposits(seeded):
    kinds = Counter(Warehouse.objects.values_list("kind", flat=True))
    active_centres = ServiceCenter.objects.filter(active=True)
    assert kinds == {
        WarehouseKind.CENTRAL: 1,
        WarehouseKind.DEFECTIVE: 1,
        WarehouseKind.CENTER: active_centres.count(),
        # Whole units for 三包 exchanges: three dealers' stock and the store of units taken back.
        WarehouseKind.DEALER: 3,
        WarehouseKind.RETURNED: 1,
    }
    assert set(Warehouse.objects.values_list("code", flat=True)) >= {"CW", "CW-JJ"}
    assert 55 <= Part.objects.spare().count() <= 70
    assert Part.objects.filter(product_model__isnull=False, refurbished=True).exists()
    assert Part.objects.filter(return_required=True).exists()
    assert not Part.objects.filter(return_required=True, unit_cost_amount__lt=300).exists()
    assert Part.objects.filter(compatible_models__isnull=False).exists()
    # Every active centre paid a deposit at leverage 3, and nobody is over the credit it backs.
    for account in DepositAccount.objects.all():
        assert account.leverage_ratio == 3
        assert account.deposit_amount > 0
        assert account.credit_used_amount <= account.credit_limit
    assert DepositAccount.objects.count() == active_centres.count()


def test_every_ledger_sums_to_its_level(seeded):
    assert stock_discrepancies() == []
    assert not StockLevel.objects.filter(Q(quantity__lt=0) | Q(value_amount__lt=0)).exists()
    # The stock history spans the last three months, and no movement is in the future. Older movements are
    # only the parts of older repairs (the quality history: each part received and issued to its closed
    # repair the same day).
    now = timezone.now()
    recent = StockMovement.objects.filter(created_at__gte=now - dt.timedelta(days=100))
    oldest = recent.order_by("created_at").first().created_at
    assert 85 <= (now - oldest).days <= 95
    assert not StockMovement.objects.filter(created_at__gt=now).exists()
    older = StockMovement.objects.exclude(pk__in=recent.values("pk"))
    repairs = WorkOrder.objects.filter(status="closed", closed_at__lt=now - dt.timedelta(days=100))
    issued = older.filter(kind=MovementKind.ISSUE)
    assert issued.exists() and not issued.exclude(work_order__in=repairs).exists()
    received = older.filter(kind=MovementKind.RECEIPT)
    assert set(received.values_list("reference", flat=True)) <= set(repairs.values_list("number", flat=True))
    assert not older.exclude(kind__in=[MovementKind.ISSUE, MovementKind.RECEIPT]).exists()


def test_requests_in_every_state_and_overdue_returns(seeded):
    statuses = Counter(PartRequest.objects.values_list("status", flat=True))
    assert set(statuses) == set(PartRequestStatus.values)
    assert (
        PartRequest.objects.filter(status=PartRequestStatus.RECEIVED).count() > 11
    )  # first stockings and more
    rejected = PartRequest.objects.filter(status=PartRequestStatus.REJECTED)
    assert all(r.rejection_reason for r in rejected)
    pending = PartRequest.objects.filter(status=PartRequestStatus.PENDING)
    assert all(r.approval_reason for r in pending)  # over a limit, waiting for a manager

    assert DefectiveReturn.objects.overdue(timezone.localdate()).exists()
    tag_statuses = set(DefectiveReturn.objects.values_list("status", flat=True))
    assert {"open", "shipped", "received", "inspected", "cancelled"} <= tag_statuses


def test_parts_go_to_repaired_work_orders_while_they_were_in_repair(seeded):
    issues = StockMovement.objects.filter(kind=MovementKind.ISSUE).select_related("work_order")
    assert issues.count() > 50
    for issue in issues:
        order = issue.work_order
        assert order.repair_started_at is not None
        assert order.repair_started_at <= issue.created_at
        assert order.completed_at is None or issue.created_at <= order.completed_at
        assert issue.warehouse.center_id == order.center_id
    # Issued to closed orders too, and those orders are still closed.
    closed = WorkOrder.objects.filter(status="closed").annotate(n=Count("stock_movements")).filter(n__gt=0)
    assert closed.exists()


def test_the_reorder_page_has_todays_suggestions_linked_from_the_stock_page(seeded, client):
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from inventory.models import ReorderSuggestion

    today = timezone.localdate()
    assert ReorderSuggestion.objects.filter(computed_on=today).exists()
    manager = get_user_model().objects.get(username="manager")
    client.force_login(manager)
    stock = client.get(reverse("inventory:stock")).content.decode()
    assert reverse("inventory:reorder") in stock and reverse("inventory:import") in stock
    page = client.get(reverse("inventory:reorder")).content.decode()
    some = ReorderSuggestion.objects.filter(computed_on=today).select_related("part").first()
    assert some.part.code in page
