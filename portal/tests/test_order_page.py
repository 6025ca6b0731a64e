"""The customer's order page (/my/orders/<id>/): the progress in every state, the technician as customers are
told of him, the 三包 decision in force with its reasons, the scope (another customer's order answers 404, a
visitor is sent to sign in) and a query count that does not grow with the order's history."""

import dataclasses
import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone, translation

from network.factories import ServiceCenterFactory, TechnicianFactory
from portal.factories import customer_with_account
from portal.progress import order_progress, technician_shown
from repairs.choices import DecisionChangeKind, ServiceType
from repairs.choices import WorkOrderStatus as S
from repairs.factories import ProductUnitFactory, RepairCallFactory, WorkOrderFactory
from repairs.models import DecisionChange, WorkOrderEvent
from warranty.services import unit_facts, warranty_decision_record

# The way each status is reached, as the order's trail records it.
PATHS = {
    S.NEW: [],
    S.DISPATCHED: [S.DISPATCHED],
    S.ACCEPTED: [S.DISPATCHED, S.ACCEPTED],
    S.EN_ROUTE: [S.DISPATCHED, S.ACCEPTED, S.EN_ROUTE],
    S.ON_SITE: [S.DISPATCHED, S.ACCEPTED, S.EN_ROUTE, S.ON_SITE],
    S.IN_REPAIR: [S.DISPATCHED, S.ACCEPTED, S.EN_ROUTE, S.ON_SITE, S.IN_REPAIR],
    S.WAITING_FOR_PARTS: [S.DISPATCHED, S.ACCEPTED, S.EN_ROUTE, S.ON_SITE, S.IN_REPAIR, S.WAITING_FOR_PARTS],
    S.COMPLETED: [S.DISPATCHED, S.ACCEPTED, S.EN_ROUTE, S.ON_SITE, S.IN_REPAIR, S.COMPLETED],
    S.CLOSED: [S.DISPATCHED, S.ACCEPTED, S.EN_ROUTE, S.ON_SITE, S.IN_REPAIR, S.COMPLETED, S.CLOSED],
    S.TO_RESCHEDULE: [S.DISPATCHED, S.ACCEPTED, S.EN_ROUTE, S.ON_SITE, S.TO_RESCHEDULE],
    S.CANCELLED: [S.CANCELLED],
    S.PHONE_GUIDED: [S.DISPATCHED, S.PHONE_GUIDED],
}


def tomorrow_at(hour: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def order_of(
    customer, status=S.DISPATCHED, *, center=None, technician=None, caller_phone="13912345678", **fields
):
    """A work order of `customer`'s call in `status`, with the trail that led there (a day ago, an hour a
    step), dispatched to a centre open 8:00–20:00 with a window tomorrow 10:00–12:00."""
    dispatched = status not in (S.NEW, S.CANCELLED)
    if dispatched and center is None:
        center = (technician.center if technician else None) or ServiceCenterFactory(name="福田服务网点")
    call = RepairCallFactory(
        unit=ProductUnitFactory(owner=customer), caller_name=customer.name, caller_phone=caller_phone
    )
    start = timezone.now() - dt.timedelta(days=1)
    order = WorkOrderFactory(
        call=call,
        status=status,
        center=center if dispatched else None,
        technician=technician if dispatched else None,
        appointment_start=tomorrow_at(10) if dispatched else None,
        appointment_end=tomorrow_at(12) if dispatched else None,
        created_at=start,
        guided_at=start if status == S.PHONE_GUIDED else None,
        **fields,
    )
    before = S.NEW
    WorkOrderEvent.objects.create(work_order=order, from_status="", to_status=S.NEW, at=start)
    for hours, after in enumerate(PATHS[status], start=1):
        WorkOrderEvent.objects.create(
            work_order=order, from_status=before, to_status=after, at=start + dt.timedelta(hours=hours)
        )
        before = after
    return order


EXPECTED = {
    S.NEW: ("", ["current", "todo", "todo", "todo"]),
    S.DISPATCHED: ("", ["done", "current", "todo", "todo"]),
    S.ACCEPTED: ("", ["done", "current", "todo", "todo"]),
    S.TO_RESCHEDULE: ("warn", ["done", "current", "todo", "todo"]),
    S.EN_ROUTE: ("", ["done", "done", "current", "todo"]),
    S.ON_SITE: ("", ["done", "done", "current", "todo"]),
    S.IN_REPAIR: ("", ["done", "done", "current", "todo"]),
    S.WAITING_FOR_PARTS: ("warn", ["done", "done", "current", "todo"]),
    S.COMPLETED: ("ok", ["done", "done", "done", "done"]),
    S.CLOSED: ("ok", ["done", "done", "done", "done"]),
}


@pytest.mark.parametrize("status", list(PATHS))
def test_the_progress_shows_each_state_with_the_times_of_its_steps(customer_account, status):
    customer, account = customer_account
    order = order_of(customer, status)

    page = order_progress(account=account, pk=order.pk)

    states = [step.state for step in page.steps]
    if status == S.CANCELLED:
        assert ([s.key for s in page.steps], states, page.tone) == (
            ["received", "cancelled"],
            ["done", "stop"],
            "bad",
        )
    elif status == S.PHONE_GUIDED:
        assert [s.key for s in page.steps] == ["received", "dispatched", "guided"]
        assert (states, page.tone) == (["done", "done", "done"], "ok")
    else:
        assert (page.tone, states) == EXPECTED[status]
        assert [s.key for s in page.steps] == ["received", "dispatched", "on_way", "done"]
    # Each step reached carries its time from the trail; none to come has one.
    for step in page.steps:
        assert (step.at is not None) == (step.state != "todo"), step.key
    assert page.headline
    assert page.can_cancel == (status == S.NEW)
    assert page.can_reschedule == (status in (S.DISPATCHED, S.ACCEPTED, S.EN_ROUTE, S.TO_RESCHEDULE))
    assert page.can_resend_code == (status in (S.ON_SITE, S.IN_REPAIR))
    assert page.can_confirm == (status in (S.COMPLETED, S.CLOSED))
    assert page.can_rate == (status in (S.COMPLETED, S.CLOSED, S.PHONE_GUIDED))


def test_the_page_names_the_centre_the_technician_by_surname_the_window_and_the_decision_in_force(
    customer_client, users
):
    customer = customer_client.customer
    technician = TechnicianFactory(center=users["center"], name="欧阳建国")
    unit = ProductUnitFactory(owner=customer, sale_date=dt.date.today() - dt.timedelta(days=100))
    unit.invoice_date = unit.sale_date
    unit.save(update_fields=["invoice_date"])
    intake = warranty_decision_record(unit=unit, facts=unit_facts(unit=unit, report_date=dt.date.today()))
    order = order_of(customer, S.ACCEPTED, technician=technician)
    order.call.unit, order.call.warranty_decision = unit, intake
    order.call.save(update_fields=["unit", "warranty_decision"])

    body = customer_client.get(reverse("portal:order_detail", args=[order.pk])).content.decode()

    with translation.override("zh-hans"):  # as the Chinese-first page names him
        shown = technician_shown(technician)
    assert shown in body and "欧阳" in shown
    assert "建国" not in body  # the surname only
    assert users["center"].name in body
    assert f"{tomorrow_at(10):%H:%M}–{tomorrow_at(12):%H:%M}" in body
    reasons = [r["zh"] for r in intake.result["reasons"]]
    assert reasons and all(reason in body for reason in reasons)
    # An exclusion found on site decides again: that decision is the one shown.
    facts = unit_facts(unit=unit, report_date=dt.date.today())
    again = warranty_decision_record(unit=unit, facts=dataclasses.replace(facts, exclusions=("misuse",)))
    DecisionChange.objects.create(
        work_order=order,
        kind=DecisionChangeKind.FINDING,
        decision=again,
        service_type_before=ServiceType.FREE,
        service_type_after=ServiceType.PAID,
        reason="进液",
        by=users["technician"],
    )
    page = order_progress(account=customer_client.account, pk=order.pk)
    assert page.decision.on_site and page.decision.verdict == again.verdict == "paid_repair"
    assert page.decision.reasons == [r["zh"] for r in again.result["reasons"]]


def test_another_customers_order_answers_404_and_a_visitor_is_sent_to_sign_in(client, customer_client):
    stranger, _account = customer_with_account(name="李四")
    theirs = order_of(stranger)
    url = reverse("portal:order_detail", args=[theirs.pk])

    assert customer_client.get(url).status_code == 404
    for name in ("order_reschedule", "order_cancel", "order_confirm", "order_rate"):
        assert customer_client.post(reverse(f"portal:{name}", args=[theirs.pk])).status_code == 404
    customer_client.logout()
    answer = client.get(url)
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("portal:home") + "?next=")


def test_the_page_reads_a_fixed_number_of_queries_whatever_the_history(
    customer_client, django_assert_max_num_queries
):
    short = order_of(customer_client.customer, S.COMPLETED)
    long = order_of(customer_client.customer, S.DISPATCHED)
    for hours in range(40):  # a long trail of notes and moves
        WorkOrderEvent.objects.create(
            work_order=long, from_status=S.DISPATCHED, to_status=S.DISPATCHED, note=f"{hours}"
        )
    for order in (short, long):
        with django_assert_max_num_queries(9):
            assert customer_client.get(reverse("portal:order_detail", args=[order.pk])).status_code == 200
