"""The domain-event registry: a work order's change reaches the apps above repairs without repairs naming
them, in the change's own transaction."""

import pytest
from django.core.management import call_command
from django.db import transaction

from aftersales import events, extensions
from network.factories import UserFactory
from repairs import services
from repairs.choices import WorkOrderStatus as S
from repairs.factories import WorkOrderFactory
from repairs.models import WorkOrderEvent

pytestmark = pytest.mark.django_db


def test_care_and_integrations_listen_to_work_order_changes_in_that_order(capsys):
    from care.services import work_order_changed
    from integrations.services import work_order_event_notify

    assert events._listeners[events.WORK_ORDER_CHANGED] == [work_order_changed, work_order_event_notify]
    call_command("domain_events")
    out = capsys.readouterr().out
    assert "work_order.changed" in out
    assert f"{work_order_changed.__module__}.work_order_changed" in out


def test_an_unknown_event_is_refused_by_name():
    with pytest.raises(ValueError, match="work_order.closed_typo"):
        events.publish("work_order.closed_typo", order=None)
    with pytest.raises(ValueError, match="work_order.closed_typo"):
        events.subscribe("work_order.closed_typo", print)


def test_a_listener_hears_each_transition_once_and_a_failing_one_undoes_the_change():
    heard = []

    def listener(*, order, previous, now):
        heard.append((order.pk, previous, order.status))

    def failing(*, order, previous, now):
        raise RuntimeError("listener failed")

    order = WorkOrderFactory(status=S.NEW)
    dispatcher = UserFactory(roles=["dispatcher"])
    events.subscribe(events.WORK_ORDER_CHANGED, listener)
    events.subscribe(events.WORK_ORDER_CHANGED, listener)  # registered once
    try:
        services.work_order_transition(
            work_order=order, to_status=S.CANCELLED, acting_user=dispatcher, note="客户已自行修好"
        )
        assert heard == [(order.pk, S.NEW, S.CANCELLED)]

        other = WorkOrderFactory(status=S.NEW)
        events.subscribe(events.WORK_ORDER_CHANGED, failing)
        with pytest.raises(RuntimeError), transaction.atomic():
            services.work_order_transition(
                work_order=other, to_status=S.CANCELLED, acting_user=dispatcher, note="客户已自行修好"
            )
        other.refresh_from_db()
        assert other.status == S.NEW
        assert not WorkOrderEvent.objects.filter(work_order=other).exists()
    finally:
        events._listeners[events.WORK_ORDER_CHANGED].remove(listener)
        if failing in events._listeners[events.WORK_ORDER_CHANGED]:
            events._listeners[events.WORK_ORDER_CHANGED].remove(failing)


def test_care_answers_the_call_pages_and_the_warranty_engines_questions():
    assert extensions.providers() == {
        extensions.REPAIR_CALL_PAGE: ["care.selectors.call_care"],
        extensions.CARRY_IN_DELAYS: ["care.selectors.carry_in_delays"],
        extensions.WORK_ORDER_CUSTOMER: ["portal.visits.acts_as_customer"],
        extensions.UNIT_CARD_QR: ["portal.qr.unit_card_qr"],
    }
    assert extensions.ask(extensions.CARRY_IN_DELAYS, None, order_ids=[]) == {}
    with pytest.raises(ValueError, match="no_such_question"):
        extensions.ask("no_such_question", None)


def test_a_question_nobody_answers_gets_its_default_and_two_answers_are_refused():
    name = extensions.CARRY_IN_DELAYS
    saved = list(extensions._providers[name])
    try:
        extensions._providers[name].clear()
        assert extensions.ask(name, {"none": True}, order_ids=[1]) == {"none": True}
        extensions.provide(name, lambda *, order_ids: {1: "repairer"})
        extensions.provide(name, lambda *, order_ids: {1: "parts_supply"})
        with pytest.raises(RuntimeError, match="2 providers"):
            extensions.ask(name, {}, order_ids=[1])
    finally:
        extensions._providers[name][:] = saved
