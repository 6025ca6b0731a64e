"""Opening remedy requests: the basis and who pays, documents, automatic approval within the sale windows,
the manager's approval queue with its deadline, and the refusals."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from care.choices import Stage, StopReason
from care.models import Deadline
from remedies import services
from remedies.choices import Basis, Payer, RemedyStatus
from remedies.models import RemedyEvent, RemedyRequest
from warranty.rules import RepairRecord

from .helpers import APPLIANCE_DOCS, NOW, PHONE_DOCS, TODAY, TWO_REPAIRS, decided, sold_unit

pytestmark = pytest.mark.django_db


def test_an_exchange_within_the_sale_window_is_approved_at_once_and_the_customer_told(
    users, sms_outbox, django_capture_on_commit_callbacks
):
    unit = sold_unit(days_ago=5, phone=True)
    with django_capture_on_commit_callbacks(execute=True):
        row = services.remedy_request_open(
            decision=decided(unit),
            remedy="exchange",
            documents=PHONE_DOCS,
            acting_user=users["dispatcher"],
            now=NOW,
        )
    assert row.status == RemedyStatus.APPROVED and row.auto_approved
    assert row.basis == Basis.WINDOW_RETURN and row.liable == Payer.SELLER
    assert row.number.startswith("TH20261120-")
    assert not Deadline.objects.filter(remedy_request=row).exists()
    assert [m.to for m in sms_outbox] == ["13900001111"] and row.number in sms_outbox[0].body
    assert RemedyEvent.objects.filter(request=row, to_status=RemedyStatus.APPROVED).exists()


def test_a_missing_document_blocks_the_request_naming_it(users):
    unit = sold_unit(days_ago=10, phone=True)
    with pytest.raises(ValidationError) as caught:
        services.remedy_request_open(
            decision=decided(unit),
            remedy="exchange",
            documents=[d for d in PHONE_DOCS if d != "network_label"],
            acting_user=users["dispatcher"],
            now=NOW,
        )
    assert "进网许可标志" in str(caught.value.message_dict["documents"])
    assert not RemedyRequest.objects.exists()


def test_an_unknown_document_code_is_refused(users):
    unit = sold_unit(days_ago=10, phone=True)
    with pytest.raises(ValidationError) as caught:
        services.remedy_request_open(
            decision=decided(unit),
            remedy="exchange",
            documents=[*PHONE_DOCS, "bogus"],
            acting_user=users["dispatcher"],
        )
    assert "bogus" in str(caught.value.message_dict["documents"])


def test_only_a_supervisor_or_manager_may_accept_missing_documents_and_then_the_manager_decides(users):
    unit = sold_unit(days_ago=10, phone=True)
    decision = decided(unit)
    with pytest.raises(ValidationError) as caught:
        services.remedy_request_open(
            decision=decision,
            remedy="exchange",
            override_reason="发票遗失，有购机记录",
            acting_user=users["dispatcher"],
        )
    assert "override_reason" in caught.value.message_dict
    row = services.remedy_request_open(
        decision=decision,
        remedy="exchange",
        documents=PHONE_DOCS[:3],
        override_reason="发票遗失，有购机记录",
        acting_user=users["supervisor"],
        now=NOW,
    )
    assert row.status == RemedyStatus.AWAITING_APPROVAL and not row.auto_approved
    assert "进网许可标志" in row.override_reason and "发票遗失" in row.override_reason


def test_the_two_repairs_rule_waits_for_the_manager_with_a_deadline_three_working_days_on(users):
    unit = sold_unit(days_ago=120)
    decision = decided(unit, repairs=TWO_REPAIRS)
    assert decision.verdict == "exchange"
    row = services.remedy_request_open(
        decision=decision,
        remedy="exchange",
        documents=APPLIANCE_DOCS,
        acting_user=users["dispatcher"],
        now=NOW,
    )
    assert row.status == RemedyStatus.AWAITING_APPROVAL and row.basis == Basis.TWO_REPAIRS
    # Friday 20 November 2026 → Mon 23, Tue 24, Wed 25.
    assert row.approval_due_at.date() == dt.date(2026, 11, 25)
    deadline = Deadline.objects.get(remedy_request=row)
    assert deadline.stage == Stage.REMEDY_APPROVAL and deadline.due_at == row.approval_due_at
    assert deadline.stopped_at is None


def test_a_request_the_rules_do_not_grant_is_goodwill_for_the_manager(users):
    unit = sold_unit(days_ago=120)
    row = services.remedy_request_open(
        decision=decided(unit),
        remedy="return",
        documents=APPLIANCE_DOCS,
        acting_user=users["dispatcher"],
        now=NOW,
    )
    assert row.basis == Basis.GOODWILL and row.liable == Payer.MAKER
    assert row.status == RemedyStatus.AWAITING_APPROVAL


def test_the_manager_approves_not_their_own_request_and_the_deadline_is_met(
    users, second_manager, sms_outbox, django_capture_on_commit_callbacks
):
    unit = sold_unit(days_ago=120)
    row = services.remedy_request_open(
        decision=decided(unit, repairs=TWO_REPAIRS),
        remedy="exchange",
        documents=APPLIANCE_DOCS,
        acting_user=users["manager"],
        now=NOW,
    )
    with pytest.raises(ValidationError) as caught:
        services.remedy_request_approve(request=row, acting_user=users["manager"])
    assert "自己" in caught.value.messages[0]
    with pytest.raises(ValidationError):
        services.remedy_request_approve(request=row, acting_user=users["supervisor"])
    row.refresh_from_db()
    assert row.status == RemedyStatus.AWAITING_APPROVAL
    sms_outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.remedy_request_approve(request=row, note="同意换货", acting_user=second_manager, now=NOW)
    row.refresh_from_db()
    assert row.status == RemedyStatus.APPROVED and row.decided_by == second_manager
    deadline = Deadline.objects.get(remedy_request=row)
    assert deadline.stop_reason == StopReason.MET and deadline.stopped_at == NOW
    assert len(sms_outbox) == 1 and "批准" in sms_outbox[0].body
    with pytest.raises(ValidationError) as caught:
        services.remedy_request_approve(request=row, acting_user=second_manager)
    assert "已" in caught.value.messages[0]


def test_a_rejection_needs_a_reason_and_tells_the_customer(
    users, sms_outbox, django_capture_on_commit_callbacks
):
    unit = sold_unit(days_ago=120)
    row = services.remedy_request_open(
        decision=decided(unit),
        remedy="return",
        documents=APPLIANCE_DOCS,
        acting_user=users["dispatcher"],
        now=NOW,
    )
    with pytest.raises(ValidationError):
        services.remedy_request_reject(request=row, reason=" ", acting_user=users["manager"])
    sms_outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.remedy_request_reject(
            request=row, reason="不属于三包范围", acting_user=users["manager"], now=NOW
        )
    row.refresh_from_db()
    assert row.status == RemedyStatus.REJECTED and row.decision_note == "不属于三包范围"
    assert "不属于三包范围" in sms_outbox[0].body


def test_two_requests_open_on_one_unit_are_refused(users):
    unit = sold_unit(days_ago=120)
    decision = decided(unit, repairs=TWO_REPAIRS)
    first = services.remedy_request_open(
        decision=decision, remedy="exchange", documents=APPLIANCE_DOCS, acting_user=users["dispatcher"]
    )
    with pytest.raises(ValidationError) as caught:
        services.remedy_request_open(
            decision=decision, remedy="return", documents=APPLIANCE_DOCS, acting_user=users["dispatcher"]
        )
    assert first.number in str(caught.value)
    assert RemedyRequest.objects.count() == 1
    services.remedy_request_cancel(request=first, reason="用户改为维修", acting_user=users["dispatcher"])
    services.remedy_request_open(
        decision=decision, remedy="return", documents=APPLIANCE_DOCS, acting_user=users["dispatcher"]
    )
    assert RemedyRequest.objects.count() == 2


def test_a_dealer_opens_requests_only_for_units_it_sold(users, dealer_factory):
    own = sold_unit(days_ago=3, phone=True, dealer=users["dealer_obj"])
    other = sold_unit(days_ago=3, phone=True, dealer=dealer_factory(code="DL-B"))
    row = services.remedy_request_open(
        decision=decided(own), remedy="return", documents=PHONE_DOCS, acting_user=users["dealer"]
    )
    assert row.dealer == users["dealer_obj"] and row.status == RemedyStatus.APPROVED
    with pytest.raises(ValidationError):
        services.remedy_request_open(
            decision=decided(other), remedy="return", documents=PHONE_DOCS, acting_user=users["dealer"]
        )
    with pytest.raises(ValidationError):
        services.remedy_request_open(
            decision=decided(other), remedy="return", documents=PHONE_DOCS, acting_user=users["technician"]
        )
    assert RemedyRequest.objects.count() == 1


def test_the_repairers_delay_names_the_late_centre_as_payer(users, technician_factory):
    from repairs.factories import RepairCallFactory, WorkOrderFactory

    unit = sold_unit(days_ago=100)
    order = WorkOrderFactory(call=RepairCallFactory(unit=unit), center=users["center"], mode="carry_in")
    late = (RepairRecord(sent_on=TODAY - dt.timedelta(days=40), delay_cause="repairer"),)
    row = services.remedy_request_open(
        decision=decided(unit, repairs=late),
        remedy="exchange",
        documents=APPLIANCE_DOCS,
        acting_user=users["dispatcher"],
    )
    assert row.basis == Basis.DELAY_REPAIRER and row.liable == Payer.REPAIRER
    assert row.work_order == order and row.charged_center == users["center"]
    assert row.status == RemedyStatus.AWAITING_APPROVAL


def test_a_late_approval_is_a_breach_the_sla_scan_escalates_to_the_managers(users):
    from care.models import Notification
    from care.services import sla_scan

    unit = sold_unit(days_ago=120)
    row = services.remedy_request_open(
        decision=decided(unit, repairs=TWO_REPAIRS),
        remedy="exchange",
        documents=APPLIANCE_DOCS,
        acting_user=users["dispatcher"],
        now=NOW,
    )
    result = sla_scan(now=row.approval_due_at + dt.timedelta(minutes=5))
    assert result["breached"] == 1
    deadline = Deadline.objects.get(remedy_request=row)
    assert deadline.breached_at is not None
    told = Notification.objects.filter(deadline=deadline)
    assert told.filter(user=users["manager"]).exists()
    assert all(n.url.endswith(f"/remedies/{row.pk}/") and row.number in n.title for n in told)


def test_a_stale_or_superseded_decision_grounds_no_request(users):
    unit = sold_unit(days_ago=3, phone=True)
    old = decided(unit)
    later = NOW + dt.timedelta(days=31)
    with pytest.raises(ValidationError) as caught:
        services.remedy_request_open(
            decision=old, remedy="return", documents=PHONE_DOCS, acting_user=users["dispatcher"], now=later
        )
    assert "30" in str(caught.value.message_dict["decision"])
    from warranty.services import unit_facts, warranty_decision_record

    newer = warranty_decision_record(
        unit=unit, facts=unit_facts(unit=unit, report_date=TODAY), now=NOW + dt.timedelta(hours=1)
    )
    with pytest.raises(ValidationError) as caught:
        services.remedy_request_open(
            decision=old, remedy="return", documents=PHONE_DOCS, acting_user=users["dispatcher"]
        )
    assert "decision" in caught.value.message_dict
    assert (
        services.remedy_request_open(
            decision=newer,
            remedy="return",
            documents=PHONE_DOCS,
            acting_user=users["dispatcher"],
            now=NOW + dt.timedelta(hours=2),
        ).status
        == RemedyStatus.APPROVED
    )
