"""Every way into "completed" goes through the closing record: services, views, the API, the admin, SQL, and the code itself."""

from __future__ import annotations

import ast
import base64
import uuid

import pytest
from django.contrib.auth.hashers import make_password
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from demo.repairs import signature_png
from network.factories import UserFactory
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory, close_with_record
from repairs.models import WorkOrder, WorkOrderClosing

from .helpers import SQL_SETS, _is_completed, _project_files, api_closing, in_repair, unchanged


def test_the_register_page_cannot_complete_an_order_and_shows_the_closing_form_instead(client, world):
    order = in_repair(world)
    client.force_login(world["supervisor"])

    page = client.get(reverse("repairs:call_detail", args=[order.call_id])).content.decode()
    response = client.post(
        reverse("repairs:work_order_transition", args=[order.pk]), {"to": "completed"}, follow=True
    )

    assert 'value="completed"' not in page
    assert reverse("repairs:office_close", args=[order.pk]) in page
    assert "完工记录" in response.content.decode()
    unchanged(order)


def test_the_api_verb_without_a_closing_answers_400_and_changes_nothing(client, world):
    order = in_repair(world)
    client.force_login(world["supervisor"])

    response = client.post(f"/api/v1/work-orders/{order.pk}/complete/", {}, content_type="application/json")
    close = client.post(f"/api/v1/work-orders/{order.pk}/close/", {}, content_type="application/json")

    assert response.status_code == 400
    assert {"fault_code", "cause", "resolution", "labour_minutes"} <= set(response.json()["errors"])
    assert close.status_code == 400
    unchanged(order)


def test_the_api_without_the_customers_proof_answers_400(client, world):
    order = in_repair(world)
    client.force_login(world["dispatcher"])

    response = client.post(
        f"/api/v1/work-orders/{order.pk}/complete/", api_closing(order), content_type="application/json"
    )

    assert response.status_code == 400
    assert "签名" in response.json()["errors"]["signature"][0]
    unchanged(order)


def test_the_api_completes_with_the_customers_code_and_the_settlement_may_pay_it(client, world):
    order = in_repair(world)
    order.confirmation_code_hash = make_password("246810")
    order.save(update_fields=["confirmation_code_hash"])
    client.force_login(world["supervisor"])

    response = client.post(
        f"/api/v1/work-orders/{order.pk}/complete/",
        api_closing(order, confirmation_code="246810", travel_km=12),
        content_type="application/json",
    )

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "completed"
    closing = WorkOrderClosing.objects.get(work_order=order)
    assert closing.confirmed_by_code and not closing.proof_exception and closing.channel == "office"


def test_the_api_takes_a_signature_and_the_same_client_id_twice_changes_nothing(client, world):
    order = in_repair(world)
    client.force_login(world["supervisor"])
    body = api_closing(
        order, client_id=str(uuid.uuid4()), signature_png=base64.b64encode(signature_png()).decode()
    )

    first = client.post(f"/api/v1/work-orders/{order.pk}/complete/", body, content_type="application/json")
    again = client.post(f"/api/v1/work-orders/{order.pk}/complete/", body, content_type="application/json")

    assert first.status_code == again.status_code == 200
    assert WorkOrderClosing.objects.filter(work_order=order).count() == 1
    assert WorkOrderClosing.objects.get(work_order=order).signature


def test_a_raw_update_to_completed_without_a_closing_is_refused_by_the_database(world):
    order = in_repair(world)

    with pytest.raises(IntegrityError, match="without a closing record"), transaction.atomic():
        WorkOrder.objects.filter(pk=order.pk).update(status=S.COMPLETED, completed_at=timezone.now())
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # the deferred check, as at commit

    unchanged(order)


def test_a_work_order_inserted_closed_without_a_closing_is_refused_by_the_database(world):
    with pytest.raises(IntegrityError, match="without a closing record"), transaction.atomic():
        WorkOrderFactory(center=world["center"], status=S.CLOSED, closing=False)
        with connection.cursor() as cursor:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def test_a_closing_record_cannot_be_deleted(world):
    closing = close_with_record(in_repair(world), world["technician"])

    with (
        pytest.raises(IntegrityError, match="cannot be deleted"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM repairs_workorderclosing WHERE id = %s", [closing.pk])

    assert WorkOrderClosing.objects.filter(pk=closing.pk).exists()


def test_the_admin_shows_work_orders_but_changes_none(client, world):
    order = in_repair(world)
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)

    response = client.post(
        reverse("admin:repairs_workorder_change", args=[order.pk]), {"status": "completed"}
    )

    assert response.status_code == 403
    unchanged(order)


def test_only_the_closing_module_ever_puts_an_order_into_completed():
    """The code read for every place that names "completed" as the status it sets — keyword arguments
    (status=, to_status=), assignments to .status, SQL UPDATEs of the work order — and every call of the
    private transition: only repairs.closing does either. (A status set from a variable — the inventory
    demo's replay puts back the status an order had — is held by the database triggers tested above, which
    refuse any way in without a closing.)"""
    setters, movers = set(), set()
    for rel, tree in _project_files():
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.keyword)
                and node.arg in ("status", "to_status")
                and _is_completed(node.value)
            ):
                setters.add((rel, node.arg))
            if isinstance(node, ast.Assign) and _is_completed(node.value):
                for target in node.targets:
                    if isinstance(target, ast.Attribute) and target.attr == "status":
                        setters.add((rel, ".status ="))
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and SQL_SETS.search(node.value):
                setters.add((rel, "sql"))
            if isinstance(node, ast.Call):
                func = node.func
                name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
                if name == "_move":
                    movers.add(rel)
    assert setters == {("repairs/closing/record.py", "to_status")}
    # repairs.field calls it for "to be rescheduled" only (a visit where nobody was at home), which the
    # generic transition refuses like "completed".
    assert movers == {
        "repairs/services/work_orders.py",
        "repairs/closing/record.py",
        "repairs/field/not_home.py",
    }


def test_no_api_transition_verb_leads_to_completed():
    from repairs.api.views import TRANSITION_VERBS, WorkOrderViewSet

    assert all(to != S.COMPLETED for to, _roles, _summary in TRANSITION_VERBS.values())
    assert WorkOrderViewSet.complete.mapping == {"post": "complete"}
