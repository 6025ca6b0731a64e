"""The customer's actions on their order page: move the appointment, cancel before dispatch, the confirmation
code sent again, the service confirmed, the visit rated. Three parties each — the owner, another customer
(404), a technician signed in without a customer account (sent to sign in) — and nothing changes for the
refused. Messages are read in English (the `english` fixture): the Chinese comes from the catalogue."""

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from aftersales import sms
from care.choices import CallbackReason, CallbackStatus, ComplaintCategory
from care.models import Callback, Complaint
from network.factories import TechnicianFactory
from portal import visits
from portal.factories import customer_with_account
from portal.models import VisitConfirmation, VisitRating
from repairs.choices import RescheduleReason
from repairs.choices import WorkOrderStatus as S
from repairs.models import ConfirmationCodeSend, Reschedule, WorkOrder, WorkOrderClosing

from .test_order_page import order_of, tomorrow_at

pytestmark = pytest.mark.usefixtures("english")


@pytest.fixture(autouse=True)
def outbox():
    sms.outbox.clear()
    return sms.outbox


@pytest.fixture
def parties(customer_client, users):
    """The owner's client, another customer's, and a technician's (signed in, no customer account)."""
    stranger = Client()
    stranger.force_login(customer_with_account(name="李四")[1].user)
    technician = Client()
    technician.force_login(users["technician"])
    return {"owner": customer_client, "stranger": stranger, "technician": technician}


def said(answer) -> str:
    return " ".join(str(m) for m in get_messages(answer.wsgi_request))


def snapshot(order) -> tuple:
    order = WorkOrder.objects.get(pk=order.pk)
    return (
        order.status,
        order.appointment_start,
        order.reschedule_count,
        order.events.count(),
        VisitConfirmation.objects.filter(work_order=order).count(),
        VisitRating.objects.filter(work_order=order).count(),
        list(Callback.objects.filter(work_order=order).values_list("status", "satisfaction")),
        Complaint.objects.filter(work_order=order).count(),
        list(WorkOrderClosing.objects.filter(work_order=order).values_list("proof_cleared_at", flat=True)),
    )


def refused_by_others(parties, url, data, order):
    before = snapshot(order)
    assert parties["stranger"].post(url, data).status_code == 404
    answer = parties["technician"].post(url, data)
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("portal:home"))
    assert snapshot(order) == before


# Move the appointment ---------------------------------------------------------------------------------


def test_the_customer_moves_the_appointment_and_the_sla_follows(
    parties, customer_client, django_capture_on_commit_callbacks, outbox
):
    order = order_of(customer_client.customer, S.ACCEPTED)
    url = reverse("portal:order_reschedule", args=[order.pk])
    data = {"day": tomorrow_at(14).date().isoformat(), "slot": "14:00", "seen": "0"}
    refused_by_others(parties, url, data, order)

    with django_capture_on_commit_callbacks(execute=True):
        answer = customer_client.post(url, data)

    assert answer.status_code == 302 and "is now" in said(answer)
    order.refresh_from_db()
    assert (order.appointment_start, order.appointment_end) == (tomorrow_at(14), tomorrow_at(16))
    assert order.status == S.ACCEPTED and order.reschedule_count == 1
    assert order.accountable_start is None  # the customer's own move: the SLA follows the new window
    row = Reschedule.objects.get(work_order=order)
    assert (row.reason, row.by) == (RescheduleReason.CUSTOMER, customer_client.account.user)
    assert order.events.last().actor == customer_client.account.user
    assert [m.to for m in outbox] == [order.call.caller_phone]


def test_a_third_move_an_untouched_form_and_a_window_outside_the_hours_are_refused(customer_client):
    moved_twice = order_of(customer_client.customer, S.DISPATCHED, reschedule_count=2)
    order = order_of(customer_client.customer, S.DISPATCHED)
    url = reverse("portal:order_reschedule", args=[order.pk])
    before = snapshot(moved_twice), snapshot(order)
    day = tomorrow_at(14).date().isoformat()

    third = customer_client.post(
        reverse("portal:order_reschedule", args=[moved_twice.pk]), {"day": day, "slot": "14:00", "seen": "2"}
    )
    untouched = customer_client.post(url, {"seen": "0"})
    early = customer_client.post(url, {"day": day, "slot": "06:00", "seen": "0"})

    assert "the service centre decides" in said(third) and "service hotline" in said(third)
    at_work = order_of(customer_client.customer, S.IN_REPAIR)  # a page left open since before the visit
    late = customer_client.post(
        reverse("portal:order_reschedule", args=[at_work.pk]), {"day": day, "slot": "14:00", "seen": "0"}
    )
    assert "can no longer be moved here" in said(late) and at_work.reschedules.count() == 0
    assert untouched.status_code == 200 and b"Choose a day." in untouched.content
    # The form shown again at the action's address: the language switch goes back to the order's page.
    assert f'name="next" type="hidden" value="{reverse("portal:order_detail", args=[order.pk])}"' in (
        untouched.content.decode()
    )
    assert b"Choose a time." in untouched.content
    assert early.status_code == 200 and b"not one of the available choices" in early.content
    with pytest.raises(ValidationError) as refused:  # a window the page never offers, straight to the service
        visits.visit_reschedule(
            account=customer_client.account,
            work_order=order,
            start=tomorrow_at(6),
            end=tomorrow_at(8),
            seen_reschedules=0,
        )
    assert refused.value.code == "invalid_window" and "service hours" in refused.value.messages[0]
    assert (snapshot(moved_twice), snapshot(order)) == before


# Cancel ---------------------------------------------------------------------------------------------


def test_the_customer_cancels_before_dispatch_only(parties, customer_client):
    new = order_of(customer_client.customer, S.NEW)
    dispatched = order_of(customer_client.customer, S.DISPATCHED)
    url = reverse("portal:order_cancel", args=[new.pk])
    refused_by_others(parties, url, {"reason": "fixed"}, new)
    before = snapshot(dispatched)

    late = customer_client.post(reverse("portal:order_cancel", args=[dispatched.pk]), {"reason": "fixed"})
    answer = customer_client.post(url, {"reason": "fixed", "note": "重启后好了"})

    assert "can no longer be cancelled" in said(late) and "service hotline" in said(late)
    assert snapshot(dispatched) == before
    assert "is cancelled" in said(answer) and "service hotline" in said(answer)
    new.refresh_from_db()
    event = new.events.last()
    assert (new.status, event.to_status, event.actor) == (
        S.CANCELLED,
        S.CANCELLED,
        customer_client.account.user,
    )
    assert "It works again" in event.note and "重启后好了" in event.note


# The code, the confirmation --------------------------------------------------------------------------


@pytest.fixture
def eager_tasks():
    from aftersales.celery import app  # noqa: PLC0415  (the Celery app only for the tests that run tasks)

    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = False


def test_the_code_is_sent_again_while_the_technician_is_at_work(
    parties, customer_client, eager_tasks, django_capture_on_commit_callbacks, outbox
):
    order = order_of(customer_client.customer, S.IN_REPAIR)
    url = reverse("portal:order_confirm", args=[order.pk])
    refused_by_others(parties, url, {"step": "resend_code"}, order)

    with django_capture_on_commit_callbacks(execute=True):
        answer = customer_client.post(url, {"step": "resend_code"})

    assert "139****5678" in said(answer)
    assert [m.to for m in outbox] == ["13912345678"] and outbox[0].secrets
    assert ConfirmationCodeSend.objects.get(work_order=order).sent_by == customer_client.account.user
    done = order_of(customer_client.customer, S.COMPLETED)
    assert "only while the technician is with you" in said(
        customer_client.post(reverse("portal:order_confirm", args=[done.pk]), {"step": "resend_code"})
    )


def test_the_customer_confirms_the_service_once_and_it_is_the_proof_a_closing_lacked(
    parties, customer_client
):
    order = order_of(
        customer_client.customer, S.COMPLETED, closing__proof_exception_reason="客户不在家，家属代收"
    )
    url = reverse("portal:order_confirm", args=[order.pk])
    refused_by_others(parties, url, {"step": "confirm"}, order)
    assert WorkOrderClosing.objects.proof_pending().filter(work_order=order).exists()

    first = customer_client.post(url, {"step": "confirm"})
    second = customer_client.post(url, {"step": "confirm"})

    assert "you confirmed the service is done" in said(first)
    assert "already" in said(second)
    confirmation = VisitConfirmation.objects.get(work_order=order)
    assert (confirmation.by, confirmation.proof_for_closing) == (customer_client.account.user, True)
    closing = WorkOrderClosing.objects.get(work_order=order)
    assert closing.proof_cleared_by == customer_client.account.user and closing.proof_cleared_at
    assert not WorkOrderClosing.objects.proof_pending().filter(work_order=order).exists()
    notes = [e.note for e in order.events.filter(actor=customer_client.account.user)]
    assert len(notes) == 1 and "confirmed the service done" in notes[0]
    # A call logged under a technician's own mobile: the confirmation is kept, the closing waits for a manager.
    own = order_of(customer_client.customer, S.COMPLETED, closing__proof_exception_reason="客户不在家")
    TechnicianFactory(phone=customer_client.account.phone)
    assert "you confirmed the service is done" in said(
        customer_client.post(reverse("portal:order_confirm", args=[own.pk]), {"step": "confirm"})
    )
    assert WorkOrderClosing.objects.proof_pending().filter(work_order=own).exists()
    assert VisitConfirmation.objects.filter(work_order=own, proof_for_closing=False).exists()
    # Not done yet: nothing to confirm.
    open_order = order_of(customer_client.customer, S.IN_REPAIR)
    before = snapshot(open_order)
    customer_client.post(reverse("portal:order_confirm", args=[open_order.pk]), {"step": "confirm"})
    assert snapshot(open_order) == before


# The rating ----------------------------------------------------------------------------------------------


def pending_callback(order) -> Callback:
    return Callback.objects.create(
        call=order.call,
        work_order=order,
        center=order.center,
        reason=CallbackReason.WORK_ORDER_CLOSED,
        due_at=timezone.now() + dt.timedelta(hours=20),
    )


@pytest.mark.parametrize(("stars", "solved"), [(4, "yes"), (2, "no")])
def test_a_rating_inside_the_callback_window_is_the_callbacks_answer(parties, customer_client, stars, solved):
    order = order_of(customer_client.customer, S.COMPLETED)
    callback = pending_callback(order)
    url = reverse("portal:order_rate", args=[order.pk])
    data = {"stars": str(stars), "solved": solved, "comment": "师傅很准时"}
    refused_by_others(parties, url, data, order)

    answer = customer_client.post(url, data)

    assert "Thank you for your rating" in said(answer)
    callback.refresh_from_db()
    assert (callback.status, callback.satisfaction, callback.solved, callback.customer_words) == (
        CallbackStatus.REACHED,
        stars,
        solved == "yes",
        "师傅很准时",
    )
    assert callback.attempts_made.get().by == customer_client.account.user
    rating = VisitRating.objects.get(work_order=order)
    assert (rating.callback, rating.complaint) == (callback, None)
    # Reached, it waits for the office's review; a poor one is not a complaint besides.
    assert not Complaint.objects.filter(work_order=order).exists()
    assert "rated this service already" in said(customer_client.post(url, data))
    assert VisitRating.objects.count() == 1


def test_after_the_callback_window_a_low_rating_is_registered_as_a_complaint(customer_client):
    good = order_of(customer_client.customer, S.CLOSED)
    low = order_of(customer_client.customer, S.CLOSED)
    for order in (good, low):  # the callback reached the customer on the phone before they rated
        Callback.objects.filter(pk=pending_callback(order).pk).update(status=CallbackStatus.DONE)

    customer_client.post(reverse("portal:order_rate", args=[good.pk]), {"stars": "5", "solved": "yes"})
    answer = customer_client.post(
        reverse("portal:order_rate", args=[low.pk]), {"stars": "3", "solved": "no", "comment": "还是不制冷"}
    )
    again = customer_client.post(reverse("portal:order_rate", args=[low.pk]), {"stars": "1", "solved": "no"})

    assert VisitRating.objects.get(work_order=good).complaint is None
    complaint = Complaint.objects.get(work_order=low)
    assert (complaint.category, complaint.received_by) == (
        ComplaintCategory.QUALITY,
        customer_client.account.user,
    )
    assert "还是不制冷" in complaint.description and complaint.reply_due_at > timezone.now()
    assert VisitRating.objects.get(work_order=low).complaint == complaint
    assert "customer care will contact you" in said(answer)
    assert "rated this service already" in said(again) and VisitRating.objects.get(work_order=low).stars == 3
    assert not Complaint.objects.filter(work_order=good).exists()
